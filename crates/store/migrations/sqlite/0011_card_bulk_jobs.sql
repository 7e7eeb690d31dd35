-- Bulk work on cards found by the incident tools (issue 5, point 8; R-SV and
-- R-STATUS-TRUTH, the incidents of 2023): `carepki card find ... --notify |
-- --revoke | --reorder`. A job keeps the filter it was started with, the action,
-- and the list of matched card orders fixed at start (one item each, in order);
-- each item's outcome is stored as it is reached, so an interrupted job resumes
-- with the items not yet done and never acts on a card twice.

-- state: running (a process works on it; updated_at moves with every item),
-- interrupted (stopped on Ctrl-C or by its caller; resumable), finished.
CREATE TABLE card_bulk_jobs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    action      TEXT NOT NULL CHECK (action IN ('notify', 'revoke', 'reorder')),
    filter      TEXT NOT NULL,
    params      TEXT NOT NULL DEFAULT '{}',
    state       TEXT NOT NULL CHECK (state IN ('running', 'interrupted', 'finished')),
    items_total BIGINT NOT NULL CHECK (items_total >= 0),
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    finished_at BIGINT NULL
);

-- outcome: pending (not reached), started (the action was begun: a resume checks
-- what was already done before acting), done, skipped (why in detail), failed
-- (why in detail; tried again on resume).
CREATE TABLE card_bulk_items (
    job_id     BIGINT NOT NULL REFERENCES card_bulk_jobs (id),
    position   BIGINT NOT NULL,
    order_id   BIGINT NOT NULL REFERENCES card_orders (id),
    matched    TEXT NOT NULL DEFAULT '',
    outcome    TEXT NOT NULL
        CHECK (outcome IN ('pending', 'started', 'done', 'skipped', 'failed')),
    detail     TEXT NULL,
    attempts   BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NULL,
    PRIMARY KEY (job_id, order_id),
    UNIQUE (job_id, position)
);

CREATE INDEX card_bulk_items_order ON card_bulk_items (order_id);
