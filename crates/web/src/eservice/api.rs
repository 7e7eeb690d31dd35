//! The e-service's JSON API under `/api/v1` (issue 4, point 9): everything the
//! pages do. Callers authenticate with a session cookie (changes then need the
//! `X-CSRF-Token` header) or an organisation's API token
//! (`Authorization: Bearer`). Errors are RFC 9457 problem documents with the
//! stable `code` of the refusal and each `problems` entry.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use carepki_ra::eservice::{EsError, EsResult, MAX_CONFORMITY_BYTES};
use serde::Deserialize;
use serde_json::json;

use super::{Caller, EsWeb, problem_response, too_many, unauthorized};

/// Uploads may be this large; the e-service refuses more than its own limits
/// with a clear message, and larger bodies are cut off with 413.
const UPLOAD_LIMIT: usize = MAX_CONFORMITY_BYTES + 1024 * 1024;

pub(super) fn routes() -> Router<EsWeb> {
    Router::new()
        .route("/api/v1/me", get(me))
        .route("/api/v1/session/organisation", post(choose_org))
        .route("/api/v1/accounts", post(create_account))
        .route("/api/v1/account", get(account))
        .route("/api/v1/invitations", post(invite))
        .route("/api/v1/invitations/accept", post(accept))
        .route(
            "/api/v1/applications",
            get(list_applications).post(create_application),
        )
        .route("/api/v1/applications/{id}", get(application))
        .route(
            "/api/v1/applications/{id}/csr",
            post(attach_csr).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/api/v1/applications/{id}/conformity",
            post(attach_conformity).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/api/v1/applications/{id}/attachments/{attachment}",
            get(attachment),
        )
        .route("/api/v1/applications/{id}/syssig-basis", post(syssig_basis))
        .route("/api/v1/applications/{id}/submit", post(submit))
        .route("/api/v1/applications/{id}/withdraw", post(withdraw))
        .route("/api/v1/applications/{id}/provide-info", post(provide_info))
        .route("/api/v1/applications/{id}/start-review", post(start_review))
        .route("/api/v1/applications/{id}/approve", post(approve))
        .route("/api/v1/applications/{id}/issue", post(issue))
        .route(
            "/api/v1/applications/{id}/request-more-info",
            post(request_more_info),
        )
        .route("/api/v1/applications/{id}/reject", post(reject))
        .route("/api/v1/queue", get(queue))
        .route("/api/v1/my-certificates", get(my_certificates))
        .route("/api/v1/my-certificates/{serial}", get(my_certificate))
        .route(
            "/api/v1/my-certificates/{serial}/der",
            get(my_certificate_der),
        )
        .route(
            "/api/v1/my-certificates/{serial}/pem",
            get(my_certificate_pem),
        )
        .route(
            "/api/v1/my-certificates/{serial}/chain",
            get(my_certificate_chain),
        )
        .route("/api/v1/revocations", post(revoke))
        .route("/api/v1/cards", get(org_cards))
        .route("/api/v1/cards/{id}/revocation", post(revoke_org_card))
        .route("/api/v1/api-tokens", get(api_tokens).post(create_api_token))
        .route("/api/v1/api-tokens/{id}", delete(revoke_api_token))
}

fn now() -> i64 {
    carepki_ca::authority::now_unix()
}

/// Authenticates; for a change (`mutate`), also checks the CSRF header of a
/// session caller.
pub(super) async fn caller(
    web: &EsWeb,
    headers: &HeaderMap,
    uri: &Uri,
    mutate: bool,
) -> Result<Caller, Response> {
    let path = uri.path();
    match web.api_caller(headers, now()).await {
        Ok(Some(c)) => {
            let given = headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
            if mutate && !web.csrf_ok(&c, given) {
                return Err(problem_response(
                    &EsError::forbidden(
                        "csrf",
                        "a change made with a session needs the X-CSRF-Token header (from \
                         GET /api/v1/me); a system uses an API token instead",
                    ),
                    path,
                ));
            }
            Ok(c)
        }
        Ok(None) => Err(unauthorized(path)),
        Err(e) => Err(problem_response(&e, path)),
    }
}

/// A JSON answer, or the problem.
pub(super) fn answer<T: serde::Serialize>(
    uri: &Uri,
    status: StatusCode,
    r: EsResult<T>,
) -> Response {
    match r {
        Ok(v) => (status, axum::Json(v)).into_response(),
        Err(e) => problem_response(&e, uri.path()),
    }
}

/// A JSON body, or a problem that says what is wrong with it.
pub(super) fn body<T: for<'de> Deserialize<'de>>(bytes: &Bytes) -> EsResult<T> {
    serde_json::from_slice(bytes).map_err(|e| {
        EsError::invalid(
            "invalid_body",
            format!("the request body is not the JSON this operation takes: {e}"),
        )
    })
}

macro_rules! authed {
    ($web:expr, $headers:expr, $uri:expr, $mutate:expr) => {
        match caller(&$web, &$headers, &$uri, $mutate).await {
            Ok(c) => c,
            Err(resp) => return resp,
        }
    };
}

async fn me(State(web): State<EsWeb>, headers: HeaderMap, uri: Uri) -> Response {
    let c = authed!(web, headers, uri, false);
    let p = &c.principal;
    let organisations = match &p.user {
        Some(u) => match web.es.organisations_of(u.id).await {
            Ok(o) => o,
            Err(e) => return problem_response(&e, uri.path()),
        },
        None => p.org.iter().cloned().collect(),
    };
    let csrf = c.session_token.as_deref().map(|t| web.keys.csrf_token(t));
    axum::Json(json!({
        "actor": p.actor,
        "user": p.user,
        "acting_for": p.org,
        "organisations": organisations,
        "ca_officer": p.officer,
        "auditor": p.auditor,
        "csrf_token": csrf,
    }))
    .into_response()
}

#[derive(Deserialize)]
struct OrgBody {
    org_oid: String,
}

async fn choose_org(
    State(web): State<EsWeb>,
    headers: HeaderMap,
    uri: Uri,
    bytes: Bytes,
) -> Response {
    let c = authed!(web, headers, uri, true);
    let r = async {
        let b: OrgBody = body(&bytes)?;
        let user = c.principal.user.as_ref().ok_or_else(|| {
            EsError::forbidden("user_only", "an API token always acts for its organisation")
        })?;
        let p = web
            .es
            .principal_for_user(user.id, Some(b.org_oid.trim()))
            .await?;
        let org = p
            .org
            .clone()
            .ok_or_else(|| EsError::not_found(&format!("organisation {}", b.org_oid)))?;
        if let Some(s) = &c.session_token {
            web.es
                .store()
                .set_session_org(&super::session::session_hash(s), Some(&org.oid))
                .await?;
        }
        Ok(org)
    }
    .await;
    answer(&uri, StatusCode::OK, r)
}

async fn create_account(
    State(web): State<EsWeb>,
    headers: HeaderMap,
    uri: Uri,
    bytes: Bytes,
) -> Response {
    let c = authed!(web, headers, uri, true);
    let r = async {
        let b: OrgBody = body(&bytes)?;
        let m = web
            .es
            .create_customer_account(&c.principal, &b.org_oid, now())
            .await?;
        if let Some(s) = &c.session_token {
            web.es
                .store()
                .set_session_org(&super::session::session_hash(s), Some(&m.org_oid))
                .await?;
        }
        Ok(m)
    }
    .await;
    answer(&uri, StatusCode::CREATED, r)
}

async fn account(State(web): State<EsWeb>, headers: HeaderMap, uri: Uri) -> Response {
    let c = authed!(web, headers, uri, false);
    answer(
        &uri,
        StatusCode::OK,
        web.es.customer_account(&c.principal).await,
    )
}

#[derive(Deserialize)]
struct InviteBody {
    email: String,
    role: String,
    application_id: Option<i64>,
    language: Option<String>,
}

async fn invite(State(web): State<EsWeb>, headers: HeaderMap, uri: Uri, bytes: Bytes) -> Response {
    let c = authed!(web, headers, uri, true);
    if let Err(retry) =
        web.limiter
            .check("invite", &c.principal.actor, INVITES_PER_HOUR, 3600, now())
    {
        return too_many(uri.path(), retry);
    }
    let r = async {
        let b: InviteBody = body(&bytes)?;
        let language = b
            .language
            .unwrap_or_else(|| c.principal.language().to_owned());
        let invited = web
            .es
            .invite(
                &c.principal,
                &b.email,
                &b.role,
                b.application_id,
                &language,
                now(),
            )
            .await?;
        Ok(json!({ "invitation": invited.invitation }))
    }
    .await;
    answer(&uri, StatusCode::CREATED, r)
}

/// How many invitations one person may send in an hour.
pub(crate) const INVITES_PER_HOUR: u32 = 30;

#[derive(Deserialize)]
struct TokenBody {
    token: String,
}

async fn accept(State(web): State<EsWeb>, headers: HeaderMap, uri: Uri, bytes: Bytes) -> Response {
    let c = authed!(web, headers, uri, true);
    let r = async {
        let b: TokenBody = body(&bytes)?;
        let invitation = web
            .es
            .accept_invitation(&c.principal, &b.token, now())
            .await?;
        // He now acts for the organisation that invited him.
        if let Some(s) = &c.session_token {
            web.es
                .store()
                .set_session_org(&super::session::session_hash(s), Some(&invitation.org_oid))
                .await?;
        }
        Ok(invitation)
    }
    .await;
    answer(&uri, StatusCode::OK, r)
}

async fn list_applications(State(web): State<EsWeb>, headers: HeaderMap, uri: Uri) -> Response {
    let c = authed!(web, headers, uri, false);
    answer(
        &uri,
        StatusCode::OK,
        web.es.applications(&c.principal).await,
    )
}

#[derive(Deserialize)]
struct NewAppBody {
    profile: String,
}

async fn create_application(
    State(web): State<EsWeb>,
    headers: HeaderMap,
    uri: Uri,
    bytes: Bytes,
) -> Response {
    let c = authed!(web, headers, uri, true);
    let r = async {
        let b: NewAppBody = body(&bytes)?;
        web.es
            .create_application(&c.principal, &b.profile, now())
            .await
    }
    .await;
    answer(&uri, StatusCode::CREATED, r)
}

async fn application(
    State(web): State<EsWeb>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<i64>,
) -> Response {
    let c = authed!(web, headers, uri, false);
    answer(
        &uri,
        StatusCode::OK,
        web.es.application(&c.principal, id).await,
    )
}

#[derive(Deserialize)]
struct VersionQuery {
    version: Option<i64>,
    filename: Option<String>,
}

async fn attach_csr(
    State(web): State<EsWeb>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<i64>,
    Query(q): Query<VersionQuery>,
    bytes: Bytes,
) -> Response {
    let c = authed!(web, headers, uri, true);
    let r = web
        .es
        .attach_csr(
            &c.principal,
            id,
            q.version,
            q.filename.as_deref().unwrap_or("request.csr"),
            &bytes,
            now(),
        )
        .await
        .map(|(application, csr)| json!({"application": application, "csr": csr}));
    answer(&uri, StatusCode::OK, r)
}

async fn attach_conformity(
    State(web): State<EsWeb>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<i64>,
    Query(q): Query<VersionQuery>,
    bytes: Bytes,
) -> Response {
    let c = authed!(web, headers, uri, true);
    let r = web
        .es
        .attach_conformity(
            &c.principal,
            id,
            q.version,
            q.filename.as_deref().unwrap_or("conformity.pdf"),
            &bytes,
            now(),
        )
        .await;
    answer(&uri, StatusCode::OK, r)
}

async fn attachment(
    State(web): State<EsWeb>,
    headers: HeaderMap,
    uri: Uri,
    Path((id, attachment)): Path<(i64, i64)>,
) -> Response {
    let c = authed!(web, headers, uri, false);
    match web.es.attachment(&c.principal, id, attachment).await {
        Ok((meta, bytes)) => download(bytes, &meta.content_type, &meta.filename),
        Err(e) => problem_response(&e, uri.path()),
    }
}

/// A file download: its type, `attachment` disposition with a safe name,
/// `nosniff`.
pub(crate) fn download(bytes: Vec<u8>, content_type: &str, filename: &str) -> Response {
    let safe: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut resp = (StatusCode::OK, bytes).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    resp
}

#[derive(Deserialize, Default)]
struct ActBody {
    version: Option<i64>,
    message: Option<String>,
    reason: Option<String>,
    basis: Option<String>,
}

fn act_body(bytes: &Bytes) -> EsResult<ActBody> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        Ok(ActBody::default())
    } else {
        body(bytes)
    }
}

macro_rules! action {
    ($name:ident, |$web:ident, $p:ident, $id:ident, $b:ident| $call:expr) => {
        async fn $name(
            State($web): State<EsWeb>,
            headers: HeaderMap,
            uri: Uri,
            Path($id): Path<i64>,
            bytes: Bytes,
        ) -> Response {
            let c = authed!($web, headers, uri, true);
            let $p = &c.principal;
            let r = async {
                let $b = act_body(&bytes)?;
                $call.await
            }
            .await;
            answer(&uri, StatusCode::OK, r)
        }
    };
}

action!(syssig_basis, |web, p, id, b| web.es.set_syssig_basis(
    p,
    id,
    b.version,
    b.basis.as_deref().unwrap_or(""),
    now()
));
action!(submit, |web, p, id, b| web.es.submit(
    p,
    id,
    b.version,
    now()
));
action!(withdraw, |web, p, id, b| web.es.withdraw(
    p,
    id,
    b.version,
    now()
));
action!(provide_info, |web, p, id, b| web.es.provide_info(
    p,
    id,
    b.version,
    now()
));
action!(start_review, |web, p, id, b| web.es.start_review(
    p,
    id,
    b.version,
    now()
));
action!(approve, |web, p, id, b| web.es.approve(
    p,
    id,
    b.version,
    now()
));
action!(issue, |web, p, id, b| {
    let _ = &b;
    web.es.issue(p, id, now())
});
action!(request_more_info, |web, p, id, b| web.es.request_more_info(
    p,
    id,
    b.version,
    b.message.as_deref().unwrap_or(""),
    now()
));
action!(reject, |web, p, id, b| web.es.reject(
    p,
    id,
    b.version,
    b.reason.as_deref().unwrap_or(""),
    now()
));

async fn queue(State(web): State<EsWeb>, headers: HeaderMap, uri: Uri) -> Response {
    let c = authed!(web, headers, uri, false);
    answer(
        &uri,
        StatusCode::OK,
        web.es.queue(&c.principal, now()).await,
    )
}

async fn my_certificates(State(web): State<EsWeb>, headers: HeaderMap, uri: Uri) -> Response {
    let c = authed!(web, headers, uri, false);
    answer(
        &uri,
        StatusCode::OK,
        web.es.certificates(&c.principal).await,
    )
}

async fn my_certificate(
    State(web): State<EsWeb>,
    headers: HeaderMap,
    uri: Uri,
    Path(serial): Path<String>,
) -> Response {
    let c = authed!(web, headers, uri, false);
    answer(
        &uri,
        StatusCode::OK,
        web.es.certificate(&c.principal, &serial).await,
    )
}

async fn files(web: &EsWeb, headers: &HeaderMap, uri: &Uri, serial: &str, which: &str) -> Response {
    let c = match caller(web, headers, uri, false).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    match web.es.certificate_files(&c.principal, serial).await {
        Ok(f) => match which {
            "der" => download(
                f.der,
                "application/pkix-cert",
                &format!("{}.der", f.view.serial),
            ),
            "pem" => download(
                f.pem.into_bytes(),
                "application/x-pem-file",
                &format!("{}.pem", f.view.serial),
            ),
            _ => download(
                f.chain_pem.into_bytes(),
                "application/x-pem-file",
                &format!("{}-chain.pem", f.view.serial),
            ),
        },
        Err(e) => problem_response(&e, uri.path()),
    }
}

async fn my_certificate_der(
    State(web): State<EsWeb>,
    headers: HeaderMap,
    uri: Uri,
    Path(serial): Path<String>,
) -> Response {
    files(&web, &headers, &uri, &serial, "der").await
}

async fn my_certificate_pem(
    State(web): State<EsWeb>,
    headers: HeaderMap,
    uri: Uri,
    Path(serial): Path<String>,
) -> Response {
    files(&web, &headers, &uri, &serial, "pem").await
}

async fn my_certificate_chain(
    State(web): State<EsWeb>,
    headers: HeaderMap,
    uri: Uri,
    Path(serial): Path<String>,
) -> Response {
    files(&web, &headers, &uri, &serial, "chain").await
}

#[derive(Deserialize)]
struct RevokeBody {
    serial: String,
    reason: String,
    #[serde(default)]
    confirm: bool,
}

async fn revoke(State(web): State<EsWeb>, headers: HeaderMap, uri: Uri, bytes: Bytes) -> Response {
    let c = authed!(web, headers, uri, true);
    let r = async {
        let b: RevokeBody = body(&bytes)?;
        web.es
            .request_revocation(&c.principal, &b.serial, &b.reason, b.confirm, now())
            .await
    }
    .await;
    answer(&uri, StatusCode::OK, r)
}

async fn org_cards(State(web): State<EsWeb>, headers: HeaderMap, uri: Uri) -> Response {
    let c = authed!(web, headers, uri, false);
    answer(
        &uri,
        StatusCode::OK,
        web.es.cards().organisation_cards(&c.principal).await,
    )
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CardRevokeBody {
    reason: Option<String>,
    #[serde(default)]
    confirm: bool,
}

async fn revoke_org_card(
    State(web): State<EsWeb>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> Response {
    let c = authed!(web, headers, uri, true);
    let r = async {
        let b: CardRevokeBody = if bytes.iter().all(u8::is_ascii_whitespace) {
            CardRevokeBody::default()
        } else {
            body(&bytes)?
        };
        web.es
            .cards()
            .revoke_organisation_card(&c.principal, id, b.reason.as_deref(), b.confirm, now())
            .await
    }
    .await;
    answer(&uri, StatusCode::OK, r)
}

async fn api_tokens(State(web): State<EsWeb>, headers: HeaderMap, uri: Uri) -> Response {
    let c = authed!(web, headers, uri, false);
    answer(&uri, StatusCode::OK, web.es.api_tokens(&c.principal).await)
}

#[derive(Deserialize)]
struct NewTokenBody {
    name: String,
    days: Option<i64>,
}

async fn create_api_token(
    State(web): State<EsWeb>,
    headers: HeaderMap,
    uri: Uri,
    bytes: Bytes,
) -> Response {
    let c = authed!(web, headers, uri, true);
    let r = async {
        let b: NewTokenBody = body(&bytes)?;
        let t = web
            .es
            .create_api_token(&c.principal, &b.name, b.days.unwrap_or(90), now())
            .await?;
        Ok(json!({"token": t.token, "api_token": t.row}))
    }
    .await;
    answer(&uri, StatusCode::CREATED, r)
}

async fn revoke_api_token(
    State(web): State<EsWeb>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<i64>,
) -> Response {
    let c = authed!(web, headers, uri, true);
    let r = web
        .es
        .revoke_api_token(&c.principal, id, now())
        .await
        .map(|()| json!({"revoked": id}));
    answer(&uri, StatusCode::OK, r)
}
