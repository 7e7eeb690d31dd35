# The e-service's pages in Swedish as written in Finland (issue 4). The same
# ids and variables as fi/eservice.ftl.

## The frame

nav-eservice = E-tjänst
nav-home = Startsida
nav-applications = Ansökningar
nav-certificates = Certifikat
nav-revoke = Spärrning av certifikat
nav-account = Kundkonto
nav-queue = Behandlingskö
es-footer = CarePKI – e-tjänst för servicecertifikat inom social- och hälsovården.
es-signed-in-as = Inloggad:
es-acting-for = Du uträttar ärenden för organisationen:
es-acting-for-none = Du uträttar ännu inte ärenden för någon organisation.
es-sign-in = Logga in
es-sign-out = Logga ut
es-back = Tillbaka
es-error-title = Åtgärden kunde inte utföras
es-none = Inga
es-save = Spara
es-upload = Skicka filen
es-overdue = Försenad
es-days = { $days ->
    [one] { $days } dag
   *[other] { $days } dagar
}
es-bytes = { $size ->
    [one] { $size } byte
   *[other] { $size } byte
}

## Labels

es-field-name = Namn
es-field-email = E-postadress
es-field-language = Språk
es-field-invite-language = Inbjudans språk
es-field-role = Roll
es-field-application = Ansökan
es-field-state = Behandlingsskede
es-field-created = Skapad
es-field-updated = Uppdaterad
es-field-completed = Ansökan fullständig
es-field-due = Behandlas senast
es-field-lapses = Förfaller
es-field-sent = Skickad
es-field-expires = Giltig till
es-field-last-used = Senast använd
es-field-token-name = Nyckelns namn
es-field-token-days = Giltighetstid i dagar (högst { $max })
es-field-long-name = Organisationens officiella namn
es-field-org-oid = Organisationens identifierare (OID)
es-field-contacts = Tekniska kontaktpersoner
es-field-approvals = Godkännanden
es-field-kind = Bilaga
es-field-filename = Fil
es-field-size = Storlek
es-field-uploaded = Bifogad
es-field-csr-file = Begäran om certifikat (CSR-fil)
es-field-conformity-file = Intyg om överensstämmelse (PDF)

## Sign-in: the demo identity provider and the registration (R-ACCOUNT)

es-demo-title = Demoidentifiering
es-demo-warning-title = DEMOIDENTIFIERING – INTE STARK AUTENTISERING.
es-demo-warning = På den här sidan kan vem som helst logga in som vem som helst. Sidan finns bara i den inbyggda demomiljön; i produktion startar tjänsten inte om demoidentifieringen är påkopplad.
es-demo-identity = Identifierare (till exempel en påhittad personbeteckning)
es-demo-submit = Logga in (demo)
es-register-title = Registrera dig i e-tjänsten
es-register-intro = Du har identifierat dig i tjänsten för första gången. Ange ditt namn och din e-postadress: certifikat och meddelanden skickas dit. Din personbeteckning sparas inte i tjänsten.
es-register-submit = Registrera dig

## Home and the organisation chooser (R-ACCOUNT)

es-home-title = E-tjänst för servicecertifikat
es-home-intro = I e-tjänsten ansöker organisationer inom social- och hälsovården om server- och systemsigneringscertifikat, följer behandlingen av ansökningar, hämtar beviljade certifikat och spärrar certifikat. Logga in med stark autentisering.
es-home-public = Certifikatsökningen och certifikattestet kan användas utan inloggning.
es-home-welcome = Välkommen, { $name }.
es-choose-org-title = Organisationen du uträttar ärenden för
es-choose-org-intro = Du kan uträtta ärenden för flera organisationer. Välj den organisation vars ärenden du sköter nu.
es-choose-org-submit = Byt organisation
es-choose-org-first = Välj först den organisation du uträttar ärenden för.
es-home-no-org = Du är ännu inte användare av någon organisations kundkonto. Be din organisations huvudanvändare om en inbjudan eller
es-home-create-account = skapa ett kundkonto för organisationen.
es-home-what = I e-tjänsten kan du
es-home-applications = ansöka om certifikat och följa behandlingen av ansökan
es-home-certificates = se organisationens certifikat och ladda ner dem
es-home-revoke = spärra ett certifikat med dess serienummer
es-home-account = hantera organisationens användare, inbjudningar och API-nycklar
es-home-queue = behandla inkomna ansökningar i ordning efter förfallodag

## The customer account (R-ACCOUNT)

es-account-title = Kundkonto
es-account-org = Kundkonto för:
es-account-your-role = Din roll:
es-account-not-admin = Organisationens användare, inbjudningar och API-nycklar hanteras av organisationens huvudanvändare.
es-members-title = Användare
es-invitations-title = Inbjudningar
es-invitation-open = Giltig
es-invitation-used = Använd
es-invitation-expired = Utgången
es-invite-title = Bjud in en användare
es-invite-intro = Inbjudan skickas per e-post. Länken i inbjudan kan användas en gång och är giltig en begränsad tid.
es-invite-submit = Skicka inbjudan
es-tokens-title = API-nycklar
es-tokens-intro = Organisationens informationssystem kan använda e-tjänstens gränssnitt med en API-nyckel. Nyckeln visas bara en gång, när den skapas.
es-token-active = Giltig
es-token-revoked = Återkallad
es-token-expired = Utgången
es-token-revoke = Återkalla
es-token-create-title = Ny API-nyckel
es-token-create = Skapa nyckel
es-token-new-title = Din nya API-nyckel
es-token-new-once = Kopiera nyckeln nu och förvara den säkert: den visas inte igen.
es-create-account-title = Skapa ett kundkonto för en organisation
es-create-account-intro = Ett kundkonto kan skapas för en organisation som finns i organisationsregistret för social- och hälsovården. Den som skapar kontot blir organisationens huvudanvändare. Om organisationen redan har ett kundkonto ska du be dess huvudanvändare om en inbjudan.
es-create-account-submit = Skapa kundkonto

## Invitations

es-invitation-title = Inbjudan till e-tjänsten
es-invitation-intro = Du har bjudits in att uträtta ärenden för en organisation. När du tar emot inbjudan får du den roll som anges i den. Inbjudan kan tas emot bara en gång.
es-invitation-accept = Ta emot inbjudan

## Applications (R-STAGES)

es-applications-title = Ansökningar
es-new-application-title = Ny ansökan
es-new-application-submit = Påbörja ansökan
es-no-applications = Inga ansökningar.
es-application-number = Ansökan { $id }
es-due-note = Certifikatet levereras senast fem arbetsdagar efter att ansökan är fullständig.
es-lapse-note = Ansökan förfaller om den har varit oavslutad eller väntat på komplettering i över sex månader.
es-approvals = { $given } / { $needed }
es-two-officers = För att bevilja ett systemsigneringscertifikat för produktionsmiljön krävs godkännande av två olika handläggare.
es-officer-message = Handläggaren ber dig komplettera ansökan:
es-rejection-reason = Motivering till avslaget:
es-missing-title = Detta saknas i ansökan
es-syssig-title = Sökande av systemsigneringscertifikat
es-syssig-intro = Systemsigneringscertifikatet söks av den serviceproducent som administrerar datasystemet, även om det tekniska underhållet har lagts ut på en annan organisation. Ansökan kan också göras av en Kanta-förmedlare som upptagits i förmedlarregistret, i eget namn.
es-syssig-basis = Grund för ansökan
es-syssig-current = Grund:
es-kanta-provider-note = I fältet för den tekniska kontaktpersonens organisation anges:
es-kanta-provider = Kanta-förmedlare
es-conformity-required = En privat serviceproducent ska bifoga datasystemets intyg om överensstämmelse till ansökan.
es-conformity-optional = En offentlig serviceproducent behöver inte bifoga något intyg om överensstämmelse.
es-attachments-title = Bilagor
es-attachment-csr = Begäran om certifikat
es-attachment-conformity = Intyg om överensstämmelse
es-no-attachments = Inga bilagor.
es-upload-csr-title = Bifoga begäran om certifikat
es-upload-csr-intro = Skapa nyckelparet och begäran om certifikat i din egen miljö; den privata nyckeln lämnar aldrig din organisation. Bifoga begäran i PEM- eller DER-format. Begäran kontrolleras genast.
es-upload-conformity-title = Bifoga intyg om överensstämmelse
es-upload-conformity-intro = Bifoga datasystemets intyg om överensstämmelse som en PDF-fil (högst { $max } MB).
es-csr-title = Begäran om certifikat i klartext
es-csr-plain = Begäran gäller nyckeln { $key }. Det beviljade certifikatets namn blir { $name }, och certifikatet är giltigt i { $days ->
    [one] { $days } dag
   *[other] { $days } dagar
}.
es-csr-requested = Vad begäran ber om
es-csr-key = Nyckel
es-csr-key-sha256 = Den offentliga nyckelns SHA-256-kontrollsumma
es-csr-requested-subject = Begärt namn (subjekt)
es-csr-requested-dns = Begärda DNS-namn
es-csr-signature = Begärans signaturalgoritm
es-csr-will-say = Vad det beviljade certifikatet kommer att innehålla
es-csr-common-name = Allmänt namn (CN)
es-csr-dns = DNS-namn
es-csr-validity = Giltighetstid
es-invite-contact-title = Bjud in en teknisk kontaktperson
es-invite-contact-intro = En teknisk kontaktperson, till exempel en expert hos systemleverantören, kan bifoga begäran om certifikat till ansökan. Hen ser bara de ansökningar som hen har bjudits in till.
es-applicant-actions = Skicka ansökan
es-submit = Skicka ansökan
es-provide-info = Skicka den kompletterade ansökan
es-withdraw = Återta ansökan
es-officer-actions = Behandling
es-approved-already = Du har redan godkänt ansökan. Certifikatet beviljas när en annan handläggare godkänner den.
es-start-review = Ta till behandling
es-approve = Godkänn och bevilja certifikatet
es-more-info-message = Vad den sökande ska komplettera eller rätta
es-request-more-info = Begär komplettering
es-reject-reason = Motivering till avslaget för den sökande
es-reject = Avslå ansökan
es-timeline-title = Behandlingens skeden
es-state-after = skede:
es-contact-added = Teknisk kontaktperson tillagd:

## The CA officer's queue (R-SLA)

es-queue-title = Behandlingskö
es-queue-intro = Fullständiga ansökningar i ordning efter förfallodag. Certifikatet ska levereras inom fem arbetsdagar från att ansökan är fullständig; veckoslut och söckenhelger är inte arbetsdagar.
es-queue-empty = Det finns inga ansökningar i kön.

## Certificates (R-DELIVERY) and revocation (R-REVOKE-HOW)

es-certificates-title = Organisationens certifikat
es-no-certificates = Inga certifikat.
es-certificate-title = Certifikat
es-downloads-title = Ladda ner certifikatet
es-download-der = Certifikatet i DER-format
es-download-pem = Certifikatet i PEM-format
es-download-chain = Certifikatkedjan i PEM-format
es-revoke-link = Spärra det här certifikatet
es-revoke-title = Spärrning av certifikat
es-revoke-intro = Spärra certifikatet om den privata nyckeln kan ha hamnat i fel händer, om certifikatet inte längre behövs eller om dess användningsändamål ändras. Ange serienumret på certifikatet som ska spärras och kontrollera certifikatets uppgifter innan du spärrar det.
es-revoke-lookup = Sök certifikatet
es-revoke-review = Kontrollera certifikatet som ska spärras
es-revoke-irreversible = Spärrningen kan inte ångras. Ett spärrat certifikat slutar fungera genast och kan inte tas i bruk igen.
es-revoke-reason = Orsak till spärrningen
es-revoke-confirm = Jag förstår att spärrningen inte kan ångras.
es-revoke-submit = Spärra certifikatet
es-reason-keyCompromise = Den privata nyckeln har röjts eller kan ha hamnat i fel händer
es-reason-cessationOfOperation = Certifikatet behövs inte längre
es-reason-affiliationChanged = Organisationen eller certifikatets användningsändamål har ändrats
es-reason-superseded = Certifikatet har ersatts av ett nytt
es-reason-unspecified = Annan orsak

## Done (post/redirect/get: `.notice[data-done]`)

es-done-organisation = Organisationen har bytts.
es-done-account-created = Kundkontot har skapats. Du är organisationens huvudanvändare.
es-done-invited = Inbjudan har skickats.
es-done-api-token-created = API-nyckeln har skapats.
es-done-api-token-revoked = API-nyckeln har återkallats.
es-done-invitation-accepted = Du har tagit emot inbjudan.
es-done-created = Ansökan har påbörjats. Komplettera den och skicka den till behandling.
es-done-csr = Begäran om certifikat har bifogats och kontrollerats.
es-done-conformity = Intyget om överensstämmelse har bifogats.
es-done-syssig-basis = Grunden för ansökan har sparats.
es-done-invite-contact = Inbjudan till den tekniska kontaktpersonen har skickats.
es-done-submit = Ansökan har skickats till behandling.
es-done-withdraw = Ansökan har återtagits.
es-done-provide-info = Den kompletterade ansökan har skickats till behandling.
es-done-start-review = Ansökan har tagits till behandling.
es-done-approve = Ditt godkännande har registrerats.
es-done-request-more-info = Den sökande har ombetts komplettera ansökan.
es-done-reject = Ansökan har avslagits.
es-done-revoked = Certifikatet har spärrats. En bekräftelse skickas per e-post.

## Certificate types (policy ProfileId)

profile-server = Servercertifikat
profile-test-server = Servercertifikat för testmiljön
profile-system-signature = Systemsigneringscertifikat
profile-test-system-signature = Systemsigneringscertifikat för testmiljön
profile-email = E-postcertifikat

## Processing stages (policy StateKind, R-STAGES)

state-draft = Utkast
state-submitted = Skickad
state-incomplete = Väntar på komplettering
state-in-review = Under behandling
state-approved = Godkänd
state-issued = Certifikatet har beviljats
state-delivered = Certifikatet har levererats
state-rejected = Avslagen
state-lapsed = Förfallen
state-withdrawn = Återtagen

## Timeline actions (policy ActionKind; "create" is the first line)

action-create = Ansökan påbörjades
action-edit = Ansökan ändrades
action-attach-csr = Begäran om certifikat bifogades
action-attach-conformity = Intyget om överensstämmelse bifogades
action-submit = Ansökan skickades
action-withdraw = Ansökan återtogs
action-request-more-info = Den sökande ombads komplettera ansökan
action-provide-info = Den kompletterade ansökan skickades
action-start-review = Ansökan togs till behandling
action-approve = Handläggaren godkände ansökan
action-reject = Ansökan avslogs
action-mark-issued = Certifikatet beviljades
action-mark-delivered = Certifikatet levererades per e-post
action-lapse = Ansökan förföll

## Roles (policy Role)

role-org-admin = Huvudanvändare
role-org-user = Användare
role-technical-contact = Teknisk kontaktperson
role-ca-officer = Certifikatutfärdarens handläggare
role-auditor = Granskare
role-system = Systemet

## The ground of a system signature application (R-SYSSIG-APPLICANT)

basis-administers-system = Organisationen administrerar datasystemet
basis-kanta-intermediary-own-name = Kanta-förmedlare ansöker i eget namn

## What an application lacks (policy Requirement)

requirement-csr = Ingen begäran om certifikat (CSR) har bifogats. Bifoga den eller bjud in en teknisk kontaktperson att bifoga den.
requirement-syssig-basis = Ange om din organisation administrerar datasystemet eller om den ansöker om certifikatet som Kanta-förmedlare i eget namn.
requirement-kanta-intermediary = Enligt organisationsregistret är din organisation inte Kanta-förmedlare. Ansök som den organisation som administrerar datasystemet, eller låt först rätta uppgifterna i registret.
requirement-conformity = En privat serviceproducent ska bifoga datasystemets intyg om överensstämmelse till ansökan om systemsigneringscertifikat.

## Refusals (EsError codes: `error-` and the code with . and _ as -)

error-not-found = Uppgiften finns inte, eller så får du inte se den. Kontrollera numret och den organisation du uträttar ärenden för.
error-conflict = Uppgiften har ändrats under tiden. Ladda om sidan och försök vid behov på nytt.
error-invalid = Uppgifterna duger inte. Kontrollera dem och försök på nytt.
error-unavailable = Tjänsten kunde inte behandla begäran just nu, och ingenting sparades. Försök på nytt om en stund.
error-csrf = Formuläret är föråldrat eller kommer inte från den här tjänsten. Ladda om sidan och skicka formuläret på nytt.
error-invalid-body = Begärans innehåll har inte det format som väntades.
error-rate-limited = För många försök på kort tid. Vänta en stund och försök på nytt.
error-unauthenticated = Logga in.
error-user-only = Detta kan bara en inloggad person göra, inte ett system som använder en API-nyckel.
error-no-organisation = Välj först den organisation du uträttar ärenden för, eller skapa ett kundkonto för organisationen.
error-role = Din roll i den här organisationen ger inte rätt till detta. Vänd dig till organisationens huvudanvändare.
error-officer-only = Detta kan bara certifikatutfärdarens handläggare göra.
error-organisation-not-registered = Organisationen finns inte i organisationsregistret för social- och hälsovården. Bara organisationer i registret kan ansöka om servicecertifikat.
error-account-exists = Organisationen har redan ett kundkonto. Be dess huvudanvändare om en inbjudan.
error-register-name = Skriv ditt namn (1–200 tecken).
error-register-email = Ange en e-postadress, till exempel maria.malm@example.fi. Certifikat och meddelanden skickas dit.
error-register-language = Välj finska, svenska eller engelska som språk.
error-register-exists = Du har redan registrerat dig, kanske i ett annat fönster. Logga in på nytt.
error-register-expired = Identifieringen har gått ut. Identifiera dig på nytt.
error-register-no-identification = Identifiera dig först.
error-sign-in-no-identity = Identifieringstjänsten förmedlade inte din identitet. Logga in på nytt.
error-sign-in-not-configured = Inloggning med en OpenID Connect-identifieringstjänst har inte tagits i bruk.
error-sign-in-provider-error = Identifieringstjänsten identifierade dig inte. Logga in på nytt.
error-sign-in-incomplete = Svaret från identifieringstjänsten var ofullständigt. Logga in på nytt.
error-sign-in-expired = Inloggningen har gått ut eller redan använts. Logga in på nytt.
error-sign-in-unverified = Identifieringen kunde inte verifieras. Logga in på nytt.
error-sign-in-demo-off = Demoidentifieringen är inte i bruk.
error-sign-in-demo-identity = Skriv en identifierare (1–100 tecken).
error-invitation-role = Välj rollen för den inbjudna: huvudanvändare, användare eller teknisk kontaktperson.
error-invitation-admin-only = Bara organisationens huvudanvändare kan bjuda in användare. Du kan bjuda in en teknisk kontaktperson till en ansökan.
error-invitation-email = Ange den inbjudnas e-postadress, till exempel teknisk.kontaktperson@example.fi.
error-invitation-language = Välj finska, svenska eller engelska som inbjudans språk.
error-invitation-application = En teknisk kontaktperson bjuds alltid in till en viss ansökan, användare till hela organisationen.
error-invitation-application-closed = En teknisk kontaktperson kan bifoga en begäran om certifikat bara till ett utkast eller till en ansökan som väntar på komplettering. Den här ansökan är inte öppen.
error-invitation-too-many = Organisationen har redan högsta tillåtna antal öppna inbjudningar. Vänta tills några av dem har använts eller gått ut.
error-invitation-unknown = Inbjudningslänken är inte giltig. Kontrollera att du kopierade hela länken, eller be om en ny inbjudan.
error-invitation-used-or-expired = Inbjudan har redan använts eller gått ut. En inbjudan kan användas en gång och under en begränsad tid. Be om en ny inbjudan.
error-api-token-days = Nyckelns giltighetstid ska anges i hela dagar inom det tillåtna intervallet.
error-api-token-name = Namnge nyckeln efter systemet som använder den (1–100 tecken, på en rad).
error-api-token-revoked = Nyckeln har redan återkallats.
error-application-profile = Välj certifikattyp: servercertifikat, systemsigneringscertifikat eller något av testmiljöns certifikat.
error-application-changed = Ansökan har ändrats efter att du öppnade den – formuläret har kanske redan skickats en gång. Kontrollera ansökans läge och gör åtgärden på nytt vid behov.
error-application-syssig-basis = Välj grunden för ansökan om systemsigneringscertifikat.
error-application-not-approved = Ansökan har inte godkänts, så certifikatet kan inte beviljas.
error-application-forbidden = Din roll ger inte rätt till den här åtgärden.
error-application-other-organisation = Ansökan hör till en annan organisation. Välj rätt organisation eller be dess huvudanvändare om en inbjudan.
error-application-not-invited = Du har inte bjudits in som teknisk kontaktperson för den här ansökan. Be den sökande om en inbjudan.
error-application-edit-after-submit = Ansökan har redan skickats och kan därför inte längre ändras. Den kan ändras bara om handläggaren begär komplettering.
error-application-already-submitted = Ansökan har redan skickats till behandling. Den behöver inte skickas på nytt.
error-application-closed = Behandlingen av ansökan har avslutats. Gör vid behov en ny ansökan.
error-application-invalid-state = Åtgärden kan inte göras i ansökans nuvarande behandlingsskede.
error-application-not-ready = Ansökan är ännu inte fullständig:
error-application-same-officer = Du har redan godkänt ansökan. Ett systemsigneringscertifikat för produktionsmiljön godkänns också av en annan handläggare.
error-application-invalid-message = Skriv vad den sökande ska komplettera eller rätta (1–4 000 tecken).
error-application-invalid-reason = Skriv motiveringen till avslaget för den sökande (1–4 000 tecken).
error-application-invalid-serial = Serienumret är inte giltigt.
error-application-lapse-not-due = Ansökan förfaller inte ännu.
error-requirement-csr = { requirement-csr }
error-requirement-syssig-basis = { requirement-syssig-basis }
error-requirement-kanta-intermediary = { requirement-kanta-intermediary }
error-requirement-conformity = { requirement-conformity }
error-csr-empty = Filen är tom. Bifoga begäran om certifikat i PEM- eller DER-format.
error-csr-too-large = Filen är för stor för en begäran om certifikat. Bifoga själva begäran, inte ett arkiv eller en certifikatkedja.
error-csr-malformed = Filen är ingen giltig begäran om certifikat. Gör en ny begäran (till exempel openssl req -new -key server.key -out server.csr) och bifoga den i PEM- eller DER-format.
error-csr-no-name = Begäran innehåller inget namn. Skriv serverns DNS-namn eller datasystemets namn i begärans allmänna namn (CN).
error-csr-profile = Begäran om certifikat passar inte den här certifikattypen. Rätta följande och gör en ny begäran:
error-csr-key-reused = Ett certifikat har redan beviljats för nyckeln och det har spärrats eller hör till en annan organisation. Skapa ett nytt nyckelpar och en ny begäran om certifikat.
error-conformity-too-large = Intyget om överensstämmelse är för stort. Spara det som en mindre PDF-fil.
error-conformity-not-pdf = Intyget om överensstämmelse ska vara ett PDF-dokument, och den här filen är inte det (eller så är den avbruten). Spara eller skanna intyget som PDF och bifoga det på nytt.
error-upload-too-large = Filen är för stor.
error-upload-unreadable = Filen kunde inte läsas. Välj filen och skicka formuläret på nytt.
error-certificate-serial = Ange certifikatets serienummer i hexadecimal form så som det syns i certifikatet (till exempel 5a:3f:…). Mellanslag och kolon är tillåtna.
error-certificate-already-revoked = Certifikatet har redan spärrats. Spärrningen är slutgiltig.
error-certificate-invalid = Certifikatet kunde inte beviljas eller spärras med de givna uppgifterna.
error-revocation-reason = Välj orsak till spärrningen.
error-revocation-unconfirmed = Spärrningen kan inte ångras. Bekräfta att du vill spärra certifikatet.

## Organisationens personal- och aktörskort (issue 5, punkt 7)
nav-cards = Personalkort
es-cards-title = Organisationens personal- och aktörskort
es-cards-intro = När en anställd lämnar organisationen, spärra hans personal- eller aktörskort. Kortets båda certifikat, för identifiering och för underskrift, spärras tillsammans. Yrkesutbildade personers kort spärras inte här: de grundar sig på yrkesrättigheten i registret.
es-cards-none = Organisationen har inga personal- eller aktörskort.
es-cards-irreversible = Spärrningen kan inte ångras. Kortet slutar fungera genast.
es-cards-confirm = Jag förstår att spärrningen inte kan ångras.
es-cards-revoke = Spärra kortet
es-done-card-revoked = Kortet har spärrats: båda dess certifikat.
field-card-holder = Innehavare
field-card-holder-number = Innehavarnummer
field-card-title = Yrkesbeteckning
field-card-kind = Kort
card-kind-staff = Personalkort
card-kind-actor = Aktörskort
card-kind-temporary = Tillfälligt kort
card-state-ordered = Beställt
card-state-produced = Tillverkat
card-state-activated = I bruk
card-state-revoked = Spärrat
card-state-cancelled = Beställningen annullerad
es-card-reason-affiliationChanged = Anställningen har upphört
es-card-reason-keyCompromise = Kortet har förlorats eller kan ha hamnat i fel händer
es-card-reason-cessationOfOperation = Kortet behövs inte längre
es-card-reason-superseded = Kortet har ersatts av ett nytt
es-card-reason-unspecified = Annan orsak
error-card-not-organisation-card = Organisationen kan spärra endast de personal- och aktörskort som är knutna till den. Ett kort för yrkesutbildad person spärras av en registrerare eller av kortets innehavare.
error-card-already-revoked = Kortet är redan spärrat. Spärrningen är slutgiltig.
error-card-not-produced = Kortet är inte i rätt skede för detta. Ett kort kan spärras när det har tillverkats, och lämnas ut till innehavaren när det har tillverkats men ännu inte tagits i bruk.
