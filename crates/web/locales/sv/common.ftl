# Shared by every page: the frame, the navigation and the labels that several
# pages use. Swedish as written in Finland.

service-name = Certifikattjänst
nav-main = Huvudmeny
nav-search = Certifikatsökning
nav-test = Testa certifikat
nav-languages = Språk
footer = CarePKI – certifikattjänst för social- och hälsovården. Sidan visar endast offentliga certifikatuppgifter.
times-note = Tiderna anges i finsk tid.

yes = Ja
no = Nej

field-serial = Serienummer
field-subject = Subjekt
field-profile = Certifikattyp
field-status = Status
field-issuer = Utfärdare
field-issuer-ca = Utfärdande CA
field-organisation = Organisation
field-valid-from = Giltigt från
field-valid-to = Giltigt till

status-valid = Giltigt
status-revoked = Spärrat
status-expired = Utgånget

# Revocation reasons (RFC 5280 names).
reason-unspecified = ospecificerat
reason-keyCompromise = nyckeln har röjts
reason-affiliationChanged = organisationsuppgifterna har ändrats
reason-superseded = ersatt av ett nytt
reason-cessationOfOperation = verksamheten har upphört
