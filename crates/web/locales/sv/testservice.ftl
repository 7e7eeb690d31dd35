# The certificate test page (/test-certificate).

test-title = Testa certifikat
test-intro = Kontrollera certifikatets kedja, giltighet, användning och spärrstatus. Skicka certifikatet (PEM eller DER) eller ange utfärdare och serienummer.
test-by-certificate = Certifikat
test-file = Certifikatfil
test-paste = …eller klistra in certifikatet i PEM-format
test-by-serial = …eller utfärdare och serienummer
test-button = Testa certifikatet
test-verdict = Resultat
test-sources-disagree = Varning: en publicerad spärrkälla motsäger databasen. Databasens status gäller.
test-certificate = Certifikat
test-chain = Certifikatkedja
test-hierarchy = Hierarki
test-production-use = Giltigt i produktion
test-signature = Signatur
test-verifies = Korrekt
test-does-not-verify = Felaktig
test-issued-here = Utfärdat av denna tjänst
test-ca-certificate = CA-certifikat
test-details = Detaljer
test-validity = Giltighet
test-state = Status
test-checked-at = Kontrollerat
test-usage = Användning
test-purpose = Ändamål
test-fits = Passar
test-does-not-fit = Passar inte
test-revocation = Spärrstatus per källa
test-source = Källa
test-revoked-at = Spärrat
test-updated = Uppdaterad → nästa
test-agrees = Samma som databasen
test-truth-note = Databasen är den enda sanningskällan för certifikatets status; CRL och OCSP härleds från den.

test-nothing = Ge en certifikatfil, klistra in ett certifikat eller välj utfärdare och ange serienumret.
test-too-large = Inskickningen är för stor: ett certifikat är högst { $kib } KiB.
test-unavailable = Certifikatet kan inte kontrolleras just nu. Försök igen senare.
test-unsupported-form = Skicka formuläret som multipart/form-data eller application/x-www-form-urlencoded.
test-form-unreadable = Formuläret kunde inte läsas ({ $detail }). Skicka det igen.
test-invalid-input = Certifikatet kunde inte kontrolleras: { $detail }

verdict-valid = Giltigt
verdict-not-yet-valid = Ännu inte giltigt
verdict-expired = Utgånget
verdict-revoked = Spärrat
verdict-not-issued-here = Inte utfärdat av denna tjänst
verdict-invalid-signature = Ogiltig signatur

summary-valid = Giltigt: utfärdat av { $issuer }, giltigt till { $until }.
summary-valid-test = Giltigt endast i TEST-hierarkin (aldrig för produktion): utfärdat av { $issuer }, giltigt till { $until }.
summary-not-yet-valid = Ännu inte giltigt: giltigt från { $from }.
summary-expired = Utgick { $until }.
summary-revoked = Spärrat { $at } (orsak: { $reason }).
summary-not-issued-here = Inte utfärdat av denna tjänst: { $detail }.
summary-invalid-signature = Ogiltig signatur: certifikatet anger { $issuer } som utfärdare, men den CA:ns nyckel har inte signerat det.

hierarchy-production = Produktion
hierarchy-test = TEST (inte för produktion)

issued-here-yes = Ja
issued-here-ca-certificate = Tjänstens eget CA-certifikat
issued-here-unknown-issuer = Okänd utfärdare
issued-here-no-record = Finns inte i tjänstens register
issued-here-different-certificate = Registret har ett annat certifikat med samma serienummer

validity-not-yet-valid = Ännu inte giltigt
validity-valid = Giltigt
validity-expired = Utgånget

source-state-good = Inte spärrat
source-state-revoked = Spärrat
source-state-unknown = Okänd
source-state-not-published = Inte publicerat ännu
source-state-not-applicable = Ej tillämpligt
source-state-unavailable = Inte tillgängligt

source-database = Databas
source-ocsp = OCSP
source-crl-full = CRL (fullständig)
source-crl-delta = Delta-CRL
