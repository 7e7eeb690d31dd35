//! Card production, activation and revocation (issue 5, point 4; R-CARD-CERTS).
//!
//! [`CardService::produce`]: the registrar produces an order onto a PKCS#11
//! token: `Card::initialise` (refusing a token that already holds keys), two
//! key pairs generated on the token, `Authority::issue_card` with the two public
//! keys (both certificates or neither), both written to the token, and the
//! activation code sent separately from the card as a mail through the outbox
//! to the holder's address (the letter PDF is not made: the outbox mail is the
//! channel for now). [`CardService::activate`] sets PIN1 and PIN2;
//! [`CardService::new_activation_code`] is the registrar's answer to a lost
//! code; [`CardService::hand_over`] records the registrar's hand-over of the
//! card to its holder (identity checked again, once, audited); revocation is in
//! [`super::revocation`]. Production reads the professional registers again
//! and refuses a card whose holder lost his right, or whose names or SV number
//! changed since the order, before the token is touched.

use carepki_ca::CardIssueRequest;
use carepki_keys::{Card, KeyError, Pkcs11Module};
use carepki_policy::CardKind;
use carepki_policy::card::HolderFacts;
use carepki_store::{
    CardOrderRow, CardOrderUpdate, HANDED_OVER_AT, NewMail, StoreError, user_actor,
};
use carepki_x509::KeyAlgorithm;
use serde_json::json;

use super::CardService;
use super::orders::{IdentityCheck, check_identity};
use crate::eservice::{ErrorKind, EsError, EsResult};

/// The card id of an order in the CA (`order-<id>`).
pub fn card_id(order_id: i64) -> String {
    format!("order-{order_id}")
}

pub(super) fn key_error(e: KeyError) -> EsError {
    let (kind, code) = match &e {
        KeyError::TokenHoldsKeys { .. } => (ErrorKind::Conflict, "card.token_holds_keys"),
        KeyError::PinFormat { .. } => (ErrorKind::Invalid, "card.pin_format"),
        KeyError::WrongActivationCode { .. } => (ErrorKind::Invalid, "card.wrong_activation_code"),
        KeyError::WrongPin { .. } => (ErrorKind::Invalid, "card.wrong_pin"),
        _ => (ErrorKind::Unavailable, "card.token"),
    };
    EsError::new(kind, code, e.to_string())
}

fn holder_facts(o: &CardOrderRow) -> HolderFacts {
    let s = |k: &str| o.holder[k].as_str().unwrap_or_default().to_owned();
    HolderFacts {
        given_name: s("given_name"),
        surname: s("surname"),
        holder_number: o.holder_number.clone(),
        title: s("title"),
        prescriber: o.holder["prescriber"].as_bool().unwrap_or(false),
        sv_number: o.holder["sv_number"].as_str().map(str::to_owned),
    }
}

/// What the certificates of a professional card say that the registers decide:
/// the names and the prescribing right with its SV number (R-SV).
fn register_facts(holder: &serde_json::Value) -> [(&'static str, String); 4] {
    let s = |k: &str| holder[k].as_str().unwrap_or_default().to_owned();
    [
        ("given names", s("given_name")),
        ("surname", s("surname")),
        (
            "prescribing right",
            holder["prescriber"].as_bool().unwrap_or(false).to_string(),
        ),
        ("SV number", s("sv_number")),
    ]
}

fn handed_over_already(order_id: i64) -> EsError {
    EsError::new(
        ErrorKind::Conflict,
        "card.handed_over",
        format!("the card of order {order_id} was handed over already; a card is handed over once"),
    )
}

impl CardService {
    /// Refuses to produce a professional card whose holder, by the
    /// professional registers as they are now, no longer has a valid right
    /// (R-CARD-TYPES), or whose names or prescribing right (SV number, R-SV)
    /// changed since the order: its certificates would carry what the
    /// registers no longer say (the 2023 incident was prescribers' cards
    /// without the SV number). Checked before the token is touched.
    async fn check_registers_unchanged(&self, order: &CardOrderRow, now: i64) -> EsResult<()> {
        if order.kind != "professional" {
            return Ok(());
        }
        let person = self
            .store
            .professional(&order.holder_number)
            .await?
            .ok_or_else(|| {
                EsError::invalid(
                    "order.no_valid_right",
                    format!(
                        "{} is no longer in the professional registers: a professional card \
                         needs a valid right (R-CARD-TYPES); this order cannot be produced",
                        order.holder_number
                    ),
                )
            })?;
        let now_facts = super::orders::professional_holder(&person, now)?;
        let changed: Vec<String> = register_facts(&order.holder)
            .into_iter()
            .zip(register_facts(&now_facts))
            .filter(|((_, was), (_, is))| was != is)
            .map(|((what, was), (_, is))| format!("{what}: {was:?} at ordering, {is:?} now"))
            .collect();
        if changed.is_empty() {
            return Ok(());
        }
        Err(EsError::new(
            ErrorKind::Conflict,
            "order.registers_changed",
            format!(
                "the professional registers changed since card order {} was placed, and its \
                 certificates would carry the old facts: order a new card for {} (this order \
                 cannot be produced)",
                order.id, order.holder_number
            ),
        )
        .with_problems(changed))
    }

    pub(crate) async fn order_of_registrar(
        &self,
        user_id: i64,
        order_id: i64,
    ) -> EsResult<CardOrderRow> {
        let order = self
            .store
            .card_order(order_id)
            .await?
            .ok_or_else(|| EsError::not_found(&format!("card order {order_id}")))?;
        self.acting_registrar(user_id, order.point_id).await?;
        Ok(order)
    }

    async fn send_code(&self, order: &CardOrderRow, code: &str, n: i64, now: i64) -> EsResult<()> {
        let Some(to) = order.holder["email"].as_str() else {
            return Ok(());
        };
        let mail = NewMail {
            dedupe_key: format!("card-activation:{}:{n}", order.id),
            recipient: to.to_owned(),
            subject: "Varmennekortin aktivointikoodi / Activation code of your certificate card"
                .into(),
            body_text: format!(
                "Varmennekorttisi aktivointikoodi on / The activation code of your card is:\n\n\
                 {code}\n\nKortti toimitetaan erikseen. The card is delivered separately.\n"
            ),
            body_html: None,
            attachments: Vec::new(),
            org_oid: order.org_oid.clone(),
            serial: order.auth_serial.clone(),
        };
        self.store.enqueue_mail(&mail, "cards", now).await?;
        Ok(())
    }

    /// Registrar `user_id` produces order `order_id` onto the card `card_label`
    /// of `module`: keys on the token, both certificates issued and written, the
    /// activation code mailed to the holder. Answers the produced order.
    #[allow(clippy::too_many_arguments)] // who, what, the token and its SO PIN, the key type, when
    pub async fn produce(
        &self,
        user_id: i64,
        order_id: i64,
        module: &Pkcs11Module,
        card_label: &str,
        so_pin: &str,
        alg: KeyAlgorithm,
        now: i64,
    ) -> EsResult<CardOrderRow> {
        let order = self.order_of_registrar(user_id, order_id).await?;
        if order.state != "ordered" {
            return Err(EsError::new(
                ErrorKind::Conflict,
                "card.not_ordered",
                format!("card order {order_id} is {}, not ordered", order.state),
            ));
        }
        self.check_registers_unchanged(&order, now).await?;
        let authority = self.authority()?.clone();
        let card = Card::initialise(module, card_label, so_pin).map_err(key_error)?;
        let keys = card.generate_keys(alg).map_err(key_error)?;
        let kind = CardKind::parse(&order.kind)
            .ok_or_else(|| EsError::unavailable("stored order has an unknown kind"))?;
        let replaces = order.holder["replaces_kind"]
            .as_str()
            .and_then(CardKind::parse);
        let req = CardIssueRequest {
            card_id: card_id(order.id),
            kind,
            replaces,
            holder: holder_facts(&order),
            org_oid: order.org_oid.clone(),
            days: None,
            authentication_spki: keys.get(carepki_keys::CardKey::Auth).to_vec(),
            signature_spki: keys.get(carepki_keys::CardKey::Sign).to_vec(),
            actor: user_actor(user_id),
        };
        let (auth, sign) = authority.issue_card(&req).await?;
        card.write_certificate(carepki_keys::CardKey::Auth, &auth.der)
            .map_err(key_error)?;
        card.write_certificate(carepki_keys::CardKey::Sign, &sign.der)
            .map_err(key_error)?;
        let code = card
            .activation_code()
            .ok_or_else(|| EsError::unavailable("a card in production has its code"))?;
        let produced = self
            .store
            .update_card_order(
                order.id,
                &CardOrderUpdate {
                    from_state: "ordered".into(),
                    to_state: "produced".into(),
                    action: "card.produce".into(),
                    card_label: Some(card_label.to_owned()),
                    serials: Some((auth.serial.clone(), sign.serial.clone())),
                    detail: json!({ "produced_at": now, "activation_codes": 1 }),
                },
                &user_actor(user_id),
                now,
            )
            .await?;
        self.send_code(&produced, code.expose_secret(), 1, now)
            .await?;
        Ok(produced)
    }

    /// The holder activates the card of order `order_id` with the activation
    /// code, choosing PIN1 and PIN2 (4 to 8 digits each). When the card was
    /// ordered "as before" (a renewal or a re-issue), the card it replaces is
    /// revoked now, both certificates with `superseded`
    /// ([`CardService::supersede_replaced`]).
    pub async fn activate(
        &self,
        order_id: i64,
        module: &Pkcs11Module,
        code: &str,
        pin1: &str,
        pin2: &str,
        now: i64,
    ) -> EsResult<CardOrderRow> {
        let order = self
            .store
            .card_order(order_id)
            .await?
            .ok_or_else(|| EsError::not_found(&format!("card order {order_id}")))?;
        let label = order.card_label.clone().ok_or_else(|| {
            EsError::new(
                ErrorKind::Conflict,
                "card.not_produced",
                "the card is not produced yet",
            )
        })?;
        if order.state != "produced" {
            return Err(EsError::new(
                ErrorKind::Conflict,
                "card.not_produced",
                format!("card order {order_id} is {}, not produced", order.state),
            ));
        }
        let card = Card::open(module, &label).map_err(key_error)?;
        card.activate(code, pin1, pin2).map_err(key_error)?;
        let activated = self
            .store
            .update_card_order(
                order_id,
                &CardOrderUpdate {
                    from_state: "produced".into(),
                    to_state: "activated".into(),
                    action: "card.activate".into(),
                    card_label: None,
                    serials: None,
                    detail: json!({ "activated_at": now }),
                },
                &format!("holder:{}", order.holder_number),
                now,
            )
            .await?;
        // A renewed (or re-issued) card, now in use, supersedes the card it
        // replaces: both its certificates are revoked (renewal.rs).
        self.supersede_replaced(&activated, now)
            .await
            .map_err(|e| {
                EsError::new(
                    e.kind,
                    e.code,
                    format!(
                        "card order {order_id} is activated, but the card it replaces could \
                         not be revoked yet: {}. Run the activation's last step again with \
                         CardService::supersede_replaced, or have a registrar revoke order {} \
                         with the reason superseded",
                        e.detail,
                        activated.replaces_order.unwrap_or_default()
                    ),
                )
            })?;
        Ok(activated)
    }

    /// Registrar `user_id` of the card's point hands the produced card of order
    /// `order_id` to its holder, having checked his identity again from a
    /// passport or national ID card (`identity`; a test card has no holder and
    /// needs none). Recorded in the order (who, when, what document was seen;
    /// never a copy) and audited `card.hand_over` with the registrar's
    /// identity (issue 5, point 3). Once per card, before activation.
    pub async fn hand_over(
        &self,
        user_id: i64,
        order_id: i64,
        identity: Option<&IdentityCheck>,
        now: i64,
    ) -> EsResult<CardOrderRow> {
        let order = self.order_of_registrar(user_id, order_id).await?;
        if order.detail.get(HANDED_OVER_AT).is_some() {
            return Err(handed_over_already(order_id));
        }
        if order.state != "produced" {
            return Err(EsError::new(
                ErrorKind::Conflict,
                "card.not_produced",
                format!(
                    "card order {order_id} is {}: a card is handed over once it is produced \
                     and before its holder activates it",
                    order.state
                ),
            ));
        }
        // What was seen, without the document's number (that is in the order's
        // identity check already, and kept out of the audit log as there):
        // whether it is the document seen at ordering.
        let seen = match (order.kind.as_str(), identity) {
            ("test", None) => serde_json::Value::Null,
            (_, identity) => {
                let checked = check_identity(identity, now)?;
                let ordered_with = order.identity_check.as_ref().map(|i| &i["document_number"]);
                json!({
                    "document_type": checked["document_type"],
                    "issuing_country": checked["issuing_country"],
                    "expires": checked["expires"],
                    "same_document_as_order": ordered_with == Some(&checked["document_number"]),
                })
            }
        };
        let detail = json!({
            "handed_over_by": user_actor(user_id),
            "hand_over_identity": seen,
        });
        match self
            .store
            .hand_over_card_order(order_id, &detail, &user_actor(user_id), now)
            .await
        {
            Ok(o) => Ok(o),
            Err(StoreError::Conflict { what }) if what.contains("handed over") => {
                Err(handed_over_already(order_id))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Registrar `user_id` orders a new activation code for the card of order
    /// `order_id` (lost code, forgotten or locked PINs); it is mailed like the
    /// first. The card goes back to `produced` until the holder activates it.
    pub async fn new_activation_code(
        &self,
        user_id: i64,
        order_id: i64,
        module: &Pkcs11Module,
        so_pin: &str,
        now: i64,
    ) -> EsResult<CardOrderRow> {
        let order = self.order_of_registrar(user_id, order_id).await?;
        let label = match (&order.card_label, order.state.as_str()) {
            (Some(l), "produced" | "activated") => l.clone(),
            _ => {
                return Err(EsError::new(
                    ErrorKind::Conflict,
                    "card.not_produced",
                    format!("card order {order_id} is {}: no card to reset", order.state),
                ));
            }
        };
        let card = Card::open(module, &label).map_err(key_error)?;
        let code = card.new_activation_code(so_pin).map_err(key_error)?;
        let n = order.detail["activation_codes"].as_i64().unwrap_or(1) + 1;
        let updated = self
            .store
            .update_card_order(
                order_id,
                &CardOrderUpdate {
                    from_state: order.state.clone(),
                    to_state: "produced".into(),
                    action: "card.activation_code".into(),
                    card_label: None,
                    serials: None,
                    detail: json!({ "activation_codes": n }),
                },
                &user_actor(user_id),
                now,
            )
            .await?;
        self.send_code(&updated, code.expose_secret(), n, now)
            .await?;
        Ok(updated)
    }
}
