-- Applications for a registration point (issue 5 point 2; R-REG-POINT): an
-- organisation's administrator applies in the e-service and signs the
-- registration point agreement there (who, when, which version of the text);
-- a CA officer accepts (the point is created in the same transaction, with his
-- acceptance recorded in registration_points) or rejects with a reason.
CREATE TABLE regpoint_applications (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    org_oid           TEXT NOT NULL REFERENCES organisations (oid),
    name              TEXT NOT NULL,
    agreement_version TEXT NOT NULL,
    signed_by         TEXT NOT NULL,
    signed_at         BIGINT NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected')),
    decided_by        TEXT NULL,
    decided_at        BIGINT NULL,
    decision_reason   TEXT NULL,
    point_id          BIGINT NULL REFERENCES registration_points (id)
);

CREATE INDEX regpoint_applications_org ON regpoint_applications (org_oid, id);
