-- CarePKI initial schema (SQLite). The PostgreSQL twin is ../postgres/0001_initial.sql.
-- Times are BIGINT unix seconds UTC. Booleans are BIGINT 0/1: the sqlx Any driver
-- cannot decode SQLite BOOLEAN columns. JSON is stored as TEXT.

CREATE TABLE organisations (
    oid                TEXT PRIMARY KEY NOT NULL,
    name_fi            TEXT NOT NULL,
    name_sv            TEXT NOT NULL,
    name_en            TEXT NOT NULL,
    business_id        TEXT NOT NULL,
    sector             TEXT NOT NULL CHECK (sector IN ('public', 'private')),
    kanta_intermediary BIGINT NOT NULL CHECK (kanta_intermediary IN (0, 1)),
    domains            TEXT NOT NULL, -- JSON array of strings
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    -- Raised by every change: issuance checks, in the writer's transaction, that the
    -- record it built a certificate from is still the current one.
    version            BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE cas (
    id                  TEXT PRIMARY KEY NOT NULL,
    hierarchy           TEXT NOT NULL CHECK (hierarchy IN ('production', 'test')),
    role                TEXT NOT NULL,
    parent_id           TEXT NULL REFERENCES cas (id),
    subject             TEXT NOT NULL,
    serial              TEXT NOT NULL,
    not_before          BIGINT NOT NULL,
    not_after           BIGINT NOT NULL,
    key_algorithm       TEXT NOT NULL,
    signature_algorithm TEXT NOT NULL,
    key_file            TEXT NOT NULL,
    cert_der            BLOB NOT NULL,
    created_at          BIGINT NOT NULL
);

CREATE TABLE serials (
    serial      TEXT PRIMARY KEY NOT NULL CHECK (serial = lower(serial)), -- lower-case hex
    ca_id       TEXT NOT NULL REFERENCES cas (id),
    state       TEXT NOT NULL CHECK (state IN ('reserved', 'linted', 'issued', 'abandoned')),
    reserved_at BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- Only unfinished serials: the recovery of stale reservations looks for them, and
-- issued or abandoned serials (nearly all) stay out of the index.
CREATE INDEX serials_unfinished ON serials (reserved_at) WHERE state IN ('reserved', 'linted');

CREATE TABLE certificates (
    serial            TEXT PRIMARY KEY NOT NULL REFERENCES serials (serial),
    ca_id             TEXT NOT NULL REFERENCES cas (id),
    profile           TEXT NOT NULL,
    org_oid           TEXT NULL REFERENCES organisations (oid),
    subject           TEXT NOT NULL,
    spki_sha256       TEXT NOT NULL, -- lower-case hex
    not_before        BIGINT NOT NULL,
    not_after         BIGINT NOT NULL,
    tbs_der           BLOB NOT NULL,
    der               BLOB NULL, -- NULL until signed
    status            TEXT NOT NULL CHECK (status IN ('pending', 'valid', 'revoked', 'abandoned')),
    created_at        BIGINT NOT NULL,
    issued_at         BIGINT NULL,
    revoked_at        BIGINT NULL,
    revocation_reason TEXT NULL
);

CREATE INDEX certificates_org_oid ON certificates (org_oid);
CREATE INDEX certificates_spki_sha256 ON certificates (spki_sha256);
-- Status and CA are not indexed here: every issuance changes the status, and the
-- queries by status and CA (CRLs, status audits) come with their own, narrower
-- indexes in the migrations that need them.

CREATE TABLE audit_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      BIGINT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    ca_id   TEXT NULL,
    serial  TEXT NULL,
    org_oid TEXT NULL,
    details TEXT NOT NULL -- JSON
);

CREATE INDEX audit_events_serial ON audit_events (serial);
