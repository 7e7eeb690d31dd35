//! The card registration system (migration 0009; issue 5: R-REG-POINT, R-ORDER,
//! R-CARD-TYPES): registration points, registrars, powers of attorney and card
//! orders.
//!
//! As with the e-service, the RA (`carepki-ra`'s `cards`) decides the rules and
//! the store keeps the outcome. The store still refuses, inside the write's
//! transaction, what would make the data inconsistent: an order by a registrar
//! who is not approved at the point it orders for, an order at a point with
//! fewer than two approved registrars ([`MIN_APPROVED_REGISTRARS`]), a second
//! live power of attorney, a state change from the wrong state.
//!
//! Every write is a job of the group-commit writer, all-or-nothing with its
//! audit event (the actor is the officer or the registrar). Audit details
//! never hold a training certificate's bytes or an identity document's number.

use serde::Serialize;
use serde_json::{Value, json};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use crate::check::{attachment_filename, invalid, one_line};
use crate::error::{Result, StoreError};
use crate::jobs::{Ctx, Job, Output};
use crate::{Store, check_actor};

/// How many approved registrars a registration point needs to order cards
/// (R-REG-POINT).
pub const MIN_APPROVED_REGISTRARS: i64 = 2;

/// The card kinds an order may name (the policy's `CardKind::as_str`).
pub const ORDER_KINDS: [&str; 5] = ["professional", "staff", "actor", "temporary", "test"];

/// The states of a card order.
pub const ORDER_STATES: [&str; 5] = ["ordered", "produced", "activated", "revoked", "cancelled"];

/// The largest training certificate, in bytes.
pub const MAX_TRAINING_BYTES: usize = 5 * 1024 * 1024;

/// A registration point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegPointRow {
    /// Its id.
    pub id: i64,
    /// The organisation's OID in the register.
    pub org_oid: String,
    /// Its name.
    pub name: String,
    /// Who accepted the agreement (a CA officer's actor id).
    pub agreement_accepted_by: String,
    /// When.
    pub agreement_accepted_at: i64,
    /// When the point was created.
    pub created_at: i64,
}

/// A registrar of a registration point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegistrarRow {
    /// Its id.
    pub id: i64,
    /// The point.
    pub point_id: i64,
    /// The e-service user.
    pub user_id: i64,
    /// `"pending"` or `"approved"`.
    pub state: String,
    /// The training certificate's file name.
    pub training_filename: String,
    /// Its SHA-256, lower-case hex.
    pub training_sha256: String,
    /// Its size in bytes.
    pub training_size: i64,
    /// Who added the registrar.
    pub added_by: String,
    /// When.
    pub added_at: i64,
    /// Who approved him.
    pub approved_by: Option<String>,
    /// When.
    pub approved_at: Option<i64>,
}

/// A power of attorney from a private organisation to a registration point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PoaRow {
    /// Its id.
    pub id: i64,
    /// The organisation that gives it.
    pub grantor_oid: String,
    /// The point that receives it.
    pub point_id: i64,
    /// Who recorded it.
    pub granted_by: String,
    /// When.
    pub granted_at: i64,
    /// Who revoked it.
    pub revoked_by: Option<String>,
    /// When.
    pub revoked_at: Option<i64>,
    /// Why.
    pub revoke_reason: Option<String>,
}

/// An organisation's application for a registration point
/// ([`Store::apply_regpoint`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegPointApplicationRow {
    /// Its id.
    pub id: i64,
    /// The organisation applying.
    pub org_oid: String,
    /// The point's name.
    pub name: String,
    /// The version of the agreement text signed.
    pub agreement_version: String,
    /// Who signed the agreement in the e-service (the administrator's actor id).
    pub signed_by: String,
    /// When.
    pub signed_at: i64,
    /// `pending`, `accepted` or `rejected`.
    pub state: String,
    /// The CA officer who decided.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<i64>,
    /// Why it was rejected.
    pub decision_reason: Option<String>,
    /// The point created on acceptance.
    pub point_id: Option<i64>,
}

/// A card to order with [`Store::create_card_orders`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCardOrder {
    /// One of [`ORDER_KINDS`].
    pub kind: String,
    /// The holder number (registration number, assigned number or test identity).
    pub holder_number: String,
    /// The holder's facts (JSON object).
    pub holder: Value,
    /// The organisation of a staff or actor card.
    pub org_oid: Option<String>,
    /// The identity check (JSON object; `None` for test cards).
    pub identity_check: Option<Value>,
    /// The pending order a temporary card stands in for.
    pub replaces_order: Option<i64>,
}

/// A card order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CardOrderRow {
    /// Its id.
    pub id: i64,
    /// The point.
    pub point_id: i64,
    /// The registrar who ordered it.
    pub registrar_id: i64,
    /// One of [`ORDER_KINDS`].
    pub kind: String,
    /// One of [`ORDER_STATES`].
    pub state: String,
    /// The holder number.
    pub holder_number: String,
    /// The holder's facts.
    pub holder: Value,
    /// The organisation of a staff or actor card.
    pub org_oid: Option<String>,
    /// The identity check.
    pub identity_check: Option<Value>,
    /// The first order of a test batch.
    pub batch: Option<i64>,
    /// The pending order a temporary card stands in for.
    pub replaces_order: Option<i64>,
    /// The card's label on the token, once produced.
    pub card_label: Option<String>,
    /// The authentication certificate's serial, once produced.
    pub auth_serial: Option<String>,
    /// The signature certificate's serial, once produced.
    pub sign_serial: Option<String>,
    /// What happened later (production, activation codes, revocation).
    pub detail: Value,
    /// Raised by every change.
    pub version: i64,
    /// Who ordered it.
    pub created_by: String,
    /// When.
    pub created_at: i64,
    /// When it last changed.
    pub updated_at: i64,
}

/// A change of a card order's state ([`Store::update_card_order`]).
#[derive(Debug, Clone, PartialEq)]
pub struct CardOrderUpdate {
    /// The state the order must be in.
    pub from_state: String,
    /// Its new state.
    pub to_state: String,
    /// The audit action (`card.produce`, `card.activate`, ...).
    pub action: String,
    /// The card's label, if it changes.
    pub card_label: Option<String>,
    /// The certificates' serials, if they change.
    pub serials: Option<(String, String)>,
    /// Keys to set in the order's `detail` and in the audit event.
    pub detail: Value,
}

/// The revocation of cards: both certificates of each card, the orders'
/// state `revoked`, and optionally a register finding resolved, all in one
/// transaction ([`Store::revoke_card_orders`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardRevocation {
    /// The audit action of each order (`card.revoke`; `card.supersede` when a
    /// renewed or re-issued card replaces it).
    pub action: String,
    /// The orders, each with the version the caller decided on: a card that
    /// changed meanwhile is a conflict and nothing is revoked.
    pub orders: Vec<(i64, i64)>,
    /// The RFC 5280 reason name (checked by the caller).
    pub reason: String,
    /// Added to each order's detail and to its `card.revoke` audit event
    /// (who asked, for which organisation, why).
    pub detail: Value,
    /// A register finding to resolve in the same transaction, with its
    /// resolution: a finding is acted on once.
    pub resolve_finding: Option<(i64, String)>,
}

/// What [`Store::revoke_card_orders`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct CardRevocationDone {
    /// The orders, now `revoked`.
    pub orders: Vec<CardOrderRow>,
    /// The certificates revoked now (one already revoked is left as it was).
    pub revocations: Vec<crate::Revocation>,
}

#[derive(Debug)]
pub(crate) struct CardRegJob {
    pub(crate) actor: String,
    pub(crate) at: i64,
    op: Op,
}

#[derive(Debug)]
enum Op {
    CreatePoint {
        org_oid: String,
        name: String,
    },
    AddRegistrar {
        point_id: i64,
        user_id: i64,
        filename: String,
        sha256: String,
        pdf: Vec<u8>,
    },
    ApproveRegistrar {
        id: i64,
    },
    GrantPoa {
        grantor_oid: String,
        point_id: i64,
    },
    RevokePoa {
        id: i64,
        reason: String,
    },
    CreateOrders {
        point_id: i64,
        registrar_id: i64,
        orders: Vec<NewCardOrder>,
    },
    UpdateOrder {
        id: i64,
        update: Box<CardOrderUpdate>,
    },
    HandOverOrder {
        id: i64,
        detail: Value,
    },
    RevokeOrders(Box<CardRevocation>),
    ApplyPoint {
        org_oid: String,
        name: String,
        agreement_version: String,
    },
    DecidePointApplication {
        id: i64,
        reject_reason: Option<String>,
    },
}

/// What a job answers.
#[derive(Debug)]
pub(crate) enum CardRegOutput {
    Point(RegPointRow),
    Registrar(RegistrarRow),
    Poa(PoaRow),
    Orders(Vec<CardOrderRow>),
    Revoked(Box<CardRevocationDone>),
    PointApplication(RegPointApplicationRow),
}

const POINT_COLUMNS: &str =
    "id, org_oid, name, agreement_accepted_by, agreement_accepted_at, created_at";
const REGISTRAR_COLUMNS: &str = "id, point_id, user_id, state, training_filename, \
     training_sha256, training_size, added_by, added_at, approved_by, approved_at";
const POA_COLUMNS: &str = "id, grantor_oid, point_id, granted_by, granted_at, revoked_by, \
     revoked_at, revoke_reason";
pub(crate) const ORDER_COLUMNS: &str = "id, point_id, registrar_id, kind, state, holder_number, holder, \
     org_oid, identity_check, batch, replaces_order, card_label, auth_serial, sign_serial, \
     detail, version, created_by, created_at, updated_at";

const APPLICATION_COLUMNS: &str = "id, org_oid, name, agreement_version, signed_by, signed_at, \
     state, decided_by, decided_at, decision_reason, point_id";

fn application_from_row(row: &AnyRow) -> Result<RegPointApplicationRow> {
    Ok(RegPointApplicationRow {
        id: row.try_get("id")?,
        org_oid: row.try_get("org_oid")?,
        name: row.try_get("name")?,
        agreement_version: row.try_get("agreement_version")?,
        signed_by: row.try_get("signed_by")?,
        signed_at: row.try_get("signed_at")?,
        state: row.try_get("state")?,
        decided_by: row.try_get("decided_by")?,
        decided_at: row.try_get("decided_at")?,
        decision_reason: row.try_get("decision_reason")?,
        point_id: row.try_get("point_id")?,
    })
}

fn point_from_row(row: &AnyRow) -> Result<RegPointRow> {
    Ok(RegPointRow {
        id: row.try_get("id")?,
        org_oid: row.try_get("org_oid")?,
        name: row.try_get("name")?,
        agreement_accepted_by: row.try_get("agreement_accepted_by")?,
        agreement_accepted_at: row.try_get("agreement_accepted_at")?,
        created_at: row.try_get("created_at")?,
    })
}

fn registrar_from_row(row: &AnyRow) -> Result<RegistrarRow> {
    Ok(RegistrarRow {
        id: row.try_get("id")?,
        point_id: row.try_get("point_id")?,
        user_id: row.try_get("user_id")?,
        state: row.try_get("state")?,
        training_filename: row.try_get("training_filename")?,
        training_sha256: row.try_get("training_sha256")?,
        training_size: row.try_get("training_size")?,
        added_by: row.try_get("added_by")?,
        added_at: row.try_get("added_at")?,
        approved_by: row.try_get("approved_by")?,
        approved_at: row.try_get("approved_at")?,
    })
}

fn poa_from_row(row: &AnyRow) -> Result<PoaRow> {
    Ok(PoaRow {
        id: row.try_get("id")?,
        grantor_oid: row.try_get("grantor_oid")?,
        point_id: row.try_get("point_id")?,
        granted_by: row.try_get("granted_by")?,
        granted_at: row.try_get("granted_at")?,
        revoked_by: row.try_get("revoked_by")?,
        revoked_at: row.try_get("revoked_at")?,
        revoke_reason: row.try_get("revoke_reason")?,
    })
}

fn json_text(row: &AnyRow, column: &str, id: i64) -> Result<Option<Value>> {
    let text: Option<String> = row.try_get(column)?;
    text.map(|t| {
        serde_json::from_str(&t).map_err(|e| StoreError::CorruptData {
            what: format!("{column} of card order {id} is not JSON: {e}"),
        })
    })
    .transpose()
}

pub(crate) fn order_from_row(row: &AnyRow) -> Result<CardOrderRow> {
    let id: i64 = row.try_get("id")?;
    Ok(CardOrderRow {
        id,
        point_id: row.try_get("point_id")?,
        registrar_id: row.try_get("registrar_id")?,
        kind: row.try_get("kind")?,
        state: row.try_get("state")?,
        holder_number: row.try_get("holder_number")?,
        holder: json_text(row, "holder", id)?.unwrap_or(Value::Null),
        org_oid: row.try_get("org_oid")?,
        identity_check: json_text(row, "identity_check", id)?,
        batch: row.try_get("batch")?,
        replaces_order: row.try_get("replaces_order")?,
        card_label: row.try_get("card_label")?,
        auth_serial: row.try_get("auth_serial")?,
        sign_serial: row.try_get("sign_serial")?,
        detail: json_text(row, "detail", id)?.unwrap_or_else(|| json!({})),
        version: row.try_get("version")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn not_found(what: &'static str, key: i64) -> StoreError {
    StoreError::NotFound {
        what,
        key: key.to_string(),
    }
}

pub(crate) async fn run(cx: &mut Ctx<'_>, job: &CardRegJob) -> Result<CardRegOutput> {
    match &job.op {
        Op::CreatePoint { org_oid, name } => create_point(cx, org_oid, name)
            .await
            .map(CardRegOutput::Point),
        Op::AddRegistrar {
            point_id,
            user_id,
            filename,
            sha256,
            pdf,
        } => add_registrar(cx, *point_id, *user_id, filename, sha256, pdf)
            .await
            .map(CardRegOutput::Registrar),
        Op::ApproveRegistrar { id } => approve_registrar(cx, *id)
            .await
            .map(CardRegOutput::Registrar),
        Op::GrantPoa {
            grantor_oid,
            point_id,
        } => grant_poa(cx, grantor_oid, *point_id)
            .await
            .map(CardRegOutput::Poa),
        Op::RevokePoa { id, reason } => revoke_poa(cx, *id, reason).await.map(CardRegOutput::Poa),
        Op::CreateOrders {
            point_id,
            registrar_id,
            orders,
        } => create_orders(cx, *point_id, *registrar_id, orders)
            .await
            .map(CardRegOutput::Orders),
        Op::UpdateOrder { id, update } => update_order(cx, *id, update)
            .await
            .map(|o| CardRegOutput::Orders(vec![o])),
        Op::HandOverOrder { id, detail } => hand_over_order(cx, *id, detail)
            .await
            .map(|o| CardRegOutput::Orders(vec![o])),
        Op::RevokeOrders(r) => revoke_orders(cx, r)
            .await
            .map(|d| CardRegOutput::Revoked(Box::new(d))),
        Op::ApplyPoint {
            org_oid,
            name,
            agreement_version,
        } => apply_point(cx, org_oid, name, agreement_version)
            .await
            .map(CardRegOutput::PointApplication),
        Op::DecidePointApplication { id, reject_reason } => {
            decide_point_application(cx, *id, reject_reason.as_deref())
                .await
                .map(CardRegOutput::PointApplication)
        }
    }
}

async fn application_of(cx: &mut Ctx<'_>, id: i64) -> Result<RegPointApplicationRow> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {APPLICATION_COLUMNS} FROM regpoint_applications WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *cx.conn)
    .await?
    .ok_or_else(|| not_found("registration point application", id))?;
    application_from_row(&row)
}

async fn apply_point(
    cx: &mut Ctx<'_>,
    org_oid: &str,
    name: &str,
    agreement_version: &str,
) -> Result<RegPointApplicationRow> {
    let pending: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM regpoint_applications WHERE org_oid = $1 AND state = 'pending'",
    )
    .bind(org_oid)
    .fetch_one(&mut *cx.conn)
    .await?;
    if pending > 0 {
        return Err(StoreError::Conflict {
            what: format!("{org_oid} already has a pending registration point application"),
        });
    }
    let row = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO regpoint_applications (org_oid, name, agreement_version, signed_by, \
         signed_at, state) VALUES ($1, $2, $3, $4, $5, 'pending') \
         RETURNING {APPLICATION_COLUMNS}"
    )))
    .bind(org_oid)
    .bind(name)
    .bind(agreement_version)
    .bind(cx.actor().to_owned())
    .bind(cx.at)
    .fetch_one(&mut *cx.conn)
    .await?;
    let app = application_from_row(&row)?;
    cx.audit(
        "regpoint.apply",
        None,
        None,
        Some(org_oid),
        &json!({ "application_id": app.id, "name": name,
                 "agreement_version": agreement_version }),
    );
    Ok(app)
}

async fn decide_point_application(
    cx: &mut Ctx<'_>,
    id: i64,
    reject_reason: Option<&str>,
) -> Result<RegPointApplicationRow> {
    let app = application_of(cx, id).await?;
    if app.state != "pending" {
        return Err(StoreError::Conflict {
            what: format!(
                "registration point application {id} is {} already",
                app.state
            ),
        });
    }
    let (state, point_id) = match reject_reason {
        Some(_) => ("rejected", None),
        None => (
            "accepted",
            Some(create_point(cx, &app.org_oid, &app.name).await?.id),
        ),
    };
    sqlx::query(
        "UPDATE regpoint_applications SET state = $1, decided_by = $2, decided_at = $3, \
         decision_reason = $4, point_id = $5 WHERE id = $6",
    )
    .bind(state)
    .bind(cx.actor().to_owned())
    .bind(cx.at)
    .bind(reject_reason)
    .bind(point_id)
    .bind(id)
    .execute(&mut *cx.conn)
    .await?;
    cx.audit(
        if point_id.is_some() {
            "regpoint.application.accept"
        } else {
            "regpoint.application.reject"
        },
        None,
        None,
        Some(&app.org_oid),
        &json!({ "application_id": id, "point_id": point_id, "reason": reject_reason }),
    );
    application_of(cx, id).await
}

async fn point_of(cx: &mut Ctx<'_>, id: i64) -> Result<RegPointRow> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {POINT_COLUMNS} FROM registration_points WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *cx.conn)
    .await?
    .ok_or_else(|| not_found("registration point", id))?;
    point_from_row(&row)
}

async fn create_point(cx: &mut Ctx<'_>, org_oid: &str, name: &str) -> Result<RegPointRow> {
    let known: Option<String> = sqlx::query_scalar("SELECT oid FROM organisations WHERE oid = $1")
        .bind(org_oid)
        .fetch_optional(&mut *cx.conn)
        .await?;
    if known.is_none() {
        return Err(StoreError::NotFound {
            what: "organisation",
            key: org_oid.to_owned(),
        });
    }
    let row = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO registration_points \
         (org_oid, name, agreement_accepted_by, agreement_accepted_at, created_at) \
         VALUES ($1, $2, $3, $4, $4) RETURNING {POINT_COLUMNS}"
    )))
    .bind(org_oid)
    .bind(name)
    .bind(cx.actor().to_owned())
    .bind(cx.at)
    .fetch_one(&mut *cx.conn)
    .await?;
    let point = point_from_row(&row)?;
    cx.audit(
        "regpoint.create",
        None,
        None,
        Some(org_oid),
        &json!({ "point_id": point.id, "name": name, "agreement_accepted": true }),
    );
    Ok(point)
}

async fn add_registrar(
    cx: &mut Ctx<'_>,
    point_id: i64,
    user_id: i64,
    filename: &str,
    sha256: &str,
    pdf: &[u8],
) -> Result<RegistrarRow> {
    let point = point_of(cx, point_id).await?;
    let user: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut *cx.conn)
        .await?;
    if user.is_none() {
        return Err(not_found("user", user_id));
    }
    let taken: Option<i64> =
        sqlx::query_scalar("SELECT id FROM registrars WHERE point_id = $1 AND user_id = $2")
            .bind(point_id)
            .bind(user_id)
            .fetch_optional(&mut *cx.conn)
            .await?;
    if let Some(id) = taken {
        return Err(StoreError::Conflict {
            what: format!("user {user_id} is already registrar {id} of point {point_id}"),
        });
    }
    let size = i64::try_from(pdf.len()).unwrap_or(i64::MAX);
    let row = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO registrars (point_id, user_id, state, training_filename, training_sha256, \
         training_pdf, training_size, added_by, added_at) \
         VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7, $8) RETURNING {REGISTRAR_COLUMNS}"
    )))
    .bind(point_id)
    .bind(user_id)
    .bind(filename)
    .bind(sha256)
    .bind(pdf)
    .bind(size)
    .bind(cx.actor().to_owned())
    .bind(cx.at)
    .fetch_one(&mut *cx.conn)
    .await?;
    let reg = registrar_from_row(&row)?;
    cx.audit(
        "registrar.add",
        None,
        None,
        Some(&point.org_oid),
        &json!({ "point_id": point_id, "registrar_id": reg.id, "user_id": user_id,
                 "training": { "filename": filename, "sha256": sha256, "size": size } }),
    );
    Ok(reg)
}

async fn approve_registrar(cx: &mut Ctx<'_>, id: i64) -> Result<RegistrarRow> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "UPDATE registrars SET state = 'approved', approved_by = $2, approved_at = $3 \
         WHERE id = $1 AND state = 'pending' RETURNING {REGISTRAR_COLUMNS}"
    )))
    .bind(id)
    .bind(cx.actor().to_owned())
    .bind(cx.at)
    .fetch_optional(&mut *cx.conn)
    .await?;
    let Some(row) = row else {
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM registrars WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *cx.conn)
            .await?;
        return Err(match exists {
            None => not_found("registrar", id),
            Some(_) => StoreError::Conflict {
                what: format!("registrar {id} is approved already"),
            },
        });
    };
    let reg = registrar_from_row(&row)?;
    let point = point_of(cx, reg.point_id).await?;
    cx.audit(
        "registrar.approve",
        None,
        None,
        Some(&point.org_oid),
        &json!({ "point_id": reg.point_id, "registrar_id": id, "user_id": reg.user_id }),
    );
    Ok(reg)
}

async fn grant_poa(cx: &mut Ctx<'_>, grantor_oid: &str, point_id: i64) -> Result<PoaRow> {
    let point = point_of(cx, point_id).await?;
    let live: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM powers_of_attorney WHERE grantor_oid = $1 AND point_id = $2 \
         AND revoked_at IS NULL",
    )
    .bind(grantor_oid)
    .bind(point_id)
    .fetch_optional(&mut *cx.conn)
    .await?;
    if let Some(id) = live {
        return Err(StoreError::Conflict {
            what: format!(
                "{grantor_oid} has given point {point_id} power of attorney {id} already"
            ),
        });
    }
    let row = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO powers_of_attorney (grantor_oid, point_id, granted_by, granted_at) \
         VALUES ($1, $2, $3, $4) RETURNING {POA_COLUMNS}"
    )))
    .bind(grantor_oid)
    .bind(point_id)
    .bind(cx.actor().to_owned())
    .bind(cx.at)
    .fetch_one(&mut *cx.conn)
    .await?;
    let poa = poa_from_row(&row)?;
    cx.audit(
        "poa.grant",
        None,
        None,
        Some(grantor_oid),
        &json!({ "poa_id": poa.id, "point_id": point_id, "point_org_oid": point.org_oid }),
    );
    Ok(poa)
}

async fn revoke_poa(cx: &mut Ctx<'_>, id: i64, reason: &str) -> Result<PoaRow> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "UPDATE powers_of_attorney SET revoked_by = $2, revoked_at = $3, revoke_reason = $4 \
         WHERE id = $1 AND revoked_at IS NULL RETURNING {POA_COLUMNS}"
    )))
    .bind(id)
    .bind(cx.actor().to_owned())
    .bind(cx.at)
    .bind(reason)
    .fetch_optional(&mut *cx.conn)
    .await?;
    let Some(row) = row else {
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT id FROM powers_of_attorney WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *cx.conn)
                .await?;
        return Err(match exists {
            None => not_found("power of attorney", id),
            Some(_) => StoreError::Conflict {
                what: format!("power of attorney {id} is revoked already"),
            },
        });
    };
    let poa = poa_from_row(&row)?;
    cx.audit(
        "poa.revoke",
        None,
        None,
        Some(&poa.grantor_oid),
        &json!({ "poa_id": id, "point_id": poa.point_id, "reason": reason }),
    );
    Ok(poa)
}

async fn create_orders(
    cx: &mut Ctx<'_>,
    point_id: i64,
    registrar_id: i64,
    orders: &[NewCardOrder],
) -> Result<Vec<CardOrderRow>> {
    let point = point_of(cx, point_id).await?;
    let state: Option<String> =
        sqlx::query_scalar("SELECT state FROM registrars WHERE id = $1 AND point_id = $2")
            .bind(registrar_id)
            .bind(point_id)
            .fetch_optional(&mut *cx.conn)
            .await?;
    if state.as_deref() != Some("approved") {
        return Err(StoreError::Conflict {
            what: format!(
                "registrar {registrar_id} is not an approved registrar of point {point_id}"
            ),
        });
    }
    let approved: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM registrars WHERE point_id = $1 AND state = 'approved'",
    )
    .bind(point_id)
    .fetch_one(&mut *cx.conn)
    .await?;
    if approved < MIN_APPROVED_REGISTRARS {
        return Err(StoreError::Conflict {
            what: format!(
                "point {point_id} has {approved} approved registrars; it needs \
                 {MIN_APPROVED_REGISTRARS} to order cards"
            ),
        });
    }
    let mut out = Vec::with_capacity(orders.len());
    let mut batch: Option<i64> = None;
    for order in orders {
        let row = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO card_orders (point_id, registrar_id, kind, state, holder_number, \
             holder, org_oid, identity_check, batch, replaces_order, created_by, created_at, \
             updated_at) VALUES ($1, $2, $3, 'ordered', $4, $5, $6, $7, $8, $9, $10, $11, $11) \
             RETURNING {ORDER_COLUMNS}"
        )))
        .bind(point_id)
        .bind(registrar_id)
        .bind(&order.kind)
        .bind(&order.holder_number)
        .bind(order.holder.to_string())
        .bind(order.org_oid.as_deref())
        .bind(order.identity_check.as_ref().map(Value::to_string))
        .bind(batch)
        .bind(order.replaces_order)
        .bind(cx.actor().to_owned())
        .bind(cx.at)
        .fetch_one(&mut *cx.conn)
        .await?;
        let mut row = order_from_row(&row)?;
        if orders.len() > 1 && batch.is_none() {
            batch = Some(row.id);
            sqlx::query("UPDATE card_orders SET batch = id WHERE id = $1")
                .bind(row.id)
                .execute(&mut *cx.conn)
                .await?;
            row.batch = Some(row.id);
        }
        // The audit names the document type and country, never its number.
        let doc = order.identity_check.as_ref().map(|c| {
            json!({ "document_type": c.get("document_type"),
                    "issuing_country": c.get("issuing_country") })
        });
        cx.audit(
            "card.order",
            None,
            None,
            row.org_oid.as_deref().or(Some(&point.org_oid)),
            &json!({ "order_id": row.id, "point_id": point_id, "registrar_id": registrar_id,
                     "kind": row.kind, "holder_number": row.holder_number,
                     "replaces_order": row.replaces_order, "batch": row.batch,
                     "identity_check": doc }),
        );
        out.push(row);
    }
    Ok(out)
}

/// The detail key that records a card's hand-over ([`Store::hand_over_card_order`]).
pub const HANDED_OVER_AT: &str = "handed_over_at";

async fn hand_over_order(cx: &mut Ctx<'_>, id: i64, detail: &Value) -> Result<CardOrderRow> {
    let handed: Option<String> = sqlx::query_scalar("SELECT detail FROM card_orders WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *cx.conn)
        .await?;
    let handed = handed.ok_or_else(|| not_found("card order", id))?;
    let handed: Value = serde_json::from_str(&handed).unwrap_or(Value::Null);
    if handed.get(HANDED_OVER_AT).is_some() {
        return Err(StoreError::Conflict {
            what: format!("card order {id} was handed over already"),
        });
    }
    let mut detail = detail.clone();
    if let Value::Object(d) = &mut detail {
        d.insert(HANDED_OVER_AT.into(), cx.at.into());
    }
    let update = CardOrderUpdate {
        from_state: "produced".into(),
        to_state: "produced".into(),
        action: "card.hand_over".into(),
        card_label: None,
        serials: None,
        detail,
    };
    update_order(cx, id, &update).await
}

async fn update_order(cx: &mut Ctx<'_>, id: i64, u: &CardOrderUpdate) -> Result<CardOrderRow> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {ORDER_COLUMNS} FROM card_orders WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *cx.conn)
    .await?
    .ok_or_else(|| not_found("card order", id))?;
    let current = order_from_row(&row)?;
    if current.state != u.from_state {
        return Err(StoreError::Conflict {
            what: format!(
                "card order {id} is {}, not {}: {} refused",
                current.state, u.from_state, u.action
            ),
        });
    }
    let mut detail = current.detail.clone();
    if let (Value::Object(d), Value::Object(add)) = (&mut detail, &u.detail) {
        for (k, v) in add {
            d.insert(k.clone(), v.clone());
        }
    }
    let (auth, sign) = match &u.serials {
        Some((a, s)) => (Some(a.clone()), Some(s.clone())),
        None => (current.auth_serial.clone(), current.sign_serial.clone()),
    };
    let label = u.card_label.clone().or(current.card_label.clone());
    let row = sqlx::query(AssertSqlSafe(format!(
        "UPDATE card_orders SET state = $2, card_label = $3, auth_serial = $4, sign_serial = $5, \
         detail = $6, version = version + 1, updated_at = $7 \
         WHERE id = $1 AND version = $8 RETURNING {ORDER_COLUMNS}"
    )))
    .bind(id)
    .bind(&u.to_state)
    .bind(label)
    .bind(auth)
    .bind(sign)
    .bind(detail.to_string())
    .bind(cx.at)
    .bind(current.version)
    .fetch_optional(&mut *cx.conn)
    .await?
    .ok_or_else(|| StoreError::Conflict {
        what: format!("card order {id} changed meanwhile"),
    })?;
    let order = order_from_row(&row)?;
    let point = point_of(cx, order.point_id).await?;
    cx.audit(
        &u.action,
        None,
        None,
        order.org_oid.as_deref().or(Some(&point.org_oid)),
        &json!({ "order_id": id, "point_id": order.point_id, "from": u.from_state,
                 "to": u.to_state, "detail": u.detail,
                 "auth_serial": order.auth_serial, "sign_serial": order.sign_serial }),
    );
    Ok(order)
}

/// Revokes the cards of [`CardRevocation`]: for each order at the version
/// seen, every certificate still valid, then the order `revoked`; then the
/// finding resolved. Any refusal undoes the whole job.
async fn revoke_orders(cx: &mut Ctx<'_>, r: &CardRevocation) -> Result<CardRevocationDone> {
    let mut done = CardRevocationDone {
        orders: Vec::new(),
        revocations: Vec::new(),
    };
    for &(id, version) in &r.orders {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM card_orders WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *cx.conn)
        .await?
        .ok_or_else(|| not_found("card order", id))?;
        let order = order_from_row(&row)?;
        if order.version != version {
            return Err(StoreError::Conflict {
                what: format!("card order {id} changed meanwhile; look at it again"),
            });
        }
        if order.state == "revoked" {
            return Err(StoreError::Conflict {
                what: format!("the card of order {id} is revoked already; revocation is final"),
            });
        }
        let (Some(auth), Some(sign)) = (order.auth_serial.clone(), order.sign_serial.clone())
        else {
            return Err(StoreError::Conflict {
                what: format!("card order {id} has no certificates to revoke"),
            });
        };
        for serial in [&auth, &sign] {
            let status: Option<String> =
                sqlx::query_scalar("SELECT status FROM certificates WHERE serial = $1")
                    .bind(serial)
                    .fetch_optional(&mut *cx.conn)
                    .await?;
            if status.as_deref() == Some("revoked") {
                continue;
            }
            let rev = crate::status::record_revocation(cx, serial, &r.reason, None).await?;
            done.revocations.push(rev);
        }
        let mut detail = order.detail.clone();
        let mut added = r.detail.clone();
        if let Value::Object(a) = &mut added {
            a.insert("revoked_at".into(), json!(cx.at));
            a.insert("reason".into(), json!(r.reason));
        }
        if let (Value::Object(d), Value::Object(a)) = (&mut detail, &added) {
            for (k, v) in a {
                d.insert(k.clone(), v.clone());
            }
        }
        let row = sqlx::query(AssertSqlSafe(format!(
            "UPDATE card_orders SET state = 'revoked', detail = $2, version = version + 1, \
             updated_at = $3 WHERE id = $1 AND version = $4 RETURNING {ORDER_COLUMNS}"
        )))
        .bind(id)
        .bind(detail.to_string())
        .bind(cx.at)
        .bind(version)
        .fetch_optional(&mut *cx.conn)
        .await?
        .ok_or_else(|| StoreError::Conflict {
            what: format!("card order {id} changed meanwhile"),
        })?;
        let revoked = order_from_row(&row)?;
        let point = point_of(cx, revoked.point_id).await?;
        cx.audit(
            &r.action,
            None,
            None,
            revoked.org_oid.as_deref().or(Some(&point.org_oid)),
            &json!({ "order_id": id, "point_id": revoked.point_id, "from": order.state,
                     "to": "revoked", "detail": added,
                     "auth_serial": auth, "sign_serial": sign }),
        );
        done.orders.push(revoked);
    }
    if let Some((finding, resolution)) = &r.resolve_finding {
        crate::professionals::resolve_finding(cx, *finding, resolution).await?;
    }
    Ok(done)
}

impl Store {
    async fn submit_cardreg(&self, actor: &str, at: i64, op: Op) -> Result<CardRegOutput> {
        let job = CardRegJob {
            actor: check_actor(actor)?,
            at,
            op,
        };
        match self.submit(Job::CardReg(Box::new(job))).await? {
            Output::CardReg(out) => Ok(*out),
            other => unreachable!("card registration job answered {other:?}"),
        }
    }

    /// Creates a registration point of organisation `org_oid` with the agreement
    /// accepted by `actor` (a CA officer) at `at` (R-REG-POINT); audited
    /// `regpoint.create`.
    pub async fn create_regpoint(
        &self,
        org_oid: &str,
        name: &str,
        actor: &str,
        at: i64,
    ) -> Result<RegPointRow> {
        one_line("name", name, 200)?;
        let op = Op::CreatePoint {
            org_oid: org_oid.to_owned(),
            name: name.to_owned(),
        };
        match self.submit_cardreg(actor, at, op).await? {
            CardRegOutput::Point(p) => Ok(p),
            other => unreachable!("create_regpoint answered {other:?}"),
        }
    }

    /// Adds user `user_id` as a pending registrar of point `point_id` with his
    /// training certificate (the caller checked it is a PDF); stored with its
    /// SHA-256; audited `registrar.add`.
    pub async fn add_registrar(
        &self,
        point_id: i64,
        user_id: i64,
        training_filename: &str,
        training_pdf: &[u8],
        actor: &str,
        at: i64,
    ) -> Result<RegistrarRow> {
        attachment_filename(training_filename)?;
        if training_pdf.is_empty() || training_pdf.len() > MAX_TRAINING_BYTES {
            return Err(invalid(
                "training certificate",
                format!("must be 1 byte to {MAX_TRAINING_BYTES} bytes"),
            ));
        }
        let op = Op::AddRegistrar {
            point_id,
            user_id,
            filename: training_filename.to_owned(),
            sha256: crate::eservice::sha256_hex(training_pdf),
            pdf: training_pdf.to_vec(),
        };
        match self.submit_cardreg(actor, at, op).await? {
            CardRegOutput::Registrar(r) => Ok(r),
            other => unreachable!("add_registrar answered {other:?}"),
        }
    }

    /// Approves a pending registrar; audited `registrar.approve`.
    pub async fn approve_registrar(&self, id: i64, actor: &str, at: i64) -> Result<RegistrarRow> {
        match self
            .submit_cardreg(actor, at, Op::ApproveRegistrar { id })
            .await?
        {
            CardRegOutput::Registrar(r) => Ok(r),
            other => unreachable!("approve_registrar answered {other:?}"),
        }
    }

    /// Records a power of attorney from `grantor_oid` to point `point_id`
    /// (R-ORDER); audited `poa.grant`.
    pub async fn grant_poa(
        &self,
        grantor_oid: &str,
        point_id: i64,
        actor: &str,
        at: i64,
    ) -> Result<PoaRow> {
        let op = Op::GrantPoa {
            grantor_oid: grantor_oid.to_owned(),
            point_id,
        };
        match self.submit_cardreg(actor, at, op).await? {
            CardRegOutput::Poa(p) => Ok(p),
            other => unreachable!("grant_poa answered {other:?}"),
        }
    }

    /// Revokes a power of attorney; audited `poa.revoke`.
    pub async fn revoke_poa(&self, id: i64, reason: &str, actor: &str, at: i64) -> Result<PoaRow> {
        one_line("reason", reason, 500)?;
        let op = Op::RevokePoa {
            id,
            reason: reason.to_owned(),
        };
        match self.submit_cardreg(actor, at, op).await? {
            CardRegOutput::Poa(p) => Ok(p),
            other => unreachable!("revoke_poa answered {other:?}"),
        }
    }

    /// Stores card orders of registrar `registrar_id` at point `point_id`, all
    /// or none (several make a batch); each audited `card.order`. Refused unless
    /// the registrar is approved at the point and the point has at least
    /// [`MIN_APPROVED_REGISTRARS`] approved registrars.
    pub async fn create_card_orders(
        &self,
        point_id: i64,
        registrar_id: i64,
        orders: &[NewCardOrder],
        actor: &str,
        at: i64,
    ) -> Result<Vec<CardOrderRow>> {
        if orders.is_empty() {
            return Err(invalid("orders", "no card to order"));
        }
        for o in orders {
            if !ORDER_KINDS.contains(&o.kind.as_str()) {
                return Err(invalid("kind", format!("{:?} is not a card kind", o.kind)));
            }
            one_line("holder_number", &o.holder_number, 64)?;
        }
        let op = Op::CreateOrders {
            point_id,
            registrar_id,
            orders: orders.to_vec(),
        };
        match self.submit_cardreg(actor, at, op).await? {
            CardRegOutput::Orders(o) => Ok(o),
            other => unreachable!("create_card_orders answered {other:?}"),
        }
    }

    /// Changes a card order's state (from `update.from_state`, else a conflict);
    /// audited with `update.action`.
    pub async fn update_card_order(
        &self,
        id: i64,
        update: &CardOrderUpdate,
        actor: &str,
        at: i64,
    ) -> Result<CardOrderRow> {
        for s in [&update.from_state, &update.to_state] {
            if !ORDER_STATES.contains(&s.as_str()) {
                return Err(invalid("state", format!("{s:?} is not an order state")));
            }
        }
        let op = Op::UpdateOrder {
            id,
            update: Box::new(update.clone()),
        };
        match self.submit_cardreg(actor, at, op).await? {
            CardRegOutput::Orders(mut o) if o.len() == 1 => Ok(o.remove(0)),
            other => unreachable!("update_card_order answered {other:?}"),
        }
    }

    /// Records that a produced card was handed over to its holder: `detail`
    /// (who handed it over, the identity check) is set in the order's detail
    /// with [`HANDED_OVER_AT`] = `at`, audited `card.hand_over` with `actor`.
    /// Once per card: fails with [`StoreError::Conflict`] for an order that
    /// is not produced or was handed over already (also when two race).
    pub async fn hand_over_card_order(
        &self,
        id: i64,
        detail: &Value,
        actor: &str,
        at: i64,
    ) -> Result<CardOrderRow> {
        if !detail.is_object() {
            return Err(invalid("detail", "the hand-over detail is a JSON object"));
        }
        let op = Op::HandOverOrder {
            id,
            detail: detail.clone(),
        };
        match self.submit_cardreg(actor, at, op).await? {
            CardRegOutput::Orders(mut o) if o.len() == 1 => Ok(o.remove(0)),
            other => unreachable!("hand_over_card_order answered {other:?}"),
        }
    }

    /// Revokes cards (both certificates of each, the orders `revoked`, each
    /// audited `card.revoke`), and resolves a register finding, all in one
    /// transaction: nothing is half-done. A certificate already revoked (by
    /// `carepki revoke`) is left as it was. Fails with
    /// [`StoreError::Conflict`] for a card that changed since the caller saw
    /// it, one revoked already, one without certificates, or a finding
    /// resolved already; nothing is stored then.
    pub async fn revoke_card_orders(
        &self,
        revocation: &CardRevocation,
        actor: &str,
        at: i64,
    ) -> Result<CardRevocationDone> {
        if revocation.orders.is_empty() && revocation.resolve_finding.is_none() {
            return Err(invalid("orders", "no card to revoke"));
        }
        one_line("reason", &revocation.reason, 64)?;
        one_line("action", &revocation.action, 64)?;
        if let Some((_, resolution)) = &revocation.resolve_finding
            && resolution.trim().is_empty()
        {
            return Err(invalid("resolution", "say how the finding was resolved"));
        }
        let op = Op::RevokeOrders(Box::new(revocation.clone()));
        match self.submit_cardreg(actor, at, op).await? {
            CardRegOutput::Revoked(d) => Ok(*d),
            other => unreachable!("revoke_card_orders answered {other:?}"),
        }
    }

    /// The card orders tied to organisation `org_oid` (staff and actor cards,
    /// and temporary cards standing in for them), by id.
    pub async fn card_orders_of_org(&self, org_oid: &str) -> Result<Vec<CardOrderRow>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM card_orders WHERE org_oid = $1 ORDER BY id"
        )))
        .bind(org_oid)
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(order_from_row).collect()
    }

    /// Every card order of a holder number, whatever its state, by id.
    pub async fn card_orders_of_holder_all(
        &self,
        holder_number: &str,
    ) -> Result<Vec<CardOrderRow>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM card_orders WHERE holder_number = $1 ORDER BY id"
        )))
        .bind(holder_number)
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(order_from_row).collect()
    }

    /// Every registration point, by id.
    pub async fn regpoints(&self) -> Result<Vec<RegPointRow>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {POINT_COLUMNS} FROM registration_points ORDER BY id"
        )))
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(point_from_row).collect()
    }

    /// The registration point with this id.
    pub async fn regpoint(&self, id: i64) -> Result<Option<RegPointRow>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {POINT_COLUMNS} FROM registration_points WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.inner.pool)
        .await?;
        row.as_ref().map(point_from_row).transpose()
    }

    /// The registrar with this id.
    pub async fn registrar(&self, id: i64) -> Result<Option<RegistrarRow>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {REGISTRAR_COLUMNS} FROM registrars WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.inner.pool)
        .await?;
        row.as_ref().map(registrar_from_row).transpose()
    }

    /// The registrars of a point, by id.
    pub async fn registrars_of_point(&self, point_id: i64) -> Result<Vec<RegistrarRow>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {REGISTRAR_COLUMNS} FROM registrars WHERE point_id = $1 ORDER BY id"
        )))
        .bind(point_id)
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(registrar_from_row).collect()
    }

    /// A registrar's training certificate (the PDF's bytes).
    pub async fn registrar_training(&self, id: i64) -> Result<Option<Vec<u8>>> {
        Ok(
            sqlx::query_scalar("SELECT training_pdf FROM registrars WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.inner.pool)
                .await?,
        )
    }

    /// The powers of attorney given to a point (also the revoked ones), by id.
    pub async fn poas_of_point(&self, point_id: i64) -> Result<Vec<PoaRow>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {POA_COLUMNS} FROM powers_of_attorney WHERE point_id = $1 ORDER BY id"
        )))
        .bind(point_id)
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(poa_from_row).collect()
    }

    /// The power of attorney with this id.
    pub async fn poa(&self, id: i64) -> Result<Option<PoaRow>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {POA_COLUMNS} FROM powers_of_attorney WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.inner.pool)
        .await?;
        row.as_ref().map(poa_from_row).transpose()
    }

    /// The card order with this id.
    pub async fn card_order(&self, id: i64) -> Result<Option<CardOrderRow>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM card_orders WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.inner.pool)
        .await?;
        row.as_ref().map(order_from_row).transpose()
    }

    /// The card orders of a point, by id.
    pub async fn card_orders_of_point(&self, point_id: i64) -> Result<Vec<CardOrderRow>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM card_orders WHERE point_id = $1 ORDER BY id"
        )))
        .bind(point_id)
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(order_from_row).collect()
    }

    /// How many card orders there are (to assign holder numbers).
    pub async fn card_orders_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM card_orders")
            .fetch_one(&self.inner.pool)
            .await?)
    }

    /// A new CarePKI-assigned holder number's sequence value (staff and actor
    /// cards): unique across processes, never reused (one row per number, the
    /// database's own sequence); gaps left by refused orders are harmless.
    pub async fn next_holder_number(&self, actor: &str, at: i64) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO holder_numbers (assigned_by, assigned_at) VALUES ($1, $2) RETURNING n",
        )
        .bind(actor)
        .bind(at)
        .fetch_one(&self.inner.pool)
        .await?)
    }

    /// The card orders of a holder number in `state`, by id.
    pub async fn card_orders_of_holder(
        &self,
        holder_number: &str,
        state: &str,
    ) -> Result<Vec<CardOrderRow>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM card_orders WHERE holder_number = $1 AND state = $2 \
             ORDER BY id"
        )))
        .bind(holder_number)
        .bind(state)
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(order_from_row).collect()
    }

    /// The card order whose card holds the certificate `serial` (its
    /// authentication or signature certificate), if any.
    pub async fn card_order_by_serial(&self, serial: &str) -> Result<Option<CardOrderRow>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM card_orders WHERE auth_serial = $1 OR sign_serial = $1"
        )))
        .bind(serial)
        .fetch_optional(&self.inner.pool)
        .await?;
        row.as_ref().map(order_from_row).transpose()
    }

    /// The orders that replace the card of order `order_id` ("as before":
    /// renewals and re-orders; not temporary cards), by id.
    pub async fn card_orders_replacing(&self, order_id: i64) -> Result<Vec<CardOrderRow>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM card_orders WHERE replaces_order = $1 \
             AND kind <> 'temporary' ORDER BY id"
        )))
        .bind(order_id)
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(order_from_row).collect()
    }

    /// Records organisation `org_oid`'s application for a registration point
    /// named `name`, with the agreement (text version `agreement_version`)
    /// signed by `actor` (its administrator) at `at`; one pending application
    /// per organisation; audited `regpoint.apply`.
    pub async fn apply_regpoint(
        &self,
        org_oid: &str,
        name: &str,
        agreement_version: &str,
        actor: &str,
        at: i64,
    ) -> Result<RegPointApplicationRow> {
        one_line("name", name, 200)?;
        one_line("agreement_version", agreement_version, 64)?;
        let op = Op::ApplyPoint {
            org_oid: org_oid.to_owned(),
            name: name.to_owned(),
            agreement_version: agreement_version.to_owned(),
        };
        match self.submit_cardreg(actor, at, op).await? {
            CardRegOutput::PointApplication(a) => Ok(a),
            other => unreachable!("apply_regpoint answered {other:?}"),
        }
    }

    /// A CA officer (`actor`) decides a pending application: with no
    /// `reject_reason` it is accepted and its point created in the same
    /// transaction (`regpoint.create`), else rejected; audited
    /// `regpoint.application.accept|reject`.
    pub async fn decide_regpoint_application(
        &self,
        id: i64,
        reject_reason: Option<&str>,
        actor: &str,
        at: i64,
    ) -> Result<RegPointApplicationRow> {
        if let Some(r) = reject_reason {
            one_line("reason", r, 500)?;
        }
        let op = Op::DecidePointApplication {
            id,
            reject_reason: reject_reason.map(str::to_owned),
        };
        match self.submit_cardreg(actor, at, op).await? {
            CardRegOutput::PointApplication(a) => Ok(a),
            other => unreachable!("decide_regpoint_application answered {other:?}"),
        }
    }

    /// The registration point application with this id.
    pub async fn regpoint_application(&self, id: i64) -> Result<Option<RegPointApplicationRow>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {APPLICATION_COLUMNS} FROM regpoint_applications WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.inner.pool)
        .await?;
        row.as_ref().map(application_from_row).transpose()
    }

    /// Registration point applications, by id: of one organisation, or (with
    /// `None`) every organisation's in `state` (e.g. the officer's `pending`).
    pub async fn regpoint_applications(
        &self,
        org_oid: Option<&str>,
        state: Option<&str>,
    ) -> Result<Vec<RegPointApplicationRow>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {APPLICATION_COLUMNS} FROM regpoint_applications \
             WHERE ($1 IS NULL OR org_oid = $1) AND ($2 IS NULL OR state = $2) ORDER BY id"
        )))
        .bind(org_oid)
        .bind(state)
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(application_from_row).collect()
    }

    /// The registration points of an organisation, by id.
    pub async fn regpoints_of_org(&self, org_oid: &str) -> Result<Vec<RegPointRow>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {POINT_COLUMNS} FROM registration_points WHERE org_oid = $1 ORDER BY id"
        )))
        .bind(org_oid)
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(point_from_row).collect()
    }
}
