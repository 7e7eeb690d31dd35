# The e-service's pages in English (issue 4). The same ids and variables as
# fi/eservice.ftl.

## The frame

nav-eservice = E-service
nav-home = Home
nav-applications = Applications
nav-certificates = Certificates
nav-revoke = Certificate revocation
nav-account = Customer account
nav-queue = Work queue
es-footer = CarePKI – the e-service for service certificates in social welfare and healthcare.
es-signed-in-as = Signed in:
es-acting-for = You act for the organisation:
es-acting-for-none = You do not act for any organisation yet.
es-sign-in = Sign in
es-sign-out = Sign out
es-back = Go back
es-error-title = The action could not be done
es-none = None
es-save = Save
es-upload = Send the file
es-overdue = Overdue
es-days = { $days ->
    [one] { $days } day
   *[other] { $days } days
}
es-bytes = { $size ->
    [one] { $size } byte
   *[other] { $size } bytes
}

## Labels

es-field-name = Name
es-field-email = Email address
es-field-language = Language
es-field-invite-language = Language of the invitation
es-field-role = Role
es-field-application = Application
es-field-state = Stage
es-field-created = Created
es-field-updated = Updated
es-field-completed = Complete since
es-field-due = To be processed by
es-field-lapses = Lapses
es-field-sent = Sent
es-field-expires = Valid until
es-field-last-used = Last used
es-field-token-name = Name of the token
es-field-token-days = Validity in days (at most { $max })
es-field-long-name = The organisation's official name
es-field-org-oid = The organisation's identifier (OID)
es-field-contacts = Technical contacts
es-field-approvals = Approvals
es-field-kind = Attachment
es-field-filename = File
es-field-size = Size
es-field-uploaded = Attached
es-field-csr-file = Certificate signing request (CSR file)
es-field-conformity-file = Certificate of conformity (PDF)

## Sign-in: the demo identity provider and the registration (R-ACCOUNT)

es-demo-title = Demo sign-in
es-demo-warning-title = DEMO IDENTITY PROVIDER – NOT STRONG IDENTIFICATION.
es-demo-warning = Anyone can sign in as anyone here. This page exists only in the embedded demo; a production service refuses to start with it switched on.
es-demo-identity = Identity (for example, a made-up identity code)
es-demo-submit = Sign in (demo)
es-register-title = Register for the e-service
es-register-intro = You have identified yourself to the service for the first time. Give your name and your email address: certificates and notifications are sent there. Your personal identity code is not stored in the service.
es-register-submit = Register

## Home and the organisation chooser (R-ACCOUNT)

es-home-title = E-service for service certificates
es-home-intro = In the e-service, social welfare and healthcare organisations apply for server and system signature certificates, follow the processing of their applications, receive the certificates issued to them and revoke certificates. Sign in with strong electronic identification.
es-home-public = Certificate search and the certificate test can be used without signing in.
es-home-welcome = Welcome, { $name }.
es-choose-org-title = The organisation you act for
es-choose-org-intro = You may act for several organisations. Choose the one whose matters you are handling now.
es-choose-org-submit = Change organisation
es-choose-org-first = First choose the organisation you act for.
es-home-no-org = You are not yet a user of any organisation's customer account. Ask your organisation's administrator for an invitation, or
es-home-create-account = create a customer account for the organisation.
es-home-what = In the e-service you can
es-home-applications = apply for a certificate and follow the processing of the application
es-home-certificates = see your organisation's certificates and download them
es-home-revoke = revoke a certificate by its serial number
es-home-account = manage your organisation's users, invitations and API tokens
es-home-queue = process incoming applications in order of their due dates

## The customer account (R-ACCOUNT)

es-account-title = Customer account
es-account-org = Customer account of:
es-account-your-role = Your role:
es-account-not-admin = The organisation's users, invitations and API tokens are managed by its administrator.
es-members-title = Users
es-invitations-title = Invitations
es-invitation-open = Open
es-invitation-used = Used
es-invitation-expired = Expired
es-invite-title = Invite a user
es-invite-intro = The invitation is sent by email. Its link works once and for a limited time.
es-invite-submit = Send the invitation
es-tokens-title = API tokens
es-tokens-intro = Your organisation's information systems can use the e-service's API with an API token. A token is shown only once, when it is created.
es-token-active = Valid
es-token-revoked = Revoked
es-token-expired = Expired
es-token-revoke = Revoke
es-token-create-title = New API token
es-token-create = Create the token
es-token-new-title = Your new API token
es-token-new-once = Copy the token now and keep it safe: it will not be shown again.
es-create-account-title = Create an organisation's customer account
es-create-account-intro = A customer account can be created for an organisation in the social welfare and healthcare organisation register. Whoever creates it becomes the organisation's administrator. If the organisation already has a customer account, ask its administrator for an invitation.
es-create-account-submit = Create the customer account

## Invitations

es-invitation-title = Invitation to the e-service
es-invitation-intro = You have been invited to act for an organisation. When you accept the invitation, you get the role it names. An invitation can be accepted only once.
es-invitation-accept = Accept the invitation

## Applications (R-STAGES)

es-applications-title = Applications
es-new-application-title = New application
es-new-application-submit = Start an application
es-no-applications = No applications.
es-application-number = Application { $id }
es-due-note = The certificate is delivered at the latest five working days after the application is complete.
es-lapse-note = An application lapses when it has been unfinished or waiting for more information for over six months.
es-approvals = { $given } / { $needed }
es-two-officers = A production system signature certificate is issued only with the approval of two different officers.
es-officer-message = The officer asks you to add to the application:
es-rejection-reason = Reason for the rejection:
es-missing-title = What the application still lacks
es-syssig-title = Who applies for a system signature certificate
es-syssig-intro = A system signature certificate is applied for by the service provider that administers the information system, even if its technical maintenance is outsourced. A Kanta intermediary listed in the intermediary register may also apply in its own name.
es-syssig-basis = Ground of the application
es-syssig-current = Ground:
es-kanta-provider-note = The technical contact's organisation field reads:
es-kanta-provider = Kanta provider
es-conformity-required = A private service provider must attach the information system's certificate of conformity.
es-conformity-optional = A public service provider need not attach a certificate of conformity.
es-attachments-title = Attachments
es-attachment-csr = Certificate signing request
es-attachment-conformity = Certificate of conformity
es-no-attachments = No attachments.
es-upload-csr-title = Attach the certificate signing request
es-upload-csr-intro = Generate the key pair and the certificate signing request in your own environment; the private key never leaves your organisation. Attach the request in PEM or DER format. It is checked at once.
es-upload-conformity-title = Attach the certificate of conformity
es-upload-conformity-intro = Attach the information system's certificate of conformity as a PDF file (at most { $max } MB).
es-csr-title = The certificate signing request in plain words
es-csr-plain = The request is for the key { $key }. The certificate will be issued to the name { $name } and will be valid for { $days ->
    [one] { $days } day
   *[other] { $days } days
}.
es-csr-requested = What the request asks for
es-csr-key = Key
es-csr-key-sha256 = SHA-256 of the public key
es-csr-requested-subject = Requested name (subject)
es-csr-requested-dns = Requested DNS names
es-csr-signature = Signature algorithm of the request
es-csr-will-say = What the certificate will say
es-csr-common-name = Common name (CN)
es-csr-dns = DNS names
es-csr-validity = Validity
es-invite-contact-title = Invite a technical contact
es-invite-contact-intro = A technical contact, such as an expert of your system vendor, can attach the certificate signing request to the application. They see only the applications they are invited to.
es-applicant-actions = Sending the application
es-submit = Submit the application
es-provide-info = Send the completed application
es-withdraw = Withdraw the application
es-officer-actions = Processing
es-approved-already = You have approved the application already. The certificate is issued once another officer approves it.
es-start-review = Start the review
es-approve = Approve and issue the certificate
es-more-info-message = What the applicant must add or correct
es-request-more-info = Ask for more information
es-reject-reason = Reason for the rejection, for the applicant
es-reject = Reject the application
es-timeline-title = Processing stages
es-state-after = stage:
es-contact-added = Technical contact added:

## The CA officer's queue (R-SLA)

es-queue-title = Work queue
es-queue-intro = Complete applications by due date. The certificate must be delivered within five working days of the application being complete; weekends and public holidays are not working days.
es-queue-empty = There are no applications in the queue.

## Certificates (R-DELIVERY) and revocation (R-REVOKE-HOW)

es-certificates-title = Your organisation's certificates
es-no-certificates = No certificates.
es-certificate-title = Certificate
es-downloads-title = Download the certificate
es-download-der = The certificate in DER format
es-download-pem = The certificate in PEM format
es-download-chain = The certificate chain in PEM format
es-revoke-link = Revoke this certificate
es-revoke-title = Certificate revocation
es-revoke-intro = Revoke a certificate if its private key may have fallen into the wrong hands, if it is no longer needed, or if its purpose changes. Give the serial number of the certificate to revoke and check its details before revoking it.
es-revoke-lookup = Find the certificate
es-revoke-review = Check the certificate to revoke
es-revoke-irreversible = Revocation cannot be undone. A revoked certificate stops working at once and cannot be taken back into use.
es-revoke-reason = Reason for the revocation
es-revoke-confirm = I understand that the revocation cannot be undone.
es-revoke-submit = Revoke the certificate
es-reason-keyCompromise = The private key is compromised or may have fallen into the wrong hands
es-reason-cessationOfOperation = The certificate is no longer needed
es-reason-affiliationChanged = The organisation or the certificate's purpose has changed
es-reason-superseded = The certificate has been replaced by a new one
es-reason-unspecified = Another reason

## Done (post/redirect/get: `.notice[data-done]`)

es-done-organisation = The organisation was changed.
es-done-account-created = The customer account was created. You are the organisation's administrator.
es-done-invited = The invitation was sent.
es-done-api-token-created = The API token was created.
es-done-api-token-revoked = The API token was revoked.
es-done-invitation-accepted = You accepted the invitation.
es-done-created = The application was started. Complete it and submit it for processing.
es-done-csr = The certificate signing request was attached and checked.
es-done-conformity = The certificate of conformity was attached.
es-done-syssig-basis = The ground of the application was saved.
es-done-invite-contact = The invitation to the technical contact was sent.
es-done-submit = The application was submitted for processing.
es-done-withdraw = The application was withdrawn.
es-done-provide-info = The completed application was sent for processing.
es-done-start-review = The application was taken into review.
es-done-approve = Your approval was recorded.
es-done-request-more-info = The applicant was asked for more information.
es-done-reject = The application was rejected.
es-done-revoked = The certificate was revoked. A confirmation is sent by email.

## Certificate types (policy ProfileId)

profile-server = Server certificate
profile-test-server = Test server certificate
profile-system-signature = System signature certificate
profile-test-system-signature = Test system signature certificate
profile-email = Email certificate

## Processing stages (policy StateKind, R-STAGES)

state-draft = Draft
state-submitted = Submitted
state-incomplete = Waiting for more information
state-in-review = In review
state-approved = Approved
state-issued = Certificate issued
state-delivered = Certificate delivered
state-rejected = Rejected
state-lapsed = Lapsed
state-withdrawn = Withdrawn

## Timeline actions (policy ActionKind; "create" is the first line)

action-create = The application was started
action-edit = The application was changed
action-attach-csr = The certificate signing request was attached
action-attach-conformity = The certificate of conformity was attached
action-submit = The application was submitted
action-withdraw = The application was withdrawn
action-request-more-info = The applicant was asked for more information
action-provide-info = The completed application was sent
action-start-review = The application was taken into review
action-approve = An officer approved the application
action-reject = The application was rejected
action-mark-issued = The certificate was issued
action-mark-delivered = The certificate was delivered by email
action-lapse = The application lapsed

## Roles (policy Role)

role-org-admin = Administrator
role-org-user = User
role-technical-contact = Technical contact
role-ca-officer = CA officer
role-auditor = Auditor
role-system = System

## The ground of a system signature application (R-SYSSIG-APPLICANT)

basis-administers-system = The organisation administers the information system
basis-kanta-intermediary-own-name = A Kanta intermediary applying in its own name

## What an application lacks (policy Requirement)

requirement-csr = No certificate signing request (CSR) is attached. Attach it, or invite a technical contact to attach it.
requirement-syssig-basis = Say whether your organisation administers the information system, or applies as a Kanta intermediary in its own name.
requirement-kanta-intermediary = The organisation register does not list your organisation as a Kanta intermediary. Apply as the organisation that administers the system, or have the register corrected first.
requirement-conformity = A private service provider must attach the information system's certificate of conformity to a system signature application.

## Refusals (EsError codes: `error-` and the code with . and _ as -)

error-not-found = It does not exist, or it is not yours to see. Check the number and the organisation you act for.
error-conflict = It changed meanwhile. Reload the page and try again if still needed.
error-invalid = What was given is not valid. Check it and try again.
error-unavailable = The service could not complete the request just now and stored nothing of it. Try again in a moment.
error-csrf = The form is stale or did not come from this service. Reload the page and send the form again.
error-invalid-body = The request's content is not in the expected form.
error-rate-limited = Too many attempts in a short time. Wait a moment and try again.
error-unauthenticated = Sign in.
error-user-only = Only a signed-in person can do this, not a system with an API token.
error-no-organisation = First choose the organisation you act for, or create its customer account.
error-role = Your role in this organisation does not allow this. Ask the organisation's administrator.
error-officer-only = Only a CA officer can do this.
error-organisation-not-registered = The organisation is not in the social welfare and healthcare organisation register. Only organisations in the register can apply for service certificates.
error-account-exists = The organisation already has a customer account. Ask its administrator for an invitation.
error-register-name = Give your name (1–200 characters).
error-register-email = Give an email address, such as matti.meikalainen@example.fi. Certificates and notifications are sent there.
error-register-language = Choose Finnish, Swedish or English.
error-register-exists = You are registered already, perhaps in another window. Sign in again.
error-register-expired = The identification has expired. Identify yourself again.
error-register-no-identification = Identify yourself first.
error-sign-in-no-identity = The identification service did not tell who you are. Sign in again.
error-sign-in-not-configured = Sign-in with an OpenID Connect identification service is not set up here.
error-sign-in-provider-error = The identification service did not identify you. Sign in again.
error-sign-in-incomplete = The identification service's answer was incomplete. Sign in again.
error-sign-in-expired = This sign-in has expired or was used already. Sign in again.
error-sign-in-unverified = The identification could not be verified. Sign in again.
error-sign-in-demo-off = The demo identity provider is not switched on.
error-sign-in-demo-identity = Type an identity (1–100 characters).
error-invitation-role = Choose the invitee's role: administrator, user or technical contact.
error-invitation-admin-only = Only the organisation's administrator invites users. You may invite a technical contact to an application.
error-invitation-email = Give the invitee's email address, such as technical.contact@example.fi.
error-invitation-language = Choose Finnish, Swedish or English for the invitation.
error-invitation-application = A technical contact is invited to one application; users are invited to the whole organisation.
error-invitation-application-closed = A technical contact can attach the certificate signing request only to a draft or to an application waiting for more information. This application is not open.
error-invitation-too-many = The organisation has the most open invitations allowed. Wait until some are used or expire.
error-invitation-unknown = This invitation link is not valid. Check that the whole link was copied, or ask for a new invitation.
error-invitation-used-or-expired = This invitation has been used already or has expired. An invitation works once and for a limited time. Ask for a new one.
error-api-token-days = Give the token's validity as a whole number of days within the range allowed.
error-api-token-name = Name the token after the system that uses it (1–100 characters, one line).
error-api-token-revoked = The token is revoked already.
error-application-profile = Choose the certificate type: a server certificate, a system signature certificate, or one of the test certificates.
error-application-changed = The application has changed since you opened it – perhaps the form was sent once already. Check where the application stands and do this again if still needed.
error-application-syssig-basis = Choose the ground of the system signature application.
error-application-not-approved = The application is not approved, so no certificate can be issued.
error-application-forbidden = Your role does not allow this action.
error-application-other-organisation = This application belongs to another organisation. Choose the right organisation, or ask its administrator for an invitation.
error-application-not-invited = You are not invited to this application as its technical contact. Ask the applicant for an invitation.
error-application-edit-after-submit = The application has been submitted, so it can no longer be changed. It can be changed again only if the officer asks for more information.
error-application-already-submitted = The application has been submitted already. There is no need to submit it again.
error-application-closed = The application is closed. Make a new application if needed.
error-application-invalid-state = This cannot be done at the application's present stage.
error-application-not-ready = The application is not complete yet:
error-application-same-officer = You have approved this application already. A production system signature certificate is also approved by a second officer.
error-application-invalid-message = Write what the applicant must add or correct (1–4,000 characters).
error-application-invalid-reason = Write the reason for the rejection, which the applicant will read (1–4,000 characters).
error-application-invalid-serial = The serial number is not valid.
error-application-lapse-not-due = The application does not lapse yet.
error-requirement-csr = { requirement-csr }
error-requirement-syssig-basis = { requirement-syssig-basis }
error-requirement-kanta-intermediary = { requirement-kanta-intermediary }
error-requirement-conformity = { requirement-conformity }
error-csr-empty = The file is empty. Attach the certificate signing request in PEM or DER format.
error-csr-too-large = The file is too large for a certificate signing request. Attach the request itself, not an archive or a certificate chain.
error-csr-malformed = The file is not a valid certificate signing request. Make a new one (for example openssl req -new -key server.key -out server.csr) and attach it in PEM or DER format.
error-csr-no-name = The request names nothing. Put the server's DNS name, or the information system's name, in the request's common name (CN).
error-csr-profile = The certificate signing request does not fit this certificate type. Correct the following and make a new request:
error-csr-key-reused = This key has been certified before, and that certificate was revoked or belongs to another organisation. Generate a new key pair and a new certificate signing request.
error-conformity-too-large = The certificate of conformity is too large. Save it as a smaller PDF file.
error-conformity-not-pdf = The certificate of conformity must be a PDF document, and this file is not one (or it is cut short). Save or scan the certificate as PDF and attach it again.
error-upload-too-large = The file is too large.
error-upload-unreadable = The file could not be read. Choose the file and send the form again.
error-certificate-serial = Give the certificate's serial number in hexadecimal, as the certificate shows it (for example 5a:3f:…). Spaces and colons are allowed.
error-certificate-already-revoked = The certificate is revoked already. Revocation is final.
error-certificate-invalid = The certificate could not be issued or revoked with what was given.
error-revocation-reason = Choose the reason for the revocation.
error-revocation-unconfirmed = Revocation cannot be undone. Confirm that you want the certificate revoked.

## Staff and actor cards of the organisation (issue 5, point 7)
nav-cards = Staff cards
es-cards-title = Your organisation's staff and actor cards
es-cards-intro = When an employee leaves the organisation, revoke his staff or actor card. Both certificates of the card, for identification and for signing, are revoked together. Professional cards are not revoked here: they are tied to the professional's right in the registers.
es-cards-none = The organisation has no staff or actor cards.
es-cards-irreversible = Revocation cannot be undone. The card stops working at once.
es-cards-confirm = I understand that the revocation cannot be undone.
es-cards-revoke = Revoke the card
es-done-card-revoked = The card was revoked: both of its certificates.
field-card-holder = Holder
field-card-holder-number = Holder number
field-card-title = Job title
field-card-kind = Card
card-kind-staff = Staff card
card-kind-actor = Actor card
card-kind-temporary = Temporary card
card-state-ordered = Ordered
card-state-produced = Produced
card-state-activated = In use
card-state-revoked = Revoked
card-state-cancelled = Order cancelled
es-card-reason-affiliationChanged = The employment has ended
es-card-reason-keyCompromise = The card is lost or may be in the wrong hands
es-card-reason-cessationOfOperation = The card is no longer needed
es-card-reason-superseded = The card has been replaced by a new one
es-card-reason-unspecified = Another reason
error-card-not-organisation-card = The organisation revokes only the staff and actor cards tied to it. A professional card is revoked by a registrar or by its holder.
error-card-already-revoked = The card is revoked already. Revocation is final.
error-card-not-produced = The card is not at the stage this needs. A card is revoked once it has been produced, and handed over to its holder after it has been produced and before it is activated.
