//! What a right that ended in the professional registers leads to (issue 5,
//! point 1; R-CARD-TYPES, R-SV, R-STATUS-TRUTH).
//!
//! A re-import of the registers records each right that ended as a finding
//! (`Store::sync_professionals`) with the action configured then
//! (`[registers] on_right_ended`). This module acts on the findings:
//!
//! - the cards a finding is about are the holder's **professional cards**
//!   (orders of kind `professional`, and temporary cards standing in for one)
//!   that are produced or activated, with a certificate still valid;
//! - such a card is **no longer right** when the holder has no valid right
//!   left, or when it carries an SV number and the holder is no longer a
//!   prescriber (R-SV). Only those are revoked, both certificates, reason
//!   `affiliationChanged` ([`EndedRightAction::REVOCATION_REASON`]);
//!   otherwise the card stays ("another right is still valid");
//! - the register is read again when the action runs, not when the finding
//!   was made, and the revocation and the finding's resolution are one
//!   transaction: a finding is acted on once.
//!
//! With `revoke`, [`CardService::act_on_ended_rights`] acts on every open
//! finding recorded with `revoke` (the import calls it). With `flag`, a
//! registrar or CA officer decides each finding:
//! [`CardService::decide_finding`] with [`FindingDecision::Revoke`] (as above)
//! or [`FindingDecision::Keep`].

use carepki_policy::registers::{EndedRightAction, Professional};
use carepki_store::{CardOrderRow, ProfessionalRow, RegisterFinding, StoreError};
use serde::Serialize;
use serde_json::json;

use super::CardService;
use super::orders::right_valid;
use crate::eservice::{ErrorKind, EsError, EsResult};

/// A professional card a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AffectedCard {
    /// The card order.
    pub order_id: i64,
    /// `professional`, or `temporary` standing in for one.
    pub kind: String,
    /// `produced` or `activated`.
    pub state: String,
    /// The SV number the card carries (R-SV), if any.
    pub sv_number: Option<String>,
    /// The authentication certificate's serial.
    pub auth_serial: String,
    /// The signature certificate's serial.
    pub sign_serial: String,
    /// The end of the authentication certificate's validity.
    pub not_after: Option<i64>,
    /// Whether the card is no longer right by the registers now (and would be
    /// revoked), and why.
    pub no_longer_right: Option<String>,
}

/// A finding with the holder's standing in the registers now and his cards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingView {
    /// The finding.
    #[serde(flatten)]
    pub finding: RegisterFinding,
    /// Whether the holder has a valid right now.
    pub has_valid_right: bool,
    /// Whether the holder is a prescriber now (SV number and a valid
    /// prescribing right).
    pub is_prescriber: bool,
    /// His professional cards with a valid certificate.
    pub cards: Vec<AffectedCard>,
}

/// A registrar's or officer's decision on a flagged finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingDecision {
    /// Revoke the cards that are no longer right (as the `revoke` action).
    Revoke,
    /// Keep the cards: resolve the finding without revoking.
    Keep,
}

/// What was done with a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingOutcome {
    /// The finding.
    pub finding: i64,
    /// Whose right.
    pub registration_number: String,
    /// The card orders revoked now.
    pub revoked_orders: Vec<i64>,
    /// The certificates revoked now.
    pub revoked_serials: Vec<String>,
    /// The resolution stored with the finding.
    pub resolution: String,
}

/// The store's row of a professional from a validated register file (the
/// policy computes each right's instants in Helsinki time), for
/// `Store::sync_professionals`.
pub fn professional_row(p: &Professional) -> ProfessionalRow {
    ProfessionalRow {
        registration_number: p.registration_number.clone(),
        surname: p.surname.clone(),
        given_names: p.given_names.clone(),
        birth_year: p.birth_year.map(i64::from),
        sv_number: p.sv_number.clone(),
        rights: p
            .professions
            .iter()
            .map(|r| carepki_store::ProfessionalRightRow {
                register: r.register.as_str().to_owned(),
                profession: r.profession.clone(),
                title: r.title.clone(),
                right_kind: r.right.as_str().to_owned(),
                valid_from: carepki_policy::registers::format_date(r.valid_from),
                valid_until: r.valid_until.map(carepki_policy::registers::format_date),
                starts_at: r.starts_at(),
                ends_at: r.ends_at(),
                prescribing: r.prescribing,
                restrictions: r.restrictions.clone(),
                removed_at: None,
                ended_at: None,
            })
            .collect(),
        created_at: 0,
        updated_at: 0,
        removed_at: None,
    }
}

/// The holder's standing: (has a valid right, is a prescriber).
fn standing(person: Option<&ProfessionalRow>, now: i64) -> (bool, bool) {
    let Some(p) = person.filter(|p| p.removed_at.is_none()) else {
        return (false, false);
    };
    let valid: Vec<_> = p.rights.iter().filter(|r| right_valid(r, now)).collect();
    let prescriber = p.sv_number.is_some() && valid.iter().any(|r| r.prescribing);
    (!valid.is_empty(), prescriber)
}

/// Whether an order is a professional card (or a temporary card standing in
/// for one).
fn is_professional_card(o: &CardOrderRow) -> bool {
    o.kind == "professional"
        || (o.kind == "temporary" && o.holder["replaces_kind"].as_str() == Some("professional"))
}

fn list(ids: &[i64]) -> String {
    ids.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl CardService {
    /// The holder's professional cards with a certificate still valid at
    /// `now`, each with whether it is still right by `standing`.
    async fn professional_cards(
        &self,
        regno: &str,
        (valid, prescriber): (bool, bool),
        now: i64,
    ) -> EsResult<Vec<(AffectedCard, CardOrderRow)>> {
        let mut out = Vec::new();
        for o in self.store.card_orders_of_holder_all(regno).await? {
            if !is_professional_card(&o) || !matches!(o.state.as_str(), "produced" | "activated") {
                continue;
            }
            let (Some(a), Some(s)) = (o.auth_serial.clone(), o.sign_serial.clone()) else {
                continue;
            };
            let mut any_valid = false;
            let mut not_after = None;
            for serial in [&a, &s] {
                if let Some(c) = self.store.certificate(serial).await? {
                    if serial == &a {
                        not_after = Some(c.not_after);
                    }
                    any_valid |= c.status == "valid" && c.not_after > now;
                }
            }
            if !any_valid {
                continue;
            }
            let sv = o.holder["sv_number"].as_str().map(str::to_owned);
            let no_longer_right = if !valid {
                Some("no valid right left in the registers".to_owned())
            } else if sv.is_some() && !prescriber {
                Some(
                    "the card carries the SV number and the holder is no longer a prescriber"
                        .to_owned(),
                )
            } else {
                None
            };
            out.push((
                AffectedCard {
                    order_id: o.id,
                    kind: o.kind.clone(),
                    state: o.state.clone(),
                    sv_number: sv,
                    auth_serial: a,
                    sign_serial: s,
                    not_after,
                    no_longer_right,
                },
                o,
            ));
        }
        Ok(out)
    }

    async fn view_of(
        &self,
        f: RegisterFinding,
        now: i64,
    ) -> EsResult<(FindingView, Vec<CardOrderRow>)> {
        let person = self.store.professional(&f.registration_number).await?;
        let (valid, prescriber) = standing(person.as_ref(), now);
        let cards = self
            .professional_cards(&f.registration_number, (valid, prescriber), now)
            .await?;
        let (views, orders) = cards.into_iter().unzip();
        Ok((
            FindingView {
                finding: f,
                has_valid_right: valid,
                is_prescriber: prescriber,
                cards: views,
            },
            orders,
        ))
    }

    /// The open findings, oldest first, each with the holder's standing in the
    /// registers at `now` and his professional cards.
    pub async fn open_findings(&self, now: i64) -> EsResult<Vec<FindingView>> {
        let mut out = Vec::new();
        for f in self.store.open_register_findings().await? {
            out.push(self.view_of(f, now).await?.0);
        }
        Ok(out)
    }

    /// The open finding `id`, or the refusal.
    async fn open_finding(&self, id: i64) -> EsResult<RegisterFinding> {
        self.store
            .open_register_findings()
            .await?
            .into_iter()
            .find(|f| f.id == id)
            .ok_or_else(|| {
                EsError::new(
                    ErrorKind::Conflict,
                    "finding.not_open",
                    format!(
                        "register finding {id} is not open: it is resolved already, or there \
                         is no such finding (`carepki professionals findings` lists the open \
                         ones)"
                    ),
                )
            })
    }

    /// Acts on open finding `id` by the registers as they are at `now`: revokes
    /// the holder's professional cards that are no longer right, or resolves
    /// the finding with "the card stays". `note` is added to the resolution.
    async fn act_on(
        &self,
        id: i64,
        note: Option<&str>,
        actor: &str,
        now: i64,
    ) -> EsResult<FindingOutcome> {
        let finding = self.open_finding(id).await?;
        let regno = finding.registration_number.clone();
        let (view, orders) = self.view_of(finding, now).await?;
        let targets: Vec<&CardOrderRow> = view
            .cards
            .iter()
            .zip(&orders)
            .filter(|(c, _)| c.no_longer_right.is_some())
            .map(|(_, o)| o)
            .collect();
        let suffix = note.map(|n| format!(" ({n})")).unwrap_or_default();
        let resolution =
            if let Some(first) = view.cards.iter().find_map(|c| c.no_longer_right.clone()) {
                let ids: Vec<i64> = targets.iter().map(|o| o.id).collect();
                format!(
                    "revoked the card(s) of order(s) {} ({}): {first}{suffix}",
                    list(&ids),
                    EndedRightAction::REVOCATION_REASON.name()
                )
            } else if view.cards.is_empty() {
                format!("no professional card with a valid certificate to revoke{suffix}")
            } else {
                let ids: Vec<i64> = view.cards.iter().map(|c| c.order_id).collect();
                format!(
                    "another right is still valid; the card stays (order(s) {}){suffix}",
                    list(&ids)
                )
            };
        let map_resolved = |e: EsError| {
            if e.kind == ErrorKind::Conflict && e.code == "conflict" {
                EsError::new(
                    ErrorKind::Conflict,
                    "finding.not_open",
                    format!(
                        "register finding {id} was resolved or its cards changed meanwhile; \
                         nothing was revoked: look at it again ({})",
                        e.detail
                    ),
                )
            } else {
                e
            }
        };
        if targets.is_empty() {
            self.store
                .resolve_register_finding(id, &resolution, actor, now)
                .await
                .map_err(|e: StoreError| map_resolved(e.into()))?;
            return Ok(FindingOutcome {
                finding: id,
                registration_number: regno,
                revoked_orders: Vec::new(),
                revoked_serials: Vec::new(),
                resolution,
            });
        }
        let done = self
            .revoke_orders(
                &targets,
                EndedRightAction::REVOCATION_REASON,
                json!({ "by": "registers", "finding": id, "registration_number": regno }),
                Some((id, resolution.clone())),
                actor,
                now,
            )
            .await
            .map_err(map_resolved)?;
        Ok(FindingOutcome {
            finding: id,
            registration_number: regno,
            revoked_orders: done.orders.iter().map(|o| o.id).collect(),
            revoked_serials: done.revocations.iter().map(|r| r.serial.clone()).collect(),
            resolution,
        })
    }

    /// The `revoke` action: acts on every open finding recorded with
    /// `on_ended = "revoke"`, oldest first (see the module docs). A finding
    /// that fails is reported and left open; the others go on.
    pub async fn act_on_ended_rights(
        &self,
        actor: &str,
        now: i64,
    ) -> EsResult<Vec<Result<FindingOutcome, (i64, EsError)>>> {
        let mut out = Vec::new();
        for f in self.store.open_register_findings().await? {
            if f.on_ended != EndedRightAction::Revoke.as_str() {
                continue;
            }
            out.push(
                self.act_on(f.id, None, actor, now)
                    .await
                    .map_err(|e| (f.id, e)),
            );
        }
        Ok(out)
    }

    /// A registrar's or CA officer's decision on open finding `id` (the
    /// `flag` action), with his reason: revoke the cards no longer right (as
    /// the `revoke` action does), or keep them.
    pub async fn decide_finding(
        &self,
        id: i64,
        decision: FindingDecision,
        reason: &str,
        actor: &str,
        now: i64,
    ) -> EsResult<FindingOutcome> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 || reason.chars().any(char::is_control)
        {
            return Err(EsError::invalid(
                "finding.reason",
                "give the reason for the decision: one line, at most 500 characters",
            ));
        }
        match decision {
            FindingDecision::Revoke => {
                self.act_on(id, Some(&format!("decided: {reason}")), actor, now)
                    .await
            }
            FindingDecision::Keep => {
                let finding = self.open_finding(id).await?;
                let resolution = format!("kept by decision: {reason}");
                self.store
                    .resolve_register_finding(id, &resolution, actor, now)
                    .await?;
                Ok(FindingOutcome {
                    finding: id,
                    registration_number: finding.registration_number,
                    revoked_orders: Vec::new(),
                    revoked_serials: Vec::new(),
                    resolution,
                })
            }
        }
    }
}
