# The certificate test page (/test-certificate).

test-title = Certificate test
test-intro = Check a certificate's chain, validity, key usage and revocation status. Send the certificate (PEM or DER), or give its issuer and serial number.
test-by-certificate = Certificate
test-file = Certificate file
test-paste = …or paste the certificate as PEM
test-by-serial = …or issuer and serial number
test-button = Test the certificate
test-verdict = Result
test-sources-disagree = Warning: a published status source disagrees with the database. The database's status holds.
test-certificate = Certificate
test-chain = Certificate chain
test-hierarchy = Hierarchy
test-production-use = Valid for production
test-signature = Signature
test-verifies = Verifies
test-does-not-verify = Does not verify
test-issued-here = Issued here
test-ca-certificate = CA certificate
test-details = Details
test-validity = Validity
test-state = State
test-checked-at = Checked at
test-usage = Key usage
test-purpose = Purpose
test-fits = Fits
test-does-not-fit = Does not fit
test-revocation = Revocation status by source
test-source = Source
test-revoked-at = Revoked at
test-updated = Updated → next
test-agrees = Agrees with database
test-truth-note = The database is the one source of truth for a certificate's status; CRLs and OCSP are derived from it.

test-nothing = Give a certificate file, paste a certificate, or choose the issuer and give the serial number.
test-too-large = The submission is too large: a certificate is at most { $kib } KiB.
test-unavailable = The certificate could not be checked right now; try again later.
test-unsupported-form = Send the form as multipart/form-data or application/x-www-form-urlencoded.
test-form-unreadable = The form could not be read ({ $detail }); send it again.
test-invalid-input = The certificate could not be checked: { $detail }

verdict-valid = Valid
verdict-not-yet-valid = Not yet valid
verdict-expired = Expired
verdict-revoked = Revoked
verdict-not-issued-here = Not issued by this CA
verdict-invalid-signature = Invalid signature

summary-valid = Valid: issued by { $issuer }, until { $until }.
summary-valid-test = Valid in the TEST hierarchy only (never for production): issued by { $issuer }, until { $until }.
summary-not-yet-valid = Not yet valid: valid from { $from }.
summary-expired = Expired on { $until }.
summary-revoked = Revoked on { $at } (reason: { $reason }).
summary-not-issued-here = Not issued by this CA: { $detail }.
summary-invalid-signature = Invalid signature: the certificate names { $issuer } as its issuer, but that CA's key did not sign it.

hierarchy-production = Production
hierarchy-test = TEST (never for production)

issued-here-yes = Yes
issued-here-ca-certificate = One of this service's CA certificates
issued-here-unknown-issuer = Unknown issuer
issued-here-no-record = Not in this service's records
issued-here-different-certificate = Our records hold a different certificate with this serial

validity-not-yet-valid = Not yet valid
validity-valid = Valid
validity-expired = Expired

source-state-good = Not revoked
source-state-revoked = Revoked
source-state-unknown = Unknown
source-state-not-published = Not published yet
source-state-not-applicable = Not applicable
source-state-unavailable = Unavailable

source-database = Database
source-ocsp = OCSP
source-crl-full = Full CRL
source-crl-delta = Delta CRL
