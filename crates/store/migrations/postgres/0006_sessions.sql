-- The e-service's sign-in sessions, pending OIDC logins and the API tokens of
-- organisations' systems (issue 4: R-ACCOUNT). The SQLite twin is
-- ../sqlite/0006_sessions.sql.
--
-- No secret is stored in clear: a session is keyed by the SHA-256 of the
-- random token in its cookie, a pending login by the SHA-256 of its OIDC
-- `state`, and an API token by the SHA-256 of the bearer token. The nonce and
-- PKCE verifier of a login in flight are kept as they are (the callback needs
-- them), for minutes, and deleted when the login completes.

-- Server-side sessions. Valid while now < idle_expires_at (slid forward by
-- use, never past expires_at) and now < expires_at (absolute).
CREATE TABLE sessions (
    -- Lower-case hex SHA-256 of the cookie's token (never the token).
    id_hash         TEXT PRIMARY KEY CHECK (length(id_hash) = 64),
    user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The organisation the user currently acts for (R-ACCOUNT: he may act for
    -- several); NULL until he chooses one.
    org_oid         TEXT NULL REFERENCES organisations (oid) ON DELETE SET NULL,
    created_at      BIGINT NOT NULL,
    last_seen_at    BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    idle_expires_at BIGINT NOT NULL,
    CHECK (idle_expires_at <= expires_at)
);

CREATE INDEX sessions_user ON sessions (user_id);
-- The purge: idle_expires_at <= expires_at, so every expired session has
-- idle_expires_at <= now.
CREATE INDEX sessions_idle_expiry ON sessions (idle_expires_at);

-- Authorization requests in flight: single use, minutes long.
CREATE TABLE oidc_logins (
    -- Lower-case hex SHA-256 of the `state` parameter (never the state).
    state_hash    TEXT PRIMARY KEY CHECK (length(state_hash) = 64),
    nonce         TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    -- The local path to return to after sign-in.
    return_to     TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);

CREATE INDEX oidc_logins_expiry ON oidc_logins (expires_at);

-- Bearer tokens of an organisation's systems for the REST API.
CREATE TABLE api_tokens (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_oid      TEXT NOT NULL REFERENCES organisations (oid),
    name         TEXT NOT NULL,
    -- Lower-case hex SHA-256 of the token (never the token).
    token_hash   TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
    created_by   TEXT NOT NULL, -- the actor id
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    revoked_at   BIGINT NULL,
    revoked_by   TEXT NULL,
    last_used_at BIGINT NULL,
    CHECK (expires_at > created_at),
    CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);

CREATE INDEX api_tokens_org ON api_tokens (org_oid, id);

-- An organisation's audit trail, newest first.
CREATE INDEX audit_events_org ON audit_events (org_oid, id) WHERE org_oid IS NOT NULL;
