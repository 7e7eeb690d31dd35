# The e-service's notification mails in English (issue 4, point 7). Plain
# text. The same ids and variables as fi/mail.ftl.

## The frame of every mail

greeting = Hello,
signature = This is an automatic message from the CarePKI e-service; replies to it are not read.

## Certificate types (policy ProfileId::as_str)

profile-server = server certificate
profile-test-server = test server certificate
profile-system-signature = system signature certificate
profile-test-system-signature = test system signature certificate
profile-email = email certificate

## Roles in an organisation's customer account (R-ACCOUNT)

role-org-admin = organisation administrator
role-org-user = organisation user
role-technical-contact = technical contact

## Revocation reasons (RFC 5280 names)

reason-unspecified = no reason given
reason-keyCompromise = the private key has been compromised
reason-affiliationChanged = the organisation's details have changed
reason-superseded = the certificate has been replaced by a new one
reason-cessationOfOperation = the operation has ceased

## Invitation (R-ACCOUNT): the link is single-use and expires

invitation-subject = Invitation to the CarePKI e-service ({ $organisation })
invitation-body =
    { $inviter } has invited you to use the CarePKI e-service on behalf of the following organisation.

    Organisation: { $organisation }
    Role: { $role }

    To accept the invitation, open the link below and identify yourself to the service with strong electronic identification (for example, online banking codes or a mobile certificate):
    { $link }

    The link is valid until { $expires } and can be used only once. If you were not expecting an invitation, you can ignore this message.

## Application received (R-STAGES, R-SLA)

application-received-subject = Your certificate application has been received (application { $application })
application-received-body =
    Your certificate application has been received.

    Application: { $application }
    Certificate type: { $profile }
    Organisation: { $organisation }

    { $has-due ->
        [yes] The application will be processed by { $due }.
       *[no] The application will be processed within five working days of it being complete.
    } You can follow the processing of the application in the e-service:
    { $link }

    You will receive an email when the application has been processed or if further information is needed.

## More information needed (R-STAGES, R-LAPSE)

more-info-needed-subject = Further information is needed for your application (application { $application })
more-info-needed-body =
    Further information is needed to process your certificate application. The officer's message:

    { $message }

    Application: { $application }
    Certificate type: { $profile }
    Organisation: { $organisation }

    Please complete the application in the e-service:
    { $link }

    Processing continues once the application has been completed. An application that is not completed lapses when it has been pending for six months.

## Rejected (R-STAGES)

rejected-subject = Your certificate application has been rejected (application { $application })
rejected-body =
    Your certificate application has been processed, and the certificate cannot be issued. The reason for the rejection:

    { $reason }

    Application: { $application }
    Certificate type: { $profile }
    Organisation: { $organisation }

    The application and its processing stages are shown in the e-service:
    { $link }

    You may submit a new application once the reason for the rejection has been addressed.

## Approved and delivered (R-DELIVERY: DER and PEM attached)

delivered-subject = Your certificate has been issued (application { $application })
delivered-body =
    The certificate issued on your application is attached to this message.

    Application: { $application }
    Certificate type: { $profile }
    Organisation: { $organisation }
    Serial number: { $serial }
    Subject: { $subject }
    Valid until: { $until }

    Attachments:
    { $serial }.der – the certificate in DER format
    { $serial }.pem – the certificate in PEM format
    { $serial }-chain.pem – the certificate chain (the issuer's CA certificates) in PEM format

    The certificate and its chain can also be downloaded in the e-service:
    { $link }

    If the certificate's private key falls into the wrong hands or the certificate is no longer needed, please request its revocation in the e-service without delay.

## Lapsed (R-LAPSE)

lapsed-subject = Your certificate application has lapsed (application { $application })
lapsed-body =
    Your certificate application has lapsed, because it has been pending for more than six months without the requested information or attachments. The application has been pending since { $since }.

    Application: { $application }
    Certificate type: { $profile }
    Organisation: { $organisation }

    A lapsed application is not processed. If you still need the certificate, you can submit a new application in the e-service:
    { $link }

## Revoked (R-REVOKE-HOW; R-REVOKE-WHEN: it cannot be undone)

revoked-subject = Certificate revoked (serial number { $serial })
revoked-body =
    A certificate of your organisation has been revoked.

    Organisation: { $organisation }
    Serial number: { $serial }
    Subject: { $subject }
    Reason: { $reason }
    Revoked: { $revoked }

    Revocation is final and cannot be undone. A revoked certificate can no longer be used. If you still need a certificate, please apply for a new one in the CarePKI e-service.

    If you did not request the revocation, please contact the CarePKI certificate service without delay.

## Expiring in 30 days

expiring-soon-subject = Your certificate expires soon (serial number { $serial })
expiring-soon-body =
    A certificate of your organisation expires on { $until }.

    Organisation: { $organisation }
    Serial number: { $serial }
    Subject: { $subject }

    Please apply for a new certificate in good time so that your services keep working without interruption: an application is processed within five working days of it being complete. New certificates are applied for in the e-service:
    { $link }

    If the certificate is no longer needed, you can ignore this message.
