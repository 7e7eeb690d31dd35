# The e-service's pages in Finnish (issue 4): the customer's and the CA
# officer's pages (crates/web/src/eservice/pages.rs, templates es_*.html).
# sv/eservice.ftl and en/eservice.ftl define exactly the same ids with the
# same variables (tests/i18n.rs). Names inserted into a message
# ($organisation, $name…) stand alone after a label: Finnish cannot inflect
# a name it does not know.

## The frame

nav-eservice = Asiointipalvelu
nav-home = Etusivu
nav-applications = Hakemukset
nav-certificates = Varmenteet
nav-revoke = Varmenteen sulkeminen
nav-account = Asiakastili
nav-queue = Käsittelyjono
es-footer = CarePKI – sosiaali- ja terveydenhuollon palveluvarmenteiden asiointipalvelu.
es-signed-in-as = Kirjautunut:
es-acting-for = Asioit organisaation puolesta:
es-acting-for-none = Et asioi vielä minkään organisaation puolesta.
es-sign-in = Kirjaudu sisään
es-sign-out = Kirjaudu ulos
es-back = Palaa takaisin
es-error-title = Toimintoa ei voitu tehdä
es-none = Ei yhtään
es-save = Tallenna
es-upload = Lähetä tiedosto
es-overdue = Myöhässä
es-days = { $days ->
    [one] { $days } päivä
   *[other] { $days } päivää
}
es-bytes = { $size ->
    [one] { $size } tavu
   *[other] { $size } tavua
}

## Labels

es-field-name = Nimi
es-field-email = Sähköpostiosoite
es-field-language = Asiointikieli
es-field-invite-language = Kutsun kieli
es-field-role = Rooli
es-field-application = Hakemus
es-field-state = Käsittelyvaihe
es-field-created = Luotu
es-field-updated = Päivitetty
es-field-completed = Hakemus täydellinen
es-field-due = Käsitellään viimeistään
es-field-lapses = Raukeaa
es-field-sent = Lähetetty
es-field-expires = Voimassa asti
es-field-last-used = Käytetty viimeksi
es-field-token-name = Tunnisteen nimi
es-field-token-days = Voimassaolo päivinä (enintään { $max })
es-field-long-name = Organisaation virallinen nimi
es-field-org-oid = Organisaation tunniste (OID)
es-field-contacts = Tekniset yhteyshenkilöt
es-field-approvals = Hyväksynnät
es-field-kind = Liite
es-field-filename = Tiedosto
es-field-size = Koko
es-field-uploaded = Lisätty
es-field-csr-file = Varmennepyyntö (CSR-tiedosto)
es-field-conformity-file = Vaatimuksenmukaisuustodistus (PDF)

## Sign-in: the demo identity provider and the registration (R-ACCOUNT)

es-demo-title = Demotunnistus
es-demo-warning-title = DEMOTUNNISTUS – EI VAHVAA SÄHKÖISTÄ TUNNISTAMISTA.
es-demo-warning = Tällä sivulla kuka tahansa voi kirjautua kenä tahansa. Sivu on käytössä vain upotetussa demoympäristössä; tuotantokäytössä palvelu ei käynnisty, jos demotunnistus on päällä.
es-demo-identity = Tunniste (esimerkiksi keksitty henkilötunnus)
es-demo-submit = Kirjaudu (demo)
es-register-title = Rekisteröidy asiointipalveluun
es-register-intro = Tunnistauduit palveluun ensimmäistä kertaa. Kerro nimesi ja sähköpostiosoitteesi: varmenteet ja ilmoitukset lähetetään siihen. Henkilötunnustasi ei tallenneta palveluun.
es-register-submit = Rekisteröidy

## Home and the organisation chooser (R-ACCOUNT)

es-home-title = Palveluvarmenteiden asiointipalvelu
es-home-intro = Sosiaali- ja terveydenhuollon organisaatiot hakevat asiointipalvelussa palvelin- ja järjestelmäallekirjoitusvarmenteita, seuraavat hakemusten käsittelyä, noutavat myönnetyt varmenteet ja sulkevat varmenteita. Kirjaudu sisään vahvalla sähköisellä tunnistamisella.
es-home-public = Varmennehaku ja varmenteen testaus ovat käytettävissä ilman kirjautumista.
es-home-welcome = Tervetuloa, { $name }.
es-choose-org-title = Organisaatio, jonka puolesta asioit
es-choose-org-intro = Voit asioida usean organisaation puolesta. Valitse organisaatio, jonka asioita hoidat nyt.
es-choose-org-submit = Vaihda organisaatio
es-choose-org-first = Valitse ensin organisaatio, jonka puolesta asioit.
es-home-no-org = Et ole vielä minkään organisaation asiakastilin käyttäjä. Pyydä organisaatiosi pääkäyttäjältä kutsu tai
es-home-create-account = luo organisaatiolle asiakastili.
es-home-what = Asiointipalvelussa voit
es-home-applications = hakea varmennetta ja seurata hakemuksen käsittelyä
es-home-certificates = katsoa organisaation varmenteita ja ladata ne
es-home-revoke = sulkea varmenteen sarjanumeron perusteella
es-home-account = hallita organisaation käyttäjiä, kutsuja ja rajapintatunnisteita
es-home-queue = käsitellä saapuneita hakemuksia eräpäivän mukaisessa järjestyksessä

## The customer account (R-ACCOUNT)

es-account-title = Asiakastili
es-account-org = Organisaation asiakastili:
es-account-your-role = Roolisi:
es-account-not-admin = Organisaation käyttäjiä, kutsuja ja rajapintatunnisteita hallitsee organisaation pääkäyttäjä.
es-members-title = Käyttäjät
es-invitations-title = Kutsut
es-invitation-open = Voimassa
es-invitation-used = Käytetty
es-invitation-expired = Vanhentunut
es-invite-title = Kutsu käyttäjä
es-invite-intro = Kutsu lähetetään sähköpostitse. Kutsulinkki on kertakäyttöinen ja voimassa rajatun ajan.
es-invite-submit = Lähetä kutsu
es-tokens-title = Rajapintatunnisteet
es-tokens-intro = Organisaation tietojärjestelmä voi käyttää asiointipalvelun rajapintaa rajapintatunnisteella. Tunniste näytetään vain kerran, kun se luodaan.
es-token-active = Voimassa
es-token-revoked = Mitätöity
es-token-expired = Vanhentunut
es-token-revoke = Mitätöi
es-token-create-title = Uusi rajapintatunniste
es-token-create = Luo tunniste
es-token-new-title = Uusi rajapintatunniste
es-token-new-once = Kopioi tunniste nyt ja tallenna se turvallisesti: sitä ei näytetä uudelleen.
es-create-account-title = Luo organisaatiolle asiakastili
es-create-account-intro = Asiakastilin voi luoda organisaatiolle, joka on sosiaali- ja terveydenhuollon organisaatiorekisterissä. Tilin luojasta tulee organisaation pääkäyttäjä. Jos organisaatiolla on jo asiakastili, pyydä sen pääkäyttäjältä kutsu.
es-create-account-submit = Luo asiakastili

## Invitations

es-invitation-title = Kutsu asiointipalveluun
es-invitation-intro = Sinut on kutsuttu asioimaan organisaation puolesta. Kun otat kutsun vastaan, saat kutsussa mainitun roolin. Kutsun voi ottaa vastaan vain kerran.
es-invitation-accept = Ota kutsu vastaan

## Applications (R-STAGES)

es-applications-title = Hakemukset
es-new-application-title = Uusi hakemus
es-new-application-submit = Aloita hakemus
es-no-applications = Ei hakemuksia.
es-application-number = Hakemus { $id }
es-due-note = Varmenne toimitetaan viimeistään viiden työpäivän kuluttua siitä, kun hakemus on täydellinen.
es-lapse-note = Hakemus raukeaa, jos se on ollut keskeneräisenä tai täydennettävänä yli kuusi kuukautta.
es-approvals = { $given } / { $needed }
es-two-officers = Tuotantoympäristön järjestelmäallekirjoitusvarmenteen myöntämiseen tarvitaan kahden eri käsittelijän hyväksyntä.
es-officer-message = Käsittelijä pyytää täydentämään hakemusta:
es-rejection-reason = Hylkäämisen perustelu:
es-missing-title = Hakemuksesta puuttuu
es-syssig-title = Järjestelmäallekirjoitusvarmenteen hakija
es-syssig-intro = Järjestelmäallekirjoitusvarmennetta hakee se palvelunantaja, joka hallinnoi tietojärjestelmää, vaikka järjestelmän tekninen ylläpito olisi ulkoistettu. Hakemuksen voi tehdä myös välittäjärekisteriin merkitty Kanta-välittäjä omissa nimissään.
es-syssig-basis = Hakemuksen peruste
es-syssig-current = Peruste:
es-kanta-provider-note = Teknisen yhteyshenkilön organisaatioksi merkitään:
es-kanta-provider = Kanta-välittäjä
es-conformity-required = Yksityisen palvelunantajan on liitettävä hakemukseen tietojärjestelmän vaatimuksenmukaisuustodistus.
es-conformity-optional = Julkisen palvelunantajan ei tarvitse liittää vaatimuksenmukaisuustodistusta.
es-attachments-title = Liitteet
es-attachment-csr = Varmennepyyntö
es-attachment-conformity = Vaatimuksenmukaisuustodistus
es-no-attachments = Ei liitteitä.
es-upload-csr-title = Liitä varmennepyyntö
es-upload-csr-intro = Luo avainpari ja varmennepyyntö omassa ympäristössäsi; yksityinen avain ei koskaan lähde organisaatiostasi. Liitä varmennepyyntö PEM- tai DER-muodossa. Pyyntö tarkistetaan heti.
es-upload-conformity-title = Liitä vaatimuksenmukaisuustodistus
es-upload-conformity-intro = Liitä tietojärjestelmän vaatimuksenmukaisuustodistus PDF-tiedostona (enintään { $max } Mt).
es-csr-title = Varmennepyyntö selkokielellä
es-csr-plain = Pyyntö on tehty avaimelle { $key }. Myönnettävän varmenteen nimi on { $name }, ja varmenne on voimassa { $days ->
    [one] { $days } päivän
   *[other] { $days } päivää
}.
es-csr-requested = Mitä pyynnössä pyydetään
es-csr-key = Avain
es-csr-key-sha256 = Julkisen avaimen SHA-256-tiiviste
es-csr-requested-subject = Pyydetty nimi (subjekti)
es-csr-requested-dns = Pyydetyt DNS-nimet
es-csr-signature = Pyynnön allekirjoitusalgoritmi
es-csr-will-say = Mitä myönnettävässä varmenteessa lukee
es-csr-common-name = Yleisnimi (CN)
es-csr-dns = DNS-nimet
es-csr-validity = Voimassaoloaika
es-invite-contact-title = Kutsu tekninen yhteyshenkilö
es-invite-contact-intro = Tekninen yhteyshenkilö, esimerkiksi tietojärjestelmätoimittajan asiantuntija, voi liittää hakemukseen varmennepyynnön. Hän näkee vain ne hakemukset, joihin hänet on kutsuttu.
es-applicant-actions = Hakemuksen lähettäminen
es-submit = Lähetä hakemus
es-provide-info = Lähetä täydennetty hakemus
es-withdraw = Peru hakemus
es-officer-actions = Käsittely
es-approved-already = Olet jo hyväksynyt hakemuksen. Varmenne myönnetään, kun toinen käsittelijä hyväksyy sen.
es-start-review = Ota käsittelyyn
es-approve = Hyväksy ja myönnä varmenne
es-more-info-message = Mitä hakijan on täydennettävä tai korjattava
es-request-more-info = Pyydä täydennystä
es-reject-reason = Hylkäämisen perustelu hakijalle
es-reject = Hylkää hakemus
es-timeline-title = Käsittelyn vaiheet
es-state-after = vaihe:
es-contact-added = Tekninen yhteyshenkilö lisätty:

## The CA officer's queue (R-SLA)

es-queue-title = Käsittelyjono
es-queue-intro = Täydelliset hakemukset eräpäivän mukaan. Varmenne on toimitettava viiden työpäivän kuluessa siitä, kun hakemus on täydellinen; viikonloput ja arkipyhät eivät ole työpäiviä.
es-queue-empty = Jonossa ei ole hakemuksia.

## Certificates (R-DELIVERY) and revocation (R-REVOKE-HOW)

es-certificates-title = Organisaation varmenteet
es-no-certificates = Ei varmenteita.
es-certificate-title = Varmenne
es-downloads-title = Lataa varmenne
es-download-der = Varmenne DER-muodossa
es-download-pem = Varmenne PEM-muodossa
es-download-chain = Varmenneketju PEM-muodossa
es-revoke-link = Sulje tämä varmenne
es-revoke-title = Varmenteen sulkeminen
es-revoke-intro = Sulje varmenne, jos sen yksityinen avain on voinut joutua vääriin käsiin, varmennetta ei enää tarvita tai sen käyttötarkoitus muuttuu. Anna suljettavan varmenteen sarjanumero ja tarkista varmenteen tiedot ennen sulkemista.
es-revoke-lookup = Hae varmenne
es-revoke-review = Tarkista suljettava varmenne
es-revoke-irreversible = Sulkemista ei voi perua. Suljettu varmenne lakkaa toimimasta heti, eikä sitä voi ottaa uudelleen käyttöön.
es-revoke-reason = Sulkemisen syy
es-revoke-confirm = Ymmärrän, että sulkemista ei voi perua.
es-revoke-submit = Sulje varmenne
es-reason-keyCompromise = Yksityinen avain on vaarantunut tai voinut joutua vääriin käsiin
es-reason-cessationOfOperation = Varmennetta ei enää tarvita
es-reason-affiliationChanged = Organisaatio tai varmenteen käyttötarkoitus on muuttunut
es-reason-superseded = Varmenne on korvattu uudella
es-reason-unspecified = Muu syy

## Done (post/redirect/get: `.notice[data-done]`)

es-done-organisation = Organisaatio vaihdettu.
es-done-account-created = Asiakastili on luotu. Olet organisaation pääkäyttäjä.
es-done-invited = Kutsu on lähetetty.
es-done-api-token-created = Rajapintatunniste on luotu.
es-done-api-token-revoked = Rajapintatunniste on mitätöity.
es-done-invitation-accepted = Kutsu on otettu vastaan.
es-done-created = Hakemus on aloitettu. Täydennä se ja lähetä se käsiteltäväksi.
es-done-csr = Varmennepyyntö on liitetty ja tarkistettu.
es-done-conformity = Vaatimuksenmukaisuustodistus on liitetty.
es-done-syssig-basis = Hakemuksen peruste on tallennettu.
es-done-invite-contact = Teknisen yhteyshenkilön kutsu on lähetetty.
es-done-submit = Hakemus on lähetetty käsiteltäväksi.
es-done-withdraw = Hakemus on peruttu.
es-done-provide-info = Täydennetty hakemus on lähetetty käsiteltäväksi.
es-done-start-review = Hakemus on otettu käsittelyyn.
es-done-approve = Hyväksyntäsi on kirjattu.
es-done-request-more-info = Hakijalta on pyydetty täydennystä.
es-done-reject = Hakemus on hylätty.
es-done-revoked = Varmenne on suljettu. Vahvistus lähetetään sähköpostitse.

## Certificate types (policy ProfileId)

profile-server = Palvelinvarmenne
profile-test-server = Testiympäristön palvelinvarmenne
profile-system-signature = Järjestelmäallekirjoitusvarmenne
profile-test-system-signature = Testiympäristön järjestelmäallekirjoitusvarmenne
profile-email = Sähköpostivarmenne

## Processing stages (policy StateKind, R-STAGES)

state-draft = Luonnos
state-submitted = Lähetetty
state-incomplete = Täydennettävänä
state-in-review = Käsittelyssä
state-approved = Hyväksytty
state-issued = Varmenne myönnetty
state-delivered = Varmenne toimitettu
state-rejected = Hylätty
state-lapsed = Rauennut
state-withdrawn = Peruttu

## Timeline actions (policy ActionKind; "create" is the first line)

action-create = Hakemus aloitettiin
action-edit = Hakemusta muutettiin
action-attach-csr = Varmennepyyntö liitettiin
action-attach-conformity = Vaatimuksenmukaisuustodistus liitettiin
action-submit = Hakemus lähetettiin
action-withdraw = Hakemus peruttiin
action-request-more-info = Hakijalta pyydettiin täydennystä
action-provide-info = Täydennetty hakemus lähetettiin
action-start-review = Hakemus otettiin käsittelyyn
action-approve = Käsittelijä hyväksyi hakemuksen
action-reject = Hakemus hylättiin
action-mark-issued = Varmenne myönnettiin
action-mark-delivered = Varmenne toimitettiin sähköpostitse
action-lapse = Hakemus raukesi

## Roles (policy Role)

role-org-admin = Pääkäyttäjä
role-org-user = Käyttäjä
role-technical-contact = Tekninen yhteyshenkilö
role-ca-officer = Varmentajan käsittelijä
role-auditor = Tarkastaja
role-system = Järjestelmä

## The ground of a system signature application (R-SYSSIG-APPLICANT)

basis-administers-system = Organisaatio hallinnoi tietojärjestelmää
basis-kanta-intermediary-own-name = Kanta-välittäjä hakee omissa nimissään

## What an application lacks (policy Requirement)

requirement-csr = Varmennepyyntöä (CSR) ei ole liitetty. Liitä se tai kutsu tekninen yhteyshenkilö liittämään se.
requirement-syssig-basis = Kerro, hallinnoiko organisaatiosi tietojärjestelmää vai hakeeko se varmennetta Kanta-välittäjänä omissa nimissään.
requirement-kanta-intermediary = Organisaatiorekisterin mukaan organisaatiosi ei ole Kanta-välittäjä. Hae varmennetta tietojärjestelmää hallinnoivana organisaationa tai korjauta rekisterin tiedot ensin.
requirement-conformity = Yksityisen palvelunantajan on liitettävä järjestelmäallekirjoitusvarmenteen hakemukseen tietojärjestelmän vaatimuksenmukaisuustodistus.

## Refusals (EsError codes: `error-` and the code with . and _ as -)

error-not-found = Tietoa ei löydy, tai se ei ole sinun nähtävissäsi. Tarkista numero ja organisaatio, jonka puolesta asioit.
error-conflict = Tieto on muuttunut sillä välin. Lataa sivu uudelleen ja yritä tarvittaessa uudestaan.
error-invalid = Annetut tiedot eivät kelpaa. Tarkista ne ja yritä uudelleen.
error-unavailable = Palvelu ei juuri nyt pystynyt käsittelemään pyyntöä, eikä mitään tallennettu. Yritä hetken kuluttua uudelleen.
error-csrf = Lomake on vanhentunut tai se ei ole peräisin tästä palvelusta. Lataa sivu uudelleen ja lähetä lomake uudestaan.
error-invalid-body = Pyynnön sisältö ei ole odotetussa muodossa.
error-rate-limited = Liian monta yritystä lyhyessä ajassa. Odota hetki ja yritä uudelleen.
error-unauthenticated = Kirjaudu sisään.
error-user-only = Vain kirjautunut henkilö voi tehdä tämän, ei rajapintatunnistetta käyttävä järjestelmä.
error-no-organisation = Valitse ensin organisaatio, jonka puolesta asioit, tai luo organisaatiolle asiakastili.
error-role = Roolisi tässä organisaatiossa ei oikeuta tähän. Käänny organisaation pääkäyttäjän puoleen.
error-officer-only = Vain varmentajan käsittelijä voi tehdä tämän.
error-organisation-not-registered = Organisaatio ei ole sosiaali- ja terveydenhuollon organisaatiorekisterissä. Vain rekisterissä olevat organisaatiot voivat hakea palveluvarmenteita.
error-account-exists = Organisaatiolla on jo asiakastili. Pyydä sen pääkäyttäjältä kutsu.
error-register-name = Kirjoita nimesi (1–200 merkkiä).
error-register-email = Anna sähköpostiosoite, esimerkiksi matti.meikalainen@example.fi. Varmenteet ja ilmoitukset lähetetään siihen.
error-register-language = Valitse asiointikieleksi suomi, ruotsi tai englanti.
error-register-exists = Olet jo rekisteröitynyt, ehkä toisessa ikkunassa. Kirjaudu sisään uudelleen.
error-register-expired = Tunnistautuminen on vanhentunut. Tunnistaudu uudelleen.
error-register-no-identification = Tunnistaudu ensin.
error-sign-in-no-identity = Tunnistuspalvelu ei välittänyt henkilöllisyyttäsi. Kirjaudu uudelleen.
error-sign-in-not-configured = Kirjautumista OpenID Connect -tunnistuspalvelulla ei ole otettu käyttöön.
error-sign-in-provider-error = Tunnistuspalvelu ei tunnistanut sinua. Kirjaudu uudelleen.
error-sign-in-incomplete = Tunnistuspalvelun vastaus oli puutteellinen. Kirjaudu uudelleen.
error-sign-in-expired = Kirjautuminen on vanhentunut tai jo käytetty. Kirjaudu uudelleen.
error-sign-in-unverified = Tunnistautumista ei voitu varmentaa. Kirjaudu uudelleen.
error-sign-in-demo-off = Demotunnistus ei ole käytössä.
error-sign-in-demo-identity = Kirjoita tunniste (1–100 merkkiä).
error-invitation-role = Valitse kutsuttavan rooli: pääkäyttäjä, käyttäjä tai tekninen yhteyshenkilö.
error-invitation-admin-only = Vain organisaation pääkäyttäjä voi kutsua käyttäjiä. Voit kutsua hakemukseen teknisen yhteyshenkilön.
error-invitation-email = Anna kutsuttavan sähköpostiosoite, esimerkiksi tekninen.yhteyshenkilo@example.fi.
error-invitation-language = Valitse kutsun kieleksi suomi, ruotsi tai englanti.
error-invitation-application = Tekninen yhteyshenkilö kutsutaan aina tiettyyn hakemukseen, käyttäjät koko organisaatioon.
error-invitation-application-closed = Tekninen yhteyshenkilö voi liittää varmennepyynnön vain luonnokseen tai täydennettävänä olevaan hakemukseen. Tämä hakemus ei ole avoinna.
error-invitation-too-many = Organisaatiolla on jo enimmäismäärä avoimia kutsuja. Odota, että osa niistä käytetään tai vanhenee.
error-invitation-unknown = Kutsulinkki ei kelpaa. Tarkista, että kopioit koko linkin, tai pyydä uusi kutsu.
error-invitation-used-or-expired = Kutsu on jo käytetty tai se on vanhentunut. Kutsun voi käyttää vain kerran ja rajatun ajan. Pyydä uusi kutsu.
error-api-token-days = Tunnisteen voimassaolon on oltava kokonaisluku päivinä sallitulla välillä.
error-api-token-name = Nimeä tunniste sitä käyttävän järjestelmän mukaan (1–100 merkkiä, yhdellä rivillä).
error-api-token-revoked = Tunniste on jo mitätöity.
error-application-profile = Valitse varmennetyyppi: palvelinvarmenne, järjestelmäallekirjoitusvarmenne tai jompikumpi testiympäristön varmenteista.
error-application-changed = Hakemus on muuttunut sen jälkeen, kun avasit sen – lomake on ehkä lähetetty jo kerran. Tarkista hakemuksen tilanne ja tee toiminto tarvittaessa uudelleen.
error-application-syssig-basis = Valitse järjestelmäallekirjoitusvarmenteen hakemisen peruste.
error-application-not-approved = Hakemusta ei ole hyväksytty, joten varmennetta ei voi myöntää.
error-application-forbidden = Roolisi ei oikeuta tähän toimintoon.
error-application-other-organisation = Hakemus kuuluu toiselle organisaatiolle. Valitse oikea organisaatio tai pyydä sen pääkäyttäjältä kutsu.
error-application-not-invited = Sinua ei ole kutsuttu tämän hakemuksen tekniseksi yhteyshenkilöksi. Pyydä hakijalta kutsu.
error-application-edit-after-submit = Hakemus on jo lähetetty, joten sitä ei voi enää muuttaa. Sitä voi muuttaa vain, jos käsittelijä pyytää täydennystä.
error-application-already-submitted = Hakemus on jo lähetetty käsiteltäväksi. Sitä ei tarvitse lähettää uudelleen.
error-application-closed = Hakemuksen käsittely on päättynyt. Tee tarvittaessa uusi hakemus.
error-application-invalid-state = Toimintoa ei voi tehdä hakemuksen nykyisessä käsittelyvaiheessa.
error-application-not-ready = Hakemus ei ole vielä täydellinen:
error-application-same-officer = Olet jo hyväksynyt hakemuksen. Tuotantoympäristön järjestelmäallekirjoitusvarmenteen hyväksyy myös toinen käsittelijä.
error-application-invalid-message = Kirjoita, mitä hakijan on täydennettävä tai korjattava (1–4 000 merkkiä).
error-application-invalid-reason = Kirjoita hylkäämisen perustelu hakijalle (1–4 000 merkkiä).
error-application-invalid-serial = Sarjanumero ei kelpaa.
error-application-lapse-not-due = Hakemus ei vielä raukea.
error-requirement-csr = { requirement-csr }
error-requirement-syssig-basis = { requirement-syssig-basis }
error-requirement-kanta-intermediary = { requirement-kanta-intermediary }
error-requirement-conformity = { requirement-conformity }
error-csr-empty = Tiedosto on tyhjä. Liitä varmennepyyntö PEM- tai DER-muodossa.
error-csr-too-large = Tiedosto on liian suuri varmennepyynnöksi. Liitä itse varmennepyyntö, älä arkistoa tai varmenneketjua.
error-csr-malformed = Tiedosto ei ole kelvollinen varmennepyyntö. Tee uusi pyyntö (esimerkiksi openssl req -new -key palvelin.key -out palvelin.csr) ja liitä se PEM- tai DER-muodossa.
error-csr-no-name = Pyynnössä ei ole nimeä. Kirjoita palvelimen DNS-nimi tai tietojärjestelmän nimi pyynnön yleisnimeen (CN).
error-csr-profile = Varmennepyyntö ei sovi tähän varmennetyyppiin. Korjaa seuraavat kohdat ja tee uusi pyyntö:
error-csr-key-reused = Avaimelle on jo myönnetty varmenne, joka on suljettu tai kuuluu toiselle organisaatiolle. Luo uusi avainpari ja uusi varmennepyyntö.
error-conformity-too-large = Vaatimuksenmukaisuustodistus on liian suuri. Tallenna se pienempänä PDF-tiedostona.
error-conformity-not-pdf = Vaatimuksenmukaisuustodistuksen on oltava PDF-asiakirja, eikä tämä tiedosto ole sellainen (tai se on katkennut). Tallenna tai skannaa todistus PDF-muotoon ja liitä se uudelleen.
error-upload-too-large = Tiedosto on liian suuri.
error-upload-unreadable = Tiedostoa ei voitu lukea. Valitse tiedosto ja lähetä lomake uudelleen.
error-certificate-serial = Anna varmenteen sarjanumero heksadesimaalimuodossa niin kuin se näkyy varmenteessa (esimerkiksi 5a:3f:…). Välilyönnit ja kaksoispisteet sallitaan.
error-certificate-already-revoked = Varmenne on jo suljettu. Sulkeminen on lopullinen.
error-certificate-invalid = Varmennetta ei voitu myöntää tai sulkea annetuilla tiedoilla.
error-revocation-reason = Valitse sulkemisen syy.
error-revocation-unconfirmed = Sulkemista ei voi perua. Vahvista, että haluat sulkea varmenteen.

## Organisaation henkilökunta- ja toimijakortit (issue 5, kohta 7)
nav-cards = Henkilökuntakortit
es-cards-title = Organisaation henkilökunta- ja toimijakortit
es-cards-intro = Kun työntekijä lähtee organisaatiosta, sulje hänen henkilökunta- tai toimijakorttinsa. Kortin molemmat varmenteet, tunnistus- ja allekirjoitusvarmenne, suljetaan yhdessä. Ammattihenkilökortteja ei suljeta täällä: ne perustuvat ammattihenkilön oikeuteen rekisterissä.
es-cards-none = Organisaatiolla ei ole henkilökunta- eikä toimijakortteja.
es-cards-irreversible = Sulkemista ei voi perua. Kortti lakkaa toimimasta heti.
es-cards-confirm = Ymmärrän, että sulkemista ei voi perua.
es-cards-revoke = Sulje kortti
es-done-card-revoked = Kortti on suljettu: sen molemmat varmenteet.
field-card-holder = Haltija
field-card-holder-number = Haltijanumero
field-card-title = Tehtävänimike
field-card-kind = Kortti
card-kind-staff = Henkilökuntakortti
card-kind-actor = Toimijakortti
card-kind-temporary = Tilapäinen kortti
card-state-ordered = Tilattu
card-state-produced = Valmistettu
card-state-activated = Käytössä
card-state-revoked = Suljettu
card-state-cancelled = Tilaus peruttu
es-card-reason-affiliationChanged = Työsuhde on päättynyt
es-card-reason-keyCompromise = Kortti on kadonnut tai voinut joutua vääriin käsiin
es-card-reason-cessationOfOperation = Korttia ei enää tarvita
es-card-reason-superseded = Kortti on korvattu uudella
es-card-reason-unspecified = Muu syy
error-card-not-organisation-card = Organisaatio voi sulkea vain siihen sidotut henkilökunta- ja toimijakortit. Ammattihenkilökortin sulkee rekisteröijä tai kortin haltija.
error-card-already-revoked = Kortti on jo suljettu. Sulkeminen on lopullinen.
error-card-not-produced = Kortti ei ole tähän tarvittavassa vaiheessa. Kortin voi sulkea, kun se on valmistettu, ja luovuttaa haltijalle, kun se on valmistettu mutta sitä ei ole vielä otettu käyttöön.
