# The e-service's notification mails in Swedish, as written in Finland
# (issue 4, point 7). Plain text. The same ids and variables as fi/mail.ftl.

## The frame of every mail

greeting = Hej,
signature = Detta är ett automatiskt meddelande från CarePKI e-tjänsten, och det går inte att svara på det.

## Certificate types (policy ProfileId::as_str)

profile-server = servercertifikat
profile-test-server = servercertifikat för testmiljön
profile-system-signature = systemsigneringscertifikat
profile-test-system-signature = systemsigneringscertifikat för testmiljön
profile-email = e-postcertifikat

## Roles in an organisation's customer account (R-ACCOUNT)

role-org-admin = organisationens huvudanvändare
role-org-user = organisationens användare
role-technical-contact = teknisk kontaktperson

## Revocation reasons (RFC 5280 names)

reason-unspecified = ingen orsak har angetts
reason-keyCompromise = den privata nyckeln har röjts
reason-affiliationChanged = organisationens uppgifter har ändrats
reason-superseded = certifikatet har ersatts av ett nytt
reason-cessationOfOperation = verksamheten har upphört

## Invitation (R-ACCOUNT): the link is single-use and expires

invitation-subject = Inbjudan till CarePKI e-tjänsten ({ $organisation })
invitation-body =
    { $inviter } har bjudit in er att använda CarePKI e-tjänsten för följande organisations räkning.

    Organisation: { $organisation }
    Roll: { $role }

    Ta emot inbjudan genom att öppna länken nedan och identifiera er i tjänsten med stark autentisering (till exempel med bankkoder eller mobilcertifikat):
    { $link }

    Länken är giltig till den { $expires } och kan användas endast en gång. Om ni inte väntade er någon inbjudan kan ni lämna detta meddelande utan åtgärd.

## Application received (R-STAGES, R-SLA)

application-received-subject = Er certifikatansökan har tagits emot (ansökan { $application })
application-received-body =
    Er certifikatansökan har tagits emot.

    Ansökan: { $application }
    Certifikattyp: { $profile }
    Organisation: { $organisation }

    { $has-due ->
        [yes] Ansökan behandlas senast den { $due }.
       *[no] Ansökan behandlas inom fem arbetsdagar från att den är fullständig.
    } Ni kan följa behandlingen av ansökan i e-tjänsten:
    { $link }

    Ni får ett e-postmeddelande när ansökan har behandlats eller om den behöver kompletteras.

## More information needed (R-STAGES, R-LAPSE)

more-info-needed-subject = Er ansökan behöver kompletteras (ansökan { $application })
more-info-needed-body =
    Handläggningen av er certifikatansökan kräver ytterligare uppgifter. Handläggarens meddelande:

    { $message }

    Ansökan: { $application }
    Certifikattyp: { $profile }
    Organisation: { $organisation }

    Komplettera ansökan i e-tjänsten:
    { $link }

    Handläggningen fortsätter när ansökan har kompletterats. Om ansökan inte kompletteras förfaller den när den har varit anhängig i sex månader.

## Rejected (R-STAGES)

rejected-subject = Er certifikatansökan har avslagits (ansökan { $application })
rejected-body =
    Er certifikatansökan har behandlats och certifikatet kan inte beviljas. Motivering till avslaget:

    { $reason }

    Ansökan: { $application }
    Certifikattyp: { $profile }
    Organisation: { $organisation }

    Ansökans uppgifter och behandlingsskeden finns i e-tjänsten:
    { $link }

    Ni kan göra en ny ansökan när orsaken till avslaget har åtgärdats.

## Approved and delivered (R-DELIVERY: DER and PEM attached)

delivered-subject = Ert certifikat har beviljats (ansökan { $application })
delivered-body =
    Det certifikat som har beviljats på er ansökan bifogas detta meddelande.

    Ansökan: { $application }
    Certifikattyp: { $profile }
    Organisation: { $organisation }
    Serienummer: { $serial }
    Subjekt: { $subject }
    Giltigt till: { $until }

    Bilagor:
    { $serial }.der – certifikatet i DER-format
    { $serial }.pem – certifikatet i PEM-format
    { $serial }-chain.pem – certifikatkedjan (utfärdarens CA-certifikat) i PEM-format

    Certifikatet och certifikatkedjan kan också laddas ner i e-tjänsten:
    { $link }

    Om certifikatets privata nyckel kommer i orätta händer eller om certifikatet inte längre behövs ska ni utan dröjsmål begära att certifikatet spärras i e-tjänsten.

## Lapsed (R-LAPSE)

lapsed-subject = Er certifikatansökan har förfallit (ansökan { $application })
lapsed-body =
    Er certifikatansökan har förfallit eftersom den har varit anhängig i över sex månader utan att de begärda uppgifterna eller bilagorna har lämnats in. Ansökan har varit anhängig sedan { $since }.

    Ansökan: { $application }
    Certifikattyp: { $profile }
    Organisation: { $organisation }

    En förfallen ansökan behandlas inte. Om ni fortfarande behöver certifikatet kan ni göra en ny ansökan i e-tjänsten:
    { $link }

## Revoked (R-REVOKE-HOW; R-REVOKE-WHEN: it cannot be undone)

revoked-subject = Certifikatet har spärrats (serienummer { $serial })
revoked-body =
    Ett certifikat som tillhör er organisation har spärrats.

    Organisation: { $organisation }
    Serienummer: { $serial }
    Subjekt: { $subject }
    Orsak till spärren: { $reason }
    Spärrat: { $revoked }

    Spärren är slutgiltig och kan inte hävas. Ett spärrat certifikat kan inte längre användas. Om ni fortfarande behöver ett certifikat, ansök om ett nytt i CarePKI e-tjänsten.

    Om ni inte har begärt spärren, kontakta CarePKI-certifikattjänsten utan dröjsmål.

## Expiring in 30 days

expiring-soon-subject = Ert certifikat går snart ut (serienummer { $serial })
expiring-soon-body =
    Giltighetstiden för ett certifikat som tillhör er organisation går ut den { $until }.

    Organisation: { $organisation }
    Serienummer: { $serial }
    Subjekt: { $subject }

    Ansök om ett nytt certifikat i god tid så att era tjänster fungerar utan avbrott: ansökan behandlas inom fem arbetsdagar från att den är fullständig. Ett nytt certifikat söks i e-tjänsten:
    { $link }

    Om certifikatet inte längre behövs kan ni lämna detta meddelande utan åtgärd.
