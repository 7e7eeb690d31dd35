-- Card certificates (issue 5, R-CARD-CERTS): a certificate card holds an
-- authentication and a signature certificate, issued together or not at all.
-- card_id is the RA's id of the card; it links the two certificates (and is in
-- the details of their audit events). NULL for every other certificate.
-- (0007 is the professional registers' migration.)
ALTER TABLE certificates ADD COLUMN card_id TEXT NULL;

-- Both certificates of a card, e.g. to revoke them together; and the key-reuse
-- check, which needs to know whether a key's holder is on a card.
CREATE INDEX certificates_card_id ON certificates (card_id) WHERE card_id IS NOT NULL;
