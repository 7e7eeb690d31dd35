-- no-transaction
-- A card order can be cancelled before its card is produced (issue 5: a
-- registrar's mistaken order, or one whose holder lost his right since): the
-- state 'cancelled'. SQLite cannot change a CHECK constraint in place, so the
-- table is rebuilt as its documentation prescribes (ALTER TABLE, "making other
-- kinds of table schema changes"): foreign keys off (outside a transaction, or
-- the pragma is a no-op), then in one transaction a new table, the rows copied
-- with their ids, the AUTOINCREMENT counter carried over (an id is never handed
-- out twice), the old table dropped, the new one renamed, its indexes made
-- again, and the foreign keys checked (card_bulk_items and replaces_order
-- point at card_orders by name, so they point at the new table). The script
-- can run again after a crash before sqlx records it: it rebuilds once more.
-- Also: an index for an organisation's cards (Store::card_orders_of_org).
PRAGMA foreign_keys = OFF;

BEGIN;

CREATE TABLE card_orders_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    point_id       BIGINT NOT NULL REFERENCES registration_points (id),
    registrar_id   BIGINT NOT NULL REFERENCES registrars (id),
    kind           TEXT NOT NULL
        CHECK (kind IN ('professional', 'staff', 'actor', 'temporary', 'test')),
    state          TEXT NOT NULL
        CHECK (state IN ('ordered', 'produced', 'activated', 'revoked', 'cancelled')),
    holder_number  TEXT NOT NULL,
    holder         TEXT NOT NULL,
    org_oid        TEXT NULL REFERENCES organisations (oid),
    identity_check TEXT NULL,
    batch          BIGINT NULL,
    replaces_order BIGINT NULL REFERENCES card_orders (id),
    card_label     TEXT NULL,
    auth_serial    TEXT NULL,
    sign_serial    TEXT NULL,
    detail         TEXT NOT NULL DEFAULT '{}',
    version        BIGINT NOT NULL DEFAULT 1,
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

INSERT INTO card_orders_new (id, point_id, registrar_id, kind, state, holder_number, holder,
    org_oid, identity_check, batch, replaces_order, card_label, auth_serial, sign_serial,
    detail, version, created_by, created_at, updated_at)
SELECT id, point_id, registrar_id, kind, state, holder_number, holder,
    org_oid, identity_check, batch, replaces_order, card_label, auth_serial, sign_serial,
    detail, version, created_by, created_at, updated_at
FROM card_orders;

DELETE FROM sqlite_sequence WHERE name = 'card_orders_new';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'card_orders_new', seq FROM sqlite_sequence WHERE name = 'card_orders';

DROP TABLE card_orders;
ALTER TABLE card_orders_new RENAME TO card_orders;

CREATE INDEX card_orders_point ON card_orders (point_id, id);
CREATE INDEX card_orders_holder ON card_orders (holder_number, state);
CREATE INDEX card_orders_org ON card_orders (org_oid, id) WHERE org_oid IS NOT NULL;
-- One live replacement per card (0010): a cancelled replacement is not live.
CREATE UNIQUE INDEX card_orders_one_replacement ON card_orders (replaces_order)
    WHERE replaces_order IS NOT NULL AND kind <> 'temporary'
      AND state NOT IN ('revoked', 'cancelled');
CREATE INDEX card_orders_auth_serial ON card_orders (auth_serial) WHERE auth_serial IS NOT NULL;
CREATE INDEX card_orders_sign_serial ON card_orders (sign_serial) WHERE sign_serial IS NOT NULL;

COMMIT;

PRAGMA foreign_keys = ON;
