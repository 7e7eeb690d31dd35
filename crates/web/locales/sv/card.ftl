# Korthållarens sidor i kortlyssnaren (crates/web/src/cardpages.rs):
# inloggning med kortets autentiseringscertifikat, förnyelse via
# självbetjäning (R-SELF-RENEW) och spärrning av kortet.

holder-service-name = E-tjänst för certifikatkort
holder-footer = CarePKI – certifikatkort för social- och hälsovården.
holder-title = Mitt certifikatkort
holder-sign-in-help = Logga in med certifikatkortet: sätt kortet i läsaren, ladda om sidan och välj kortets autentiseringscertifikat. Webbläsaren frågar efter autentiserings-PIN-koden (PIN1).

holder-name = Namn
holder-registration-number = Registreringsnummer
holder-holder-number = Innehavarnummer
holder-card-title = Yrkesbeteckning
holder-card-kind = Korttyp
holder-valid-to = Giltigt till
holder-sv-number = SV-kod (förskrivningsrätt)
holder-serial = Autentiseringscertifikatets serienummer

holder-kind-professional = Yrkeskort
holder-kind-staff = Personalkort
holder-kind-actor = Aktörskort
holder-kind-temporary = Tillfälligt kort
holder-kind-test = Testkort

holder-renewal = Förnyelse av kortet
holder-ground-validity-ending = Du kan förnya kortet nu, eftersom högst tre månader av dess giltighetstid återstår.
holder-ground-name-changed = Du kan förnya kortet nu, eftersom ditt namn i yrkesutövarregistret ({ $name }) skiljer sig från namnet på kortet. Det nya kortet har det nya namnet.
holder-renew-explain = Det nya kortet beställs till samma registreringsställe som ditt nuvarande kort kom från. Det nuvarande kortet fungerar tills du tar det nya i bruk; då spärras det nuvarande kortet.
holder-renew = Förnya kortet
holder-opens = Kortet kan förnyas på nätet när högst tre månader av dess giltighetstid återstår: från och med { $opens }. Om ditt namn ändras i yrkesutövarregistret kan du förnya kortet redan tidigare.
holder-pending = Förnyelsen av ditt kort är redan beställd (beställning { $order }, { $date }). Det nya kortet kommer från registreringsstället och aktiveringskoden separat.
holder-pending-state-ordered = Kortet är beställt.
holder-pending-state-produced = Kortet är tillverkat.
holder-pending-state-activated = Kortet är taget i bruk.

holder-revocation = Spärrning av kortet
holder-irreversible = Spärrningen kan inte ångras: kortets båda certifikat (autentisering och signatur) slutar fungera för gott.
holder-reason = Orsak
holder-reason-keyCompromise = Kortet har kommit bort eller blivit stulet
holder-reason-affiliationChanged = Jag arbetar inte längre i den uppgift kortet gäller
holder-reason-superseded = Jag har ett nytt kort
holder-reason-cessationOfOperation = Jag slutar arbeta inom branschen
holder-reason-unspecified = Annan orsak
holder-confirm = Jag förstår att spärrningen inte kan ångras.
holder-revoke = Spärra kortet

holder-done-renewed = Förnyelsen av kortet är beställd.
holder-done-revoked = Kortet är spärrat. Båda dess certifikat är spärrade.

holder-refusal-no-client-certificate = Du är inte inloggad: webbläsaren skickade inget kortcertifikat.
holder-refusal-unknown-certificate = Certifikatet har inte beviljats av denna certifikattjänst.
holder-refusal-revoked = Kortet är spärrat ({ $reason }) och kan inte längre användas för inloggning.
holder-refusal-expired = Kortets certifikat är inte giltigt.
holder-refusal-not-authentication-certificate = Med detta certifikat kan man inte logga in. Välj kortets autentiseringscertifikat och ange PIN1, inte signaturcertifikatet.
holder-refusal-test-card = Med ett testkort kan man inte logga in i denna tjänst.
holder-refusal-invalid-certificate = Med certifikatet kan man inte logga in.
holder-refusal-unavailable = Certifikatets status kunde inte kontrolleras just nu. Försök igen om en stund.

holder-error-renewal-too-early = Kortet kan ännu inte förnyas på nätet. Förnyelsen är möjlig från och med { $opens }.
holder-error-renewal-pending = Förnyelsen av ditt kort är redan beställd (beställning { $order }).
holder-error-renewal-not-professional = Endast ett yrkeskort kan förnyas på nätet. Andra kort beställs via registreringsstället.
holder-error-renewal-card-not-valid = Endast ett giltigt kort kan förnyas på nätet. Be registreringsstället om ett nytt kort.
holder-error-order-not-in-registers = Du finns inte längre i yrkesutövarregistret, så yrkeskortet kan inte förnyas.
holder-error-order-no-valid-right = Du har ingen giltig rätt i yrkesutövarregistret, så yrkeskortet kan inte förnyas.
holder-error-revocation-reason = Välj orsaken till spärrningen.
holder-error-revocation-unconfirmed = Spärrningen kan inte ångras. Bekräfta att du vill spärra kortet.
holder-error-card-already-revoked = Kortet är redan spärrat.
holder-error-card-no-order = Kortet har inte beställts via registreringssystemet, så det kan inte förnyas eller spärras här. Kontakta registreringsstället.
holder-error-card-not-authentication = Logga in med kortets autentiseringscertifikat (PIN1).
holder-error-csrf = Formuläret är föråldrat eller kom inte från denna tjänst. Ladda om sidan och skicka formuläret igen.
