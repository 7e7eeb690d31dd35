//! The registration system's pages (issue 5, point 2; R-REG-POINT, R-ORDER):
//! `/registration` for an organisation's administrator and
//! `/registration/review` for a CA officer, with their forms. The API and
//! what both share (the registrar application's multipart form, the
//! officer's decision) are in [`super::registration`]; the pages' contract
//! is `docs/ESERVICE-PAGES.md`.

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use carepki_ra::cards::{Officer, REGPOINT_AGREEMENT_VERSION};
use carepki_ra::eservice::{EsError, EsResult};
use serde_json::{Value, json};

use super::api::{UPLOAD_LIMIT, now};
use super::pages::{
    Form, Page, PageQuery, csrf_of, csrf_refused, error_page, form_caller, org_names, page_query,
    see_other, signed_in, user_names,
};
use super::registration::read_registrar_form;
use super::{Caller, EsWeb};
use crate::i18n::PageLang;

/// The pages: `/registration` (the organisation's administrator) and
/// `/registration/review` (a CA officer), and their forms.
pub(super) fn page_routes() -> Router<EsWeb> {
    Router::new()
        .route("/registration", get(registration_page))
        .route("/registration/point-applications", post(apply_point))
        .route(
            "/registration/points/{id}/registrars",
            post(apply_registrar).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/registration/powers-of-attorney", post(give_poa))
        .route(
            "/registration/powers-of-attorney/{id}/withdraw",
            post(withdraw_poa),
        )
        .route("/registration/review", get(review_page))
        .route(
            "/registration/point-applications/{id}/accept",
            post(accept_point),
        )
        .route(
            "/registration/point-applications/{id}/reject",
            post(reject_point),
        )
        .route(
            "/registration/registrars/{id}/approve",
            post(approve_registrar),
        )
}

// ---------------------------------------------------------------------------------
// The administrator's page
// ---------------------------------------------------------------------------------

/// `GET /registration`: the organisation's registration points with their
/// registrars, the point application with the agreement, the applications,
/// the registrar applications, and (a private organisation) its powers of
/// attorney.
async fn registration_page(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let q = page_query(q);
    let c = match signed_in(&web, &lang, &headers, "/registration").await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    registration_view(&web, &lang, &c, q.done.as_deref(), None).await
}

/// The administrator's page with a notice or a refusal; a page he may not see
/// at all is the error page with the domain's refusal.
async fn registration_view(
    web: &EsWeb,
    lang: &PageLang,
    c: &Caller,
    done: Option<&str>,
    error: Option<&EsError>,
) -> Response {
    match registration_ctx(web, lang, c).await {
        Ok(page) => page.notice(done).error(error).render(web, Some(c)),
        Err(e) => error_page(web, lang, Some(c), &e, "/"),
    }
}

/// A registrar, a point application or a power of attorney as the pages show
/// them: its row and the names behind its ids.
fn registrar_json(r: &carepki_store::RegistrarRow, names: &HashMap<String, String>) -> Value {
    json!({
        "id": r.id,
        "user_id": r.user_id,
        "user_name": names.get(&format!("user:{}", r.user_id)),
        "state": r.state,
        "training_filename": r.training_filename,
        "training_size": r.training_size,
        "added_at": r.added_at,
        "approved_at": r.approved_at,
    })
}

async fn registration_ctx<'a>(web: &EsWeb, lang: &'a PageLang, c: &Caller) -> EsResult<Page<'a>> {
    let cards = web.es.cards();
    let p = &c.principal;
    // The administrator's page: the domain refuses anyone else (R-REG-POINT).
    let poas = cards.powers_of_attorney_given(p).await?;
    let visible = if p.officer {
        // An officer who administers an organisation sees its points here
        // (every point is on the review page).
        let org = p.org.as_ref().map(|o| o.oid.clone()).unwrap_or_default();
        let mut v = cards.visible_points(p).await?;
        v.points.retain(|pt| pt.point.org_oid == org);
        v
    } else {
        cards.visible_points(p).await?
    };
    let applications = if p.officer {
        let org = p.org.as_ref().map(|o| o.oid.clone());
        cards
            .store()
            .regpoint_applications(org.as_deref(), None)
            .await?
    } else {
        cards.point_applications(p).await?
    };
    let account = web.es.customer_account(p).await?;
    let orgs = org_names(web, lang.lang).await?;
    let private = match &p.org {
        Some(o) => cards
            .store()
            .organisation(&o.oid)
            .await?
            .is_some_and(|row| row.sector != "public"),
        None => false,
    };
    let actors: Vec<String> = visible
        .points
        .iter()
        .flat_map(|pt| pt.registrars.iter().map(|r| format!("user:{}", r.user_id)))
        .collect();
    let names = user_names(web, actors.iter().map(String::as_str)).await;
    let points: Vec<Value> = visible
        .points
        .iter()
        .map(|pt| {
            let registrars: Vec<Value> = pt
                .registrars
                .iter()
                .map(|r| registrar_json(r, &names))
                .collect();
            let taken: Vec<i64> = pt.registrars.iter().map(|r| r.user_id).collect();
            let candidates: Vec<Value> = account
                .members
                .iter()
                .filter(|m| !taken.contains(&m.user_id))
                .map(|m| json!({"user_id": m.user_id, "name": m.display_name, "email": m.email}))
                .collect();
            json!({
                "id": pt.point.id,
                "name": pt.point.name,
                "created_at": pt.point.created_at,
                "may_order": pt.may_order,
                "registrars": registrars,
                "candidates": candidates,
                "powers_of_attorney": pt.powers_of_attorney.iter().filter(|x| x.revoked_at.is_none()).map(|x| json!({
                    "id": x.id,
                    "grantor": orgs.get(&x.grantor_oid).cloned().unwrap_or_else(|| x.grantor_oid.clone()),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let point_names: HashMap<i64, String> = visible
        .public_points
        .iter()
        .map(|pt| (pt.id, pt.name.clone()))
        .collect();
    let public_points: Vec<Value> = visible
        .public_points
        .iter()
        .map(|pt| {
            json!({
                "id": pt.id,
                "name": pt.name,
                "org_name": orgs.get(&pt.org_oid).cloned().unwrap_or_else(|| pt.org_oid.clone()),
            })
        })
        .collect();
    let poas: Vec<Value> = poas
        .iter()
        .map(|x| {
            json!({
                "id": x.id,
                "point_id": x.point_id,
                "point_name": point_names.get(&x.point_id),
                "state": if x.revoked_at.is_some() { "withdrawn" } else { "live" },
                "granted_at": x.granted_at,
                "revoked_at": x.revoked_at,
                "revoke_reason": x.revoke_reason,
            })
        })
        .collect();
    let pending = applications.iter().any(|a| a.state == "pending");
    Ok(Page::new(
        lang,
        "es_registration.html",
        "registration",
        "/registration",
    )
    .with("points", points)
    .with("applications", applications)
    .with("pending", pending)
    .with("agreement_version", REGPOINT_AGREEMENT_VERSION)
    .with("private", private)
    .with("public_points", public_points)
    .with("poas", poas)
    .with("csrf", csrf_of(web, c)))
}

/// `POST /registration/point-applications`: the administrator applies for a
/// registration point and signs its agreement (R-REG-POINT).
async fn apply_point(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let form = Form::parse(&bytes);
    let c = match form_caller(&web, &lang, &headers, form.get("csrf"), "/registration").await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let signed = form.get("agreement_signed").is_some_and(|v| !v.is_empty());
    let r = web
        .es
        .cards()
        .apply_for_point(&c.principal, form.text("name"), signed, now())
        .await;
    match r {
        Ok(_) => see_other("/registration?done=point-applied"),
        Err(e) => registration_view(&web, &lang, &c, None, Some(&e)).await,
    }
}

/// `POST /registration/points/{id}/registrars` (multipart): the administrator
/// applies for a user of his organisation to become a registrar of the point,
/// with the training certificate (R-REG-POINT).
async fn apply_registrar(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
    mp: Result<Multipart, MultipartRejection>,
) -> Response {
    let back = "/registration";
    let c = match signed_in(&web, &lang, &headers, back).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let form = match read_registrar_form(mp).await {
        Ok(f) if web.csrf_ok(&c, f.csrf.as_deref()) => f,
        Ok(_) => return error_page(&web, &lang, Some(&c), &csrf_refused(), back),
        // Nothing was read that could change anything.
        Err(e) => return error_page(&web, &lang, Some(&c), &e, back),
    };
    let r = async {
        let Ok(Path(point)) = id else {
            return Err(EsError::not_found("the registration point"));
        };
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
    match r {
        Ok(_) => see_other("/registration?done=registrar-applied"),
        Err(e) => registration_view(&web, &lang, &c, None, Some(&e)).await,
    }
}

/// `POST /registration/powers-of-attorney`: a private organisation's
/// administrator gives a public point a power of attorney (R-ORDER).
async fn give_poa(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let form = Form::parse(&bytes);
    let c = match form_caller(&web, &lang, &headers, form.get("csrf"), "/registration").await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let r = async {
        let point = form.text("point_id").trim().parse::<i64>().map_err(|_| {
            EsError::invalid(
                "poa.point",
                "choose the public registration point that is to order cards for you",
            )
        })?;
        web.es
            .cards()
            .give_power_of_attorney(&c.principal, point, now())
            .await
    }
    .await;
    match r {
        Ok(_) => see_other("/registration?done=poa-given"),
        Err(e) => registration_view(&web, &lang, &c, None, Some(&e)).await,
    }
}

/// `POST /registration/powers-of-attorney/{id}/withdraw`: the administrator
/// withdraws his organisation's power of attorney, with a reason.
async fn withdraw_poa(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
    bytes: Bytes,
) -> Response {
    let form = Form::parse(&bytes);
    let c = match form_caller(&web, &lang, &headers, form.get("csrf"), "/registration").await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let r = match id {
        Ok(Path(id)) => {
            let reason = form.text("reason").trim();
            if reason.is_empty() {
                Err(EsError::invalid(
                    "poa.reason",
                    "say why the power of attorney is withdrawn",
                ))
            } else {
                web.es
                    .cards()
                    .withdraw_power_of_attorney(&c.principal, id, reason, now())
                    .await
            }
        }
        Err(_) => Err(EsError::not_found("the power of attorney")),
    };
    match r {
        Ok(_) => see_other("/registration?done=poa-withdrawn"),
        Err(e) => registration_view(&web, &lang, &c, None, Some(&e)).await,
    }
}

// ---------------------------------------------------------------------------------
// The CA officer's page
// ---------------------------------------------------------------------------------

/// `GET /registration/review`: the pending point applications and the
/// pending registrars, with their training certificates (R-REG-POINT).
async fn review_page(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let q = page_query(q);
    let c = match signed_in(&web, &lang, &headers, "/registration/review").await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    review_view(&web, &lang, &c, q.done.as_deref(), None).await
}

async fn review_view(
    web: &EsWeb,
    lang: &PageLang,
    c: &Caller,
    done: Option<&str>,
    error: Option<&EsError>,
) -> Response {
    match review_ctx(web, lang, c).await {
        Ok(page) => page.notice(done).error(error).render(web, Some(c)),
        Err(e) => error_page(web, lang, Some(c), &e, "/"),
    }
}

async fn review_ctx<'a>(web: &EsWeb, lang: &'a PageLang, c: &Caller) -> EsResult<Page<'a>> {
    let p = &c.principal;
    Officer::from_principal(p)?;
    let cards = web.es.cards();
    let orgs = org_names(web, lang.lang).await?;
    let org_name = |oid: &str| orgs.get(oid).cloned().unwrap_or_else(|| oid.to_owned());
    let applications = cards.point_applications(p).await?;
    let signers = user_names(web, applications.iter().map(|a| a.signed_by.as_str())).await;
    let applications: Vec<Value> = applications
        .iter()
        .map(|a| {
            json!({
                "id": a.id,
                "org_oid": a.org_oid,
                "org_name": org_name(&a.org_oid),
                "name": a.name,
                "agreement_version": a.agreement_version,
                "signed_by": signers.get(&a.signed_by).cloned().unwrap_or_else(|| a.signed_by.clone()),
                "signed_at": a.signed_at,
            })
        })
        .collect();
    let points = cards.visible_points(p).await?.points;
    let actors: Vec<String> = points
        .iter()
        .flat_map(|pt| pt.registrars.iter().map(|r| format!("user:{}", r.user_id)))
        .collect();
    let names = user_names(web, actors.iter().map(String::as_str)).await;
    let registrars: Vec<Value> = points
        .iter()
        .flat_map(|pt| {
            pt.registrars
                .iter()
                .filter(|r| r.state == "pending")
                .map(|r| {
                    let mut v = registrar_json(r, &names);
                    v["point_name"] = json!(pt.point.name);
                    v["org_name"] = json!(org_name(&pt.point.org_oid));
                    v
                })
                .collect::<Vec<_>>()
        })
        .collect();
    Ok(Page::new(
        lang,
        "es_registration_review.html",
        "registration-review",
        "/registration/review",
    )
    .with("applications", applications)
    .with("registrars", registrars)
    .with("csrf", csrf_of(web, c)))
}

/// The officer's forms: `form.accept-point`, `form.reject-point` and
/// `form.approve-registrar`.
async fn officer_form(
    web: &EsWeb,
    lang: &PageLang,
    headers: &HeaderMap,
    bytes: &Bytes,
    id: Result<Path<i64>, PathRejection>,
    what: &'static str,
) -> Response {
    let back = "/registration/review";
    let form = Form::parse(bytes);
    let c = match form_caller(web, lang, headers, form.get("csrf"), back).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let r = async {
        let Ok(Path(id)) = id else {
            return Err(EsError::not_found("the application or registrar"));
        };
        let cards = web.es.cards();
        match what {
            "registrar-approved" => cards
                .approve_registrar_as(&c.principal, id, now())
                .await
                .map(drop),
            _ => {
                let officer = Officer::from_principal(&c.principal)?;
                let reason = (what == "point-rejected").then(|| form.text("reason"));
                cards
                    .decide_point_application(&officer, id, reason, now())
                    .await
                    .map(drop)
            }
        }
    }
    .await;
    match r {
        Ok(()) => see_other(&format!("{back}?done={what}")),
        Err(e) => review_view(web, lang, &c, None, Some(&e)).await,
    }
}

async fn accept_point(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
    bytes: Bytes,
) -> Response {
    officer_form(&web, &lang, &headers, &bytes, id, "point-accepted").await
}

async fn reject_point(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
    bytes: Bytes,
) -> Response {
    officer_form(&web, &lang, &headers, &bytes, id, "point-rejected").await
}

async fn approve_registrar(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
    bytes: Bytes,
) -> Response {
    officer_form(&web, &lang, &headers, &bytes, id, "registrar-approved").await
}
