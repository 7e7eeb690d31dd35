-- Cards ordered "as before" (issue 5: self-service renewal, R-SELF-RENEW, and the
-- CA's re-issue of faulty cards, R-SV): the new order's replaces_order names the
-- order of the card it replaces (for a temporary card it names the pending order
-- it stands in for, as before). One card is replaced at most once while the
-- replacement lives: a second renewal or re-order of the same card is refused
-- by this index, also when two processes race.
CREATE UNIQUE INDEX card_orders_one_replacement ON card_orders (replaces_order)
    WHERE replaces_order IS NOT NULL AND kind <> 'temporary' AND state <> 'revoked';

-- A card by either certificate's serial (card sign-in finds the holder's order
-- by the authentication certificate; the incident tools by either).
CREATE INDEX card_orders_auth_serial ON card_orders (auth_serial) WHERE auth_serial IS NOT NULL;
CREATE INDEX card_orders_sign_serial ON card_orders (sign_serial) WHERE sign_serial IS NOT NULL;
