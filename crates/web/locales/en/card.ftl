# The card holder's pages on the card listener (crates/web/src/cardpages.rs):
# signing in with the card's authentication certificate, self-service
# renewal (R-SELF-RENEW) and revocation of the card.

holder-service-name = Certificate card services
holder-footer = CarePKI – certificate cards for social welfare and healthcare.
holder-title = My certificate card
holder-sign-in-help = Sign in with your certificate card: put the card in the reader, reload the page and choose the card's authentication certificate. The browser asks for the authentication PIN (PIN1).

holder-name = Name
holder-registration-number = Registration number
holder-holder-number = Holder number
holder-card-title = Title
holder-card-kind = Kind of card
holder-valid-to = Valid until
holder-sv-number = SV number (prescribing right)
holder-serial = Serial number of the authentication certificate

holder-kind-professional = Professional card
holder-kind-staff = Staff card
holder-kind-actor = Actor card
holder-kind-temporary = Temporary card
holder-kind-test = Test card

holder-renewal = Renewing the card
holder-ground-validity-ending = You may renew your card now: at most three months of its validity remain.
holder-ground-name-changed = You may renew your card now: your name in the professional registers ({ $name }) differs from the name on the card. The new card carries the new name.
holder-renew-explain = The new card is ordered from the registration point your current card came from. Your current card keeps working until you activate the new one; then the current card is revoked.
holder-renew = Renew the card
holder-opens = The card can be renewed online when at most three months of its validity remain: from { $opens }. If your name changes in the professional registers, you may renew it earlier.
holder-pending = Your card's renewal has been ordered already (order { $order }, { $date }). The new card comes from the registration point, and its activation code separately.
holder-pending-state-ordered = The card is ordered.
holder-pending-state-produced = The card has been made.
holder-pending-state-activated = The card has been activated.

holder-revocation = Revoking the card
holder-irreversible = Revocation cannot be undone: both certificates of the card (authentication and signature) stop working for good.
holder-reason = Reason
holder-reason-keyCompromise = The card is lost or stolen
holder-reason-affiliationChanged = I no longer work in the post the card is for
holder-reason-superseded = I have a new card
holder-reason-cessationOfOperation = I stop working in the field
holder-reason-unspecified = Another reason
holder-confirm = I understand that revocation cannot be undone.
holder-revoke = Revoke the card

holder-done-renewed = The renewal of your card has been ordered.
holder-done-revoked = The card is revoked. Both its certificates are revoked.

holder-refusal-no-client-certificate = You are not signed in: the browser sent no card certificate.
holder-refusal-unknown-certificate = The certificate was not issued by this certificate service.
holder-refusal-revoked = The card is revoked ({ $reason }) and can no longer sign in.
holder-refusal-expired = The card's certificate is not valid.
holder-refusal-not-authentication-certificate = This certificate cannot sign in. Choose the card's authentication certificate and PIN1, not the signature certificate.
holder-refusal-test-card = A test card cannot sign in to this service.
holder-refusal-invalid-certificate = The certificate cannot sign in.
holder-refusal-unavailable = The certificate's status could not be checked just now. Try again in a moment.

holder-error-renewal-too-early = The card cannot be renewed online yet. Renewal is possible from { $opens }.
holder-error-renewal-pending = Your card's renewal has been ordered already (order { $order }).
holder-error-renewal-not-professional = Only a professional card is renewed online. Other cards are ordered at a registration point.
holder-error-renewal-card-not-valid = Only a valid card is renewed online. Ask your registration point for a new card.
holder-error-order-not-in-registers = You are no longer in the professional registers, so the professional card cannot be renewed.
holder-error-order-no-valid-right = You have no valid right in the professional registers, so the professional card cannot be renewed.
holder-error-revocation-reason = Choose the reason for the revocation.
holder-error-revocation-unconfirmed = Revocation cannot be undone. Confirm that you want the card revoked.
holder-error-card-already-revoked = The card is revoked already.
holder-error-card-no-order = The card was not ordered through the registration system, so it cannot be renewed or revoked here. Contact your registration point.
holder-error-card-not-authentication = Sign in with the card's authentication certificate (PIN1).
holder-error-csrf = The form is stale or did not come from this service. Reload the page and send the form again.
