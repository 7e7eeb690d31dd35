//! The card registration system in the e-service (issue 5, point 2;
//! R-REG-POINT, R-ORDER): the JSON API (the pages are in
//! [`super::registration_pages`] and share the registrar application's
//! multipart form and the officer's decision from here) with which an
//! organisation's administrator applies for a registration point (signing its
//! agreement), applies for his organisation's users to become registrars with
//! their training certificate, and, for a private organisation, gives a public
//! point a power of attorney and withdraws it; and with which a CA officer
//! accepts or rejects point applications and approves registrars after
//! reading their training certificate.
//!
//! Every rule and permission is `carepki_ra::cards`' ([`CardService`]
//! through `web.es.cards()`); the handlers here authenticate, check the CSRF
//! token, read the body and answer, exactly as the organisation's card routes
//! of [`super::api`] do. The API is
//! documented in `openapi/openapi.json` and `docs/ESERVICE.md`, the pages'
//! contract in `docs/ESERVICE-PAGES.md`.
//!
//! [`CardService`]: carepki_ra::cards::CardService

use axum::Router;
use axum::body::Bytes;
use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use carepki_ra::cards::Officer;
use carepki_ra::eservice::{ErrorKind, EsError, EsResult, MAX_CONFORMITY_BYTES};
use serde::Deserialize;

use super::api::{UPLOAD_LIMIT, answer, body, caller, download, now};
use super::{EsWeb, problem_response};

/// The notices of the registration pages' forms (`?done=<what>`, each
/// `es-done-<what>` in `locales/*/registration.ftl`).
pub const DONE: &[&str] = &[
    "point-applied",
    "registrar-applied",
    "poa-given",
    "poa-withdrawn",
    "point-accepted",
    "point-rejected",
    "registrar-approved",
];

/// The routes: the API under `/api/v1` and the pages (which get the pages'
/// headers in [`super::router`]).
pub(super) fn api_routes() -> Router<EsWeb> {
    Router::new()
        .route("/api/v1/registration-points", get(api_points))
        .route(
            "/api/v1/registration-point-applications",
            get(api_point_applications).post(api_apply_point),
        )
        .route(
            "/api/v1/registration-point-applications/{id}/decision",
            post(api_decide_point),
        )
        .route(
            "/api/v1/registration-points/{id}/registrars",
            post(api_apply_registrar).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/api/v1/registrars/{id}/approval",
            post(api_approve_registrar),
        )
        .route("/api/v1/registrars/{id}/training", get(api_training))
        .route(
            "/api/v1/powers-of-attorney",
            get(api_poas).post(api_give_poa),
        )
        .route(
            "/api/v1/powers-of-attorney/{id}/withdrawal",
            post(api_withdraw_poa),
        )
}

// ---------------------------------------------------------------------------------
// The uploaded registrar application (API and page alike)
// ---------------------------------------------------------------------------------

/// A registrar application sent as `multipart/form-data`: the user, the
/// training certificate, and (from the page) the CSRF token.
#[derive(Debug, Default)]
pub(super) struct RegistrarForm {
    pub(super) csrf: Option<String>,
    user_id: Option<String>,
    filename: String,
    pub(super) bytes: Vec<u8>,
}

fn multipart_failed(e: &MultipartError) -> EsError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        EsError::new(
            ErrorKind::TooLarge,
            "upload.too_large",
            format!(
                "the file is too large: a training certificate is at most {} MB",
                MAX_CONFORMITY_BYTES / (1024 * 1024)
            ),
        )
    } else {
        EsError::invalid(
            "upload.unreadable",
            "the upload could not be read: choose the file and send the form again",
        )
    }
}

pub(super) async fn read_registrar_form(
    mp: Result<Multipart, MultipartRejection>,
) -> EsResult<RegistrarForm> {
    let mut mp = mp.map_err(|_| {
        EsError::invalid(
            "upload.unreadable",
            "send the registrar application as multipart/form-data with the fields `user_id` \
             and `file` (the training certificate, a PDF)",
        )
    })?;
    let mut form = RegistrarForm::default();
    while let Some(field) = mp.next_field().await.map_err(|e| multipart_failed(&e))? {
        match field.name().unwrap_or("") {
            "csrf" => form.csrf = Some(field.text().await.map_err(|e| multipart_failed(&e))?),
            "user_id" => {
                form.user_id = Some(field.text().await.map_err(|e| multipart_failed(&e))?);
            }
            "file" => {
                form.filename = field.file_name().unwrap_or("training.pdf").to_owned();
                form.bytes = field
                    .bytes()
                    .await
                    .map_err(|e| multipart_failed(&e))?
                    .to_vec();
            }
            _ => {
                field.bytes().await.map_err(|e| multipart_failed(&e))?;
            }
        }
    }
    Ok(form)
}

impl RegistrarForm {
    /// The user the administrator applies for.
    pub(super) fn user_id(&self) -> EsResult<i64> {
        self.user_id
            .as_deref()
            .and_then(|v| v.trim().parse::<i64>().ok())
            .ok_or_else(|| {
                EsError::invalid(
                    "registrar.user_id",
                    "choose the user who becomes a registrar: `user_id` is his user id, a \
                     number (see the members of the customer account)",
                )
            })
    }

    /// The file name, or a default when the client sent none.
    pub(super) fn filename(&self) -> &str {
        if self.filename.trim().is_empty() {
            "training.pdf"
        } else {
            &self.filename
        }
    }
}

// ---------------------------------------------------------------------------------
// The API
// ---------------------------------------------------------------------------------

macro_rules! api_caller {
    ($web:expr, $headers:expr, $uri:expr, $mutate:expr) => {
        match caller(&$web, &$headers, &$uri, $mutate).await {
            Ok(c) => c,
            Err(resp) => return resp,
        }
    };
}

async fn api_points(State(web): State<EsWeb>, headers: HeaderMap, uri: Uri) -> Response {
    let c = api_caller!(web, headers, uri, false);
    answer(
        &uri,
        StatusCode::OK,
        web.es.cards().visible_points(&c.principal).await,
    )
}

async fn api_point_applications(
    State(web): State<EsWeb>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let c = api_caller!(web, headers, uri, false);
    answer(
        &uri,
        StatusCode::OK,
        web.es.cards().point_applications(&c.principal).await,
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApplyPointBody {
    name: String,
    #[serde(default)]
    agreement_signed: bool,
}

async fn api_apply_point(
    State(web): State<EsWeb>,
    headers: HeaderMap,
    uri: Uri,
    bytes: Bytes,
) -> Response {
    let c = api_caller!(web, headers, uri, true);
    let r = async {
        let b: ApplyPointBody = body(&bytes)?;
        web.es
            .cards()
            .apply_for_point(&c.principal, &b.name, b.agreement_signed, now())
            .await
    }
    .await;
    answer(&uri, StatusCode::CREATED, r)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionBody {
    decision: String,
    reason: Option<String>,
}

/// The officer's decision: `None` accepts, `Some(reason)` rejects.
pub(super) fn decision(decision: &str, reason: Option<&str>) -> EsResult<Option<String>> {
    match decision {
        "accept" => Ok(None),
        "reject" => Ok(Some(reason.unwrap_or("").to_owned())),
        other => Err(EsError::invalid(
            "regpoint.decision",
            format!("the decision is `accept` or `reject` (with a `reason`), not `{other}`"),
        )),
    }
}

async fn api_decide_point(
    State(web): State<EsWeb>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> Response {
    let c = api_caller!(web, headers, uri, true);
    let r = async {
        let officer = Officer::from_principal(&c.principal)?;
        let b: DecisionBody = body(&bytes)?;
        let reject = decision(&b.decision, b.reason.as_deref())?;
        web.es
            .cards()
            .decide_point_application(&officer, id, reject.as_deref(), now())
            .await
    }
    .await;
    answer(&uri, StatusCode::OK, r)
}

async fn api_apply_registrar(
    State(web): State<EsWeb>,
    headers: HeaderMap,
    uri: Uri,
    Path(point): Path<i64>,
    mp: Result<Multipart, MultipartRejection>,
) -> Response {
    let c = api_caller!(web, headers, uri, true);
    let r = async {
        let form = read_registrar_form(mp).await?;
        let user = form.user_id()?;
        web.es
            .cards()
            .apply_for_registrar(
                &c.principal,
                point,
                user,
                form.filename(),
                &form.bytes,
                now(),
            )
            .await
    }
    .await;
    answer(&uri, StatusCode::CREATED, r)
}

async fn api_approve_registrar(
    State(web): State<EsWeb>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<i64>,
) -> Response {
    let c = api_caller!(web, headers, uri, true);
    answer(
        &uri,
        StatusCode::OK,
        web.es
            .cards()
            .approve_registrar_as(&c.principal, id, now())
            .await,
    )
}

async fn api_training(
    State(web): State<EsWeb>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<i64>,
) -> Response {
    let c = api_caller!(web, headers, uri, false);
    match web.es.cards().registrar_training(&c.principal, id).await {
        Ok((registrar, pdf)) => download(pdf, "application/pdf", &registrar.training_filename),
        Err(e) => problem_response(&e, uri.path()),
    }
}

async fn api_poas(State(web): State<EsWeb>, headers: HeaderMap, uri: Uri) -> Response {
    let c = api_caller!(web, headers, uri, false);
    answer(
        &uri,
        StatusCode::OK,
        web.es.cards().powers_of_attorney_given(&c.principal).await,
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GivePoaBody {
    point_id: i64,
}

async fn api_give_poa(
    State(web): State<EsWeb>,
    headers: HeaderMap,
    uri: Uri,
    bytes: Bytes,
) -> Response {
    let c = api_caller!(web, headers, uri, true);
    let r = async {
        let b: GivePoaBody = body(&bytes)?;
        web.es
            .cards()
            .give_power_of_attorney(&c.principal, b.point_id, now())
            .await
    }
    .await;
    answer(&uri, StatusCode::CREATED, r)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WithdrawPoaBody {
    reason: String,
}

async fn api_withdraw_poa(
    State(web): State<EsWeb>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> Response {
    let c = api_caller!(web, headers, uri, true);
    let r = async {
        let b: WithdrawPoaBody = body(&bytes)?;
        web.es
            .cards()
            .withdraw_power_of_attorney(&c.principal, id, &b.reason, now())
            .await
    }
    .await;
    answer(&uri, StatusCode::OK, r)
}
