# Shared by every page: the frame, the navigation and the labels that several
# pages use.

service-name = Certificate service
nav-main = Main menu
nav-search = Certificate search
nav-test = Certificate test
nav-languages = Language
footer = CarePKI – certificate service for social welfare and healthcare. This page shows public certificate data only.
times-note = Times are in Finnish time (Helsinki).

yes = Yes
no = No

field-serial = Serial number
field-subject = Subject
field-profile = Certificate type
field-status = Status
field-issuer = Issuer
field-issuer-ca = Issuing CA
field-organisation = Organisation
field-valid-from = Valid from
field-valid-to = Valid until

status-valid = Valid
status-revoked = Revoked
status-expired = Expired

# Revocation reasons (RFC 5280 names).
reason-unspecified = unspecified
reason-keyCompromise = key compromise
reason-affiliationChanged = affiliation changed
reason-superseded = superseded
reason-cessationOfOperation = cessation of operation
