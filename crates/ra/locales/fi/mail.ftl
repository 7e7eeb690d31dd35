# The e-service's notification mails in Finnish (issue 4, point 7). Plain text.
#
# A mail is `greeting`, a blank line, `<kind>-body`, the signature delimiter and
# `signature`; its subject is `<kind>-subject` (crates/ra/src/notify.rs).
# sv/mail.ftl and en/mail.ftl define exactly the same ids with the same
# variables (tests/notify.rs). Names that the mail inserts ($organisation,
# $profile…) stand alone after a label or in parentheses: Finnish cannot
# inflect a name it does not know.

## The frame of every mail

greeting = Hei,
signature = Tämä on CarePKI-asiointipalvelun automaattinen viesti, eikä siihen voi vastata.

## Certificate types (policy ProfileId::as_str)

profile-server = palvelinvarmenne
profile-test-server = testiympäristön palvelinvarmenne
profile-system-signature = järjestelmäallekirjoitusvarmenne
profile-test-system-signature = testiympäristön järjestelmäallekirjoitusvarmenne
profile-email = sähköpostivarmenne

## Roles in an organisation's customer account (R-ACCOUNT)

role-org-admin = organisaation pääkäyttäjä
role-org-user = organisaation käyttäjä
role-technical-contact = tekninen yhteyshenkilö

## Revocation reasons (RFC 5280 names)

reason-unspecified = syytä ei ole eritelty
reason-keyCompromise = yksityinen avain on vaarantunut
reason-affiliationChanged = organisaation tiedot ovat muuttuneet
reason-superseded = varmenne on korvattu uudella
reason-cessationOfOperation = toiminta on lopetettu

## Invitation (R-ACCOUNT): the link is single-use and expires

invitation-subject = Kutsu CarePKI-asiointipalveluun ({ $organisation })
invitation-body =
    { $inviter } on kutsunut teidät käyttämään CarePKI-asiointipalvelua seuraavan organisaation puolesta.

    Organisaatio: { $organisation }
    Rooli: { $role }

    Ottakaa kutsu vastaan avaamalla alla oleva linkki ja tunnistautumalla palveluun vahvasti (esimerkiksi pankkitunnuksilla tai mobiilivarmenteella):
    { $link }

    Linkki on voimassa { $expires } asti, ja sitä voi käyttää vain kerran. Jos ette odottaneet kutsua, voitte jättää tämän viestin huomiotta.

## Application received (R-STAGES, R-SLA)

application-received-subject = Varmennehakemuksenne on vastaanotettu (hakemus { $application })
application-received-body =
    Varmennehakemuksenne on vastaanotettu.

    Hakemus: { $application }
    Varmennetyyppi: { $profile }
    Organisaatio: { $organisation }

    { $has-due ->
        [yes] Hakemus käsitellään viimeistään { $due }.
       *[no] Hakemus käsitellään viiden työpäivän kuluessa siitä, kun se on täydellinen.
    } Voitte seurata hakemuksen käsittelyä asiointipalvelussa:
    { $link }

    Saatte sähköpostiviestin, kun hakemus on käsitelty tai jos siihen tarvitaan lisätietoja.

## More information needed (R-STAGES, R-LAPSE)

more-info-needed-subject = Hakemukseenne tarvitaan lisätietoja (hakemus { $application })
more-info-needed-body =
    Varmennehakemuksenne käsittely edellyttää lisätietoja. Käsittelijän viesti:

    { $message }

    Hakemus: { $application }
    Varmennetyyppi: { $profile }
    Organisaatio: { $organisation }

    Täydentäkää hakemusta asiointipalvelussa:
    { $link }

    Käsittely jatkuu, kun hakemus on täydennetty. Jos hakemusta ei täydennetä, se raukeaa, kun se on ollut vireillä kuusi kuukautta.

## Rejected (R-STAGES)

rejected-subject = Varmennehakemuksenne on hylätty (hakemus { $application })
rejected-body =
    Varmennehakemuksenne on käsitelty, eikä varmennetta voida myöntää. Hylkäämisen perustelu:

    { $reason }

    Hakemus: { $application }
    Varmennetyyppi: { $profile }
    Organisaatio: { $organisation }

    Hakemuksen tiedot ja käsittelyvaiheet näette asiointipalvelussa:
    { $link }

    Voitte tehdä uuden hakemuksen, kun hylkäämisen syy on korjattu.

## Approved and delivered (R-DELIVERY: DER and PEM attached)

delivered-subject = Varmenteenne on myönnetty (hakemus { $application })
delivered-body =
    Hakemuksenne perusteella myönnetty varmenne on tämän viestin liitteenä.

    Hakemus: { $application }
    Varmennetyyppi: { $profile }
    Organisaatio: { $organisation }
    Sarjanumero: { $serial }
    Subjekti: { $subject }
    Voimassa asti: { $until }

    Liitteet:
    { $serial }.der – varmenne DER-muodossa
    { $serial }.pem – varmenne PEM-muodossa
    { $serial }-chain.pem – varmenneketju (myöntäjän CA-varmenteet) PEM-muodossa

    Varmenteen ja varmenneketjun voi ladata myös asiointipalvelusta:
    { $link }

    Jos varmenteen yksityinen avain joutuu vääriin käsiin tai varmennetta ei enää tarvita, pyytäkää viipymättä varmenteen sulkemista asiointipalvelussa.

## Lapsed (R-LAPSE)

lapsed-subject = Varmennehakemuksenne on rauennut (hakemus { $application })
lapsed-body =
    Varmennehakemuksenne on rauennut, koska se on ollut vireillä yli kuusi kuukautta ilman, että pyydettyjä tietoja tai liitteitä on toimitettu. Hakemus on ollut vireillä { $since } alkaen.

    Hakemus: { $application }
    Varmennetyyppi: { $profile }
    Organisaatio: { $organisation }

    Rauennutta hakemusta ei käsitellä. Jos tarvitsette varmenteen edelleen, voitte tehdä uuden hakemuksen asiointipalvelussa:
    { $link }

## Revoked (R-REVOKE-HOW; R-REVOKE-WHEN: it cannot be undone)

revoked-subject = Varmenne on suljettu (sarjanumero { $serial })
revoked-body =
    Organisaationne varmenne on suljettu.

    Organisaatio: { $organisation }
    Sarjanumero: { $serial }
    Subjekti: { $subject }
    Sulkemisen syy: { $reason }
    Suljettu: { $revoked }

    Sulkeminen on lopullinen, eikä sitä voi perua. Suljettua varmennetta ei voi enää käyttää. Jos tarvitsette varmenteen edelleen, hakekaa uusi varmenne CarePKI-asiointipalvelussa.

    Jos ette pyytäneet sulkemista, ottakaa viipymättä yhteyttä CarePKI-varmennepalveluun.

## Expiring in 30 days

expiring-soon-subject = Varmenteenne vanhenee pian (sarjanumero { $serial })
expiring-soon-body =
    Organisaationne varmenteen voimassaolo päättyy { $until }.

    Organisaatio: { $organisation }
    Sarjanumero: { $serial }
    Subjekti: { $subject }

    Hakekaa uusi varmenne hyvissä ajoin, jotta palvelunne toimivat keskeytyksettä: hakemus käsitellään viiden työpäivän kuluessa siitä, kun se on täydellinen. Uutta varmennetta haetaan asiointipalvelussa:
    { $link }

    Jos varmennetta ei enää tarvita, voitte jättää tämän viestin huomiotta.
