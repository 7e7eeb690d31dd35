//! The incident tools' data (migration 0011; issue 5, point 8; R-SV,
//! R-STATUS-TRUTH): finding cards with their certificates
//! ([`Store::find_cards`]) and bulk jobs on the cards found
//! ([`Store::create_card_bulk_job`] and the item and job steps after it).
//!
//! The RA (`carepki-ra`'s `cards::incident`) decides what matches and what
//! each action does; the store keeps the job, the list of card orders fixed at
//! its start and each item's outcome. Every write is a job of the group-commit
//! writer with its audit event: `card.bulk.start`, `card.bulk.resume`,
//! `card.bulk.item` (one per item outcome), `card.bulk.interrupt`,
//! `card.bulk.finish`.

use serde::Serialize;
use serde_json::{Value, json};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use crate::cardreg::{ORDER_COLUMNS, order_from_row};
use crate::check::invalid;
use crate::error::{Result, StoreError};
use crate::jobs::{Ctx, Job, Output};
use crate::{CardOrderRow, ORDER_KINDS, ORDER_STATES, Store, check_actor};

/// The actions of a bulk job.
pub const BULK_ACTIONS: [&str; 3] = ["notify", "revoke", "reorder"];

/// The states of a bulk job.
pub const BULK_STATES: [&str; 3] = ["running", "interrupted", "finished"];

/// The outcomes of a bulk job's item.
pub const BULK_OUTCOMES: [&str; 5] = ["pending", "started", "done", "skipped", "failed"];

/// The statuses of a card's certificates as [`CardQuery::cert_statuses`]
/// names them: `valid` (neither revoked, not expired), `revoked` (either
/// certificate revoked), `expired` (not revoked, past notAfter).
pub const CARD_CERT_STATUSES: [&str; 3] = ["valid", "revoked", "expired"];

/// What [`Store::find_cards`] looks for. Each list is "any of"; the filters
/// combine with "and"; an empty list does not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CardQuery {
    /// Card kinds ([`ORDER_KINDS`]).
    pub kinds: Vec<String>,
    /// The registration point.
    pub point_id: Option<i64>,
    /// Order states ([`ORDER_STATES`]).
    pub order_states: Vec<String>,
    /// Certificate statuses ([`CARD_CERT_STATUSES`]) at `now`; a card without
    /// certificates matches none.
    pub cert_statuses: Vec<String>,
    /// The certificates' notBefore at or after this instant (Unix seconds).
    pub not_before_from: Option<i64>,
    /// The certificates' notBefore before this instant (exclusive).
    pub not_before_until: Option<i64>,
    /// When "expired" is judged.
    pub now: i64,
}

/// A card order with its certificates, as [`Store::find_cards`] answers it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CardWithCerts {
    /// The order.
    pub order: CardOrderRow,
    /// The authentication certificate's notBefore (both share it).
    pub not_before: Option<i64>,
    /// Its notAfter.
    pub not_after: Option<i64>,
    /// The authentication certificate's stored status.
    pub auth_status: Option<String>,
    /// The signature certificate's stored status.
    pub sign_status: Option<String>,
    /// The authentication certificate (DER), once signed.
    #[serde(skip)]
    pub auth_der: Option<Vec<u8>>,
    /// The signature certificate (DER), once signed.
    #[serde(skip)]
    pub sign_der: Option<Vec<u8>>,
}

impl CardWithCerts {
    /// The status of the card's certificates at `now` ([`CARD_CERT_STATUSES`]),
    /// `None` without certificates.
    pub fn cert_status(&self, now: i64) -> Option<&'static str> {
        let (a, s) = (self.auth_status.as_deref()?, self.sign_status.as_deref()?);
        if a == "revoked" || s == "revoked" {
            Some("revoked")
        } else if a != "valid" || s != "valid" {
            None
        } else if self.not_after.is_some_and(|t| t <= now) {
            Some("expired")
        } else {
            Some("valid")
        }
    }
}

/// A bulk job.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BulkJobRow {
    /// Its id.
    pub id: i64,
    /// One of [`BULK_ACTIONS`].
    pub action: String,
    /// The filter it was started with (JSON, as the RA wrote it).
    pub filter: Value,
    /// The action's parameters (JSON: the revocation reason).
    pub params: Value,
    /// One of [`BULK_STATES`].
    pub state: String,
    /// How many items it has.
    pub items_total: i64,
    /// Who started it.
    pub created_by: String,
    /// When.
    pub created_at: i64,
    /// When it last changed (every item's outcome moves it).
    pub updated_at: i64,
    /// When it finished.
    pub finished_at: Option<i64>,
}

/// An item of a bulk job: one card order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BulkItemRow {
    /// The job.
    pub job_id: i64,
    /// Its place in the job, from 1.
    pub position: i64,
    /// The card order.
    pub order_id: i64,
    /// Why it matched the filter.
    pub matched: String,
    /// One of [`BULK_OUTCOMES`].
    pub outcome: String,
    /// What was done, or why it was skipped or failed.
    pub detail: Option<String>,
    /// How many times it was started.
    pub attempts: i64,
    /// When its outcome last changed.
    pub updated_at: Option<i64>,
}

/// A bulk job to start with [`Store::create_card_bulk_job`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewBulkJob {
    /// One of [`BULK_ACTIONS`].
    pub action: String,
    /// The filter (JSON object).
    pub filter: Value,
    /// The action's parameters (JSON object).
    pub params: Value,
    /// The matched card orders with why each matched, in order.
    pub items: Vec<(i64, String)>,
}

#[derive(Debug)]
pub(crate) struct CardBulkJob {
    pub(crate) actor: String,
    pub(crate) at: i64,
    op: BulkOp,
}

#[derive(Debug)]
enum BulkOp {
    Create(Box<NewBulkJob>),
    Claim {
        id: i64,
        stale_before: i64,
    },
    StartItem {
        job_id: i64,
        order_id: i64,
    },
    FinishItem {
        job_id: i64,
        order_id: i64,
        outcome: String,
        detail: String,
    },
    End {
        id: i64,
        state: String,
    },
}

/// What a bulk job's write answers.
#[derive(Debug)]
pub(crate) enum CardBulkOutput {
    Job(BulkJobRow),
    Item(BulkItemRow),
}

const JOB_COLUMNS: &str = "id, action, filter, params, state, items_total, created_by, \
     created_at, updated_at, finished_at";
const ITEM_COLUMNS: &str =
    "job_id, position, order_id, matched, outcome, detail, attempts, updated_at";

fn json_column(row: &AnyRow, column: &str, id: i64) -> Result<Value> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|e| StoreError::CorruptData {
        what: format!("{column} of card bulk job {id} is not JSON: {e}"),
    })
}

fn job_from_row(row: &AnyRow) -> Result<BulkJobRow> {
    let id: i64 = row.try_get("id")?;
    Ok(BulkJobRow {
        id,
        action: row.try_get("action")?,
        filter: json_column(row, "filter", id)?,
        params: json_column(row, "params", id)?,
        state: row.try_get("state")?,
        items_total: row.try_get("items_total")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        finished_at: row.try_get("finished_at")?,
    })
}

fn item_from_row(row: &AnyRow) -> Result<BulkItemRow> {
    Ok(BulkItemRow {
        job_id: row.try_get("job_id")?,
        position: row.try_get("position")?,
        order_id: row.try_get("order_id")?,
        matched: row.try_get("matched")?,
        outcome: row.try_get("outcome")?,
        detail: row.try_get("detail")?,
        attempts: row.try_get("attempts")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn unknown_job(id: i64) -> StoreError {
    StoreError::NotFound {
        what: "card bulk job",
        key: id.to_string(),
    }
}

pub(crate) async fn run(cx: &mut Ctx<'_>, job: &CardBulkJob) -> Result<CardBulkOutput> {
    match &job.op {
        BulkOp::Create(new) => create(cx, new).await.map(CardBulkOutput::Job),
        BulkOp::Claim { id, stale_before } => {
            claim(cx, *id, *stale_before).await.map(CardBulkOutput::Job)
        }
        BulkOp::StartItem { job_id, order_id } => start_item(cx, *job_id, *order_id)
            .await
            .map(CardBulkOutput::Item),
        BulkOp::FinishItem {
            job_id,
            order_id,
            outcome,
            detail,
        } => finish_item(cx, *job_id, *order_id, outcome, detail)
            .await
            .map(CardBulkOutput::Item),
        BulkOp::End { id, state } => end(cx, *id, state).await.map(CardBulkOutput::Job),
    }
}

async fn job_of(cx: &mut Ctx<'_>, id: i64) -> Result<BulkJobRow> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {JOB_COLUMNS} FROM card_bulk_jobs WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *cx.conn)
    .await?
    .ok_or_else(|| unknown_job(id))?;
    job_from_row(&row)
}

async fn create(cx: &mut Ctx<'_>, new: &NewBulkJob) -> Result<BulkJobRow> {
    let total = i64::try_from(new.items.len()).unwrap_or(i64::MAX);
    let row = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO card_bulk_jobs (action, filter, params, state, items_total, created_by, \
         created_at, updated_at) VALUES ($1, $2, $3, 'running', $4, $5, $6, $6) \
         RETURNING {JOB_COLUMNS}"
    )))
    .bind(&new.action)
    .bind(new.filter.to_string())
    .bind(new.params.to_string())
    .bind(total)
    .bind(cx.actor().to_owned())
    .bind(cx.at)
    .fetch_one(&mut *cx.conn)
    .await?;
    let job = job_from_row(&row)?;
    for (i, (order_id, matched)) in new.items.iter().enumerate() {
        let position = i64::try_from(i).unwrap_or(i64::MAX - 1) + 1;
        sqlx::query(
            "INSERT INTO card_bulk_items (job_id, position, order_id, matched, outcome) \
             VALUES ($1, $2, $3, $4, 'pending')",
        )
        .bind(job.id)
        .bind(position)
        .bind(*order_id)
        .bind(matched)
        .execute(&mut *cx.conn)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Constraint { .. } => invalid(
                "items",
                format!("card order {order_id} is not a card order, or is listed twice"),
            ),
            other => other,
        })?;
    }
    let ids: Vec<i64> = new.items.iter().map(|(id, _)| *id).collect();
    cx.audit(
        "card.bulk.start",
        None,
        None,
        None,
        &json!({ "job_id": job.id, "action": job.action, "filter": job.filter,
                 "params": job.params, "items": total, "order_ids": ids }),
    );
    Ok(job)
}

async fn claim(cx: &mut Ctx<'_>, id: i64, stale_before: i64) -> Result<BulkJobRow> {
    let before = job_of(cx, id).await?;
    let row = sqlx::query(AssertSqlSafe(format!(
        "UPDATE card_bulk_jobs SET state = 'running', updated_at = $2 \
         WHERE id = $1 AND (state = 'interrupted' OR (state = 'running' AND updated_at < $3) \
         OR (state = 'finished' AND EXISTS (SELECT 1 FROM card_bulk_items i \
         WHERE i.job_id = $1 AND i.outcome <> 'done' AND i.outcome <> 'skipped'))) \
         RETURNING {JOB_COLUMNS}"
    )))
    .bind(id)
    .bind(cx.at)
    .bind(stale_before)
    .fetch_optional(&mut *cx.conn)
    .await?;
    let Some(row) = row else {
        return Err(StoreError::Conflict {
            what: match before.state.as_str() {
                "finished" => format!(
                    "card bulk job {id} is finished with every card done or skipped: nothing \
                     to resume"
                ),
                _ => format!(
                    "card bulk job {id} is running (its last item was at {}): wait for it, or \
                     resume it once it has been still for a while",
                    before.updated_at
                ),
            },
        });
    };
    let job = job_from_row(&row)?;
    cx.audit(
        "card.bulk.resume",
        None,
        None,
        None,
        &json!({ "job_id": id, "action": job.action, "from": before.state }),
    );
    Ok(job)
}

async fn item_of(cx: &mut Ctx<'_>, job_id: i64, order_id: i64) -> Result<BulkItemRow> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {ITEM_COLUMNS} FROM card_bulk_items WHERE job_id = $1 AND order_id = $2"
    )))
    .bind(job_id)
    .bind(order_id)
    .fetch_optional(&mut *cx.conn)
    .await?
    .ok_or_else(|| StoreError::NotFound {
        what: "card bulk item",
        key: format!("{job_id}/{order_id}"),
    })?;
    item_from_row(&row)
}

async fn running(cx: &mut Ctx<'_>, job_id: i64) -> Result<()> {
    let job = job_of(cx, job_id).await?;
    if job.state != "running" {
        return Err(StoreError::Conflict {
            what: format!("card bulk job {job_id} is {}, not running", job.state),
        });
    }
    sqlx::query("UPDATE card_bulk_jobs SET updated_at = $2 WHERE id = $1")
        .bind(job_id)
        .bind(cx.at)
        .execute(&mut *cx.conn)
        .await?;
    Ok(())
}

async fn start_item(cx: &mut Ctx<'_>, job_id: i64, order_id: i64) -> Result<BulkItemRow> {
    running(cx, job_id).await?;
    let row = sqlx::query(AssertSqlSafe(format!(
        "UPDATE card_bulk_items SET outcome = 'started', attempts = attempts + 1, \
         updated_at = $3 WHERE job_id = $1 AND order_id = $2 \
         AND outcome IN ('pending', 'started', 'failed') RETURNING {ITEM_COLUMNS}"
    )))
    .bind(job_id)
    .bind(order_id)
    .bind(cx.at)
    .fetch_optional(&mut *cx.conn)
    .await?;
    match row {
        Some(row) => item_from_row(&row),
        None => {
            let item = item_of(cx, job_id, order_id).await?;
            Err(StoreError::Conflict {
                what: format!(
                    "card order {order_id} of bulk job {job_id} is {} already",
                    item.outcome
                ),
            })
        }
    }
}

async fn finish_item(
    cx: &mut Ctx<'_>,
    job_id: i64,
    order_id: i64,
    outcome: &str,
    detail: &str,
) -> Result<BulkItemRow> {
    running(cx, job_id).await?;
    let job = job_of(cx, job_id).await?;
    let row = sqlx::query(AssertSqlSafe(format!(
        "UPDATE card_bulk_items SET outcome = $3, detail = $4, updated_at = $5 \
         WHERE job_id = $1 AND order_id = $2 AND outcome = 'started' RETURNING {ITEM_COLUMNS}"
    )))
    .bind(job_id)
    .bind(order_id)
    .bind(outcome)
    .bind(detail)
    .bind(cx.at)
    .fetch_optional(&mut *cx.conn)
    .await?;
    let Some(row) = row else {
        let item = item_of(cx, job_id, order_id).await?;
        return Err(StoreError::Conflict {
            what: format!(
                "card order {order_id} of bulk job {job_id} is {}, not started: its outcome \
                 is not changed",
                item.outcome
            ),
        });
    };
    let item = item_from_row(&row)?;
    cx.audit(
        "card.bulk.item",
        None,
        None,
        None,
        &json!({ "job_id": job_id, "action": job.action, "order_id": order_id,
                 "position": item.position, "outcome": outcome, "detail": detail,
                 "attempt": item.attempts }),
    );
    Ok(item)
}

async fn end(cx: &mut Ctx<'_>, id: i64, state: &str) -> Result<BulkJobRow> {
    let before = job_of(cx, id).await?;
    if before.state != "running" {
        return Err(StoreError::Conflict {
            what: format!("card bulk job {id} is {}, not running", before.state),
        });
    }
    let counts = sqlx::query(
        "SELECT outcome, COUNT(*) AS n FROM card_bulk_items WHERE job_id = $1 GROUP BY outcome",
    )
    .bind(id)
    .fetch_all(&mut *cx.conn)
    .await?;
    let mut by_outcome = serde_json::Map::new();
    for row in &counts {
        let outcome: String = row.try_get("outcome")?;
        let n: i64 = row.try_get("n")?;
        by_outcome.insert(outcome, json!(n));
    }
    let finished = (state == "finished").then_some(cx.at);
    // A finished job resumed for its failed items keeps finished_at fresh.
    let row = sqlx::query(AssertSqlSafe(format!(
        "UPDATE card_bulk_jobs SET state = $2, updated_at = $3, finished_at = $4 \
         WHERE id = $1 AND state = 'running' RETURNING {JOB_COLUMNS}"
    )))
    .bind(id)
    .bind(state)
    .bind(cx.at)
    .bind(finished)
    .fetch_optional(&mut *cx.conn)
    .await?
    .ok_or_else(|| StoreError::Conflict {
        what: format!("card bulk job {id} changed meanwhile"),
    })?;
    let job = job_from_row(&row)?;
    let action = if state == "finished" {
        "card.bulk.finish"
    } else {
        "card.bulk.interrupt"
    };
    cx.audit(
        action,
        None,
        None,
        None,
        &json!({ "job_id": id, "action": job.action, "outcomes": by_outcome }),
    );
    Ok(job)
}

fn check_list(field: &'static str, values: &[String], allowed: &[&str]) -> Result<()> {
    for v in values {
        if !allowed.contains(&v.as_str()) {
            return Err(invalid(
                field,
                format!("{v:?} is not one of {}", allowed.join(", ")),
            ));
        }
    }
    Ok(())
}

/// Appends `column IN ($n, ...)` for `values` to `clauses`, binding them.
fn any_of(column: &str, values: &[String], binds: &mut Vec<Bind>) -> String {
    let marks: Vec<String> = values
        .iter()
        .map(|v| {
            binds.push(Bind::Text(v.clone()));
            format!("${}", binds.len())
        })
        .collect();
    format!("{column} IN ({})", marks.join(", "))
}

enum Bind {
    Text(String),
    Int(i64),
}

impl Store {
    async fn submit_bulk(&self, actor: &str, at: i64, op: BulkOp) -> Result<CardBulkOutput> {
        let job = CardBulkJob {
            actor: check_actor(actor)?,
            at,
            op,
        };
        match self.submit(Job::CardBulk(Box::new(job))).await? {
            Output::CardBulk(out) => Ok(*out),
            other => unreachable!("card bulk job answered {other:?}"),
        }
    }

    async fn submit_bulk_job(&self, actor: &str, at: i64, op: BulkOp) -> Result<BulkJobRow> {
        match self.submit_bulk(actor, at, op).await? {
            CardBulkOutput::Job(j) => Ok(j),
            other => unreachable!("a card bulk job write answered {other:?}"),
        }
    }

    async fn submit_bulk_item(&self, actor: &str, at: i64, op: BulkOp) -> Result<BulkItemRow> {
        match self.submit_bulk(actor, at, op).await? {
            CardBulkOutput::Item(i) => Ok(i),
            other => unreachable!("a card bulk item write answered {other:?}"),
        }
    }

    /// The card orders matching `q`, each with its certificates, by order id.
    pub async fn find_cards(&self, q: &CardQuery) -> Result<Vec<CardWithCerts>> {
        check_list("kind", &q.kinds, &ORDER_KINDS)?;
        check_list("state", &q.order_states, &ORDER_STATES)?;
        check_list("status", &q.cert_statuses, &CARD_CERT_STATUSES)?;
        let mut binds = Vec::new();
        let mut clauses = Vec::new();
        if !q.kinds.is_empty() {
            clauses.push(any_of("o.kind", &q.kinds, &mut binds));
        }
        if let Some(p) = q.point_id {
            binds.push(Bind::Int(p));
            clauses.push(format!("o.point_id = ${}", binds.len()));
        }
        if !q.order_states.is_empty() {
            clauses.push(any_of("o.state", &q.order_states, &mut binds));
        }
        if let Some(from) = q.not_before_from {
            binds.push(Bind::Int(from));
            clauses.push(format!("a.not_before >= ${}", binds.len()));
        }
        if let Some(until) = q.not_before_until {
            binds.push(Bind::Int(until));
            clauses.push(format!("a.not_before < ${}", binds.len()));
        }
        if !q.cert_statuses.is_empty() {
            binds.push(Bind::Int(q.now));
            let now = format!("${}", binds.len());
            let one = |s: &str| match s {
                "revoked" => "(a.status = 'revoked' OR s.status = 'revoked')".to_owned(),
                "expired" => {
                    format!("(a.status = 'valid' AND s.status = 'valid' AND a.not_after <= {now})")
                }
                _ => format!("(a.status = 'valid' AND s.status = 'valid' AND a.not_after > {now})"),
            };
            let any: Vec<String> = q.cert_statuses.iter().map(|s| one(s)).collect();
            clauses.push(format!("({})", any.join(" OR ")));
        }
        let columns: Vec<String> = ORDER_COLUMNS
            .split(", ")
            .map(|c| format!("o.{}", c.trim()))
            .collect();
        let sql = format!(
            "SELECT {}, a.not_before AS c_not_before, a.not_after AS c_not_after, \
             a.status AS c_auth_status, s.status AS c_sign_status, a.der AS c_auth_der, \
             s.der AS c_sign_der \
             FROM card_orders o \
             LEFT JOIN certificates a ON a.serial = o.auth_serial \
             LEFT JOIN certificates s ON s.serial = o.sign_serial \
             {} ORDER BY o.id",
            columns.join(", "),
            if clauses.is_empty() {
                String::new()
            } else {
                format!("WHERE {}", clauses.join(" AND "))
            }
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for b in binds {
            query = match b {
                Bind::Text(t) => query.bind(t),
                Bind::Int(n) => query.bind(n),
            };
        }
        let rows = query.fetch_all(&self.inner.pool).await?;
        rows.iter()
            .map(|row| {
                Ok(CardWithCerts {
                    order: order_from_row(row)?,
                    not_before: row.try_get("c_not_before")?,
                    not_after: row.try_get("c_not_after")?,
                    auth_status: row.try_get("c_auth_status")?,
                    sign_status: row.try_get("c_sign_status")?,
                    auth_der: row.try_get("c_auth_der")?,
                    sign_der: row.try_get("c_sign_der")?,
                })
            })
            .collect()
    }

    /// Starts a bulk job (state `running`) with its items fixed, all or
    /// nothing; audited `card.bulk.start` (filter, action, parameters and the
    /// order ids).
    pub async fn create_card_bulk_job(
        &self,
        new: &NewBulkJob,
        actor: &str,
        at: i64,
    ) -> Result<BulkJobRow> {
        check_list("action", std::slice::from_ref(&new.action), &BULK_ACTIONS)?;
        if !new.filter.is_object() || !new.params.is_object() {
            return Err(invalid(
                "filter",
                "the filter and parameters are JSON objects",
            ));
        }
        self.submit_bulk_job(actor, at, BulkOp::Create(Box::new(new.clone())))
            .await
    }

    /// Takes an `interrupted` job (or a `running` one still since before
    /// `stale_before`: its process died; or a `finished` one with failed
    /// items, to try them again) back to `running`; one conditional
    /// update, so two resumers never both get it. Audited `card.bulk.resume`.
    pub async fn claim_card_bulk_job(
        &self,
        id: i64,
        stale_before: i64,
        actor: &str,
        at: i64,
    ) -> Result<BulkJobRow> {
        self.submit_bulk_job(actor, at, BulkOp::Claim { id, stale_before })
            .await
    }

    /// Marks an item `started` (counting the attempt) before its action, so
    /// that a resume knows the action may have happened. Refused unless the
    /// job is running and the item is pending, started or failed.
    pub async fn start_card_bulk_item(
        &self,
        job_id: i64,
        order_id: i64,
        actor: &str,
        at: i64,
    ) -> Result<BulkItemRow> {
        self.submit_bulk_item(actor, at, BulkOp::StartItem { job_id, order_id })
            .await
    }

    /// Records a started item's outcome (`done`, `skipped` or `failed`) with
    /// what was done or why; audited `card.bulk.item`.
    pub async fn finish_card_bulk_item(
        &self,
        job_id: i64,
        order_id: i64,
        outcome: &str,
        detail: &str,
        actor: &str,
        at: i64,
    ) -> Result<BulkItemRow> {
        if !["done", "skipped", "failed"].contains(&outcome) {
            return Err(invalid(
                "outcome",
                format!("{outcome:?} is not done, skipped or failed"),
            ));
        }
        let op = BulkOp::FinishItem {
            job_id,
            order_id,
            outcome: outcome.to_owned(),
            detail: detail.to_owned(),
        };
        self.submit_bulk_item(actor, at, op).await
    }

    /// Ends a running job as `finished` or `interrupted`; audited
    /// `card.bulk.finish` or `card.bulk.interrupt` with the count of each
    /// outcome.
    pub async fn end_card_bulk_job(
        &self,
        id: i64,
        state: &str,
        actor: &str,
        at: i64,
    ) -> Result<BulkJobRow> {
        if !["finished", "interrupted"].contains(&state) {
            return Err(invalid(
                "state",
                format!("{state:?} is not finished or interrupted"),
            ));
        }
        let op = BulkOp::End {
            id,
            state: state.to_owned(),
        };
        self.submit_bulk_job(actor, at, op).await
    }

    /// The bulk job with this id.
    pub async fn card_bulk_job(&self, id: i64) -> Result<Option<BulkJobRow>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM card_bulk_jobs WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.inner.pool)
        .await?;
        row.as_ref().map(job_from_row).transpose()
    }

    /// Every bulk job, newest first.
    pub async fn card_bulk_jobs(&self) -> Result<Vec<BulkJobRow>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM card_bulk_jobs ORDER BY id DESC"
        )))
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(job_from_row).collect()
    }

    /// A bulk job's items, in order.
    pub async fn card_bulk_items(&self, job_id: i64) -> Result<Vec<BulkItemRow>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ITEM_COLUMNS} FROM card_bulk_items WHERE job_id = $1 ORDER BY position"
        )))
        .bind(job_id)
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(item_from_row).collect()
    }

    /// Test support: moves a certificate's notBefore (in the database only), so
    /// that tests can place cards in an incident's validity window.
    #[cfg(feature = "testing")]
    pub async fn set_not_before_for_tests(&self, serial: &str, not_before: i64) -> Result<()> {
        sqlx::query("UPDATE certificates SET not_before = $2 WHERE serial = $1")
            .bind(serial.to_ascii_lowercase())
            .bind(not_before)
            .execute(&self.inner.pool)
            .await?;
        Ok(())
    }
}
