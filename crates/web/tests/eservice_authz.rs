//! The e-service's authorization test (issue 4, "Security": "a test walks
//! every endpoint with every role and a user of another organisation and
//! proves that nobody reads or changes what is not his").
//!
//! The world: organisation A with its administrator, a user and a technical
//! contact (invited to applications of A); organisation B with its
//! administrator; a CA officer who also works for B as an organisation user;
//! a CA officer and an auditor of no organisation; an API token of A and one
//! of B; and nobody (no credentials). Every e-service route under `/api/v1`
//! — the walked set is checked to be the set the router source registers,
//! so a new route cannot be left out — is called by every one of them on
//! objects of A (applications in each state that matters, an attachment, a
//! certificate, an invitation, an API token, a staff card, a registration
//! point application, a registration point, a registrar, a power of attorney
//! given to A's point by the private organisation, a point of A with two
//! approved registrars and its card orders, an order there whose card is not
//! made yet and one whose card is produced), through the whole service as
//! `carepki serve` serves it, and the answer is held to the table below.
//!
//! After every refusal the test proves that nothing changed: every
//! organisation's applications (id, version, state, attachments), members,
//! invitations and API tokens, every certificate's status, the users, and
//! the card registration system: point applications, points, registrars and
//! powers of attorney (R-REG-POINT, R-ORDER).
//! A change that is allowed must change something. A 2xx answer to someone
//! of another organisation must not name organisation A. A refusal to
//! someone outside A (B's administrator, B's token, the technical contact on
//! an application he is not invited to) must be the same — status and
//! `code` — as for an object that does not exist, so he learns nothing of
//! A's objects; for another organisation's objects that answer is 404.
//! Every change by a session without its CSRF token is refused (403 `csrf`)
//! and changes nothing. (R-ACCOUNT, R-CSR, R-STAGES, R-REVOKE-HOW.)
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeSet, HashMap};

use axum::http::StatusCode;
use carepki_ca::authority::now_unix;
use carepki_ra::eservice::Principal;
use carepki_store::CertFilter;
use serde_json::{Value, json};

mod support;

use support::Reply;
use support::eservice::{
    self as es, Auth, DOMAIN_A, ORG_A, ORG_B, PRIVATE, Payload, Session, World, call,
};

/// Who calls. `ATcX` is A's technical contact on an object he is not
/// invited to (`ATc`: one he is invited to).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Who {
    Anon,
    AAdmin,
    AUser,
    ATc,
    ATcX,
    BAdmin,
    OfficerB,
    Officer,
    Auditor,
    TokA,
    TokB,
    PAdmin,
}

/// The table's columns, in order.
const COLUMNS: [Who; 12] = [
    Who::Anon,
    Who::AAdmin,
    Who::AUser,
    Who::ATc,
    Who::ATcX,
    Who::BAdmin,
    Who::OfficerB,
    Who::Officer,
    Who::Auditor,
    Who::TokA,
    Who::TokB,
    Who::PAdmin,
];

/// Whether `who` is outside organisation A: what he is refused must not
/// depend on whether A's object exists.
fn outside(who: Who) -> bool {
    matches!(who, Who::BAdmin | Who::TokB | Who::ATcX | Who::PAdmin)
}

/// Whether `who` may read nothing of organisation A.
fn blind_to_a(who: Who) -> bool {
    matches!(who, Who::BAdmin | Who::TokB | Who::PAdmin)
}

/// Card orders (issue 5, point 3): on a registration point of A whose
/// approved registrars are A's administrator and A's user (`point`); nobody
/// else is its registrar, so everybody else is refused
/// `registrar.not_of_point` (as for a point that does not exist) and API
/// tokens `registrar.user_only`. An order at that point (`reg-order`, its
/// card not made yet; `reg-made`, its card produced) is cancelled, handed
/// over or revoked only by those two; everybody else gets 404 `not_found`, as
/// for an order that does not exist, so nothing is revealed about other
/// points' orders.
///
/// The expected answers. Each line: the route (method and path as the router
/// registers it, with a variant in brackets when the route is walked with
/// two kinds of body), the object it is called on (see `Fixture`), and the
/// status for each caller:
///
/// - anon: no credentials;  aad, aus: A's administrator and user;
/// - atc: A's technical contact on an object he is invited to; atcx: on one he
///   is not (`-`: the route has no such object);
/// - bad: B's administrator;  ofb: a CA officer who is a user of B;
/// - off, aud: a CA officer and an auditor of no organisation;
/// - tka, tkb: API tokens of A and of B;
/// - pad: the administrator of a private organisation (R-ORDER: the one that
///   gives a public registration point a power of attorney).
///
/// The lines run in this order; the last two change the callers' own
/// memberships (each takes up an invitation or creates an account).
const TABLE: &str = "
# route                                                      object      anon aad aus atc atcx bad ofb off aud tka tkb pad
POST   /api/v1/register                                      none        403  403 403 403 -    403 403 403 403 403 403 403
GET    /api/v1/me                                            none        401  200 200 200 -    200 200 200 200 200 200 200
POST   /api/v1/session/organisation                          org-a       401  200 200 200 -    404 404 404 404 403 403 404
POST   /api/v1/accounts [taken]                              org-a       401  409 409 409 -    409 409 409 409 403 403 409
GET    /api/v1/account                                       none        401  200 403 403 -    200 403 403 403 403 403 200
POST   /api/v1/invitations [user]                            none        401  201 403 403 -    201 403 403 403 403 403 201
POST   /api/v1/invitations [tc]                              draft       401  201 201 403 403  404 404 403 403 403 403 404
GET    /api/v1/applications                                  none        401  200 200 200 -    200 200 200 200 200 200 200
POST   /api/v1/applications                                  none        401  201 201 403 -    201 201 403 403 201 201 201
GET    /api/v1/applications/{id}                             draft       401  200 200 200 404  404 200 200 200 200 404 404
POST   /api/v1/applications/{id}/csr                         draft       401  200 200 200 404  404 404 403 403 200 404 404
POST   /api/v1/applications/{id}/conformity                  draft       401  200 200 403 404  404 404 403 403 200 404 404
GET    /api/v1/applications/{id}/attachments/{attachment}    with-csr    401  200 200 200 404  404 200 200 200 200 404 404
POST   /api/v1/applications/{id}/syssig-basis                syssig      401  200 200 403 404  404 404 403 403 200 404 404
POST   /api/v1/applications/{id}/submit                      with-csr    401  200 200 403 404  404 404 403 403 200 404 404
POST   /api/v1/applications/{id}/withdraw                    draft       401  200 200 403 404  404 404 403 403 200 404 404
POST   /api/v1/applications/{id}/provide-info                incomplete  401  200 200 403 404  404 404 403 403 200 404 404
POST   /api/v1/applications/{id}/start-review                submitted   401  403 403 403 404  404 200 200 403 403 404 404
POST   /api/v1/applications/{id}/approve                     in-review   401  403 403 403 404  404 200 200 403 403 404 404
POST   /api/v1/applications/{id}/issue                       approved    401  403 403 403 404  404 200 200 403 403 404 404
POST   /api/v1/applications/{id}/request-more-info           submitted   401  403 403 403 404  404 200 200 403 403 404 404
POST   /api/v1/applications/{id}/reject                      submitted   401  403 403 403 404  404 200 200 403 403 404 404
GET    /api/v1/queue                                         none        401  403 403 403 -    403 200 200 200 403 403 403
GET    /api/v1/my-certificates                               none        401  200 200 403 -    200 200 403 403 200 200 200
GET    /api/v1/my-certificates/{serial}                      cert        401  200 200 200 404  404 200 200 200 200 404 404
GET    /api/v1/my-certificates/{serial}/der                  cert        401  200 200 200 404  404 200 200 200 200 404 404
GET    /api/v1/my-certificates/{serial}/pem                  cert        401  200 200 200 404  404 200 200 200 200 404 404
GET    /api/v1/my-certificates/{serial}/chain                cert        401  200 200 200 404  404 200 200 200 200 404 404
POST   /api/v1/revocations                                   cert        401  200 200 403 403  404 404 403 403 200 404 404
GET    /api/v1/cards                                         none        401  200 403 403 -    200 403 403 403 403 403 200
POST   /api/v1/cards/{id}/revocation                         card        401  200 403 403 -    404 403 403 403 403 403 404
GET    /api/v1/registration-points/{id}/card-orders          reg-point   401  200 200 403 -    403 403 403 403 403 403 403
POST   /api/v1/registration-points/{id}/card-orders          reg-point   401  201 201 403 -    403 403 403 403 403 403 403
POST   /api/v1/card-orders/{id}/cancellation                 reg-order   401  200 200 404 -    404 404 404 404 403 403 404
POST   /api/v1/card-orders/{id}/hand-over                    reg-made    401  200 200 404 -    404 404 404 404 403 403 404
POST   /api/v1/card-orders/{id}/revocation                   reg-made    401  200 200 404 -    404 404 404 404 403 403 404
GET    /api/v1/registrar/points                              none        401  200 200 200 -    200 200 200 200 403 403 200
GET    /api/v1/api-tokens                                    none        401  200 403 403 -    200 403 403 403 403 403 200
POST   /api/v1/api-tokens                                    none        401  201 403 403 -    201 403 403 403 403 403 201
DELETE /api/v1/api-tokens/{id}                               token       401  200 403 403 -    404 403 403 403 403 403 404
GET    /api/v1/registration-points                           none        401  200 403 403 -    200 200 200 403 403 403 200
GET    /api/v1/registration-point-applications               none        401  200 403 403 -    200 200 200 403 403 403 200
POST   /api/v1/registration-point-applications               clear       401  201 403 403 -    201 403 403 403 403 403 201
POST   /api/v1/registration-point-applications/{id}/decision point-app   401  403 403 403 -    403 200 200 403 403 403 403
POST   /api/v1/registration-points/{id}/registrars           point       401  201 403 403 -    404 403 403 403 403 403 404
POST   /api/v1/registrars/{id}/approval                      registrar   401  403 403 403 -    403 200 200 403 403 403 403
GET    /api/v1/registrars/{id}/training                      registrar   401  200 403 403 -    404 200 200 403 403 403 404
GET    /api/v1/powers-of-attorney                            none        401  200 403 403 -    200 403 403 403 403 403 200
POST   /api/v1/powers-of-attorney                            point       401  422 403 403 -    422 403 403 403 403 403 201
POST   /api/v1/powers-of-attorney/{id}/withdrawal            poa         401  404 403 403 -    404 403 403 403 403 403 200
POST   /api/v1/accounts [new]                                spare       401  201 201 201 -    201 201 201 201 403 403 201
POST   /api/v1/invitations/accept                            invitation  401  200 200 200 -    200 200 200 200 403 403 200
";

/// One line of [`TABLE`].
#[derive(Debug, Clone)]
struct Line {
    method: String,
    path: String,
    variant: Option<String>,
    object: String,
    expected: Vec<(Who, u16)>,
}

fn table() -> Vec<Line> {
    let mut out = Vec::new();
    for raw in TABLE.lines() {
        let raw = raw.trim();
        if raw.is_empty() || raw.starts_with('#') {
            continue;
        }
        let mut words: Vec<&str> = raw.split_whitespace().collect();
        let method = words.remove(0).to_owned();
        let path = words.remove(0).to_owned();
        let variant = if words[0].starts_with('[') {
            Some(words.remove(0).trim_matches(['[', ']']).to_owned())
        } else {
            None
        };
        let object = words.remove(0).to_owned();
        assert_eq!(words.len(), COLUMNS.len(), "{raw}");
        let expected = COLUMNS
            .iter()
            .zip(&words)
            .filter(|(_, w)| **w != "-")
            .map(|(who, w)| (*who, w.parse().unwrap()))
            .collect();
        out.push(Line {
            method,
            path,
            variant,
            object,
            expected,
        });
    }
    out
}

/// The object a call is made on.
#[derive(Debug, Clone, Default)]
struct Fixture {
    app: Option<i64>,
    attachment: Option<i64>,
    serial: Option<String>,
    token_id: Option<i64>,
    invitation: Option<String>,
    org: Option<String>,
    card: Option<i64>,
    point_app: Option<i64>,
    point: Option<i64>,
    registrar: Option<i64>,
    poa: Option<i64>,
    /// The user a registrar application is for (A's user).
    user: Option<i64>,
    /// A card order at a point of A whose registrars are A's administrator and user.
    order: Option<i64>,
}

impl Fixture {
    /// Objects that do not exist.
    fn ghost() -> Self {
        Self {
            app: Some(987_654_321),
            attachment: Some(987_654_321),
            serial: Some("7a6b5c4d3e2f1a0b".into()),
            token_id: Some(987_654_321),
            invitation: Some("no-such-invitation-token".into()),
            org: Some("1.2.246.10.99999999.10.0".into()),
            card: Some(987_654_321),
            point_app: Some(987_654_321),
            point: Some(987_654_321),
            registrar: Some(987_654_321),
            poa: Some(987_654_321),
            user: Some(987_654_321),
            order: Some(987_654_321),
        }
    }
}

/// The world and everybody in it.
struct Cast {
    w: World,
    sessions: HashMap<Who, Session>,
    token_a: String,
    token_b: String,
    /// Domain principals for making objects: A's administrator, the
    /// officer, the technical contact.
    a_admin: Principal,
    officer: Principal,
    tc: Principal,
    spare: u32,
    cards: u32,
    /// A's user, for registrar applications.
    a_user_id: i64,
}

impl Cast {
    fn auth(&self, who: Who) -> Auth<'_> {
        match who {
            Who::Anon => Auth::Anonymous,
            Who::TokA => Auth::Bearer(&self.token_a),
            Who::TokB => Auth::Bearer(&self.token_b),
            Who::ATcX => Auth::Session(&self.sessions[&Who::ATc]),
            other => Auth::Session(&self.sessions[&other]),
        }
    }

    /// The actor id of `who` (for what the technical contact may list).
    fn actor(&self, who: Who) -> String {
        let s = &self.sessions[&who];
        format!("user:{}", s.user_id)
    }

    /// A fresh object of A for `object`, the technical contact invited to
    /// its application when `tc`.
    async fn fixture(&mut self, object: &str, tc: bool) -> Fixture {
        let now = now_unix();
        let es = &self.w.es;
        let mut fx = Fixture::default();
        let stage = match object {
            "none" => return fx,
            "org-a" => {
                fx.org = Some(ORG_A.into());
                return fx;
            }
            "spare" => {
                self.spare += 1;
                fx.org = Some(es::spare_org(self.spare));
                return fx;
            }
            "token" => {
                let t = es
                    .create_api_token(&self.a_admin, "spare system", 30, now)
                    .await
                    .unwrap();
                fx.token_id = Some(t.row.id);
                return fx;
            }
            "card" => {
                self.cards += 1;
                let card = es::staff_card(&self.w, ORG_A, "Kävelijä").await;
                fx.card = Some(card.id);
                return fx;
            }
            "clear" | "point-app" => {
                self.clear_point_applications().await;
                if object == "point-app" {
                    let a = self
                        .w
                        .es
                        .cards()
                        .apply_for_point(&self.a_admin, "Kävelypiste", true, now)
                        .await
                        .unwrap();
                    fx.point_app = Some(a.id);
                }
                return fx;
            }
            "point" | "registrar" | "poa" => {
                let cards = self.w.es.cards();
                let officer = carepki_ra::cards::Officer::cli("cli:officer");
                let point = cards
                    .create_point(&officer, ORG_A, "Kävelypiste", true, now)
                    .await
                    .unwrap();
                fx.point = Some(point.id);
                fx.user = Some(self.a_user_id);
                if object == "registrar" {
                    let r = cards
                        .apply_for_registrar(
                            &self.a_admin,
                            point.id,
                            self.a_user_id,
                            "koulutus.pdf",
                            es::PDF,
                            now,
                        )
                        .await
                        .unwrap();
                    fx.registrar = Some(r.id);
                }
                if object == "poa" {
                    let poa = cards
                        .grant_poa(&officer, PRIVATE, point.id, now)
                        .await
                        .unwrap();
                    fx.poa = Some(poa.id);
                }
                return fx;
            }
            "reg-point" => {
                let registrars = [
                    self.sessions[&Who::AAdmin].user_id,
                    self.sessions[&Who::AUser].user_id,
                ];
                let point = es::registrar_point(&self.w, ORG_A, "Kulkupiste", &registrars).await;
                fx.point = Some(point);
                return fx;
            }
            "reg-order" | "reg-made" => {
                let registrars = [
                    self.sessions[&Who::AAdmin].user_id,
                    self.sessions[&Who::AUser].user_id,
                ];
                let point = es::registrar_point(&self.w, ORG_A, "Kulkupiste", &registrars).await;
                let input: carepki_ra::cards::OrderInput =
                    serde_json::from_value(es::staff_order(ORG_A, "Kulkija")).unwrap();
                let order = self
                    .w
                    .es
                    .cards()
                    .order(registrars[0], point, &input, now)
                    .await
                    .unwrap()
                    .remove(0);
                if object == "reg-made" {
                    es::produce_without_token(&self.w, &order, now).await;
                }
                fx.point = Some(point);
                fx.order = Some(order.id);
                return fx;
            }
            "invitation" => {
                let inv = es
                    .invite(&self.a_admin, "new@example.fi", "org-user", None, "fi", now)
                    .await
                    .unwrap();
                fx.invitation = Some(inv.link.rsplit('/').next().unwrap().to_owned());
                return fx;
            }
            other => other,
        };
        let profile = if stage == "syssig" {
            "system-signature"
        } else {
            "server"
        };
        let app = es
            .create_application(&self.a_admin, profile, now)
            .await
            .unwrap();
        fx.app = Some(app.id);
        if tc {
            let inv = es
                .invite(
                    &self.a_admin,
                    "vendor@it.example",
                    "technical-contact",
                    Some(app.id),
                    "en",
                    now,
                )
                .await
                .unwrap();
            es.accept_invitation(&self.tc, inv.link.rsplit('/').next().unwrap(), now)
                .await
                .unwrap();
        }
        if matches!(stage, "draft" | "syssig") {
            return fx;
        }
        let host = format!("h{}.{DOMAIN_A}", app.id);
        es.attach_csr(
            &self.a_admin,
            app.id,
            None,
            "h.csr",
            &es::csr_der(&host),
            now,
        )
        .await
        .unwrap();
        fx.attachment = Some(self.w.store().attachments(app.id).await.unwrap()[0].id);
        if stage == "with-csr" {
            return fx;
        }
        es.submit(&self.a_admin, app.id, None, now).await.unwrap();
        match stage {
            "submitted" => {}
            "incomplete" => {
                es.request_more_info(&self.officer, app.id, None, "Lisää tietoja.", now)
                    .await
                    .unwrap();
            }
            "in-review" => {
                es.start_review(&self.officer, app.id, None, now)
                    .await
                    .unwrap();
            }
            // Approved, but not issued: the CA refused while the register
            // did not list the domain (R-ELIGIBLE).
            "approved" => {
                es.start_review(&self.officer, app.id, None, now)
                    .await
                    .unwrap();
                let store = self.w.store();
                store
                    .import_organisations(&[es::org_a(&["elsewhere.fi"])], "test", now)
                    .await
                    .unwrap();
                let e = es
                    .approve(&self.officer, app.id, None, now)
                    .await
                    .unwrap_err();
                assert_eq!(e.code, "csr.profile");
                store
                    .import_organisations(&[es::org_a(&[DOMAIN_A])], "test", now)
                    .await
                    .unwrap();
                let row = store.application(app.id).await.unwrap().unwrap();
                assert_eq!(row.state, "approved");
            }
            "cert" => {
                es.start_review(&self.officer, app.id, None, now)
                    .await
                    .unwrap();
                let row = es.approve(&self.officer, app.id, None, now).await.unwrap();
                fx.serial = Some(row.facts["serial"].as_str().unwrap().to_owned());
            }
            other => panic!("no fixture {other}"),
        }
        fx
    }
}

impl Cast {
    /// Rejects every pending registration point application, so that an
    /// organisation may apply again (one pending application each).
    async fn clear_point_applications(&self) {
        let cards = self.w.es.cards();
        let officer = carepki_ra::cards::Officer::cli("cli:officer");
        for a in self
            .w
            .store()
            .regpoint_applications(None, Some("pending"))
            .await
            .unwrap()
        {
            cards
                .decide_point_application(&officer, a.id, Some("Siivous."), now_unix())
                .await
                .unwrap();
        }
    }
}

/// The method, URI and body of `line` on `fx`.
fn build(line: &Line, fx: &Fixture) -> (String, String, Payload) {
    let mut uri = line.path.clone();
    let id = if line.path.starts_with("/api/v1/api-tokens/") {
        fx.token_id
    } else if line.path.starts_with("/api/v1/cards/") {
        fx.card
    } else if line
        .path
        .starts_with("/api/v1/registration-point-applications/")
    {
        fx.point_app
    } else if line.path.starts_with("/api/v1/registration-points/") {
        fx.point
    } else if line.path.starts_with("/api/v1/registrars/") {
        fx.registrar
    } else if line.path.starts_with("/api/v1/powers-of-attorney/") {
        fx.poa
    } else if line.path.starts_with("/api/v1/card-orders/") {
        fx.order
    } else {
        fx.app
    };
    if let Some(id) = id {
        uri = uri.replace("{id}", &id.to_string());
    }
    if let Some(a) = fx.attachment {
        uri = uri.replace("{attachment}", &a.to_string());
    }
    if let Some(s) = &fx.serial {
        uri = uri.replace("{serial}", s);
    }
    assert!(!uri.contains('{'), "{uri}: no object for it");
    let json = |v: Value| Payload::Json(v);
    let body = match (line.path.as_str(), line.variant.as_deref()) {
        ("/api/v1/register", _) => json(json!({
            "display_name": "Someone", "email": "someone@example.fi", "language": "fi"
        })),
        ("/api/v1/session/organisation" | "/api/v1/accounts", _) => {
            json(json!({ "org_oid": fx.org }))
        }
        ("/api/v1/invitations", Some("user")) => {
            json(json!({"email": "colleague@example.fi", "role": "org-user"}))
        }
        ("/api/v1/invitations", _) => json(json!({
            "email": "vendor2@it.example", "role": "technical-contact", "application_id": fx.app
        })),
        ("/api/v1/invitations/accept", _) => json(json!({ "token": fx.invitation })),
        ("/api/v1/applications", _) if line.method == "POST" => json(json!({"profile": "server"})),
        (p, _) if p.ends_with("/csr") => Payload::Raw(
            "application/pkcs10",
            es::csr_der(&format!("walk.{DOMAIN_A}")),
        ),
        (p, _) if p.ends_with("/conformity") => Payload::Raw("application/pdf", es::PDF.to_vec()),
        (p, _) if p.ends_with("/syssig-basis") => json(json!({"basis": "administers-system"})),
        (p, _) if p.ends_with("/request-more-info") => {
            json(json!({"message": "Liitä palvelimen kuvaus."}))
        }
        (p, _) if p.ends_with("/reject") => json(json!({"reason": "Ei oikeutta."})),
        ("/api/v1/revocations", _) => json(json!({
            "serial": fx.serial, "reason": "keyCompromise", "confirm": true
        })),
        ("/api/v1/api-tokens", _) if line.method == "POST" => json(json!({"name": "walker"})),
        ("/api/v1/card-orders/{id}/revocation", _) => {
            json(json!({"reason": "keyCompromise", "confirm": true}))
        }
        (p, _) if p.ends_with("/revocation") => json(json!({"confirm": true})),
        ("/api/v1/registration-point-applications", _) if line.method == "POST" => {
            json(json!({"name": "Kävelypiste", "agreement_signed": true}))
        }
        (p, _) if p.ends_with("/decision") => json(json!({"decision": "accept"})),
        (p, _) if p.ends_with("/registrars") => Payload::Raw(
            es::MULTIPART,
            es::multipart(
                &[("user_id", &fx.user.unwrap_or(0).to_string())],
                Some(("koulutus.pdf", es::PDF)),
            ),
        ),
        ("/api/v1/powers-of-attorney", _) if line.method == "POST" => {
            json(json!({"point_id": fx.point}))
        }
        (p, _) if p.ends_with("/withdrawal") => json(json!({"reason": "Sopimus päättyi."})),
        (p, _) if p.ends_with("/cancellation") => json(json!({"reason": "Tilattu väärin."})),
        (p, _) if p.ends_with("/hand-over") => json(json!({"identity": {
            "document_type": "passport",
            "document_number": "XP7654321",
            "issuing_country": "FI",
            "expires": "2031-12-31",
        }})),
        (p, _) if p.ends_with("/card-orders") && line.method == "POST" => {
            json(es::staff_order(ORG_A, "Kulkija"))
        }
        _ => Payload::Empty,
    };
    (line.method.clone(), uri, body)
}

/// Everything a refused call must leave as it was.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    applications: Vec<(i64, i64, String, usize)>,
    members: Vec<(String, i64, String)>,
    invitations: Vec<(i64, Option<i64>)>,
    tokens: Vec<(i64, Option<i64>)>,
    certificates: Vec<(String, String)>,
    cards: Vec<(i64, String, i64)>,
    point_orders: Vec<(i64, String, i64)>,
    users: usize,
    /// Registration point applications (id, state).
    point_applications: Vec<(i64, String)>,
    /// Registration points with their registrars (id, state) and powers of
    /// attorney (id, withdrawn at).
    points: Vec<PointSnapshot>,
}

/// A registration point in a [`Snapshot`]: id, registrars (id, state),
/// powers of attorney (id, withdrawn at).
type PointSnapshot = (i64, Vec<(i64, String)>, Vec<(i64, Option<i64>)>);

async fn snapshot(w: &World) -> Snapshot {
    let store = w.store();
    let mut orgs = vec![ORG_A.to_owned(), ORG_B.to_owned(), PRIVATE.to_owned()];
    orgs.extend((1..=es::SPARES).map(es::spare_org));
    let mut s = Snapshot {
        applications: Vec::new(),
        members: Vec::new(),
        invitations: Vec::new(),
        tokens: Vec::new(),
        certificates: Vec::new(),
        cards: Vec::new(),
        point_orders: Vec::new(),
        users: store.users().await.unwrap().len(),
        point_applications: store
            .regpoint_applications(None, None)
            .await
            .unwrap()
            .into_iter()
            .map(|a| (a.id, a.state))
            .collect(),
        points: Vec::new(),
    };
    for pt in store.regpoints().await.unwrap() {
        let registrars = store.registrars_of_point(pt.id).await.unwrap();
        let poas = store.poas_of_point(pt.id).await.unwrap();
        s.points.push((
            pt.id,
            registrars.into_iter().map(|r| (r.id, r.state)).collect(),
            poas.into_iter().map(|x| (x.id, x.revoked_at)).collect(),
        ));
    }
    for org in &orgs {
        for a in store.applications_of_org(org).await.unwrap() {
            let n = store.attachments(a.id).await.unwrap().len();
            s.applications.push((a.id, a.version, a.state, n));
        }
        for m in store.members_of_org(org).await.unwrap() {
            s.members.push((m.org_oid, m.user_id, m.role));
        }
        for i in store.invitations_of_org(org).await.unwrap() {
            s.invitations.push((i.id, i.used_at));
        }
        for t in store.api_tokens_of_org(org).await.unwrap() {
            s.tokens.push((t.id, t.revoked_at));
        }
        for c in store.card_orders_of_org(org).await.unwrap() {
            s.cards.push((c.id, c.state, c.version));
        }
    }
    // Every point's orders (professional and test orders have no organisation).
    for p in store.regpoints().await.unwrap() {
        for o in store.card_orders_of_point(p.id).await.unwrap() {
            s.point_orders.push((o.id, o.state, o.version));
        }
    }
    s.certificates = store
        .certificates(&CertFilter::default())
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.serial, c.status))
        .collect();
    s.applications.sort();
    s.members.sort();
    s
}

/// The cast: everybody signs up through the demo identity provider and
/// gets his role as a real user would.
async fn cast(w: World) -> Cast {
    let app = w.app.clone();
    let now = now_unix();
    let post = |s: &Session, uri: &str, body: Value| {
        let app = app.clone();
        let s = s.clone();
        let uri = uri.to_owned();
        async move { call(&app, "POST", &uri, Auth::Session(&s), Payload::Json(body)).await }
    };
    let a_admin = es::sign_up(&app, "010180-9026", "Aino Admin").await;
    let r = post(&a_admin, "/api/v1/accounts", json!({"org_oid": ORG_A})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let b_admin = es::sign_up(&app, "030390-9019", "Bertta Admin").await;
    let r = post(&b_admin, "/api/v1/accounts", json!({"org_oid": ORG_B})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let pa = w.principal(a_admin.user_id, Some(ORG_A)).await;
    let pb = w.principal(b_admin.user_id, Some(ORG_B)).await;

    // Invited: A's user; a technical contact of A; an officer who is a user of B.
    let join = |who: Session,
                inviter: Principal,
                role: &'static str,
                app_id: Option<i64>,
                org: &'static str| {
        let w = &w;
        let post = &post;
        async move {
            let inv =
                w.es.invite(&inviter, "invitee@example.fi", role, app_id, "fi", now)
                    .await
                    .unwrap();
            let token = inv.link.rsplit('/').next().unwrap().to_owned();
            let r = post(
                &who,
                "/api/v1/invitations/accept",
                json!({ "token": token }),
            )
            .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            let r = post(
                &who,
                "/api/v1/session/organisation",
                json!({ "org_oid": org }),
            )
            .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            who
        }
    };
    let a_user = es::sign_up(&app, "040485-9052", "Antti User").await;
    let a_user = join(a_user, pa.clone(), "org-user", None, ORG_A).await;
    let first = w.es.create_application(&pa, "server", now).await.unwrap();
    let a_tc = es::sign_up(&app, "050595-9021", "Tero Vendor").await;
    let a_tc = join(a_tc, pa.clone(), "technical-contact", Some(first.id), ORG_A).await;
    let officer_b = es::sign_up(&app, "060606-9017", "Olga Officer").await;
    let officer_b = join(officer_b, pb, "org-user", None, ORG_B).await;
    let officer = es::sign_up(&app, "070707-901B", "Olli Officer").await;
    let auditor = es::sign_up(&app, "080808-9019", "Auli Auditor").await;
    for (s, role) in [
        (&officer_b, "ca-officer"),
        (&officer, "ca-officer"),
        (&auditor, "auditor"),
    ] {
        w.store()
            .grant_global_role(s.user_id, role, "test", now)
            .await
            .unwrap();
    }
    let token = |s: &Session| {
        let s = s.clone();
        let post = &post;
        async move {
            let r = post(&s, "/api/v1/api-tokens", json!({"name": "EHR"})).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
            r.json()["token"].as_str().unwrap().to_owned()
        }
    };
    let token_a = token(&a_admin).await;
    let token_b = token(&b_admin).await;
    // The administrator of the private organisation (R-ORDER).
    let p_admin = es::sign_up(&app, "090909-902F", "Pirkko Private").await;
    let r = post(&p_admin, "/api/v1/accounts", json!({"org_oid": PRIVATE})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let a_user_id = a_user.user_id;
    let officer_p = w.principal(officer.user_id, None).await;
    let tc_p = w.principal(a_tc.user_id, None).await;
    let sessions = HashMap::from([
        (Who::AAdmin, a_admin),
        (Who::AUser, a_user),
        (Who::ATc, a_tc),
        (Who::BAdmin, b_admin),
        (Who::OfficerB, officer_b),
        (Who::Officer, officer),
        (Who::Auditor, auditor),
        (Who::PAdmin, p_admin),
    ]);
    Cast {
        w,
        sessions,
        token_a,
        token_b,
        a_admin: pa,
        officer: officer_p,
        tc: tc_p,
        spare: 0,
        cards: 0,
        a_user_id,
    }
}

/// The problem type of a refusal's status.
fn problem_type(status: u16) -> &'static str {
    match status {
        401 => "unauthenticated",
        403 => "forbidden",
        404 => "not-found",
        409 => "conflict",
        422 => "invalid-input",
        other => panic!("no refusal {other} in the table"),
    }
}

/// What a 2xx answer to `who` may show.
fn check_visible(cast: &Cast, who: Who, line: &Line, r: &Reply) {
    let mut text = String::from_utf8_lossy(&r.body).into_owned();
    // A private organisation's administrator sees the public points he may
    // give a power of attorney to (R-ORDER): only the points are his.
    if line.path == "/api/v1/registration-points" {
        text = r.json()["points"].to_string();
    }
    // (Taking up A's invitation names A, of course.)
    if blind_to_a(who) && line.path != "/api/v1/invitations/accept" {
        assert!(
            !text.contains(ORG_A) && !text.contains("Järvilaakso"),
            "{who:?} {} {}: names organisation A: {text}",
            line.method,
            line.path
        );
    }
    if line.method != "GET" || !r.content_type.starts_with("application/json") {
        return;
    }
    let v = r.json();
    match line.path.as_str() {
        // A technical contact lists the applications he is invited to; who
        // acts for no organisation lists none.
        "/api/v1/applications" => {
            let list = v.as_array().unwrap();
            match who {
                Who::ATc => {
                    assert!(!list.is_empty());
                    let me = cast.actor(Who::ATc);
                    for a in list {
                        let contacts = a["facts"]["technical_contacts"].as_array().unwrap();
                        assert!(contacts.iter().any(|c| c == &me), "{a}");
                    }
                }
                Who::Officer | Who::Auditor => assert!(list.is_empty(), "{v}"),
                _ => {}
            }
        }
        // A's registrars see A's points; nobody else is a registrar.
        "/api/v1/registrar/points" => {
            let list = v.as_array().unwrap();
            if matches!(who, Who::AAdmin | Who::AUser) {
                assert!(!list.is_empty(), "{who:?}: {v}");
                for p in list {
                    assert_eq!(p["org_oid"], ORG_A, "{who:?}: {p}");
                    assert_eq!(p["you_may_order"], true, "{who:?}: {p}");
                }
            } else {
                assert!(list.is_empty(), "{who:?}: {v}");
            }
        }
        "/api/v1/account" | "/api/v1/api-tokens" | "/api/v1/my-certificates" | "/api/v1/cards" => {
            let own = own_org(who);
            let items: Vec<&Value> = match v.as_array() {
                Some(a) => a.iter().collect(),
                None => vec![&v],
            };
            for item in items {
                assert_eq!(item["org_oid"], own, "{who:?} {}: {item}", line.path);
            }
        }
        // An officer sees every point and every pending application; an
        // administrator only his organisation's (R-REG-POINT).
        "/api/v1/registration-points" | "/api/v1/registration-point-applications"
            if !matches!(who, Who::Officer | Who::OfficerB) =>
        {
            let items = match v.get("points") {
                Some(points) => points.as_array().unwrap(),
                None => v.as_array().unwrap(),
            };
            for item in items {
                assert_eq!(
                    item["org_oid"],
                    own_org(who),
                    "{who:?} {}: {item}",
                    line.path
                );
            }
        }
        "/api/v1/powers-of-attorney" => {
            for item in v.as_array().unwrap() {
                assert_eq!(item["grantor_oid"], own_org(who), "{who:?}: {item}");
            }
        }
        _ => {}
    }
}

/// The organisation `who` acts for.
fn own_org(who: Who) -> &'static str {
    match who {
        Who::AAdmin | Who::AUser | Who::TokA => ORG_A,
        Who::PAdmin => PRIVATE,
        _ => ORG_B,
    }
}

async fn walk(cast: &mut Cast) -> usize {
    let lines = table();

    // The walked routes are the registered ones.
    let walked: BTreeSet<(String, String)> = lines
        .iter()
        .map(|l| (l.method.clone(), l.path.clone()))
        .collect();
    let registered: BTreeSet<(String, String)> = [
        ("eservice/api.rs", include_str!("../src/eservice/api.rs")),
        ("eservice/auth.rs", include_str!("../src/eservice/auth.rs")),
        (
            "eservice/registration.rs",
            include_str!("../src/eservice/registration.rs"),
        ),
        (
            "eservice/orders.rs",
            include_str!("../src/eservice/orders.rs"),
        ),
    ]
    .iter()
    .flat_map(|(file, src)| support::routes_in_source(file, src))
    .filter(|(_, path)| path.starts_with("/api/"))
    .collect();
    assert_eq!(walked, registered, "walked vs registered e-service routes");

    let mut calls = 0;
    let mut wrong = Vec::new();
    for line in &lines {
        let at = format!(
            "{} {}{}",
            line.method,
            line.path,
            line.variant
                .as_deref()
                .map_or(String::new(), |v| format!(" [{v}]"))
        );
        // One object of each kind for the refusals (with and without the
        // technical contact), made when first needed.
        let mut shared: HashMap<bool, Fixture> = HashMap::new();
        for &(who, want) in &line.expected {
            let tc = who == Who::ATc;
            let allowed = (200..300).contains(&want);
            let fx = if allowed && line.method != "GET" {
                cast.fixture(&line.object, tc).await
            } else if let Some(fx) = shared.get(&tc) {
                fx.clone()
            } else {
                let fx = cast.fixture(&line.object, tc).await;
                shared.insert(tc, fx.clone());
                fx
            };
            let (method, uri, body) = build(line, &fx);
            let before = snapshot(&cast.w).await;
            let r = call(&cast.w.app, &method, &uri, cast.auth(who), body).await;
            calls += 1;
            let after = snapshot(&cast.w).await;
            if r.status.as_u16() != want {
                // Collected, so that one run shows every difference.
                wrong.push(format!(
                    "{at} by {who:?}: {} (expected {want}){}: {}",
                    r.status.as_u16(),
                    if before == after {
                        ""
                    } else {
                        ", and it CHANGED something"
                    },
                    String::from_utf8_lossy(&r.body)
                ));
                continue;
            }
            if allowed {
                check_visible(cast, who, line, &r);
                let changes = method != "GET" && line.path != "/api/v1/session/organisation";
                if changes {
                    assert_ne!(
                        before, after,
                        "{at} by {who:?}: allowed, but nothing changed"
                    );
                }
                continue;
            }
            let problem = r.problem(problem_type(want));
            assert_eq!(
                before, after,
                "{at} by {who:?}: refused, but something changed"
            );
            if want == 401 {
                assert!(r.headers.contains_key("www-authenticate"), "{at}");
            }
            // Someone outside A gets for A's object what he gets for one that
            // does not exist.
            // (Which organisations are in the register, and which have an
            // account, is no secret: R-ACCOUNT.)
            if outside(who) && !matches!(line.object.as_str(), "none" | "org-a" | "spare") {
                let (method, uri, body) = build(line, &Fixture::ghost());
                let g = call(&cast.w.app, &method, &uri, cast.auth(who), body).await;
                calls += 1;
                assert_eq!(
                    (g.status, g.json()["code"].clone()),
                    (r.status, problem["code"].clone()),
                    "{at} by {who:?}: A's object and no object are told apart"
                );
                assert_eq!(before, snapshot(&cast.w).await, "{at} by {who:?} (none)");
            }
        }
        // A change by a session without its CSRF token changes nothing.
        if line.method != "GET" && line.path != "/api/v1/register" {
            let fx = match shared.get(&false) {
                Some(fx) => fx.clone(),
                None => cast.fixture(&line.object, false).await,
            };
            let (method, uri, body) = build(line, &fx);
            let before = snapshot(&cast.w).await;
            let s = cast.sessions[&Who::AAdmin].clone();
            let r = call(
                &cast.w.app,
                &method,
                &uri,
                Auth::SessionWithoutCsrf(&s),
                body,
            )
            .await;
            calls += 1;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{at} without CSRF");
            assert_eq!(r.problem("forbidden")["code"], "csrf", "{at}");
            assert_eq!(before, snapshot(&cast.w).await, "{at} without CSRF");
        }
    }
    assert!(
        wrong.is_empty(),
        "{} answers differ from the table:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    calls
}

/// Every e-service route × every caller, on SQLite (R-ACCOUNT, R-CSR,
/// R-STAGES, R-DELIVERY, R-REVOKE-HOW).
#[tokio::test]
async fn nobody_reads_or_changes_what_is_not_his() {
    let (store, _guard) = carepki_store::testing::sqlite_store().await;
    let w = es::world(store, "https://pki.example.fi").await;
    let mut cast = cast(w).await;
    let calls = walk(&mut cast).await;
    eprintln!("authorization walk: {calls} calls");
}
