-- The mail outbox (issue 4, R-DELIVERY). The PostgreSQL twin is ../postgres/0004_outbox.sql.
--
-- A mail is queued in the same database as everything else and sent later by
-- SMTP (carepki-ra's `Outbox`), so it survives restarts and is retried. A row
-- goes queued -> sending (claimed by one sender, with a lease) -> sent, or back
-- to queued with a later next_attempt_at after a transient error, or to failed
-- (permanent error, or too many attempts). A 'sending' row whose lease ran out
-- (its sender crashed) is claimable again: delivery is at least once, and the
-- Message-ID derived from dedupe_key lets receivers drop a duplicate.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Names the notification, e.g. 'delivery:<application>:<serial>': the same
    -- notification is never queued twice.
    dedupe_key      TEXT NOT NULL UNIQUE,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    body_html       TEXT NULL,
    -- What the mail is about, copied into its audit events.
    org_oid         TEXT NULL,
    serial          TEXT NULL,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    -- Attempts started (a claim counts as one, even if its sender crashed).
    attempts        BIGINT NOT NULL DEFAULT 0,
    -- queued: when it may be tried (again); sending: when its lease runs out
    -- (equal to claimed_until), so one index finds every claimable row.
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT NULL,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT NULL,
    claimed_by      TEXT NULL,
    claimed_until   BIGINT NULL,
    CHECK ((status = 'sending') = (claimed_by IS NOT NULL AND claimed_until IS NOT NULL)),
    CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);

-- The rows a sender may claim, in order of when they are due.
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE status IN ('queued', 'sending');

CREATE TABLE outbox_attachments (
    outbox_id    BIGINT NOT NULL REFERENCES outbox (id),
    position     BIGINT NOT NULL CHECK (position >= 0), -- order in the mail, from 0
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes        BLOB NOT NULL,
    PRIMARY KEY (outbox_id, position)
);
