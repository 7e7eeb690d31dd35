-- The professional registers (issue 5, point 1: R-CARD-TYPES, R-SV): the
-- people of Terhikki (healthcare) and Suosikki (social welfare), their rights,
-- and what a re-import found ended. The SQLite twin is
-- ../sqlite/0007_professionals.sql.
--
-- A re-import is a sync (Store::sync_professionals): rows are never deleted. A
-- person or right missing from the latest import keeps its row with
-- removed_at set, so findings and history keep what they refer to.

CREATE TABLE professionals (
    -- 11 digits; text, leading zeros are part of it.
    registration_number TEXT PRIMARY KEY CHECK (length(registration_number) = 11),
    surname             TEXT NOT NULL,
    given_names         TEXT NOT NULL,
    birth_year          BIGINT NULL,
    -- The prescriber's identifier (yksilöintitunnus), 6 digits (R-SV).
    sv_number           TEXT NULL CHECK (sv_number IS NULL OR length(sv_number) = 6),
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    -- When an import no longer listed the person; NULL while he is in the register.
    removed_at          BIGINT NULL,
    -- Raised by every change, for the card workflow's optimistic checks.
    version             BIGINT NOT NULL DEFAULT 1
);

-- Store::professionals_by_sv. Not unique: the register's file decides (the
-- policy refuses a file that gives one SV number to two people), and a removed
-- person keeps his row.
CREATE INDEX professionals_sv_number ON professionals (sv_number) WHERE sv_number IS NOT NULL;

-- One row per right to practise (ammattioikeus). A table rather than a JSON
-- column: rights are compared one by one on every sync, findings point at
-- them, and the card workflow asks "which rights end before X" (an index no
-- portable JSON column has).
CREATE TABLE professional_rights (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    registration_number TEXT NOT NULL REFERENCES professionals (registration_number),
    register            TEXT NOT NULL CHECK (register IN ('terhikki', 'suosikki')),
    -- The register's code of the right, and its name.
    profession          TEXT NOT NULL,
    title               TEXT NOT NULL,
    right_kind          TEXT NOT NULL CHECK (right_kind IN ('licensed', 'protected_title', 'limited')),
    -- The register's dates (YYYY-MM-DD, Helsinki), valid_until being the last valid day...
    valid_from          TEXT NOT NULL CHECK (length(valid_from) = 10),
    valid_until         TEXT NULL CHECK (valid_until IS NULL OR length(valid_until) = 10),
    -- ...and the instants they mean: valid while starts_at <= now < ends_at.
    starts_at           BIGINT NOT NULL,
    ends_at             BIGINT NULL,
    prescribing         BIGINT NOT NULL CHECK (prescribing IN (0, 1)),
    restrictions        TEXT NOT NULL, -- JSON array of strings
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    -- When an import no longer listed the right (or the person).
    removed_at          BIGINT NULL,
    -- When a sync found the right ended (expired or removed); NULL while it is
    -- valid or not yet started. A right that is valid again gets NULL back.
    ended_at            BIGINT NULL,
    UNIQUE (registration_number, register, profession, valid_from),
    CHECK ((valid_until IS NULL) = (ends_at IS NULL)),
    CHECK (ends_at IS NULL OR ends_at > starts_at)
);

-- Rights that will end and have not been found ended: for a job that finds
-- expiries between imports.
CREATE INDEX professional_rights_ends_at ON professional_rights (ends_at)
    WHERE ended_at IS NULL AND ends_at IS NOT NULL;

-- What a sync found ended, for the card workflow: revoke the person's card
-- certificates (affiliationChanged) or flag them for a registrar, as
-- on_ended says (the ceremony's [registers] on_right_ended at detection).
CREATE TABLE register_findings (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    registration_number TEXT NOT NULL REFERENCES professionals (registration_number),
    right_id            BIGINT NOT NULL REFERENCES professional_rights (id),
    -- expired: valid_until has passed; removed: the right is gone from the
    -- register; person-removed: the whole person is gone.
    kind                TEXT NOT NULL CHECK (kind IN ('expired', 'removed', 'person-removed')),
    on_ended            TEXT NOT NULL CHECK (on_ended IN ('flag', 'revoke')),
    detected_at         BIGINT NOT NULL,
    resolved_at         BIGINT NULL,
    resolved_by         TEXT NULL,
    resolution          TEXT NULL,
    CHECK ((resolved_at IS NULL) = (resolved_by IS NULL)),
    CHECK ((resolved_at IS NULL) = (resolution IS NULL))
);

CREATE INDEX register_findings_open ON register_findings (id) WHERE resolved_at IS NULL;
CREATE INDEX register_findings_right ON register_findings (right_id);
CREATE INDEX register_findings_person ON register_findings (registration_number);
