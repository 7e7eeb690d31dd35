-- A card order can be cancelled before its card is produced (issue 5: a
-- registrar's mistaken order, or one whose holder lost his right since): the
-- state 'cancelled'. (SQLite rebuilds the table for this; PostgreSQL changes
-- the constraint in place.) A cancelled replacement is not a live one for the
-- one-replacement index of 0010. Also: an index for an organisation's cards
-- (Store::card_orders_of_org).
ALTER TABLE card_orders DROP CONSTRAINT card_orders_state_check;
ALTER TABLE card_orders ADD CONSTRAINT card_orders_state_check
    CHECK (state IN ('ordered', 'produced', 'activated', 'revoked', 'cancelled'));

DROP INDEX card_orders_one_replacement;
CREATE UNIQUE INDEX card_orders_one_replacement ON card_orders (replaces_order)
    WHERE replaces_order IS NOT NULL AND kind <> 'temporary'
      AND state NOT IN ('revoked', 'cancelled');

CREATE INDEX card_orders_org ON card_orders (org_oid, id) WHERE org_oid IS NOT NULL;
