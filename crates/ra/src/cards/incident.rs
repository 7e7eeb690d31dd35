//! The incident tools (issue 5, point 8; R-SV and R-STATUS-TRUTH, the
//! incidents of 2023 in DOMAIN.md): find cards by kind, validity start,
//! registration point and status, or find the prescribers' cards whose
//! certificates lack the SV number ([`CardService::find_cards`]); then act on
//! every card found as one stored, resumable, audited bulk job
//! ([`CardService::start_bulk`], [`CardService::run_bulk`],
//! [`CardService::resume_bulk`]): notify the holders, revoke both certificates
//! of each card, or order each card again as before (re-issue).
//!
//! - `--missing-sv` reads the `pseudonym` (2.5.4.65) of both stored
//!   certificates' subjects, not the order's JSON: the 2023 incident was
//!   certificates that lacked it whatever had been ordered. A card matches when
//!   either certificate lacks it while the holder is a prescriber in the
//!   registers *now* (the semantics of `policy::registers::is_prescriber` on the
//!   stored rows: an SV number and a prescribing right valid now; R-SV).
//! - A job's items are the card orders matched at its start, fixed; each item
//!   goes `pending` → `started` → `done`, `skipped` (with why) or `failed`
//!   (with why; tried again on resume). An item found `started` or `failed` on
//!   resume is checked for what its action already did before it acts, so no
//!   card is notified, revoked or re-ordered twice (the mail's dedupe key
//!   `card-bulk:<job>:<order>`, the store's refusal of a second revocation, the
//!   unique index of replacements).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use carepki_ca::authority::now_unix;
use carepki_policy::calendar;
use carepki_policy::registers::parse_date;
use carepki_store::{
    BulkItemRow, BulkJobRow, CARD_CERT_STATUSES, CardOrderRow, CardQuery, CardWithCerts,
    EnqueueOutcome, NewBulkJob, NewMail, ORDER_KINDS, ProfessionalRow, StoreError,
};
use carepki_x509::cert::decode_certificate;
use carepki_x509::name::{PSEUDONYM, name_attributes};
use carepki_x509::revocation::RevocationReason;
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::{PrimitiveDateTime, Time};

use super::reorder::AsBefore;
use super::{CardService, Officer};
use crate::eservice::{ErrorKind, EsError, EsResult};

/// A `running` job whose last item is older than this (seconds) is taken to
/// have lost its process, and may be resumed.
pub const STALE_RUNNING_SECS: i64 = 600;

/// The order states `--status` takes (`revoked` is a certificate status).
pub const FIND_ORDER_STATES: [&str; 3] = ["ordered", "produced", "activated"];

/// What to find. Every filter given narrows the result (they combine with
/// "and"); `statuses` is "any of" within order states and within certificate
/// statuses, "and" between the two groups.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardFilter {
    /// The card kind (`professional`, `staff`, `actor`, `temporary`, `test`).
    pub kind: Option<String>,
    /// The first day (Helsinki, `YYYY-MM-DD`, inclusive) of the certificates'
    /// validity start (notBefore).
    pub valid_from_start: Option<String>,
    /// The last day (Helsinki, inclusive) of the validity start.
    pub valid_from_end: Option<String>,
    /// Prescribers' professional cards (and temporary cards standing in for
    /// them), produced and not revoked or expired, whose certificates carry no
    /// SV number (R-SV).
    #[serde(default)]
    pub missing_sv: bool,
    /// The registration point.
    pub point: Option<i64>,
    /// Order states (`ordered`, `produced`, `activated`) and certificate
    /// statuses (`valid`, `revoked`, `expired`).
    #[serde(default)]
    pub statuses: Vec<String>,
}

/// A card found, with why it matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundCard {
    /// The card order.
    pub order_id: i64,
    /// Its kind.
    pub kind: String,
    /// The holder number (registration number for professionals).
    pub holder_number: String,
    /// The holder's name as ordered.
    pub name: String,
    /// The registration point.
    pub point_id: i64,
    /// The order's state.
    pub state: String,
    /// The certificates' status now (`valid`, `revoked`, `expired`), if any.
    pub cert_status: Option<String>,
    /// The certificates' notBefore (Unix seconds).
    pub not_before: Option<i64>,
    /// Their notAfter.
    pub not_after: Option<i64>,
    /// The authentication certificate's serial.
    pub auth_serial: Option<String>,
    /// The signature certificate's serial.
    pub sign_serial: Option<String>,
    /// Why it matched `--missing-sv` (empty for other filters).
    pub why: String,
}

/// What a bulk job does to each card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkAction {
    /// A mail to each holder: what is wrong, what happens next.
    Notify,
    /// Both certificates of each card revoked with this reason.
    Revoke(RevocationReason),
    /// Each card ordered again as before ([`AsBefore::Reissue`]).
    Reorder,
}

impl BulkAction {
    /// `notify`, `revoke` or `reorder`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Notify => "notify",
            Self::Revoke(_) => "revoke",
            Self::Reorder => "reorder",
        }
    }

    fn of_job(job: &BulkJobRow) -> EsResult<Self> {
        match job.action.as_str() {
            "notify" => Ok(Self::Notify),
            "reorder" => Ok(Self::Reorder),
            "revoke" => {
                let name = job.params["reason"].as_str().unwrap_or_default();
                RevocationReason::from_name(name)
                    .map(Self::Revoke)
                    .map_err(|e| EsError::unavailable(format!("bulk job {}: {e}", job.id)))
            }
            other => Err(EsError::unavailable(format!(
                "bulk job {} has an unknown action {other:?}",
                job.id
            ))),
        }
    }
}

/// How a run stops early: a cancellation flag (Ctrl-C), checked before each
/// card, and an optional limit of cards for this run.
#[derive(Debug, Clone, Default)]
pub struct BulkControl {
    /// Set to stop after the current card; the job stays `interrupted`.
    pub cancel: Arc<AtomicBool>,
    /// Stop (interrupted) after this many cards in this run.
    pub max_items: Option<usize>,
}

/// A job's outcome after a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BulkReport {
    /// The job as it stands.
    pub job: BulkJobRow,
    /// Its items.
    pub items: Vec<BulkItemRow>,
}

impl BulkReport {
    /// How many items have this outcome.
    pub fn count(&self, outcome: &str) -> usize {
        self.items.iter().filter(|i| i.outcome == outcome).count()
    }
}

fn invalid(code: &'static str, detail: impl Into<String>) -> EsError {
    EsError::invalid(code, detail)
}

/// Helsinki midnight at the start of the day `text` (`YYYY-MM-DD`).
fn helsinki_day(text: &str, flag: &str) -> EsResult<time::Date> {
    parse_date(text).map_err(|e| {
        invalid(
            "find.date",
            format!("{flag} {text:?}: {e}; give a Helsinki date as YYYY-MM-DD"),
        )
    })
}

fn midnight(date: time::Date) -> EsResult<i64> {
    calendar::from_helsinki(PrimitiveDateTime::new(date, Time::MIDNIGHT))
        .map(|t| t.unix_timestamp())
        .map_err(|e| invalid("find.date", e.to_string()))
}

impl CardFilter {
    /// The store's query for this filter at `now`.
    pub fn query(&self, now: i64) -> EsResult<CardQuery> {
        let mut q = CardQuery {
            now,
            point_id: self.point,
            ..CardQuery::default()
        };
        if let Some(k) = &self.kind {
            if !ORDER_KINDS.contains(&k.as_str()) {
                return Err(invalid(
                    "find.kind",
                    format!("{k:?} is not a card kind: {}", ORDER_KINDS.join(", ")),
                ));
            }
            q.kinds.push(k.clone());
        }
        for s in &self.statuses {
            if FIND_ORDER_STATES.contains(&s.as_str()) {
                q.order_states.push(s.clone());
            } else if CARD_CERT_STATUSES.contains(&s.as_str()) {
                q.cert_statuses.push(s.clone());
            } else {
                return Err(invalid(
                    "find.status",
                    format!(
                        "{s:?} is not a status: order states {} or certificate statuses {}",
                        FIND_ORDER_STATES.join(", "),
                        CARD_CERT_STATUSES.join(", ")
                    ),
                ));
            }
        }
        let start = self
            .valid_from_start
            .as_deref()
            .map(|t| helsinki_day(t, "--valid-from-start"))
            .transpose()?;
        let end = self
            .valid_from_end
            .as_deref()
            .map(|t| helsinki_day(t, "--valid-from-end"))
            .transpose()?;
        if let (Some(s), Some(e)) = (start, end)
            && e < s
        {
            return Err(invalid(
                "find.date_range",
                "--valid-from-end is before --valid-from-start: the range is empty",
            ));
        }
        q.not_before_from = start.map(midnight).transpose()?;
        q.not_before_until = match end {
            // The end day is inclusive: up to Helsinki midnight after it.
            Some(e) => Some(midnight(e.next_day().ok_or_else(|| {
                invalid(
                    "find.date",
                    "--valid-from-end is the last day of the calendar",
                )
            })?)?),
            None => None,
        };
        if self.missing_sv {
            // Only produced cards whose certificates are still in force.
            match self.kind.as_deref() {
                None => q.kinds = vec!["professional".into(), "temporary".into()],
                Some("professional" | "temporary") => {}
                Some(_) => q.kinds = Vec::new(), // another kind: nothing can match
            }
            if q.order_states.is_empty() {
                q.order_states = vec!["produced".into(), "activated".into()];
            }
            q.order_states
                .retain(|s| s == "produced" || s == "activated");
            if q.cert_statuses.is_empty() {
                q.cert_statuses = vec!["valid".into()];
            }
            q.cert_statuses.retain(|s| s == "valid");
        }
        Ok(q)
    }

    /// Whether the filter can match nothing by construction (`--missing-sv`
    /// with a kind or status that rules it out).
    fn empty_by_construction(&self, q: &CardQuery) -> bool {
        self.missing_sv
            && (q.kinds.is_empty() || q.order_states.is_empty() || q.cert_statuses.is_empty())
    }
}

/// Whether a stored professional is a prescriber at `now`: an SV number and a
/// prescribing right valid now, still in the registers (the semantics of
/// `policy::registers::is_prescriber`; the rows' `starts_at` and `ends_at`
/// are the Helsinki instants the policy computed at import).
fn prescriber_now(p: &ProfessionalRow, now: i64) -> bool {
    p.removed_at.is_none()
        && p.sv_number.is_some()
        && p.rights.iter().any(|r| {
            r.prescribing
                && r.removed_at.is_none()
                && r.starts_at <= now
                && r.ends_at.is_none_or(|e| e > now)
        })
}

/// The pseudonym (SV number) in a certificate's subject, if any.
fn pseudonym(der: &[u8], serial: &str) -> EsResult<Option<String>> {
    let cert = decode_certificate(der).map_err(|e| {
        EsError::unavailable(format!("stored certificate {serial} does not parse: {e}"))
    })?;
    Ok(name_attributes(cert.tbs_certificate().subject())
        .into_iter()
        .find(|(oid, _, _)| *oid == PSEUDONYM)
        .map(|(_, value, _)| value))
}

fn holder_name(o: &CardOrderRow) -> String {
    let s = |k: &str| o.holder[k].as_str().unwrap_or_default().to_owned();
    format!("{} {}", s("given_name"), s("surname"))
        .trim()
        .to_owned()
}

fn found(c: &CardWithCerts, now: i64, why: String) -> FoundCard {
    FoundCard {
        order_id: c.order.id,
        kind: c.order.kind.clone(),
        holder_number: c.order.holder_number.clone(),
        name: holder_name(&c.order),
        point_id: c.order.point_id,
        state: c.order.state.clone(),
        cert_status: c.cert_status(now).map(str::to_owned),
        not_before: c.not_before,
        not_after: c.not_after,
        auth_serial: c.order.auth_serial.clone(),
        sign_serial: c.order.sign_serial.clone(),
        why,
    }
}

impl CardService {
    /// The cards matching `filter` at `now`, by order id.
    pub async fn find_cards(&self, filter: &CardFilter, now: i64) -> EsResult<Vec<FoundCard>> {
        let q = filter.query(now)?;
        if filter.empty_by_construction(&q) {
            return Ok(Vec::new());
        }
        let rows = self.store.find_cards(&q).await?;
        if !filter.missing_sv {
            return Ok(rows.iter().map(|c| found(c, now, String::new())).collect());
        }
        let mut people: HashMap<String, Option<ProfessionalRow>> = HashMap::new();
        let mut out = Vec::new();
        for c in &rows {
            if c.order.kind == "temporary"
                && c.order.holder["replaces_kind"].as_str() != Some("professional")
            {
                continue;
            }
            let (Some(a), Some(s), Some(a_serial), Some(s_serial)) = (
                &c.auth_der,
                &c.sign_der,
                &c.order.auth_serial,
                &c.order.sign_serial,
            ) else {
                continue;
            };
            let lacking: Vec<&str> = [("authentication", a, a_serial), ("signature", s, s_serial)]
                .into_iter()
                .filter_map(|(role, der, serial)| match pseudonym(der, serial) {
                    Ok(Some(_)) => None,
                    Ok(None) => Some(Ok(role)),
                    Err(e) => Some(Err(e)),
                })
                .collect::<EsResult<_>>()?;
            if lacking.is_empty() {
                continue;
            }
            let regno = &c.order.holder_number;
            if !people.contains_key(regno) {
                let p = self.store.professional(regno).await?;
                people.insert(regno.clone(), p);
            }
            let Some(Some(person)) = people.get(regno) else {
                continue;
            };
            if !prescriber_now(person, now) {
                continue;
            }
            let why = format!(
                "no SV number (pseudonym) in the {} certificate{}; the registers now give {} \
                 SV number {} with a valid prescribing right (R-SV)",
                lacking.join(" and "),
                if lacking.len() > 1 { "s" } else { "" },
                regno,
                person.sv_number.as_deref().unwrap_or_default()
            );
            out.push(found(c, now, why));
        }
        Ok(out)
    }

    /// Officer `officer` starts a bulk `action` on the cards matching `filter`
    /// now: the job is stored (`running`) with the matched card orders fixed;
    /// run it with [`CardService::run_bulk`]. Refused with `bulk.nothing_found`
    /// when nothing matches; revoke and re-order need the CA here.
    pub async fn start_bulk(
        &self,
        officer: &Officer,
        filter: &CardFilter,
        action: BulkAction,
        now: i64,
    ) -> EsResult<BulkJobRow> {
        if !matches!(action, BulkAction::Notify) {
            self.authority()?;
        }
        let cards = self.find_cards(filter, now).await?;
        if cards.is_empty() {
            return Err(invalid(
                "bulk.nothing_found",
                "no card matches the filter: no job was started",
            ));
        }
        let params = match action {
            BulkAction::Revoke(r) => json!({ "reason": r.name() }),
            _ => json!({}),
        };
        let filter_json = serde_json::to_value(filter)
            .map_err(|e| EsError::unavailable(format!("the filter as JSON: {e}")))?;
        let new = NewBulkJob {
            action: action.as_str().into(),
            filter: filter_json,
            params,
            items: cards
                .iter()
                .map(|c| {
                    let why = if c.why.is_empty() {
                        "matched the filter".to_owned()
                    } else {
                        c.why.clone()
                    };
                    (c.order_id, why)
                })
                .collect(),
        };
        Ok(self
            .store
            .create_card_bulk_job(&new, officer.actor(), now)
            .await?)
    }

    /// Takes an interrupted job (or one whose process died: `running` and still
    /// for [`STALE_RUNNING_SECS`]; or a finished one with failed cards, to try
    /// them again) back to `running`, for [`CardService::run_bulk`].
    pub async fn resume_bulk(
        &self,
        officer: &Officer,
        job_id: i64,
        now: i64,
    ) -> EsResult<BulkJobRow> {
        match self
            .store
            .claim_card_bulk_job(job_id, now - STALE_RUNNING_SECS, officer.actor(), now)
            .await
        {
            Ok(j) => Ok(j),
            Err(StoreError::NotFound { .. }) => Err(unknown_job(job_id)),
            Err(StoreError::Conflict { what }) => Err(EsError::new(
                ErrorKind::Conflict,
                "bulk.not_resumable",
                what,
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// A job with its items.
    pub async fn bulk_job(&self, job_id: i64) -> EsResult<BulkReport> {
        let job = self
            .store
            .card_bulk_job(job_id)
            .await?
            .ok_or_else(|| unknown_job(job_id))?;
        let items = self.store.card_bulk_items(job_id).await?;
        Ok(BulkReport { job, items })
    }

    /// Every job, newest first.
    pub async fn bulk_jobs(&self) -> EsResult<Vec<BulkJobRow>> {
        Ok(self.store.card_bulk_jobs().await?)
    }

    /// Runs the items of running job `job_id` not yet done, in order, calling
    /// `on_item` after each with the item and how many of the job's items are
    /// settled (done or skipped). Stops after the current card when
    /// `control.cancel` is set or `control.max_items` cards were handled: the
    /// job is then `interrupted`; otherwise `finished`. A card's failure is
    /// recorded on its item and the run goes on.
    pub async fn run_bulk(
        &self,
        officer: &Officer,
        job_id: i64,
        control: &BulkControl,
        mut on_item: impl FnMut(&BulkItemRow, usize),
    ) -> EsResult<BulkReport> {
        let report = self.bulk_job(job_id).await?;
        if report.job.state != "running" {
            return Err(EsError::new(
                ErrorKind::Conflict,
                "bulk.not_running",
                format!(
                    "bulk job {job_id} is {}: resume it first (carepki card bulk resume {job_id})",
                    report.job.state
                ),
            ));
        }
        let action = BulkAction::of_job(&report.job)?;
        let mut settled = report
            .items
            .iter()
            .filter(|i| i.outcome == "done" || i.outcome == "skipped")
            .count();
        let mut interrupted = false;
        for (handled, item) in report
            .items
            .iter()
            .filter(|i| matches!(i.outcome.as_str(), "pending" | "started" | "failed"))
            .enumerate()
        {
            if control.cancel.load(Ordering::SeqCst)
                || control.max_items.is_some_and(|m| handled >= m)
            {
                interrupted = true;
                break;
            }
            let result = self.run_item(officer, &report.job, item, action).await;
            let row = match result {
                Ok(row) => row,
                Err(e) => {
                    // The store could not record the item: stop, resumable.
                    let _ = self
                        .store
                        .end_card_bulk_job(job_id, "interrupted", officer.actor(), now_unix())
                        .await;
                    return Err(e);
                }
            };
            if row.outcome != "failed" {
                settled += 1;
            }
            on_item(&row, settled);
        }
        let state = if interrupted {
            "interrupted"
        } else {
            "finished"
        };
        self.store
            .end_card_bulk_job(job_id, state, officer.actor(), now_unix())
            .await?;
        self.bulk_job(job_id).await
    }

    /// One item: marked started, its action, its outcome recorded.
    async fn run_item(
        &self,
        officer: &Officer,
        job: &BulkJobRow,
        item: &BulkItemRow,
        action: BulkAction,
    ) -> EsResult<BulkItemRow> {
        // Begun before (a crash or Ctrl-C between the action and its outcome,
        // or a failure): check what was done before acting again.
        let again = item.outcome != "pending";
        let actor = officer.actor();
        self.store
            .start_card_bulk_item(job.id, item.order_id, actor, now_unix())
            .await?;
        let outcome = match self.store.card_order(item.order_id).await? {
            None => Outcome::failed(format!("card order {} is gone", item.order_id)),
            Some(order) => match action {
                BulkAction::Notify => self.notify_one(job, item, &order).await,
                BulkAction::Revoke(r) => self.revoke_one(job, &order, r, actor).await,
                BulkAction::Reorder => self.reorder_one(job, &order, again, actor).await,
            },
        };
        Ok(self
            .store
            .finish_card_bulk_item(
                job.id,
                item.order_id,
                outcome.0,
                &outcome.1,
                actor,
                now_unix(),
            )
            .await?)
    }

    async fn notify_one(
        &self,
        job: &BulkJobRow,
        item: &BulkItemRow,
        order: &CardOrderRow,
    ) -> Outcome {
        let Some(to) = order.holder["email"].as_str() else {
            return Outcome::skipped("the order has no email address for the holder");
        };
        let mail = incident_mail(job, item, order, to);
        match self.store.enqueue_mail(&mail, "cards", now_unix()).await {
            Ok(EnqueueOutcome::Queued { id }) => {
                Outcome::done(format!("mail {id} queued to the holder"))
            }
            Ok(EnqueueOutcome::AlreadyQueued { id }) => {
                Outcome::done(format!("mail {id} was queued already (not sent twice)"))
            }
            Err(e) => Outcome::failed(format!("the mail could not be queued: {e}")),
        }
    }

    async fn revoke_one(
        &self,
        job: &BulkJobRow,
        order: &CardOrderRow,
        reason: RevocationReason,
        actor: &str,
    ) -> Outcome {
        let (Some(a), Some(s)) = (&order.auth_serial, &order.sign_serial) else {
            return Outcome::skipped("the card was never produced: it has no certificates");
        };
        if order.state == "revoked" {
            return if order.detail["bulk_job"].as_i64() == Some(job.id) {
                Outcome::done("revoked by this job before it was interrupted")
            } else {
                Outcome::skipped("the card is revoked already")
            };
        }
        match self
            .revoke_orders(
                &[order],
                reason,
                json!({ "by": "bulk", "bulk_job": job.id }),
                None,
                actor,
                now_unix(),
            )
            .await
        {
            Ok(_) => Outcome::done(format!(
                "both certificates revoked ({}): {a}, {s}",
                reason.name()
            )),
            Err(e) => Outcome::failed(format!("revoking the card: {} [{}]", e.detail, e.code)),
        }
    }

    async fn reorder_one(
        &self,
        job: &BulkJobRow,
        order: &CardOrderRow,
        again: bool,
        actor: &str,
    ) -> Outcome {
        let live = match self.store.card_orders_replacing(order.id).await {
            Ok(rows) => rows.into_iter().find(super::is_live),
            Err(e) => return Outcome::failed(e.to_string()),
        };
        if let Some(live) = live {
            // Made by this job in an attempt that did not record its outcome.
            return if again && live.created_by == actor && live.created_at >= job.created_at {
                Outcome::done(format!("re-ordered as order {} (found on resume)", live.id))
            } else {
                Outcome::skipped(format!(
                    "the card is already being replaced by order {}",
                    live.id
                ))
            };
        }
        match self
            .order_as_before(order.id, AsBefore::Reissue, actor, now_unix())
            .await
        {
            Ok(new) => Outcome::done(format!("re-ordered as order {}", new.id)),
            Err(e)
                if matches!(
                    e.code,
                    "reorder.pending" | "reorder.kind" | "reorder.not_produced"
                ) =>
            {
                Outcome::skipped(format!("{} [{}]", e.detail, e.code))
            }
            Err(e) => Outcome::failed(format!("{} [{}]", e.detail, e.code)),
        }
    }
}

struct Outcome(&'static str, String);

impl Outcome {
    fn done(d: impl Into<String>) -> Self {
        Self("done", d.into())
    }
    fn skipped(d: impl Into<String>) -> Self {
        Self("skipped", d.into())
    }
    fn failed(d: impl Into<String>) -> Self {
        Self("failed", d.into())
    }
}

fn unknown_job(id: i64) -> EsError {
    EsError::new(
        ErrorKind::NotFound,
        "bulk.unknown_job",
        format!("there is no card bulk job {id}; see `carepki card bulk list`"),
    )
}

/// The holder's mail of a notify job, in Finnish and English: what is wrong
/// and what happens next.
fn incident_mail(job: &BulkJobRow, item: &BulkItemRow, order: &CardOrderRow, to: &str) -> NewMail {
    let missing_sv = job.filter["missing_sv"].as_bool().unwrap_or(false);
    let serials = format!(
        "{} / {}",
        order.auth_serial.as_deref().unwrap_or("-"),
        order.sign_serial.as_deref().unwrap_or("-")
    );
    let body_text = if missing_sv {
        format!(
            "Hyvä varmennekortin haltija,\n\n\
             varmennekorttisi (tilaus {id}, varmenteet {serials}) varmenteista puuttuu \
             SV-tunnuksesi (yksilöintitunnus). Ilman sitä et voi allekirjoittaa sähköisiä \
             reseptejä kortilla.\n\n\
             Mitä seuraavaksi tapahtuu: korttisi tilataan uudelleen samaan \
             rekisteröintipisteeseen kuin ennenkin, ja uudessa kortissa on SV-tunnus. \
             Rekisteröintipiste ottaa sinuun yhteyttä kortin luovutuksesta; aktivointikoodi \
             tulee erikseen. Nykyinen korttisi toimii tunnistautumiseen siihen asti.\n\n\
             --\n\n\
             Dear certificate card holder,\n\n\
             the certificates of your card (order {id}, certificates {serials}) lack your SV \
             number (prescribing-right identifier). Without it you cannot sign electronic \
             prescriptions with the card.\n\n\
             What happens next: your card is ordered again at the same registration point, \
             and the new card carries your SV number. The registration point will contact \
             you to hand it over; the activation code comes separately. Until then your \
             current card still works for signing in.\n",
            id = order.id
        )
    } else {
        format!(
            "Hyvä varmennekortin haltija,\n\n\
             varmennekorttisi (tilaus {id}, varmenteet {serials}) kuuluu kortteihin, joita \
             varmennepalvelun häiriö koskee. Syy: {why}.\n\n\
             Mitä seuraavaksi tapahtuu: varmennepalvelu korjaa tilanteen ja kertoo sinulle, \
             jos sinun tarvitsee tehdä jotain. Kysy tarvittaessa rekisteröintipisteeltäsi.\n\n\
             --\n\n\
             Dear certificate card holder,\n\n\
             your card (order {id}, certificates {serials}) is among the cards affected by \
             an incident of the certificate service. Reason: {why}.\n\n\
             What happens next: the certificate service puts it right and tells you if you \
             need to do anything. Ask your registration point if in doubt.\n",
            id = order.id,
            why = item.matched
        )
    };
    NewMail {
        dedupe_key: format!("card-bulk:{}:{}", job.id, order.id),
        recipient: to.to_owned(),
        subject: "Varmennekorttisi on korjattava / Your certificate card needs to be fixed".into(),
        body_text,
        body_html: None,
        attachments: Vec::new(),
        org_oid: order.org_oid.clone(),
        serial: order.auth_serial.clone(),
    }
}
