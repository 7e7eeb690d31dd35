//! The professional registers (migration 0007): people of Terhikki and Suosikki,
//! their rights, and the findings of a sync.
//!
//! [`Store::sync_professionals`](crate::Store::sync_professionals) makes the stored
//! register equal to an imported one in one transaction of the writer: people and
//! rights are inserted, updated or left alone, matched by registration number and by
//! (register, profession, valid_from). Nothing is deleted: a person or right missing
//! from the import is marked `removed_at`.
//!
//! A right *ends* when it was stored before the sync, had not been found ended, and
//! now either has its end (`ends_at`) at or before the sync's time, or is gone from
//! the register, or its person is. Each such right gets a finding
//! ([`RegisterFinding`], table `register_findings`) with the configured action
//! (`flag` or `revoke`), returned in the [`SyncReport`], for the card workflow. The
//! sync is idempotent: a right is found ended once. A right that becomes valid again
//! (its end moved into the future, or it is back in the register) has its open
//! findings resolved.
//!
//! The store does not decide what the register's dates mean: the caller gives each
//! right's `starts_at` and `ends_at` instants with its dates (the policy computes
//! them in Helsinki time).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use crate::error::{Result, StoreError};
use crate::jobs::{Ctx, Job, Output};
use crate::{Store, check_actor};

/// The registers a right may come from.
pub const REGISTERS: [&str; 2] = ["terhikki", "suosikki"];

/// The kinds of right (the policy's `RightKind::as_str`).
pub const RIGHT_KINDS: [&str; 3] = ["licensed", "protected_title", "limited"];

/// What is done with a right that ended (the policy's `EndedRightAction::as_str`).
pub const ON_ENDED: [&str; 2] = ["flag", "revoke"];

/// How a right ended: its end passed, it is gone from the register, or its person is.
pub const FINDING_KINDS: [&str; 3] = ["expired", "removed", "person-removed"];

/// A person in the professional registers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfessionalRow {
    /// The registration number, 11 digits (the key).
    pub registration_number: String,
    /// The surname.
    pub surname: String,
    /// The given names.
    pub given_names: String,
    /// The birth year, if known.
    pub birth_year: Option<i64>,
    /// The SV number (yksilöintitunnus), 6 digits, for prescribers (R-SV).
    pub sv_number: Option<String>,
    /// The rights: on a sync, every right of the person in the register; when read,
    /// also the removed ones, by register, profession and valid_from.
    pub rights: Vec<ProfessionalRightRow>,
    /// When the person was first imported. Set by the store.
    pub created_at: i64,
    /// When the person's record last changed. Set by the store.
    pub updated_at: i64,
    /// When an import no longer listed the person. Set by the store.
    pub removed_at: Option<i64>,
}

/// One right of a professional.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfessionalRightRow {
    /// `"terhikki"` or `"suosikki"` ([`REGISTERS`]).
    pub register: String,
    /// The register's code of the right.
    pub profession: String,
    /// Its name.
    pub title: String,
    /// One of [`RIGHT_KINDS`].
    pub right_kind: String,
    /// The first valid day, `YYYY-MM-DD`.
    pub valid_from: String,
    /// The last valid day, `YYYY-MM-DD`; `None` for no end.
    pub valid_until: Option<String>,
    /// The first valid instant (Unix seconds), as the policy reads `valid_from`.
    pub starts_at: i64,
    /// The first instant the right is no longer valid; `None` exactly when
    /// `valid_until` is `None`.
    pub ends_at: Option<i64>,
    /// Whether the right includes prescribing.
    pub prescribing: bool,
    /// Restrictions, as texts or codes.
    pub restrictions: Vec<String>,
    /// When an import no longer listed the right. Set by the store.
    pub removed_at: Option<i64>,
    /// When a sync found the right ended. Set by the store.
    pub ended_at: Option<i64>,
}

impl ProfessionalRightRow {
    /// Whether the right is valid at `at`: in the register, `starts_at <= at <
    /// ends_at`.
    pub fn is_valid_at(&self, at: i64) -> bool {
        self.removed_at.is_none() && self.starts_at <= at && self.ends_at.is_none_or(|end| at < end)
    }

    fn key(&self) -> (&str, &str, &str) {
        (&self.register, &self.profession, &self.valid_from)
    }

    /// The register's data, without what the store sets.
    fn same_data(&self, other: &ProfessionalRightRow) -> bool {
        self.title == other.title
            && self.right_kind == other.right_kind
            && self.valid_until == other.valid_until
            && self.starts_at == other.starts_at
            && self.ends_at == other.ends_at
            && self.prescribing == other.prescribing
            && self.restrictions == other.restrictions
    }

    /// Whether the right has ended by `at` (its end passed).
    fn expired_by(&self, at: i64) -> bool {
        self.ends_at.is_some_and(|end| end <= at)
    }
}

/// What a sync found ended, for the card workflow to act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegisterFinding {
    /// The finding's id.
    pub id: i64,
    /// Whose right.
    pub registration_number: String,
    /// The right's row.
    pub right_id: i64,
    /// The right's register.
    pub register: String,
    /// The right's code.
    pub profession: String,
    /// The right's name.
    pub title: String,
    /// The right's first valid day.
    pub valid_from: String,
    /// The right's last valid day, as the register gave it last.
    pub valid_until: Option<String>,
    /// One of [`FINDING_KINDS`].
    pub kind: String,
    /// One of [`ON_ENDED`]: the configured action when it was found.
    pub on_ended: String,
    /// When the sync found it.
    pub detected_at: i64,
    /// When it was resolved; `None` while open.
    pub resolved_at: Option<i64>,
    /// Who resolved it.
    pub resolved_by: Option<String>,
    /// How it was resolved.
    pub resolution: Option<String>,
}

/// What [`Store::sync_professionals`](crate::Store::sync_professionals) did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// People who were new (or listed again after a removal: see `updated`).
    pub inserted: usize,
    /// People whose record or rights changed, including people listed again after
    /// they were removed.
    pub updated: usize,
    /// People who were unchanged.
    pub unchanged: usize,
    /// People who were in the register and are no longer listed.
    pub removed: usize,
    /// The rights found ended by this sync, each with its new finding.
    pub ended: Vec<RegisterFinding>,
    /// Open findings resolved because their right is valid again.
    pub valid_again: usize,
}

/// The columns of [`professional_from_row`].
const PROFESSIONAL_COLUMNS: &str = "registration_number, surname, given_names, birth_year, \
     sv_number, created_at, updated_at, removed_at";

/// The columns of [`right_from_row`].
const RIGHT_COLUMNS: &str = "id, registration_number, register, profession, title, right_kind, \
     valid_from, valid_until, starts_at, ends_at, prescribing, restrictions, removed_at, ended_at";

/// The columns of [`finding_from_row`], on `register_findings f JOIN professional_rights r`.
const FINDING_COLUMNS: &str = "f.id, f.registration_number, f.right_id, r.register, \
     r.profession, r.title, r.valid_from, r.valid_until, f.kind, f.on_ended, f.detected_at, \
     f.resolved_at, f.resolved_by, f.resolution";

pub(crate) fn professional_select(filter: &str) -> String {
    format!("SELECT {PROFESSIONAL_COLUMNS} FROM professionals {filter}")
}

pub(crate) fn rights_select(filter: &str) -> String {
    format!(
        "SELECT {RIGHT_COLUMNS} FROM professional_rights {filter} \
         ORDER BY registration_number, register, profession, valid_from"
    )
}

pub(crate) fn findings_select(filter: &str) -> String {
    format!(
        "SELECT {FINDING_COLUMNS} FROM register_findings f \
         JOIN professional_rights r ON r.id = f.right_id {filter} ORDER BY f.id"
    )
}

pub(crate) fn professional_from_row(row: &AnyRow) -> Result<ProfessionalRow> {
    Ok(ProfessionalRow {
        registration_number: row.try_get("registration_number")?,
        surname: row.try_get("surname")?,
        given_names: row.try_get("given_names")?,
        birth_year: row.try_get("birth_year")?,
        sv_number: row.try_get("sv_number")?,
        rights: Vec::new(),
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        removed_at: row.try_get("removed_at")?,
    })
}

/// A right with its row id and person.
pub(crate) fn right_from_row(row: &AnyRow) -> Result<(i64, String, ProfessionalRightRow)> {
    let id: i64 = row.try_get("id")?;
    let restrictions: String = row.try_get("restrictions")?;
    let restrictions =
        serde_json::from_str(&restrictions).map_err(|e| StoreError::CorruptData {
            what: format!(
                "restrictions of professional right {id} are not a JSON array of strings: {e}"
            ),
        })?;
    let prescribing: i64 = row.try_get("prescribing")?;
    Ok((
        id,
        row.try_get("registration_number")?,
        ProfessionalRightRow {
            register: row.try_get("register")?,
            profession: row.try_get("profession")?,
            title: row.try_get("title")?,
            right_kind: row.try_get("right_kind")?,
            valid_from: row.try_get("valid_from")?,
            valid_until: row.try_get("valid_until")?,
            starts_at: row.try_get("starts_at")?,
            ends_at: row.try_get("ends_at")?,
            prescribing: prescribing != 0,
            restrictions,
            removed_at: row.try_get("removed_at")?,
            ended_at: row.try_get("ended_at")?,
        },
    ))
}

pub(crate) fn finding_from_row(row: &AnyRow) -> Result<RegisterFinding> {
    Ok(RegisterFinding {
        id: row.try_get("id")?,
        registration_number: row.try_get("registration_number")?,
        right_id: row.try_get("right_id")?,
        register: row.try_get("register")?,
        profession: row.try_get("profession")?,
        title: row.try_get("title")?,
        valid_from: row.try_get("valid_from")?,
        valid_until: row.try_get("valid_until")?,
        kind: row.try_get("kind")?,
        on_ended: row.try_get("on_ended")?,
        detected_at: row.try_get("detected_at")?,
        resolved_at: row.try_get("resolved_at")?,
        resolved_by: row.try_get("resolved_by")?,
        resolution: row.try_get("resolution")?,
    })
}

fn invalid(field: &'static str, reason: String) -> StoreError {
    StoreError::InvalidInput { field, reason }
}

/// Checks what the sync's logic relies on: unique keys and the values it compares.
/// The schema's CHECKs guard the rest.
pub(crate) fn check_sync_input(people: &[ProfessionalRow], on_ended: &str) -> Result<()> {
    if !ON_ENDED.contains(&on_ended) {
        return Err(invalid(
            "on_ended",
            format!("`{on_ended}`: use one of {}", ON_ENDED.join(", ")),
        ));
    }
    let mut numbers = HashSet::new();
    for p in people {
        let number = &p.registration_number;
        if number.len() != 11 || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(
                "registration_number",
                format!("`{number}` is not 11 digits"),
            ));
        }
        if !numbers.insert(number.as_str()) {
            return Err(invalid(
                "registration_number",
                format!("{number} is listed twice; a sync lists each person once"),
            ));
        }
        if p.rights.is_empty() {
            return Err(invalid(
                "rights",
                format!("professional {number} has no rights"),
            ));
        }
        let mut keys = HashSet::new();
        for r in &p.rights {
            if !keys.insert(r.key()) {
                return Err(invalid(
                    "rights",
                    format!(
                        "professional {number} lists the right {}/{} from {} twice",
                        r.register, r.profession, r.valid_from
                    ),
                ));
            }
            if !REGISTERS.contains(&r.register.as_str()) {
                return Err(invalid(
                    "register",
                    format!("`{}`: use one of {}", r.register, REGISTERS.join(", ")),
                ));
            }
            if !RIGHT_KINDS.contains(&r.right_kind.as_str()) {
                return Err(invalid(
                    "right_kind",
                    format!("`{}`: use one of {}", r.right_kind, RIGHT_KINDS.join(", ")),
                ));
            }
        }
    }
    Ok(())
}

/// A stored right, with its row id.
struct Stored {
    id: i64,
    right: ProfessionalRightRow,
}

/// Everything stored, by registration number.
async fn load_all(cx: &mut Ctx<'_>) -> Result<BTreeMap<String, (ProfessionalRow, Vec<Stored>)>> {
    let mut all = BTreeMap::new();
    for row in sqlx::query(AssertSqlSafe(professional_select("")))
        .fetch_all(&mut *cx.conn)
        .await?
    {
        let p = professional_from_row(&row)?;
        all.insert(p.registration_number.clone(), (p, Vec::new()));
    }
    for row in sqlx::query(AssertSqlSafe(rights_select("")))
        .fetch_all(&mut *cx.conn)
        .await?
    {
        let (id, number, right) = right_from_row(&row)?;
        let Some((_, rights)) = all.get_mut(&number) else {
            return Err(StoreError::CorruptData {
                what: format!("professional right {id} names an unknown professional {number}"),
            });
        };
        rights.push(Stored { id, right });
    }
    Ok(all)
}

fn restrictions_json(restrictions: &[String]) -> Result<String> {
    serde_json::to_string(restrictions).map_err(|e| invalid("restrictions", e.to_string()))
}

async fn insert_person(cx: &mut Ctx<'_>, p: &ProfessionalRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO professionals (registration_number, surname, given_names, birth_year, \
         sv_number, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(&p.registration_number)
    .bind(&p.surname)
    .bind(&p.given_names)
    .bind(p.birth_year)
    .bind(p.sv_number.as_deref())
    .bind(cx.at)
    .execute(&mut *cx.conn)
    .await?;
    Ok(())
}

async fn insert_right(cx: &mut Ctx<'_>, number: &str, r: &ProfessionalRightRow) -> Result<()> {
    // A right that has already ended when first seen is marked ended without a
    // finding: no card can have been issued on it.
    let ended_at = r.expired_by(cx.at).then_some(cx.at);
    sqlx::query(
        "INSERT INTO professional_rights (registration_number, register, profession, title, \
         right_kind, valid_from, valid_until, starts_at, ends_at, prescribing, restrictions, \
         created_at, updated_at, ended_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13)",
    )
    .bind(number)
    .bind(&r.register)
    .bind(&r.profession)
    .bind(&r.title)
    .bind(&r.right_kind)
    .bind(&r.valid_from)
    .bind(r.valid_until.as_deref())
    .bind(r.starts_at)
    .bind(r.ends_at)
    .bind(i64::from(r.prescribing))
    .bind(restrictions_json(&r.restrictions)?)
    .bind(cx.at)
    .bind(ended_at)
    .execute(&mut *cx.conn)
    .await?;
    Ok(())
}

/// Marks a stored right ended and records its finding.
async fn end_right(
    cx: &mut Ctx<'_>,
    number: &str,
    stored: &Stored,
    kind: &str,
    on_ended: &str,
) -> Result<RegisterFinding> {
    sqlx::query("UPDATE professional_rights SET ended_at = $2 WHERE id = $1")
        .bind(stored.id)
        .bind(cx.at)
        .execute(&mut *cx.conn)
        .await?;
    let row = sqlx::query(
        "INSERT INTO register_findings (registration_number, right_id, kind, on_ended, \
         detected_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(number)
    .bind(stored.id)
    .bind(kind)
    .bind(on_ended)
    .bind(cx.at)
    .fetch_one(&mut *cx.conn)
    .await?;
    let r = &stored.right;
    Ok(RegisterFinding {
        id: row.try_get(0)?,
        registration_number: number.to_owned(),
        right_id: stored.id,
        register: r.register.clone(),
        profession: r.profession.clone(),
        title: r.title.clone(),
        valid_from: r.valid_from.clone(),
        valid_until: r.valid_until.clone(),
        kind: kind.to_owned(),
        on_ended: on_ended.to_owned(),
        detected_at: cx.at,
        resolved_at: None,
        resolved_by: None,
        resolution: None,
    })
}

/// Runs the sync in the writer's transaction.
pub(crate) async fn sync(
    cx: &mut Ctx<'_>,
    people: &[ProfessionalRow],
    on_ended: &str,
) -> Result<SyncReport> {
    let at = cx.at;
    let mut stored = load_all(cx).await?;
    let mut report = SyncReport::default();
    let mut listed = HashSet::new();

    for p in people {
        let number = p.registration_number.as_str();
        listed.insert(number);
        let Some((old, old_rights)) = stored.remove(number) else {
            insert_person(cx, p).await?;
            for r in &p.rights {
                insert_right(cx, number, r).await?;
            }
            report.inserted += 1;
            continue;
        };
        let mut changed = old.removed_at.is_some()
            || old.surname != p.surname
            || old.given_names != p.given_names
            || old.birth_year != p.birth_year
            || old.sv_number != p.sv_number;
        let mut by_key: HashMap<(&str, &str, &str), &Stored> =
            old_rights.iter().map(|s| (s.right.key(), s)).collect();
        for r in &p.rights {
            let Some(s) = by_key.remove(&r.key()) else {
                insert_right(cx, number, r).await?;
                changed = true;
                continue;
            };
            let back = s.right.removed_at.is_some();
            let was_ended = s.right.ended_at.is_some();
            let expired = r.expired_by(at);
            if back || !s.right.same_data(r) || (was_ended && !expired) {
                changed |= back || !s.right.same_data(r);
                // Ended stays ended while the right is expired; a right valid (or
                // not yet started) again is no longer ended.
                let ended_at = if expired { s.right.ended_at } else { None };
                sqlx::query(
                    "UPDATE professional_rights SET title = $2, right_kind = $3, \
                     valid_until = $4, starts_at = $5, ends_at = $6, prescribing = $7, \
                     restrictions = $8, updated_at = $9, removed_at = NULL, ended_at = $10 \
                     WHERE id = $1",
                )
                .bind(s.id)
                .bind(&r.title)
                .bind(&r.right_kind)
                .bind(r.valid_until.as_deref())
                .bind(r.starts_at)
                .bind(r.ends_at)
                .bind(i64::from(r.prescribing))
                .bind(restrictions_json(&r.restrictions)?)
                .bind(at)
                .bind(ended_at)
                .execute(&mut *cx.conn)
                .await?;
                if was_ended && !expired {
                    report.valid_again += resolve_open_for_right(cx, s.id).await?;
                }
            }
            if !was_ended && expired {
                let updated = Stored {
                    id: s.id,
                    right: r.clone(),
                };
                report
                    .ended
                    .push(end_right(cx, number, &updated, "expired", on_ended).await?);
            }
        }
        // Rights no longer listed.
        let mut gone: Vec<&Stored> = by_key.into_values().collect();
        gone.sort_by_key(|s| s.id);
        for s in gone {
            if s.right.removed_at.is_some() {
                continue;
            }
            changed = true;
            sqlx::query(
                "UPDATE professional_rights SET removed_at = $2, updated_at = $2 WHERE id = $1",
            )
            .bind(s.id)
            .bind(at)
            .execute(&mut *cx.conn)
            .await?;
            if s.right.ended_at.is_none() {
                report
                    .ended
                    .push(end_right(cx, number, s, "removed", on_ended).await?);
            }
        }
        if changed {
            sqlx::query(
                "UPDATE professionals SET surname = $2, given_names = $3, birth_year = $4, \
                 sv_number = $5, updated_at = $6, removed_at = NULL, version = version + 1 \
                 WHERE registration_number = $1",
            )
            .bind(number)
            .bind(&p.surname)
            .bind(&p.given_names)
            .bind(p.birth_year)
            .bind(p.sv_number.as_deref())
            .bind(at)
            .execute(&mut *cx.conn)
            .await?;
            report.updated += 1;
        } else {
            report.unchanged += 1;
        }
    }

    // People no longer listed.
    for (number, (old, old_rights)) in &stored {
        if old.removed_at.is_some() {
            continue;
        }
        report.removed += 1;
        sqlx::query(
            "UPDATE professionals SET removed_at = $2, updated_at = $2, version = version + 1 \
             WHERE registration_number = $1",
        )
        .bind(number)
        .bind(at)
        .execute(&mut *cx.conn)
        .await?;
        sqlx::query(
            "UPDATE professional_rights SET removed_at = $2, updated_at = $2 \
             WHERE registration_number = $1 AND removed_at IS NULL",
        )
        .bind(number)
        .bind(at)
        .execute(&mut *cx.conn)
        .await?;
        for s in old_rights {
            if s.right.removed_at.is_none() && s.right.ended_at.is_none() {
                report
                    .ended
                    .push(end_right(cx, number, s, "person-removed", on_ended).await?);
            }
        }
    }

    // The audit: counts and, for what ended, only registration numbers and
    // finding ids (no names, no rights).
    let ended: Vec<_> = report
        .ended
        .iter()
        .map(|f| json!({"registration_number": f.registration_number, "finding": f.id}))
        .collect();
    cx.audit(
        "professional.import",
        None,
        None,
        None,
        &json!({
            "listed": people.len(),
            "inserted": report.inserted,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "removed": report.removed,
            "valid_again": report.valid_again,
            "on_ended": on_ended,
            "ended": ended,
        }),
    );
    Ok(report)
}

/// Resolves the open findings of a right that is valid again; returns how many.
async fn resolve_open_for_right(cx: &mut Ctx<'_>, right_id: i64) -> Result<usize> {
    let done = sqlx::query(
        "UPDATE register_findings SET resolved_at = $2, resolved_by = $3, resolution = $4 \
         WHERE right_id = $1 AND resolved_at IS NULL",
    )
    .bind(right_id)
    .bind(cx.at)
    .bind(cx.actor().to_owned())
    .bind("valid again in the register")
    .execute(&mut *cx.conn)
    .await?;
    Ok(usize::try_from(done.rows_affected()).unwrap_or(usize::MAX))
}

/// Resolves one open finding, with a `register.finding.resolve` audit event.
pub(crate) async fn resolve_finding(
    cx: &mut Ctx<'_>,
    id: i64,
    resolution: &str,
) -> Result<RegisterFinding> {
    let actor = cx.actor().to_owned();
    let done = sqlx::query(
        "UPDATE register_findings SET resolved_at = $2, resolved_by = $3, resolution = $4 \
         WHERE id = $1 AND resolved_at IS NULL",
    )
    .bind(id)
    .bind(cx.at)
    .bind(&actor)
    .bind(resolution)
    .execute(&mut *cx.conn)
    .await?;
    let row = sqlx::query(AssertSqlSafe(findings_select("WHERE f.id = $1")))
        .bind(id)
        .fetch_optional(&mut *cx.conn)
        .await?;
    let Some(finding) = row.as_ref().map(finding_from_row).transpose()? else {
        return Err(StoreError::NotFound {
            what: "register finding",
            key: id.to_string(),
        });
    };
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict {
            what: format!(
                "register finding {id} is already resolved (by {}); a finding is resolved once",
                finding.resolved_by.as_deref().unwrap_or("?")
            ),
        });
    }
    cx.audit(
        "register.finding.resolve",
        None,
        None,
        None,
        &json!({
            "finding": id,
            "registration_number": finding.registration_number,
            "resolution": resolution,
        }),
    );
    Ok(finding)
}

// ---- the writer's jobs -------------------------------------------------------

/// A write of the professional registers, run by the writer (see `jobs.rs`).
#[derive(Debug)]
pub(crate) struct ProfessionalsJob {
    pub(crate) actor: String,
    pub(crate) at: i64,
    pub(crate) op: ProfessionalsOp,
}

#[derive(Debug)]
pub(crate) enum ProfessionalsOp {
    Sync {
        people: Vec<ProfessionalRow>,
        on_ended: String,
    },
    Resolve {
        id: i64,
        resolution: String,
    },
}

/// What a [`ProfessionalsJob`] returns.
#[derive(Debug)]
pub(crate) enum ProfessionalsOutput {
    Sync(SyncReport),
    Finding(Box<RegisterFinding>),
}

/// Runs a professional register job in the writer's transaction.
pub(crate) async fn run(cx: &mut Ctx<'_>, job: &ProfessionalsJob) -> Result<ProfessionalsOutput> {
    match &job.op {
        ProfessionalsOp::Sync { people, on_ended } => sync(cx, people, on_ended)
            .await
            .map(ProfessionalsOutput::Sync),
        ProfessionalsOp::Resolve { id, resolution } => resolve_finding(cx, *id, resolution)
            .await
            .map(|f| ProfessionalsOutput::Finding(Box::new(f))),
    }
}

// ---- the API -----------------------------------------------------------------

impl Store {
    async fn submit_professionals(
        &self,
        actor: &str,
        at: i64,
        op: ProfessionalsOp,
    ) -> Result<ProfessionalsOutput> {
        let job = ProfessionalsJob {
            actor: check_actor(actor)?,
            at,
            op,
        };
        match self.submit(Job::Professionals(Box::new(job))).await? {
            Output::Professionals(out) => Ok(*out),
            other => unreachable!("professionals job answered {other:?}"),
        }
    }

    /// Makes the stored professional registers equal to `people`, the whole
    /// register as imported, in one transaction (through the writer), with one
    /// `professional.import` audit event (counts, and the registration numbers and
    /// finding ids of what ended; no other personal data).
    ///
    /// People are matched by registration number and rights by (register,
    /// profession, valid_from); the rows' `created_at`, `updated_at`, `removed_at`
    /// and `ended_at` are ignored (the store sets them from `at`). Each right that
    /// ends with this sync (see the module docs) gets a finding with the action
    /// `on_ended` (one of [`ON_ENDED`]): the card workflow revokes or flags by it.
    /// Syncing the same register again changes nothing and finds nothing new.
    ///
    /// Fails with [`StoreError::InvalidInput`] for an unknown `on_ended`, register
    /// or kind of right, a malformed or repeated registration number, a person
    /// without rights or a repeated right, and with [`StoreError::Constraint`] when
    /// the schema refuses a row; nothing is stored then.
    pub async fn sync_professionals(
        &self,
        people: &[ProfessionalRow],
        on_ended: &str,
        actor: &str,
        at: i64,
    ) -> Result<SyncReport> {
        check_sync_input(people, on_ended)?;
        let op = ProfessionalsOp::Sync {
            people: people.to_vec(),
            on_ended: on_ended.to_owned(),
        };
        match self.submit_professionals(actor, at, op).await? {
            ProfessionalsOutput::Sync(report) => Ok(report),
            other => unreachable!("sync answered {other:?}"),
        }
    }

    /// The professional with this registration number, with all his rights (also
    /// the removed ones; see [`ProfessionalRightRow::is_valid_at`]); also a person
    /// no longer in the register (`removed_at`).
    pub async fn professional(&self, registration_number: &str) -> Result<Option<ProfessionalRow>> {
        let row = sqlx::query(AssertSqlSafe(professional_select(
            "WHERE registration_number = $1",
        )))
        .bind(registration_number)
        .fetch_optional(&self.inner.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut person = professional_from_row(&row)?;
        self.attach_rights(std::slice::from_mut(&mut person))
            .await?;
        Ok(Some(person))
    }

    /// The professionals in the register (not removed) with this SV number, with
    /// their rights; by registration number. The policy gives an SV number to one
    /// person per file, so this is at most one unless the register says otherwise.
    pub async fn professionals_by_sv(&self, sv_number: &str) -> Result<Vec<ProfessionalRow>> {
        let rows = sqlx::query(AssertSqlSafe(professional_select(
            "WHERE sv_number = $1 AND removed_at IS NULL ORDER BY registration_number",
        )))
        .bind(sv_number)
        .fetch_all(&self.inner.pool)
        .await?;
        let mut people = rows
            .iter()
            .map(professional_from_row)
            .collect::<Result<Vec<_>>>()?;
        self.attach_rights(&mut people).await?;
        Ok(people)
    }

    /// Every professional ever imported (also the removed ones), by registration
    /// number, without rights.
    pub async fn professionals(&self) -> Result<Vec<ProfessionalRow>> {
        let rows = sqlx::query(AssertSqlSafe(professional_select(
            "ORDER BY registration_number",
        )))
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(professional_from_row).collect()
    }

    async fn attach_rights(&self, people: &mut [ProfessionalRow]) -> Result<()> {
        for person in people {
            let rows = sqlx::query(AssertSqlSafe(rights_select(
                "WHERE registration_number = $1",
            )))
            .bind(&person.registration_number)
            .fetch_all(&self.inner.pool)
            .await?;
            person.rights = rows
                .iter()
                .map(|row| right_from_row(row).map(|(_, _, right)| right))
                .collect::<Result<_>>()?;
        }
        Ok(())
    }

    /// The findings nobody has resolved yet, oldest first: what the card workflow
    /// still has to act on.
    pub async fn open_register_findings(&self) -> Result<Vec<RegisterFinding>> {
        let rows = sqlx::query(AssertSqlSafe(findings_select(
            "WHERE f.resolved_at IS NULL",
        )))
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(finding_from_row).collect()
    }

    /// Every finding about one professional, oldest first.
    pub async fn register_findings_of(
        &self,
        registration_number: &str,
    ) -> Result<Vec<RegisterFinding>> {
        let rows = sqlx::query(AssertSqlSafe(findings_select(
            "WHERE f.registration_number = $1",
        )))
        .bind(registration_number)
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(finding_from_row).collect()
    }

    /// Resolves an open finding (the card workflow revoked or a registrar decided),
    /// with a `register.finding.resolve` audit event. Fails with
    /// [`StoreError::NotFound`] for an unknown id and [`StoreError::Conflict`] for a
    /// finding resolved already.
    pub async fn resolve_register_finding(
        &self,
        id: i64,
        resolution: &str,
        actor: &str,
        at: i64,
    ) -> Result<RegisterFinding> {
        if resolution.trim().is_empty() {
            return Err(invalid(
                "resolution",
                "say how the finding was resolved".to_owned(),
            ));
        }
        let op = ProfessionalsOp::Resolve {
            id,
            resolution: resolution.to_owned(),
        };
        match self.submit_professionals(actor, at, op).await? {
            ProfessionalsOutput::Finding(finding) => Ok(*finding),
            other => unreachable!("resolve answered {other:?}"),
        }
    }
}
