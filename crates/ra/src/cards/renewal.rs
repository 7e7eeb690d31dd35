//! Self-service renewal of a professional card (issue 5, point 6; R-SELF-RENEW)
//! and the revocation of the card a renewed card replaces.
//!
//! The professional signs in with his card's authentication certificate (TLS
//! client certificate, `web/src/cardauth.rs`); the web layer hands this module
//! the verified certificate's serial. [`CardService::renewal_eligibility`] says
//! whether he may renew, and why; [`CardService::renew`] orders the new card
//! "as before" to the same registration point
//! ([`CardService::order_as_before`] with [`AsBefore::Renewal`], actor
//! `holder:<holder number>`).
//!
//! A card may be renewed when all of these hold:
//!
//! - it is a **professional** card (`renewal.not_professional`): staff, actor,
//!   temporary and test cards are ordered at a registration point (R-ORDER);
//! - it is **valid**: its order is activated, both certificates are `valid` in
//!   the store and now is within their validity (`renewal.card_not_valid`);
//! - it is not being replaced already (`renewal.pending`: one renewal per card);
//! - the holder still has a **valid right** in the professional registers
//!   (`order.not_in_registers`, `order.no_valid_right`);
//! - at most [`RENEWAL_WINDOW_MONTHS`] calendar months of validity remain
//!   (from [`renewal_opens_at`]), **or** his name in the registers differs from
//!   the name on the card (`renewal.too_early` otherwise, saying when renewal
//!   opens).
//!
//! **The window, computed.** "At most three months remain" at `now` means
//! `not_after <= calendar::add_months(now, 3)`: calendar months in Helsinki
//! time, as Finnish law counts periods in months (the day number kept, or the
//! month's last day when it is shorter; `carepki_policy::calendar::add_months`).
//! [`renewal_opens_at`] is the first second at which that holds, found by
//! bisection (`add_months` never decreases, apart from the repeated hour when
//! summer time ends), and renewal is allowed from that second on. So a card
//! valid until 4.12.2031 10:00 opens for renewal at 4.9.2031 10:00, and one valid
//! until 31.5.2031 at 1.3.2031 00:00 (no day of February is three months before
//! the 29th–31st of May: 28.2. + 3 months = 28.5.).
//!
//! **The replaced card.** When the renewed card is activated
//! ([`CardService::activate`]), the card it replaces is revoked: both
//! certificates with the reason `superseded`, by the holder (`holder:<number>`),
//! and its order becomes `revoked` (audit event `card.supersede`, naming the
//! order that replaced it). The same holds for a card the CA re-issued "as
//! before" ([`AsBefore::Reissue`]); a temporary card replaces nothing. Until the
//! new card is activated the old one stays valid, so the holder is never left
//! without a card.

use carepki_policy::calendar;
use carepki_store::CardOrderRow;
use carepki_x509::revocation::RevocationReason;
use serde::Serialize;
use serde_json::json;

use super::CardService;
use super::orders::professional_holder;
use super::reorder::AsBefore;
use crate::eservice::{ErrorKind, EsError, EsResult};

/// How many calendar months before the end of its validity a professional card
/// may be renewed (DOMAIN.md, R-SELF-RENEW: "at most 3 months of validity
/// remain").
pub const RENEWAL_WINDOW_MONTHS: u32 = 3;

/// The first second at which at most [`RENEWAL_WINDOW_MONTHS`] calendar months
/// (Helsinki time) remain of a validity that ends at `not_after`: the smallest
/// `t` with `not_after <= calendar::add_months(t, 3)`. `None` outside the
/// calendar's years (1900–2200).
pub fn renewal_opens_at(not_after: i64) -> Option<i64> {
    let reaches = |t: i64| -> Option<bool> {
        calendar::add_months(t, RENEWAL_WINDOW_MONTHS)
            .ok()
            .map(|end| end >= not_after)
    };
    // Three calendar months are 89 to 92 days (plus an hour of summer time):
    // from 94 days before, the window has not opened; at not_after it has.
    let mut lo = not_after.checked_sub(94 * 86_400)?;
    let mut hi = not_after;
    if reaches(lo)? || !reaches(hi)? {
        return None;
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if reaches(mid)? {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(hi)
}

/// A Unix time as Helsinki wall-clock text, `YYYY-MM-DD HH:MM`.
pub(crate) fn helsinki_text(t: i64) -> String {
    match calendar::to_helsinki(t) {
        Ok(d) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02} Helsinki time",
            d.year(),
            u8::from(d.month()),
            d.day(),
            d.hour(),
            d.minute()
        ),
        Err(_) => carepki_ca::authority::rfc3339(t),
    }
}

/// Why a renewal is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RenewalGround {
    /// At most [`RENEWAL_WINDOW_MONTHS`] months of validity remain.
    ValidityEnding,
    /// The name in the registers differs from the name on the card.
    NameChanged,
}

/// Whether the signed-in holder may renew his card now, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenewalEligibility {
    /// Whether [`CardService::renew`] would order a new card now.
    pub allowed: bool,
    /// Why it is allowed (both grounds when both hold).
    pub grounds: Vec<RenewalGround>,
    /// The refusal's code when not allowed (`renewal.too_early`, ...).
    pub code: Option<&'static str>,
    /// What the holder is told: why it is allowed, or why not and what to do.
    pub detail: String,
    /// The order of the card signed in with.
    pub order_id: i64,
    /// The card's kind.
    pub card_kind: String,
    /// The end of the card's validity, Unix seconds.
    pub not_after: i64,
    /// The first second renewal is allowed by the validity window (it may be
    /// allowed earlier when the name changed), Unix seconds.
    pub opens_at: Option<i64>,
    /// The order already replacing this card, if any.
    pub pending_order: Option<i64>,
    /// The name in the registers, when it differs from the card's.
    pub registers_name: Option<String>,
}

impl RenewalEligibility {
    /// The refusal as an error (`None` when allowed).
    fn refusal(&self) -> Option<EsError> {
        let code = self.code?;
        let kind = match code {
            "renewal.not_professional" | "order.no_valid_right" | "order.not_in_registers" => {
                ErrorKind::Forbidden
            }
            _ => ErrorKind::Conflict,
        };
        Some(EsError::new(kind, code, self.detail.clone()))
    }
}

/// The actor id of a card holder in audit events.
pub fn holder_actor(holder_number: &str) -> String {
    format!("holder:{holder_number}")
}

impl CardService {
    /// The order of the card whose **authentication** certificate is `serial`
    /// (the certificate the holder signed in with), or a refusal.
    pub(crate) async fn order_of_signed_in(&self, serial: &str) -> EsResult<CardOrderRow> {
        let order = self
            .store
            .card_order_by_serial(serial)
            .await?
            .ok_or_else(|| {
                EsError::new(
                    ErrorKind::NotFound,
                    "card.no_order",
                    format!(
                        "certificate {serial} belongs to no card ordered through the registration \
                     system: ask your registration point"
                    ),
                )
            })?;
        if order.auth_serial.as_deref() != Some(serial) {
            return Err(EsError::forbidden(
                "card.not_authentication",
                format!(
                    "certificate {serial} is the card's signature certificate: sign in with the \
                     authentication certificate and PIN1"
                ),
            ));
        }
        Ok(order)
    }

    /// Whether the holder signed in with authentication certificate `serial`
    /// may renew his card at `now` (see the module documentation). A refusal
    /// is an answer here (`allowed: false`, with its code), not an error;
    /// errors are a card unknown to the registration system and the store.
    pub async fn renewal_eligibility(
        &self,
        serial: &str,
        now: i64,
    ) -> EsResult<RenewalEligibility> {
        let order = self.order_of_signed_in(serial).await?;
        let cert = self
            .store
            .certificate(serial)
            .await?
            .ok_or_else(|| EsError::unavailable("a produced card's certificate is stored"))?;
        let mut out = RenewalEligibility {
            allowed: false,
            grounds: Vec::new(),
            code: None,
            detail: String::new(),
            order_id: order.id,
            card_kind: order.kind.clone(),
            not_after: cert.not_after,
            opens_at: None,
            pending_order: None,
            registers_name: None,
        };
        fn refuse(
            mut out: RenewalEligibility,
            code: &'static str,
            detail: String,
        ) -> EsResult<RenewalEligibility> {
            out.code = Some(code);
            out.detail = detail;
            Ok(out)
        }
        if order.kind != "professional" {
            return refuse(
                out,
                "renewal.not_professional",
                format!(
                    "only a professional card is renewed online (R-SELF-RENEW); a {} card is \
                     ordered at your registration point",
                    order.kind
                ),
            );
        }
        out.opens_at = renewal_opens_at(cert.not_after);
        if let Some(why) = self.card_invalid(&order, now).await? {
            return refuse(
                out,
                "renewal.card_not_valid",
                format!(
                    "a card is renewed online only while it is valid, and {why}: ask your \
                     registration point for a new card"
                ),
            );
        }
        if let Some(live) = self
            .store
            .card_orders_replacing(order.id)
            .await?
            .into_iter()
            .find(super::is_live)
        {
            out.pending_order = Some(live.id);
            return refuse(
                out,
                "renewal.pending",
                format!(
                    "your card is already being renewed (order {}, {}): the new card comes \
                     from your registration point",
                    live.id, live.state
                ),
            );
        }
        let Some(person) = self.store.professional(&order.holder_number).await? else {
            return refuse(
                out,
                "order.not_in_registers",
                format!(
                    "{} is no longer in the professional registers: a professional card needs \
                     a valid right (R-CARD-TYPES)",
                    order.holder_number
                ),
            );
        };
        if let Err(e) = professional_holder(&person, now) {
            return refuse(out, e.code, e.detail);
        }
        let card_name = (
            order.holder["given_name"].as_str().unwrap_or_default(),
            order.holder["surname"].as_str().unwrap_or_default(),
        );
        if (person.given_names.as_str(), person.surname.as_str()) != card_name {
            out.grounds.push(RenewalGround::NameChanged);
            out.registers_name = Some(format!("{} {}", person.given_names, person.surname));
        }
        let Some(opens_at) = out.opens_at else {
            return Err(EsError::unavailable(
                "the card's validity end is within the calendar's years",
            ));
        };
        if now >= opens_at {
            out.grounds.push(RenewalGround::ValidityEnding);
        }
        if out.grounds.is_empty() {
            return refuse(
                out,
                "renewal.too_early",
                format!(
                    "your card is valid until {}; it can be renewed online from {} (when at most \
                     {RENEWAL_WINDOW_MONTHS} months remain), or earlier if your name in the \
                     professional registers changes",
                    helsinki_text(cert.not_after),
                    helsinki_text(opens_at)
                ),
            );
        }
        out.allowed = true;
        out.detail = if out.grounds.contains(&RenewalGround::NameChanged) {
            format!(
                "your name in the professional registers ({}) differs from the name on your \
                 card: you may renew it now, and the new card carries the new name",
                out.registers_name.as_deref().unwrap_or_default()
            )
        } else {
            format!(
                "your card is valid until {}: you may renew it now",
                helsinki_text(cert.not_after)
            )
        };
        Ok(out)
    }

    /// Why the card of `order` is not valid at `now`, or `None` when it is:
    /// the order activated, both certificates `valid` and within their validity.
    async fn card_invalid(&self, order: &CardOrderRow, now: i64) -> EsResult<Option<String>> {
        if order.state != "activated" {
            return Ok(Some(format!("it is {}", order.state)));
        }
        let mut certs = Vec::new();
        for serial in [&order.auth_serial, &order.sign_serial]
            .into_iter()
            .flatten()
        {
            let Some(c) = self.store.certificate(serial).await? else {
                return Ok(Some(format!("its certificate {serial} is not stored")));
            };
            if c.status != "valid" {
                return Ok(Some(format!("its certificate {serial} is {}", c.status)));
            }
            certs.push(c);
        }
        if let Some(c) = certs
            .iter()
            .find(|c| now < c.not_before || now > c.not_after)
        {
            return Ok(Some(format!(
                "its certificate {} is not within its validity",
                c.serial
            )));
        }
        Ok(None)
    }

    /// The holder signed in with authentication certificate `serial` renews his
    /// card at `now`: a new card ordered as before to the same registration
    /// point, by `holder:<holder number>`. Answers the new order (`ordered`).
    /// Refused as [`CardService::renewal_eligibility`] says, with its code.
    pub async fn renew(&self, serial: &str, now: i64) -> EsResult<CardOrderRow> {
        let eligibility = self.renewal_eligibility(serial, now).await?;
        if let Some(refusal) = eligibility.refusal() {
            return Err(refusal);
        }
        let old = self.order_of_signed_in(serial).await?;
        self.order_as_before(
            old.id,
            AsBefore::Renewal,
            &holder_actor(&old.holder_number),
            now,
        )
        .await
        .map_err(|e| {
            if e.code == "reorder.pending" {
                // Another request renewed it between the check and the order.
                EsError::new(
                    ErrorKind::Conflict,
                    "renewal.pending",
                    format!("your card is already being renewed: {}", e.detail),
                )
            } else {
                e
            }
        })
    }

    /// Revokes the card that `new` (an activated card ordered "as before")
    /// replaces: both certificates with `superseded`, its order `revoked`
    /// (audit `card.supersede`), by the holder. Nothing to do for a card that
    /// replaces nothing, a temporary card, or a replaced card revoked already.
    /// A certificate revoked already (an earlier attempt that stopped half-way)
    /// is passed over, so this can be run again.
    pub async fn supersede_replaced(
        &self,
        new: &CardOrderRow,
        now: i64,
    ) -> EsResult<Option<CardOrderRow>> {
        let Some(old_id) = new.replaces_order else {
            return Ok(None);
        };
        if new.kind == "temporary" || new.state != "activated" {
            return Ok(None);
        }
        let old = self
            .store
            .card_order(old_id)
            .await?
            .ok_or_else(|| EsError::not_found(&format!("card order {old_id}")))?;
        if old.state == "revoked" {
            return Ok(None);
        }
        let actor = holder_actor(&new.holder_number);
        let mut done = self
            .revoke_orders_as(
                "card.supersede",
                &[&old],
                RevocationReason::Superseded,
                json!({ "by": "holder", "replaced_by": new.id }),
                None,
                &actor,
                now,
            )
            .await?;
        Ok(done.orders.pop())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn helsinki(y: i32, m: u8, d: u8, h: u8, min: u8) -> i64 {
        let date = time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), d).unwrap();
        let local = time::PrimitiveDateTime::new(date, time::Time::from_hms(h, min, 0).unwrap());
        calendar::from_helsinki(local).unwrap().unix_timestamp()
    }

    #[test]
    fn the_window_opens_three_calendar_months_before() {
        // The same day and time three months earlier.
        assert_eq!(
            renewal_opens_at(helsinki(2031, 12, 4, 10, 0)),
            Some(helsinki(2031, 9, 4, 10, 0))
        );
        // Across the change to summer time (30.3.2031): the same wall-clock time.
        assert_eq!(
            renewal_opens_at(helsinki(2031, 6, 15, 12, 0)),
            Some(helsinki(2031, 3, 15, 12, 0))
        );
        // No February day is three months before 31 May (28.2. + 3 months =
        // 28.5.): the window opens with March.
        assert_eq!(
            renewal_opens_at(helsinki(2031, 5, 31, 12, 0)),
            Some(helsinki(2031, 3, 1, 0, 0))
        );
        // In a leap year 29.2. + 3 months = 29.5.
        assert_eq!(
            renewal_opens_at(helsinki(2032, 5, 29, 8, 30)),
            Some(helsinki(2032, 2, 29, 8, 30))
        );
    }

    #[test]
    fn the_window_is_the_first_second_with_three_months_left() {
        // Over a spread of instants: at opens_at at most three months remain,
        // one second earlier more do.
        let start = helsinki(2030, 1, 1, 0, 0);
        for i in 0..400 {
            let not_after = start + i * 86_400 * 3 + i * 3_607;
            let opens = renewal_opens_at(not_after).unwrap();
            assert!(
                calendar::add_months(opens, 3).unwrap() >= not_after,
                "{not_after}"
            );
            assert!(
                calendar::add_months(opens - 1, 3).unwrap() < not_after,
                "{not_after}"
            );
        }
    }

    #[test]
    fn helsinki_text_names_the_local_time() {
        assert_eq!(
            helsinki_text(helsinki(2031, 9, 4, 10, 0)),
            "2031-09-04 10:00 Helsinki time"
        );
    }
}
