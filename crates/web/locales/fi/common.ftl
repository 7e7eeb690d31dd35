# Shared by every page: the frame, the navigation and the labels that several
# pages use. Finnish is the default language of the service.

service-name = Varmennepalvelu
nav-main = Päävalikko
nav-search = Varmennehaku
nav-test = Varmenteen testaus
nav-languages = Kieli
footer = CarePKI – sosiaali- ja terveydenhuollon varmennepalvelu. Sivulla näytetään vain julkisia varmennetietoja.
times-note = Ajat ovat Suomen aikaa.

yes = Kyllä
no = Ei

field-serial = Sarjanumero
field-subject = Subjekti
field-profile = Varmennetyyppi
field-status = Tila
field-issuer = Myöntäjä
field-issuer-ca = Myöntäjä-CA
field-organisation = Organisaatio
field-valid-from = Voimassa alkaen
field-valid-to = Voimassa asti

status-valid = Voimassa
status-revoked = Suljettu
status-expired = Vanhentunut

# Revocation reasons (RFC 5280 names).
reason-unspecified = ei määritelty
reason-keyCompromise = avain vaarantunut
reason-affiliationChanged = organisaatiotieto muuttunut
reason-superseded = korvattu uudella
reason-cessationOfOperation = toiminta lopetettu
