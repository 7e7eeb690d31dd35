# Kortinhaltijan sivut korttikuuntelijassa (crates/web/src/cardpages.rs):
# kirjautuminen kortin tunnistusvarmenteella, itsepalveluuusiminen
# (R-SELF-RENEW) ja kortin sulkeminen.

holder-service-name = Varmennekortin asiointi
holder-footer = CarePKI – sosiaali- ja terveydenhuollon varmennekortit.
holder-title = Varmennekorttini
holder-sign-in-help = Kirjaudu sisään varmennekortilla: aseta kortti lukijaan, lataa sivu uudelleen ja valitse kortin tunnistusvarmenne. Selain kysyy tunnistus-PIN:iä (PIN1).

holder-name = Nimi
holder-registration-number = Rekisteröintinumero
holder-holder-number = Haltijanumero
holder-card-title = Ammattinimike
holder-card-kind = Kortin tyyppi
holder-valid-to = Voimassa asti
holder-sv-number = SV-tunnus (lääkkeenmääräämisoikeus)
holder-serial = Tunnistusvarmenteen sarjanumero

holder-kind-professional = Ammattikortti
holder-kind-staff = Henkilökuntakortti
holder-kind-actor = Toimijakortti
holder-kind-temporary = Tilapäinen kortti
holder-kind-test = Testikortti

holder-renewal = Kortin uusiminen
holder-ground-validity-ending = Voit uusia kortin nyt, koska sen voimassaoloa on jäljellä enintään kolme kuukautta.
holder-ground-name-changed = Voit uusia kortin nyt, koska nimesi ammattihenkilörekisterissä ({ $name }) on eri kuin kortissa. Uudessa kortissa on uusi nimi.
holder-renew-explain = Uusi kortti tilataan samaan rekisteröintipisteeseen, josta sait nykyisen kortin. Nykyinen kortti toimii, kunnes otat uuden kortin käyttöön; silloin nykyinen kortti suljetaan.
holder-renew = Uusi kortti
holder-opens = Kortin voi uusia verkossa, kun sen voimassaoloa on jäljellä enintään kolme kuukautta: { $opens } alkaen. Jos nimesi muuttuu ammattihenkilörekisterissä, voit uusia kortin jo aiemmin.
holder-pending = Korttisi uusiminen on jo tilattu (tilaus { $order }, { $date }). Uusi kortti tulee rekisteröintipisteestä ja aktivointikoodi erikseen.
holder-pending-state-ordered = Kortti on tilattu.
holder-pending-state-produced = Kortti on valmistettu.
holder-pending-state-activated = Kortti on otettu käyttöön.

holder-revocation = Kortin sulkeminen
holder-irreversible = Sulkemista ei voi perua: kortin molemmat varmenteet (tunnistus ja allekirjoitus) lakkaavat toimimasta pysyvästi.
holder-reason = Syy
holder-reason-keyCompromise = Kortti on kadonnut tai varastettu
holder-reason-affiliationChanged = En enää työskentele tehtävässä, johon kortti on
holder-reason-superseded = Minulla on uusi kortti
holder-reason-cessationOfOperation = Lopetan työskentelyn alalla
holder-reason-unspecified = Muu syy
holder-confirm = Ymmärrän, että sulkemista ei voi perua.
holder-revoke = Sulje kortti

holder-done-renewed = Kortin uusiminen on tilattu.
holder-done-revoked = Kortti on suljettu. Sen molemmat varmenteet on suljettu.

holder-refusal-no-client-certificate = Et ole kirjautunut sisään: selain ei lähettänyt kortin varmennetta.
holder-refusal-unknown-certificate = Varmennetta ei ole myöntänyt tämä varmennepalvelu.
holder-refusal-revoked = Kortti on suljettu ({ $reason }), eikä sillä voi enää kirjautua.
holder-refusal-expired = Kortin varmenne ei ole voimassa.
holder-refusal-not-authentication-certificate = Tällä varmenteella ei voi kirjautua. Valitse kortin tunnistusvarmenne ja anna PIN1, älä allekirjoitusvarmennetta.
holder-refusal-test-card = Testikortilla ei voi kirjautua tähän palveluun.
holder-refusal-invalid-certificate = Varmenteella ei voi kirjautua.
holder-refusal-unavailable = Varmenteen tilaa ei juuri nyt voitu tarkistaa. Yritä hetken kuluttua uudelleen.

holder-error-renewal-too-early = Korttia ei voi vielä uusia verkossa. Uusiminen on mahdollista { $opens } alkaen.
holder-error-renewal-pending = Korttisi uusiminen on jo tilattu (tilaus { $order }).
holder-error-renewal-not-professional = Verkossa voi uusia vain ammattikortin. Muut kortit tilataan rekisteröintipisteestä.
holder-error-renewal-card-not-valid = Verkossa voi uusia vain voimassa olevan kortin. Pyydä uusi kortti rekisteröintipisteestä.
holder-error-order-not-in-registers = Et ole enää ammattihenkilörekisterissä, joten ammattikorttia ei voi uusia.
holder-error-order-no-valid-right = Sinulla ei ole voimassa olevaa oikeutta ammattihenkilörekisterissä, joten ammattikorttia ei voi uusia.
holder-error-revocation-reason = Valitse sulkemisen syy.
holder-error-revocation-unconfirmed = Sulkemista ei voi perua. Vahvista, että haluat sulkea kortin.
holder-error-card-already-revoked = Kortti on jo suljettu.
holder-error-card-no-order = Korttia ei ole tilattu rekisteröintijärjestelmän kautta, joten sitä ei voi uusia tai sulkea täällä. Ota yhteys rekisteröintipisteeseen.
holder-error-card-not-authentication = Kirjaudu kortin tunnistusvarmenteella (PIN1).
holder-error-csrf = Lomake on vanhentunut tai se ei tullut tästä palvelusta. Lataa sivu uudelleen ja lähetä lomake uudelleen.
