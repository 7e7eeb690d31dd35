# The certificate test page (/test-certificate).

test-title = Varmenteen testaus
test-intro = Tarkista varmenteen ketju, voimassaolo, käyttötarkoitus ja sulkutieto. Lähetä varmenne (PEM tai DER) tai anna myöntäjä ja sarjanumero.
test-by-certificate = Varmenne
test-file = Varmennetiedosto
test-paste = …tai liitä PEM-muotoinen varmenne
test-by-serial = …tai myöntäjä ja sarjanumero
test-button = Testaa varmenne
test-verdict = Tulos
test-sources-disagree = Varoitus: julkaistu sulkutieto on ristiriidassa tietokannan kanssa. Tietokannan tila on ratkaiseva.
test-certificate = Varmenne
test-chain = Varmenneketju
test-hierarchy = Hierarkia
test-production-use = Kelpaa tuotantoon
test-signature = Allekirjoitus
test-verifies = Kunnossa
test-does-not-verify = Virheellinen
test-issued-here = Myönnetty tässä palvelussa
test-ca-certificate = CA-varmenne
test-details = Tiedot
test-validity = Voimassaolo
test-state = Tila
test-checked-at = Tarkistettu
test-usage = Käyttötarkoitus
test-purpose = Tarkoitus
test-fits = Sopii
test-does-not-fit = Ei sovi
test-revocation = Sulkutieto lähteittäin
test-source = Lähde
test-revoked-at = Suljettu
test-updated = Päivitetty → seuraava
test-agrees = Sama kuin tietokanta
test-truth-note = Tietokanta on varmenteen tilan ainoa totuuslähde; CRL ja OCSP johdetaan siitä.

test-nothing = Anna varmennetiedosto, liitä varmenne tai valitse myöntäjä ja anna sarjanumero.
test-too-large = Lähetys on liian suuri: varmenne on enintään { $kib } KiB.
test-unavailable = Varmennetta ei voi juuri nyt tarkistaa. Yritä myöhemmin uudelleen.
test-unsupported-form = Lähetä lomake muodossa multipart/form-data tai application/x-www-form-urlencoded.
test-form-unreadable = Lomaketta ei voitu lukea ({ $detail }). Lähetä se uudelleen.
test-invalid-input = Varmennetta ei voitu tarkistaa: { $detail }

verdict-valid = Voimassa
verdict-not-yet-valid = Ei vielä voimassa
verdict-expired = Vanhentunut
verdict-revoked = Suljettu
verdict-not-issued-here = Ei tämän palvelun myöntämä
verdict-invalid-signature = Virheellinen allekirjoitus

summary-valid = Voimassa: myöntäjä { $issuer }, voimassa { $until } asti.
summary-valid-test = Voimassa vain TEST-hierarkiassa (ei koskaan tuotantoon): myöntäjä { $issuer }, voimassa { $until } asti.
summary-not-yet-valid = Ei vielä voimassa: voimassa { $from } alkaen.
summary-expired = Vanhentunut { $until }.
summary-revoked = Suljettu { $at } (syy: { $reason }).
summary-not-issued-here = Ei tämän palvelun myöntämä: { $detail }.
summary-invalid-signature = Virheellinen allekirjoitus: varmenteen myöntäjäksi on merkitty { $issuer }, mutta sen CA:n avain ei ole allekirjoittanut varmennetta.

hierarchy-production = Tuotanto
hierarchy-test = TEST (ei tuotantokäyttöön)

issued-here-yes = Kyllä
issued-here-ca-certificate = Palvelun oma CA-varmenne
issued-here-unknown-issuer = Tuntematon myöntäjä
issued-here-no-record = Ei palvelun rekisterissä
issued-here-different-certificate = Rekisterissä on eri varmenne samalla sarjanumerolla

validity-not-yet-valid = Ei vielä voimassa
validity-valid = Voimassa
validity-expired = Vanhentunut

source-state-good = Ei suljettu
source-state-revoked = Suljettu
source-state-unknown = Tuntematon
source-state-not-published = Ei vielä julkaistu
source-state-not-applicable = Ei sovellu
source-state-unavailable = Ei saatavilla

source-database = Tietokanta
source-ocsp = OCSP
source-crl-full = CRL (täysi)
source-crl-delta = Delta-CRL
