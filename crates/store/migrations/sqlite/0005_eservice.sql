-- The e-service's accounts and applications (issue 4: R-ACCOUNT, R-STAGES,
-- R-CSR, R-CONFORMITY, R-SLA, R-LAPSE). The PostgreSQL twin is
-- ../postgres/0005_eservice.sql.
--
-- No national identity code or OIDC subject is stored in clear: `users` keeps
-- an HMAC-SHA256 of it under a server-side key that never enters the database.
-- No invitation token is stored either: only its SHA-256.
--
-- Role, state and action names are those of carepki-policy's `Role::as_str`,
-- `StateKind::as_str` and `ActionKind::as_str` (kebab-case). States and actions
-- are not CHECKed here, so that the policy may add one without a migration;
-- the roles, which grant access, are.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Lower-case hex HMAC-SHA256 of the identity (never the identity itself).
    subject_hash  TEXT NOT NULL UNIQUE CHECK (length(subject_hash) = 64),
    display_name  TEXT NOT NULL,
    email         TEXT NOT NULL,
    language      TEXT NOT NULL CHECK (language IN ('fi', 'sv', 'en')),
    created_at    BIGINT NOT NULL,
    last_login_at BIGINT NULL
);

-- A user's roles in organisations; a user may act for several (R-ACCOUNT).
CREATE TABLE memberships (
    user_id    BIGINT NOT NULL REFERENCES users (id),
    org_oid    TEXT NOT NULL REFERENCES organisations (oid),
    role       TEXT NOT NULL CHECK (role IN ('org-admin', 'org-user', 'technical-contact')),
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL, -- the actor id that granted it
    PRIMARY KEY (user_id, org_oid, role)
);

CREATE INDEX memberships_org ON memberships (org_oid);

-- Roles of the CA itself, for no organisation.
CREATE TABLE global_roles (
    user_id    BIGINT NOT NULL REFERENCES users (id),
    role       TEXT NOT NULL CHECK (role IN ('ca-officer', 'auditor')),
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE applications (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    org_oid       TEXT NOT NULL REFERENCES organisations (oid),
    profile       TEXT NOT NULL,
    state         TEXT NOT NULL,
    -- The policy's ApplicationFacts as the caller serialised them (JSON).
    facts         TEXT NOT NULL,
    -- Raised by every change: a change made from an older version is refused.
    version       BIGINT NOT NULL CHECK (version >= 1),
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    created_by    TEXT NOT NULL,
    -- As the policy decided them: start of the delivery time, its due date
    -- (R-SLA; set exactly while the application counts towards it), and since
    -- when it has been pending in the sense of R-LAPSE (set while it can lapse).
    completed_at  BIGINT NULL,
    due_at        BIGINT NULL,
    pending_since BIGINT NULL
);

CREATE INDEX applications_org ON applications (org_oid, id);
-- The officer queue and the lapse job.
CREATE INDEX applications_due ON applications (due_at, id) WHERE due_at IS NOT NULL;
CREATE INDEX applications_pending ON applications (pending_since, id) WHERE pending_since IS NOT NULL;

-- The timeline the applicant sees (R-STAGES), in id order.
CREATE TABLE application_events (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    state          TEXT NOT NULL, -- the state after the action
    at             BIGINT NOT NULL,
    actor_id       TEXT NOT NULL,
    role           TEXT NOT NULL,
    action         TEXT NOT NULL,
    detail         TEXT NOT NULL -- JSON
);

CREATE INDEX application_events_app ON application_events (application_id, id);

CREATE TABLE application_attachments (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    kind           TEXT NOT NULL CHECK (kind IN ('csr', 'conformity')),
    filename       TEXT NOT NULL,
    content_type   TEXT NOT NULL,
    sha256         TEXT NOT NULL CHECK (length(sha256) = 64), -- of bytes, lower-case hex
    bytes          BLOB NOT NULL,
    size           BIGINT NOT NULL CHECK (size > 0),
    uploaded_by    TEXT NOT NULL,
    uploaded_at    BIGINT NOT NULL
);

CREATE INDEX application_attachments_app ON application_attachments (application_id, id);

-- Single-use invitations by email (R-ACCOUNT). A technical contact is invited
-- to one application; the other roles to the organisation.
CREATE TABLE invitations (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Lower-case hex SHA-256 of the token in the link (never the token).
    token_hash     TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
    email          TEXT NOT NULL,
    org_oid        TEXT NOT NULL REFERENCES organisations (oid),
    role           TEXT NOT NULL CHECK (role IN ('org-admin', 'org-user', 'technical-contact')),
    application_id BIGINT NULL REFERENCES applications (id),
    expires_at     BIGINT NOT NULL,
    used_at        BIGINT NULL,
    used_by        BIGINT NULL REFERENCES users (id),
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    CHECK ((role = 'technical-contact') = (application_id IS NOT NULL)),
    CHECK ((used_at IS NULL) = (used_by IS NULL))
);

CREATE INDEX invitations_org ON invitations (org_oid, id);
