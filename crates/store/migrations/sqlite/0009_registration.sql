-- The card registration system (issue 5; R-REG-POINT, R-ORDER, R-CARD-TYPES):
-- registration points, their registrars, powers of attorney, and card orders.
-- The RA (carepki-ra `cards`) decides the rules; these tables keep the outcome.

-- A registration point of an organisation in the register. It exists only with
-- the agreement accepted: who (a CA officer's actor id) and when.
CREATE TABLE registration_points (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    org_oid               TEXT NOT NULL REFERENCES organisations (oid),
    name                  TEXT NOT NULL,
    agreement_accepted_by TEXT NOT NULL,
    agreement_accepted_at BIGINT NOT NULL,
    created_at            BIGINT NOT NULL
);

CREATE INDEX registration_points_org ON registration_points (org_oid);

-- A registrar of a point: an e-service user with the CA's registrar training.
-- The training certificate (a PDF) is kept with its SHA-256.
CREATE TABLE registrars (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    point_id          BIGINT NOT NULL REFERENCES registration_points (id),
    user_id           BIGINT NOT NULL REFERENCES users (id),
    state             TEXT NOT NULL CHECK (state IN ('pending', 'approved')),
    training_filename TEXT NOT NULL,
    training_sha256   TEXT NOT NULL CHECK (length(training_sha256) = 64),
    training_pdf      BLOB NOT NULL,
    training_size     BIGINT NOT NULL CHECK (training_size > 0),
    added_by          TEXT NOT NULL,
    added_at          BIGINT NOT NULL,
    approved_by       TEXT NULL,
    approved_at       BIGINT NULL,
    UNIQUE (point_id, user_id)
);

CREATE INDEX registrars_user ON registrars (user_id);

-- A private organisation's power of attorney to a (public) registration point
-- to order staff and actor cards for it (R-ORDER). Revocable: revoked_at set.
CREATE TABLE powers_of_attorney (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    grantor_oid   TEXT NOT NULL REFERENCES organisations (oid),
    point_id      BIGINT NOT NULL REFERENCES registration_points (id),
    granted_by    TEXT NOT NULL,
    granted_at    BIGINT NOT NULL,
    revoked_by    TEXT NULL,
    revoked_at    BIGINT NULL,
    revoke_reason TEXT NULL
);

-- One live power of attorney per grantor and point.
CREATE UNIQUE INDEX powers_of_attorney_live ON powers_of_attorney (grantor_oid, point_id)
    WHERE revoked_at IS NULL;

-- A card order: one row per card (a test order of n cards is n rows with the
-- same batch). holder and identity_check are JSON; identity_check records the
-- document's type, number, issuing country and expiry, never a copy of it.
CREATE TABLE card_orders (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    point_id       BIGINT NOT NULL REFERENCES registration_points (id),
    registrar_id   BIGINT NOT NULL REFERENCES registrars (id),
    kind           TEXT NOT NULL
        CHECK (kind IN ('professional', 'staff', 'actor', 'temporary', 'test')),
    state          TEXT NOT NULL
        CHECK (state IN ('ordered', 'produced', 'activated', 'revoked')),
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

CREATE INDEX card_orders_point ON card_orders (point_id, id);
CREATE INDEX card_orders_holder ON card_orders (holder_number, state);

-- CarePKI-assigned holder numbers (staff and actor cards): one row per number
-- handed out, so that two orders never get the same number, in one process or
-- several (AUTOINCREMENT never reuses a number; gaps are harmless).
CREATE TABLE holder_numbers (
    n           INTEGER PRIMARY KEY AUTOINCREMENT,
    assigned_by TEXT NOT NULL,
    assigned_at BIGINT NOT NULL
);
