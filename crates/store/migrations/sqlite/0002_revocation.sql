-- Revocation, CRLs and OCSP (issue 3). The PostgreSQL twin is ../postgres/0002_revocation.sql.

-- invalidity_date: when the key is known or suspected to have become unusable
-- (RFC 5280 §5.3.2), given by the requester; NULL if not given.
ALTER TABLE certificates ADD COLUMN invalidity_date BIGINT NULL;
-- revocation_seq: the position of this revocation in the log of all revocations,
-- 1, 2, 3, ... Delta CRLs hold the revocations after their base CRL's position;
-- OCSP publishers follow it to replace responses at once.
ALTER TABLE certificates ADD COLUMN revocation_seq BIGINT NULL;

CREATE UNIQUE INDEX certificates_revocation_seq ON certificates (revocation_seq)
    WHERE revocation_seq IS NOT NULL;
-- What a CRL of one CA reads: its revoked certificates, in revocation order.
CREATE INDEX certificates_revoked_by_ca ON certificates (ca_id, revocation_seq)
    WHERE revocation_seq IS NOT NULL;

-- Every CRL published, full and delta. Full and delta CRLs of a CA share one
-- increasing number sequence (RFC 5280 §5.2.3).
CREATE TABLE crls (
    ca_id          TEXT NOT NULL REFERENCES cas (id),
    number         BIGINT NOT NULL CHECK (number >= 1),
    kind           TEXT NOT NULL CHECK (kind IN ('full', 'delta')),
    base_number    BIGINT NULL, -- delta CRLs: the full CRL they update
    revocation_seq BIGINT NOT NULL, -- holds every revocation of the CA up to this position
    this_update    BIGINT NOT NULL,
    next_update    BIGINT NOT NULL,
    entries        BIGINT NOT NULL,
    bytes          BIGINT NOT NULL,
    sha256         TEXT NOT NULL, -- lower-case hex of the DER
    file           TEXT NOT NULL, -- path relative to the data directory
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (ca_id, number),
    CHECK ((kind = 'delta') = (base_number IS NOT NULL))
);

-- Delegated OCSP responder certificates (id-kp-OCSPSigning), one current per CA.
-- The certificate itself is also in `certificates` (profile 'ocsp-responder'),
-- issued by the normal cycle.
CREATE TABLE ocsp_responders (
    serial     TEXT PRIMARY KEY NOT NULL REFERENCES certificates (serial),
    ca_id      TEXT NOT NULL REFERENCES cas (id),
    key_file   TEXT NOT NULL, -- path relative to the data directory
    not_before BIGINT NOT NULL,
    not_after  BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE INDEX ocsp_responders_ca ON ocsp_responders (ca_id, not_after);

-- The pre-signed OCSP response of every certificate (SHA-1 CertID, RFC 5019).
CREATE TABLE ocsp_responses (
    serial           TEXT PRIMARY KEY NOT NULL REFERENCES certificates (serial),
    ca_id            TEXT NOT NULL REFERENCES cas (id),
    cert_status      TEXT NOT NULL CHECK (cert_status IN ('good', 'revoked')),
    this_update      BIGINT NOT NULL,
    next_update      BIGINT NOT NULL,
    responder_serial TEXT NOT NULL,
    der              BLOB NOT NULL
);

CREATE INDEX ocsp_responses_next_update ON ocsp_responses (next_update);
