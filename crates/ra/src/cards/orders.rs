//! Card orders by a registrar (issue 5, point 3; R-CARD-TYPES, R-ORDER, R-SV).
//!
//! [`CardService::order`] checks, in order: the registrar is an approved
//! registrar of the point and the point has enough approved registrars; the
//! identity check (passport or national ID card: type, number, issuing country,
//! expiry; never a copy); the kind's rules. Every refusal is an [`EsError`] with
//! a code and stores nothing. The order is stored with a `card.order` audit
//! event whose actor is the registrar (`user:<id>`).

use carepki_policy::CardKind;
use carepki_policy::card::{
    MAX_NAME_CHARS, MAX_TITLE_CHARS, TEST_IDENTITIES, assigned_holder_number,
};
use carepki_store::{
    CardOrderRow, CardOrderUpdate, NewCardOrder, ProfessionalRow, RegistrarRow, StoreError,
    user_actor,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{CardService, MIN_APPROVED_REGISTRARS};
use crate::eservice::{ErrorKind, EsError, EsResult};

/// The most test cards in one order (DOMAIN.md: "up to 20 per order").
pub const MAX_TEST_CARDS: u32 = 20;

/// The documents an identity check accepts (DOMAIN.md: a passport or a
/// national ID card).
pub const DOCUMENT_TYPES: [&str; 2] = ["passport", "id-card"];

/// The identity check at ordering: what was seen, never a copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityCheck {
    /// One of [`DOCUMENT_TYPES`].
    pub document_type: String,
    /// The document's number.
    pub document_number: String,
    /// The issuing country, ISO 3166-1 alpha-2 (`FI`).
    pub issuing_country: String,
    /// The document's last valid day, `YYYY-MM-DD`.
    pub expires: String,
}

/// What a registrar orders.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct OrderInput {
    /// The card kind (`professional`, `staff`, `actor`, `temporary`, `test`).
    pub kind: String,
    /// The identity check (all kinds but test).
    pub identity: Option<IdentityCheck>,
    /// Professional: the registration number. Temporary: the holder number of
    /// the person with a pending order.
    pub holder_number: Option<String>,
    /// Staff and actor: given names.
    pub given_name: Option<String>,
    /// Staff and actor: surname.
    pub surname: Option<String>,
    /// Staff and actor: job title.
    pub title: Option<String>,
    /// Staff and actor: the organisation (the point's, or a grantor of a live
    /// power of attorney to the point).
    pub org_oid: Option<String>,
    /// Where the activation code goes (all kinds but test).
    pub email: Option<String>,
    /// Test: how many cards (1 to [`MAX_TEST_CARDS`]).
    pub count: Option<u32>,
}

fn refuse(code: &'static str, detail: impl Into<String>) -> EsError {
    EsError::invalid(code, detail)
}

pub(crate) fn check_identity(id: Option<&IdentityCheck>, now: i64) -> EsResult<serde_json::Value> {
    let id = id.ok_or_else(|| {
        refuse(
            "order.identity_missing",
            "record the identity check: document type, number, issuing country and expiry",
        )
    })?;
    if !DOCUMENT_TYPES.contains(&id.document_type.as_str()) {
        return Err(refuse(
            "order.identity_document",
            format!(
                "the identity document must be a passport or a national ID card \
                 (passport, id-card), not {:?}",
                id.document_type
            ),
        ));
    }
    let number = id.document_number.trim();
    if number.is_empty() || number.len() > 32 || !number.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(refuse(
            "order.identity_number",
            "the document number is 1 to 32 letters and digits",
        ));
    }
    let country = id.issuing_country.trim().to_ascii_uppercase();
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(refuse(
            "order.identity_country",
            "the issuing country is a two-letter ISO 3166 code, e.g. FI",
        ));
    }
    let expires = carepki_policy::registers::parse_date(&id.expires)
        .map(|d| d.midnight().assume_utc().unix_timestamp())
        .map_err(|_| {
            refuse(
                "order.identity_expiry",
                "the document's expiry is a date YYYY-MM-DD",
            )
        })?;
    // parse_date gives the first instant of the day; the document is valid that day.
    if expires + 86_400 <= now {
        return Err(refuse(
            "order.identity_expired",
            "the identity document has expired: the identity check needs a valid document",
        ));
    }
    Ok(json!({
        "document_type": id.document_type,
        "document_number": number.to_ascii_uppercase(),
        "issuing_country": country,
        "expires": id.expires,
    }))
}

fn name_field(value: Option<&String>, field: &'static str, max: usize) -> EsResult<String> {
    let v = value.map(|s| s.trim()).unwrap_or_default();
    if v.is_empty() || v.chars().count() > max || v.chars().any(char::is_control) {
        return Err(refuse(
            "order.holder",
            format!("{field} is required: 1 to {max} characters on one line"),
        ));
    }
    Ok(v.to_owned())
}

fn email_field(value: Option<&String>) -> EsResult<String> {
    match value.map(|s| s.trim()) {
        Some(e) if e.contains('@') && e.len() <= 320 && !e.chars().any(char::is_control) => {
            Ok(e.to_owned())
        }
        _ => Err(refuse(
            "order.email",
            "give the holder's email address: the activation code is sent there",
        )),
    }
}

/// Whether a stored right is valid at `now`.
pub(crate) fn right_valid(r: &carepki_store::ProfessionalRightRow, now: i64) -> bool {
    r.removed_at.is_none() && r.starts_at <= now && r.ends_at.is_none_or(|e| e > now)
}

/// The holder facts of a professional from the registers, or the refusal.
pub(crate) fn professional_holder(p: &ProfessionalRow, now: i64) -> EsResult<serde_json::Value> {
    let valid: Vec<_> = p.rights.iter().filter(|r| right_valid(r, now)).collect();
    if p.removed_at.is_some() || valid.is_empty() {
        return Err(refuse(
            "order.no_valid_right",
            format!(
                "{} has no valid right in the professional registers: a professional card \
                 needs one (R-CARD-TYPES)",
                p.registration_number
            ),
        ));
    }
    let prescriber = p.sv_number.is_some() && valid.iter().any(|r| r.prescribing);
    Ok(json!({
        "given_name": p.given_names,
        "surname": p.surname,
        "title": valid[0].title,
        "prescriber": prescriber,
        "sv_number": if prescriber { p.sv_number.clone() } else { None },
    }))
}

/// Refuses a point with fewer than [`MIN_APPROVED_REGISTRARS`] approved
/// registrars among `regs` (R-REG-POINT).
pub(crate) fn check_enough_registrars(point_id: i64, regs: &[RegistrarRow]) -> EsResult<()> {
    let approved = regs.iter().filter(|r| r.state == "approved").count();
    if i64::try_from(approved).unwrap_or(0) < MIN_APPROVED_REGISTRARS {
        return Err(EsError::new(
            ErrorKind::Conflict,
            "regpoint.too_few_registrars",
            format!(
                "registration point {point_id} has {approved} approved registrar(s); it orders \
                 cards with at least {MIN_APPROVED_REGISTRARS} (R-REG-POINT)"
            ),
        ));
    }
    Ok(())
}

impl CardService {
    /// The approved registrar `user_id` at `point_id`, with the point able to
    /// order, or the refusal.
    pub(crate) async fn acting_registrar(
        &self,
        user_id: i64,
        point_id: i64,
    ) -> EsResult<RegistrarRow> {
        let regs = self.store.registrars_of_point(point_id).await?;
        let Some(me) = regs.iter().find(|r| r.user_id == user_id) else {
            return Err(EsError::forbidden(
                "registrar.not_of_point",
                format!("you are not a registrar of registration point {point_id}"),
            ));
        };
        if me.state != "approved" {
            return Err(EsError::forbidden(
                "registrar.not_approved",
                "your registrar training has not been approved by a CA officer yet \
                 (R-REG-POINT)",
            ));
        }
        check_enough_registrars(point_id, &regs)?;
        Ok(me.clone())
    }

    /// Registrar `user_id` orders cards at `point_id`: one card, or a test order
    /// of up to [`MAX_TEST_CARDS`] cards. Answers the stored orders.
    pub async fn order(
        &self,
        user_id: i64,
        point_id: i64,
        input: &OrderInput,
        now: i64,
    ) -> EsResult<Vec<CardOrderRow>> {
        let registrar = self.acting_registrar(user_id, point_id).await?;
        let point = self.point(point_id).await?;
        let kind = CardKind::parse(&input.kind).ok_or_else(|| {
            refuse(
                "order.kind",
                format!(
                    "{:?} is not a card kind: professional, staff, actor, temporary or test",
                    input.kind
                ),
            )
        })?;
        let mut orders = Vec::new();
        match kind {
            CardKind::Test => {
                let n = input.count.unwrap_or(1);
                if n == 0 || n > MAX_TEST_CARDS {
                    return Err(refuse(
                        "order.test_count",
                        format!("a test order has 1 to {MAX_TEST_CARDS} cards, not {n}"),
                    ));
                }
                for t in TEST_IDENTITIES.iter().take(n as usize) {
                    orders.push(NewCardOrder {
                        kind: "test".into(),
                        holder_number: t.holder_number.into(),
                        holder: json!({
                            "given_name": t.given_name, "surname": t.surname,
                            "title": t.title, "prescriber": t.sv_number.is_some(),
                            "sv_number": t.sv_number, "email": input.email,
                        }),
                        org_oid: None,
                        identity_check: None,
                        replaces_order: None,
                    });
                }
            }
            CardKind::Professional => {
                let identity = check_identity(input.identity.as_ref(), now)?;
                let email = email_field(input.email.as_ref())?;
                let regno = input.holder_number.clone().unwrap_or_default();
                carepki_policy::registers::validate_registration_number(&regno)
                    .map_err(|e| refuse("order.registration_number", e))?;
                let person = self.store.professional(&regno).await?.ok_or_else(|| {
                    refuse(
                        "order.not_in_registers",
                        format!("{regno} is not in the professional registers"),
                    )
                })?;
                let mut holder = professional_holder(&person, now)?;
                holder["email"] = json!(email);
                orders.push(NewCardOrder {
                    kind: "professional".into(),
                    holder_number: regno,
                    holder,
                    org_oid: None,
                    identity_check: Some(identity),
                    replaces_order: None,
                });
            }
            CardKind::Staff | CardKind::Actor => {
                let identity = check_identity(input.identity.as_ref(), now)?;
                let email = email_field(input.email.as_ref())?;
                let given = name_field(input.given_name.as_ref(), "given name", MAX_NAME_CHARS)?;
                let surname = name_field(input.surname.as_ref(), "surname", MAX_NAME_CHARS)?;
                let title = name_field(input.title.as_ref(), "job title", MAX_TITLE_CHARS)?;
                let org = input.org_oid.clone().unwrap_or_default();
                if org != point.point.org_oid {
                    let live = point
                        .powers_of_attorney
                        .iter()
                        .any(|p| p.grantor_oid == org && p.revoked_at.is_none());
                    if !live {
                        return Err(EsError::forbidden(
                            "order.no_power_of_attorney",
                            format!(
                                "registration point {point_id} orders staff and actor cards \
                                 for its own organisation, or for an organisation whose power \
                                 of attorney it holds; it holds none (or a withdrawn one) \
                                 from {org:?} (R-ORDER)"
                            ),
                        ));
                    }
                }
                let n = self
                    .store
                    .next_holder_number(&user_actor(user_id), now)
                    .await?;
                let number = assigned_holder_number(u64::try_from(n).unwrap_or(0))
                    .ok_or_else(|| EsError::unavailable("holder numbers exhausted"))?;
                orders.push(NewCardOrder {
                    kind: kind.as_str().into(),
                    holder_number: number,
                    holder: json!({
                        "given_name": given, "surname": surname, "title": title,
                        "prescriber": false, "sv_number": null, "email": email,
                    }),
                    org_oid: Some(org),
                    identity_check: Some(identity),
                    replaces_order: None,
                });
            }
            CardKind::Temporary => {
                let identity = check_identity(input.identity.as_ref(), now)?;
                let number = input.holder_number.clone().unwrap_or_default();
                let pending = self
                    .store
                    .card_orders_of_holder(&number, "ordered")
                    .await?
                    .into_iter()
                    .chain(
                        self.store
                            .card_orders_of_holder(&number, "produced")
                            .await?,
                    )
                    .find(|o| o.kind != "temporary" && o.kind != "test")
                    .ok_or_else(|| {
                        refuse(
                            "order.no_pending_order",
                            format!(
                                "a temporary card is only for a person with a pending card \
                                 order; {number:?} has none"
                            ),
                        )
                    })?;
                let mut holder = pending.holder.clone();
                holder["replaces_kind"] = json!(pending.kind);
                if let Some(e) = &input.email {
                    holder["email"] = json!(email_field(Some(e))?);
                }
                orders.push(NewCardOrder {
                    kind: "temporary".into(),
                    holder_number: pending.holder_number.clone(),
                    holder,
                    org_oid: pending.org_oid.clone(),
                    identity_check: Some(identity),
                    replaces_order: Some(pending.id),
                });
            }
        }
        Ok(self
            .store
            .create_card_orders(point_id, registrar.id, &orders, &user_actor(user_id), now)
            .await?)
    }

    /// Registrar `user_id` of the order's point cancels card order `order_id`
    /// before its card is produced (a mistaken order, or one that cannot be
    /// produced any more: `order.registers_changed`, `order.no_valid_right`),
    /// saying why. The order becomes `cancelled` (final), audited
    /// `card.cancel` with the registrar's identity. A produced card is revoked
    /// instead (`card.not_ordered`).
    pub async fn cancel_order(
        &self,
        user_id: i64,
        order_id: i64,
        reason: &str,
        now: i64,
    ) -> EsResult<CardOrderRow> {
        let order = self.order_of_registrar(user_id, order_id).await?;
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 200 || reason.chars().any(char::is_control)
        {
            return Err(refuse(
                "order.cancel_reason",
                "say why the order is cancelled: 1 to 200 characters on one line",
            ));
        }
        if order.state != "ordered" {
            return Err(not_ordered(&order));
        }
        let update = CardOrderUpdate {
            from_state: "ordered".into(),
            to_state: "cancelled".into(),
            action: "card.cancel".into(),
            card_label: None,
            serials: None,
            detail: json!({ "cancelled_at": now, "cancel_reason": reason }),
        };
        match self
            .store
            .update_card_order(order_id, &update, &user_actor(user_id), now)
            .await
        {
            Ok(o) => Ok(o),
            // Produced or cancelled by someone else meanwhile.
            Err(StoreError::Conflict { .. }) => match self.store.card_order(order_id).await? {
                Some(now_is) => Err(not_ordered(&now_is)),
                None => Err(EsError::not_found(&format!("card order {order_id}"))),
            },
            Err(e) => Err(e.into()),
        }
    }
}

fn not_ordered(order: &CardOrderRow) -> EsError {
    let then = match order.state.as_str() {
        "cancelled" => "it was cancelled already",
        "revoked" => "its card is revoked already",
        _ => "its card is made: revoke the card instead (both certificates)",
    };
    EsError::new(
        ErrorKind::Conflict,
        "card.not_ordered",
        format!(
            "card order {} is {}, so it cannot be cancelled: {then}",
            order.id, order.state
        ),
    )
}
