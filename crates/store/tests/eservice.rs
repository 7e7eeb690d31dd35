#![allow(clippy::unwrap_used)]
//! The e-service's data (migration 0005), on both backends: users known only by
//! a hash of their identity, memberships, single-use invitations, and
//! applications driven by the policy's state machine (timeline, optimistic
//! concurrency, attachments, the officer queue, lapse candidates).

mod common;

use carepki_policy::ProfileId;
use carepki_policy::application::{
    Action, Actor, ApplicationFacts, Role, State, StateKind, TimelineEvent, Transition, lapse_due,
    pending_since, sla_due, transition,
};
use carepki_policy::calendar;
use carepki_policy::org::{LocalisedName, Organisation, Sector};
use carepki_store::testing::test_stores;
use carepki_store::{
    ApplicationRow, ApplicationUpdate, GLOBAL_ROLES, MAX_UPLOAD_BYTES, NewApplication,
    NewAttachment, NewInvitation, NewTimelineEvent, NewUser, ORG_ROLES, Store, StoreError,
    subject_hash, token_hash, user_actor,
};
use serde_json::{Value, json};
use sqlx::{Column, Connection, Row};

use common::{ACTOR, T0, org};

const ORG_A: &str = "1.2.246.10.1";
const ORG_B: &str = "1.2.246.10.2";
/// The server-side HMAC key (a secret of the e-service's configuration).
const KEY: &[u8] = b"server-side hmac key, never in the database";
/// A national identity code (a test one) and a second person's.
const ID_CODE: &str = "131052-308T";
const ID_CODE_2: &str = "010101A123N";
const DAY: i64 = 86_400;

async fn seed(store: &Store) {
    store
        .import_organisations(&[org(ORG_A), org(ORG_B)], ACTOR, T0)
        .await
        .unwrap();
}

fn new_user(identity: &str, name: &str) -> NewUser {
    NewUser {
        subject_hash: subject_hash(KEY, identity),
        display_name: name.to_owned(),
        email: format!("{}@example.fi", name.to_lowercase()),
        language: "fi".to_owned(),
    }
}

fn invitation(token: &str, org_oid: &str, role: &str, expires_at: i64) -> NewInvitation {
    NewInvitation {
        token_hash: token_hash(token),
        email: "kutsuttu@example.fi".to_owned(),
        org_oid: org_oid.to_owned(),
        role: role.to_owned(),
        application_id: None,
        expires_at,
    }
}

/// Every text and binary value of every table, with where it was found.
async fn dump_database(store: &Store, url: &str) -> Vec<(String, String, Vec<u8>)> {
    let mut conn = sqlx::AnyConnection::connect(url).await.unwrap();
    let tables: Vec<String> = match store.backend() {
        carepki_store::Backend::Sqlite => {
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
                .fetch_all(&mut conn)
                .await
                .unwrap()
        }
        carepki_store::Backend::Postgres => sqlx::query_scalar(
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
             WHERE table_schema = 'public'",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap(),
    };
    assert!(tables.iter().any(|t| t == "users"), "{tables:?}");
    let mut values = Vec::new();
    // sqlx's own bookkeeping holds the migrations' text (and a column the Any
    // driver cannot decode).
    for table in tables.into_iter().filter(|t| !t.starts_with("_sqlx")) {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM {table}")))
            .fetch_all(&mut conn)
            .await
            .unwrap();
        for row in rows {
            for column in row.columns() {
                let i = column.ordinal();
                let place = format!("{table}.{}", column.name());
                if let Ok(Some(text)) = row.try_get::<Option<String>, _>(i) {
                    values.push((place, text.clone(), text.into_bytes()));
                } else if let Ok(Some(bytes)) = row.try_get::<Option<Vec<u8>>, _>(i) {
                    values.push((place, String::new(), bytes));
                }
            }
        }
    }
    conn.close().await.unwrap();
    values
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn role_names_are_the_policys() {
    let org_roles: Vec<&str> = [Role::OrgAdmin, Role::OrgUser, Role::TechnicalContact]
        .into_iter()
        .map(Role::as_str)
        .collect();
    assert_eq!(org_roles, ORG_ROLES);
    let global: Vec<&str> = [Role::CaOfficer, Role::Auditor]
        .into_iter()
        .map(Role::as_str)
        .collect();
    assert_eq!(global, GLOBAL_ROLES);
}

#[tokio::test]
async fn users_are_known_by_a_hash_and_act_for_several_organisations() {
    for (backend, store, guard) in test_stores().await {
        seed(&store).await;
        let matti = store
            .create_user(&new_user(ID_CODE, "Matti"), "oidc-sign-in", T0)
            .await
            .unwrap();
        assert_eq!(matti.subject_hash, subject_hash(KEY, ID_CODE), "{backend}");
        assert_eq!(matti.last_login_at, None);
        // The same person again: refused, nothing new.
        let again = store
            .create_user(&new_user(ID_CODE, "Matti"), "oidc-sign-in", T0)
            .await;
        assert!(
            matches!(again, Err(StoreError::Conflict { .. })),
            "{backend}: {again:?}"
        );
        let found = store
            .user_by_subject_hash(&subject_hash(KEY, ID_CODE))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found, matti);
        assert!(
            store
                .user_by_subject_hash(&subject_hash(b"another key", ID_CODE))
                .await
                .unwrap()
                .is_none(),
            "{backend}: the hash depends on the server's key"
        );
        // A hash is all the store takes.
        let clear = NewUser {
            subject_hash: ID_CODE.to_owned(),
            ..new_user(ID_CODE_2, "Maija")
        };
        assert!(matches!(
            store.create_user(&clear, "oidc-sign-in", T0).await,
            Err(StoreError::InvalidInput {
                field: "subject_hash",
                ..
            })
        ));
        let bad_language = NewUser {
            language: "de".to_owned(),
            ..new_user(ID_CODE_2, "Maija")
        };
        assert!(matches!(
            store.create_user(&bad_language, "oidc-sign-in", T0).await,
            Err(StoreError::InvalidInput {
                field: "language",
                ..
            })
        ));

        store.record_login(matti.id, T0 + 60).await.unwrap();
        assert_eq!(
            store.user(matti.id).await.unwrap().unwrap().last_login_at,
            Some(T0 + 60)
        );
        assert!(matches!(
            store.record_login(9999, T0).await,
            Err(StoreError::NotFound { what: "user", .. })
        ));

        // Two organisations, and the same role twice changes nothing.
        let me = user_actor(matti.id);
        store
            .add_membership(matti.id, ORG_A, "org-admin", &me, T0)
            .await
            .unwrap();
        store
            .add_membership(matti.id, ORG_B, "org-user", ACTOR, T0 + 1)
            .await
            .unwrap();
        store
            .add_membership(matti.id, ORG_B, "org-user", ACTOR, T0 + 2)
            .await
            .unwrap();
        let memberships = store.memberships_of_user(matti.id).await.unwrap();
        let summary: Vec<(&str, &str, i64)> = memberships
            .iter()
            .map(|m| (m.org_oid.as_str(), m.role.as_str(), m.created_at))
            .collect();
        assert_eq!(
            summary,
            [(ORG_A, "org-admin", T0), (ORG_B, "org-user", T0 + 1)],
            "{backend}"
        );
        assert_eq!(store.members_of_org(ORG_B).await.unwrap().len(), 1);
        assert!(matches!(
            store
                .add_membership(matti.id, "1.2.246.10.999", "org-user", ACTOR, T0)
                .await,
            Err(StoreError::NotFound {
                what: "organisation",
                ..
            })
        ));
        assert!(matches!(
            store
                .add_membership(matti.id, ORG_A, "ca-officer", ACTOR, T0)
                .await,
            Err(StoreError::InvalidInput { field: "role", .. })
        ));

        // Global roles.
        let maija = store
            .create_user(&new_user(ID_CODE_2, "Maija"), "oidc-sign-in", T0)
            .await
            .unwrap();
        store
            .grant_global_role(maija.id, "ca-officer", ACTOR, T0)
            .await
            .unwrap();
        store
            .grant_global_role(maija.id, "auditor", ACTOR, T0)
            .await
            .unwrap();
        let roles: Vec<String> = store
            .global_roles(maija.id)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.role)
            .collect();
        assert_eq!(roles, ["auditor", "ca-officer"], "{backend}");
        assert!(
            store
                .memberships_of_user(maija.id)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(matches!(
            store
                .grant_global_role(maija.id, "org-admin", ACTOR, T0)
                .await,
            Err(StoreError::InvalidInput { field: "role", .. })
        ));

        // Audited: who, for which organisation, when.
        let events = store.audit_events(None).await.unwrap();
        let memberships: Vec<_> = events
            .iter()
            .filter(|e| e.action == "membership.add")
            .collect();
        assert_eq!(memberships.len(), 2, "{backend}: one per new membership");
        assert_eq!(memberships[0].actor, me);
        assert_eq!(memberships[0].org_oid.as_deref(), Some(ORG_A));
        assert_eq!(memberships[0].at, T0);
        assert_eq!(
            events.iter().filter(|e| e.action == "user.create").count(),
            2
        );
        assert_eq!(
            events
                .iter()
                .filter(|e| e.action == "global_role.grant")
                .count(),
            2
        );

        // Nowhere in the database in clear: not the identity codes, not the key.
        let dump = dump_database(&store, guard.url()).await;
        // The dump reads what is there (it would pass vacuously otherwise).
        assert!(
            dump.iter()
                .any(|(place, text, _)| place == "users.subject_hash"
                    && *text == subject_hash(KEY, ID_CODE))
        );
        assert!(
            dump.iter()
                .any(|(place, _, _)| place == "audit_events.details")
        );
        for (place, _, bytes) in dump {
            for secret in [ID_CODE, ID_CODE_2, "131052", "308T"] {
                assert!(
                    !contains(&bytes, secret.as_bytes()),
                    "{backend}: {secret:?} found in {place}"
                );
            }
            assert!(!contains(&bytes, KEY), "{backend}: the key in {place}");
            // The hash itself only in users.subject_hash.
            if place != "users.subject_hash" {
                assert!(
                    !contains(&bytes, subject_hash(KEY, ID_CODE).as_bytes()),
                    "{backend}: the subject hash in {place}"
                );
            }
        }
    }
}

#[tokio::test]
async fn invitations_are_single_use_and_expire() {
    for (backend, store, guard) in test_stores().await {
        seed(&store).await;
        let admin = store
            .create_user(&new_user(ID_CODE, "Admin"), "oidc-sign-in", T0)
            .await
            .unwrap();
        let invitee = store
            .create_user(&new_user(ID_CODE_2, "Invitee"), "oidc-sign-in", T0)
            .await
            .unwrap();
        let by = user_actor(admin.id);

        let inv = store
            .create_invitation(
                &invitation("token-ONE-secret", ORG_A, "org-user", T0 + 7 * DAY),
                &by,
                T0,
            )
            .await
            .unwrap();
        assert_eq!((inv.used_at, inv.used_by), (None, None));
        let redeemed = store
            .redeem_invitation(&token_hash("token-ONE-secret"), invitee.id, T0 + DAY)
            .await
            .unwrap();
        assert_eq!(redeemed.id, inv.id);
        assert_eq!(
            (redeemed.used_at, redeemed.used_by),
            (Some(T0 + DAY), Some(invitee.id))
        );
        let m = store.memberships_of_user(invitee.id).await.unwrap();
        assert_eq!(m.len(), 1, "{backend}");
        assert_eq!(
            (m[0].org_oid.as_str(), m[0].role.as_str()),
            (ORG_A, "org-user")
        );
        assert_eq!(m[0].created_by, by, "granted by the inviter");

        // Used: refused, even for the same user, and nothing changes.
        let second = store
            .redeem_invitation(&token_hash("token-ONE-secret"), admin.id, T0 + DAY + 1)
            .await;
        match second {
            Err(StoreError::Conflict { what }) => assert!(what.contains("already used"), "{what}"),
            other => panic!("{backend}: a second redemption answered {other:?}"),
        }
        assert!(
            store
                .memberships_of_user(admin.id)
                .await
                .unwrap()
                .is_empty()
        );

        // Expired: valid while now < expires_at.
        store
            .create_invitation(
                &invitation("token-TWO-secret", ORG_A, "org-admin", T0 + DAY),
                &by,
                T0,
            )
            .await
            .unwrap();
        match store
            .redeem_invitation(&token_hash("token-TWO-secret"), invitee.id, T0 + DAY)
            .await
        {
            Err(StoreError::Conflict { what }) => assert!(what.contains("expired"), "{what}"),
            other => panic!("{backend}: an expired invitation answered {other:?}"),
        }
        assert_eq!(
            store.memberships_of_user(invitee.id).await.unwrap().len(),
            1
        );

        // Unknown.
        assert!(matches!(
            store
                .redeem_invitation(&token_hash("no-such-token"), invitee.id, T0)
                .await,
            Err(StoreError::NotFound {
                what: "invitation",
                ..
            })
        ));

        // Malformed invitations.
        let mut tc = invitation("token-TC", ORG_A, "technical-contact", T0 + DAY);
        assert!(matches!(
            store.create_invitation(&tc, &by, T0).await,
            Err(StoreError::InvalidInput {
                field: "application_id",
                ..
            })
        ));
        let draft = new_draft(&store, ORG_B, &admin_actor(admin.id, ORG_B), T0).await;
        tc.application_id = Some(draft.0.id);
        assert!(
            matches!(
                store.create_invitation(&tc, &by, T0).await,
                Err(StoreError::InvalidInput {
                    field: "application_id",
                    ..
                })
            ),
            "{backend}: a technical contact only to the organisation's own application"
        );
        tc.org_oid = ORG_B.to_owned();
        let tc_row = store.create_invitation(&tc, &by, T0).await.unwrap();
        assert_eq!(tc_row.application_id, Some(draft.0.id));
        let tc_redeemed = store
            .redeem_invitation(&token_hash("token-TC"), invitee.id, T0 + 5)
            .await
            .unwrap();
        assert_eq!(tc_redeemed.application_id, Some(draft.0.id));
        assert!(matches!(
            store
                .create_invitation(
                    &invitation("token-X", "1.2.246.10.999", "org-user", T0 + DAY),
                    &by,
                    T0
                )
                .await,
            Err(StoreError::NotFound {
                what: "organisation",
                ..
            })
        ));
        assert!(matches!(
            store
                .create_invitation(&invitation("token-Y", ORG_A, "org-user", T0), &by, T0)
                .await,
            Err(StoreError::InvalidInput {
                field: "expires_at",
                ..
            })
        ));

        // Two redemptions at once, many times over: exactly one wins each time.
        for round in 0..20 {
            let token = format!("race-token-{round}");
            store
                .create_invitation(&invitation(&token, ORG_B, "org-user", T0 + DAY), &by, T0)
                .await
                .unwrap();
            let (s1, s2) = (store.clone(), store.clone());
            let (h1, h2) = (token_hash(&token), token_hash(&token));
            let (a, b) = (admin.id, invitee.id);
            let one = tokio::spawn(async move { s1.redeem_invitation(&h1, a, T0 + 10).await });
            let two = tokio::spawn(async move { s2.redeem_invitation(&h2, b, T0 + 10).await });
            let (one, two) = (one.await.unwrap(), two.await.unwrap());
            assert!(
                one.is_ok() != two.is_ok(),
                "{backend} round {round}: {one:?} / {two:?}"
            );
            let loser = if one.is_ok() { two } else { one };
            assert!(
                matches!(loser, Err(StoreError::Conflict { .. })),
                "{backend}: {loser:?}"
            );
        }
        let redeems = store
            .audit_events(None)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "invitation.redeem")
            .count();
        assert_eq!(redeems, 2 + 20, "{backend}: one event per redemption");

        // No token anywhere; no token hash outside invitations.token_hash.
        let dump = dump_database(&store, guard.url()).await;
        assert!(
            dump.iter()
                .any(|(place, text, _)| place == "invitations.token_hash"
                    && *text == token_hash("token-ONE-secret"))
        );
        for (place, _, bytes) in dump {
            assert!(
                !contains(&bytes, b"-secret") && !contains(&bytes, b"race-token"),
                "{backend}: a token in {place}"
            );
            if place != "invitations.token_hash" {
                assert!(
                    !contains(&bytes, token_hash("token-ONE-secret").as_bytes()),
                    "{backend}: a token hash in {place}"
                );
            }
        }
    }
}

// ---- applications ---------------------------------------------------------

fn policy_org(oid: &str) -> Organisation {
    Organisation {
        oid: oid.to_owned(),
        name: LocalisedName {
            fi: format!("Organisaatio {oid}"),
            sv: format!("Organisation {oid}"),
            en: format!("Organisation {oid}"),
        },
        business_id: "1234567-8".to_owned(),
        sector: Sector::Public,
        kanta_intermediary: false,
        domains: vec![],
    }
}

fn admin_actor(user_id: i64, org_oid: &str) -> Actor {
    Actor {
        id: user_actor(user_id),
        role: Role::OrgAdmin,
        organisation: Some(org_oid.to_owned()),
    }
}

fn officer(n: i64) -> Actor {
    Actor {
        id: user_actor(1000 + n),
        role: Role::CaOfficer,
        organisation: None,
    }
}

fn system() -> Actor {
    Actor {
        id: "lapse-job".to_owned(),
        role: Role::System,
        organisation: None,
    }
}

/// What the e-service would serialise (the policy's facts have no serde derive).
fn facts_json(f: &ApplicationFacts) -> Value {
    json!({
        "profile": f.profile.as_str(),
        "org_oid": f.org_oid,
        "state": f.state,
        "technical_contacts": f.technical_contacts,
        "csr_attached": f.csr_attached,
        "conformity_attached": f.conformity_attached,
        "created_at": f.created_at,
        "state_since": f.state_since,
        "completed_at": f.completed_at,
        "approvals": f.approvals,
        "serial": f.serial,
    })
}

fn detail_of(event: &TimelineEvent) -> Value {
    let mut detail = json!({});
    match &event.state {
        State::Incomplete { message } => detail["message"] = json!(message),
        State::Rejected { reason } => detail["reason"] = json!(reason),
        _ => {}
    }
    if let Some(serial) = &event.serial {
        detail["serial"] = json!(serial);
    }
    detail
}

fn event_of(event: &TimelineEvent) -> NewTimelineEvent {
    NewTimelineEvent {
        at: event.at,
        actor_id: event.actor.clone(),
        role: event.role.as_str().to_owned(),
        action: event.action.as_str().to_owned(),
        detail: detail_of(event),
    }
}

/// The outcome of `transition` as the store takes it.
fn update_of(t: &Transition) -> ApplicationUpdate {
    ApplicationUpdate {
        state: t.facts.state.kind().as_str().to_owned(),
        facts: facts_json(&t.facts),
        completed_at: t.facts.completed_at,
        due_at: sla_due(&t.facts).unwrap(),
        pending_since: pending_since(&t.facts),
        event: event_of(&t.event),
    }
}

async fn new_draft(
    store: &Store,
    org_oid: &str,
    creator: &Actor,
    now: i64,
) -> (ApplicationRow, ApplicationFacts) {
    let facts = ApplicationFacts::new_draft(ProfileId::Server, &policy_org(org_oid), now);
    let row = store
        .create_application(&NewApplication {
            org_oid: org_oid.to_owned(),
            profile: facts.profile.as_str().to_owned(),
            state: facts.state.kind().as_str().to_owned(),
            facts: facts_json(&facts),
            pending_since: pending_since(&facts),
            event: NewTimelineEvent {
                at: now,
                actor_id: creator.id.clone(),
                role: creator.role.as_str().to_owned(),
                action: "create".to_owned(),
                detail: json!({}),
            },
        })
        .await
        .unwrap();
    (row, facts)
}

/// Runs `action` through the policy and stores the outcome.
async fn act(
    store: &Store,
    (row, facts): &(ApplicationRow, ApplicationFacts),
    action: Action,
    actor: &Actor,
    now: i64,
) -> (ApplicationRow, ApplicationFacts) {
    let t = transition(facts, action, actor, now).unwrap();
    let stored = store
        .record_transition(row.id, row.version, &update_of(&t))
        .await
        .unwrap();
    (stored, t.facts)
}

async fn attach_csr(
    store: &Store,
    (row, facts): &(ApplicationRow, ApplicationFacts),
    actor: &Actor,
    now: i64,
) -> (ApplicationRow, ApplicationFacts) {
    let t = transition(facts, Action::AttachCsr, actor, now).unwrap();
    let (_, stored) = store
        .add_attachment(row.id, row.version, &csr_file(), &update_of(&t))
        .await
        .unwrap();
    (stored, t.facts)
}

fn csr_file() -> NewAttachment {
    NewAttachment {
        kind: "csr".to_owned(),
        filename: "palvelin.csr".to_owned(),
        content_type: "application/pkcs10".to_owned(),
        // NUL and 0xff bytes must round-trip exactly.
        bytes: vec![0x30, 0x82, 0x00, 0xff, 0x7f, 0x80, 0x00, 0x01],
    }
}

/// Submits a fresh application of `org_oid` at `now`.
async fn submitted(
    store: &Store,
    org_oid: &str,
    user: i64,
    now: i64,
) -> (ApplicationRow, ApplicationFacts) {
    let me = admin_actor(user, org_oid);
    let app = new_draft(store, org_oid, &me, now).await;
    let app = attach_csr(store, &app, &me, now).await;
    act(store, &app, Action::Submit, &me, now).await
}

#[tokio::test]
async fn an_application_moves_through_its_timeline_and_refuses_stale_changes() {
    for (backend, store, _guard) in test_stores().await {
        seed(&store).await;
        let me = admin_actor(1, ORG_A);
        let app = new_draft(&store, ORG_A, &me, T0).await;
        assert_eq!(app.0.version, 1);
        assert_eq!(app.0.state, "draft");
        assert_eq!(app.0.pending_since, Some(T0));
        assert_eq!(app.0.due_at, None);

        let app = attach_csr(&store, &app, &me, T0 + 10).await;
        assert_eq!(app.0.version, 2, "{backend}");
        assert_eq!(app.0.facts["csr_attached"], json!(true));

        // Submit, and the same form sent twice at once: exactly one is stored.
        let t = transition(&app.1, Action::Submit, &me, T0 + 20).unwrap();
        let update = update_of(&t);
        let (s1, s2) = (store.clone(), store.clone());
        let (u1, u2) = (update.clone(), update.clone());
        let (id, v) = (app.0.id, app.0.version);
        let one = tokio::spawn(async move { s1.record_transition(id, v, &u1).await });
        let two = tokio::spawn(async move { s2.record_transition(id, v, &u2).await });
        let (one, two) = (one.await.unwrap(), two.await.unwrap());
        assert!(one.is_ok() != two.is_ok(), "{backend}: {one:?} / {two:?}");
        let stored = if one.is_ok() { one } else { two }.unwrap();
        let app = (stored, t.facts);
        assert_eq!(app.0.state, "submitted");
        assert_eq!(app.0.version, 3);
        assert_eq!(app.0.completed_at, Some(T0 + 20));
        assert_eq!(app.0.due_at, Some(calendar::due_date(T0 + 20).unwrap()));
        assert_eq!(
            app.0.pending_since, None,
            "a submitted application never lapses"
        );

        // An edit made from the draft (version 2) after the submission: refused,
        // and nothing changed.
        let before = store.application(app.0.id).await.unwrap().unwrap();
        let timeline_before = store.application_timeline(app.0.id).await.unwrap();
        let audits_before = store.audit_events(None).await.unwrap().len();
        let attachments_before = store.attachments(app.0.id).await.unwrap();
        let stale = transition(&facts_at_version_2(&app.1), Action::Edit, &me, T0 + 30).unwrap();
        let refused = store
            .record_transition(app.0.id, 2, &update_of(&stale))
            .await;
        match refused {
            Err(StoreError::Conflict { what }) => {
                assert!(what.contains("changed meanwhile"), "{what}");
            }
            other => panic!("{backend}: a stale change answered {other:?}"),
        }
        let stale_attach = store
            .add_attachment(app.0.id, 2, &csr_file(), &update_of(&stale))
            .await;
        assert!(
            matches!(stale_attach, Err(StoreError::Conflict { .. })),
            "{backend}: {stale_attach:?}"
        );
        assert_eq!(store.application(app.0.id).await.unwrap().unwrap(), before);
        assert_eq!(
            store.application_timeline(app.0.id).await.unwrap(),
            timeline_before
        );
        assert_eq!(
            store.attachments(app.0.id).await.unwrap(),
            attachments_before
        );
        assert_eq!(
            store.audit_events(None).await.unwrap().len(),
            audits_before,
            "{backend}: no audit event for a refused change"
        );

        // Through to delivery.
        let app = act(&store, &app, Action::StartReview, &officer(1), T0 + DAY).await;
        let app = act(
            &store,
            &app,
            Action::RequestMoreInfo {
                message: "Lisää palvelimen nimi".to_owned(),
            },
            &officer(1),
            T0 + DAY + 1,
        )
        .await;
        assert_eq!(app.0.state, "incomplete");
        assert_eq!(
            app.0.due_at, None,
            "{backend}: not in the queue while incomplete"
        );
        assert_eq!(app.0.pending_since, Some(T0 + DAY + 1));
        let app = act(&store, &app, Action::ProvideInfo, &me, T0 + 2 * DAY).await;
        let app = act(&store, &app, Action::StartReview, &officer(1), T0 + 3 * DAY).await;
        let app = act(&store, &app, Action::Approve, &officer(2), T0 + 3 * DAY + 1).await;
        let app = act(
            &store,
            &app,
            Action::MarkIssued {
                serial: "0a1b2c".to_owned(),
            },
            &system(),
            T0 + 3 * DAY + 2,
        )
        .await;
        let app = act(
            &store,
            &app,
            Action::MarkDelivered,
            &system(),
            T0 + 3 * DAY + 3,
        )
        .await;
        assert_eq!(app.0.state, StateKind::Delivered.as_str());
        assert_eq!((app.0.due_at, app.0.pending_since), (None, None));
        assert_eq!(app.0.completed_at, Some(T0 + 2 * DAY));
        assert_eq!(app.0.version, 10, "{backend}");
        assert_eq!(app.0.updated_at, T0 + 3 * DAY + 3);

        // The timeline, in order, with states, actors, roles and details.
        let timeline = store.application_timeline(app.0.id).await.unwrap();
        let lines: Vec<(&str, &str, &str)> = timeline
            .iter()
            .map(|e| (e.action.as_str(), e.state.as_str(), e.role.as_str()))
            .collect();
        assert_eq!(
            lines,
            [
                ("create", "draft", "org-admin"),
                ("attach-csr", "draft", "org-admin"),
                ("submit", "submitted", "org-admin"),
                ("start-review", "in-review", "ca-officer"),
                ("request-more-info", "incomplete", "ca-officer"),
                ("provide-info", "submitted", "org-admin"),
                ("start-review", "in-review", "ca-officer"),
                ("approve", "approved", "ca-officer"),
                ("mark-issued", "issued", "system"),
                ("mark-delivered", "delivered", "system"),
            ],
            "{backend}"
        );
        assert!(timeline.windows(2).all(|w| w[0].at <= w[1].at));
        assert_eq!(timeline[0].actor_id, user_actor(1));
        assert_eq!(timeline[4].detail["message"], "Lisää palvelimen nimi");
        assert_eq!(timeline[8].detail["serial"], "0a1b2c");
        assert_eq!(timeline[1].detail["attachment"]["kind"], "csr");

        // Audited for the organisation, by whom and when.
        let events = store.audit_events(None).await.unwrap();
        let app_events: Vec<_> = events
            .iter()
            .filter(|e| e.action.starts_with("application."))
            .collect();
        assert_eq!(app_events.len(), 10, "{backend}: one per stored change");
        assert!(
            app_events
                .iter()
                .all(|e| e.org_oid.as_deref() == Some(ORG_A))
        );
        assert_eq!(app_events[0].action, "application.create");
        assert_eq!(app_events[1].action, "application.attach");
        assert_eq!(app_events[7].actor, officer(2).id);
        assert_eq!(app_events[7].at, T0 + 3 * DAY + 1);

        assert_eq!(
            store
                .applications_of_org(ORG_A)
                .await
                .unwrap()
                .iter()
                .map(|a| a.id)
                .collect::<Vec<_>>(),
            [app.0.id]
        );
        assert!(store.applications_of_org(ORG_B).await.unwrap().is_empty());

        // Unknown application, unknown organisation.
        let refused = store.record_transition(9999, 1, &update_of(&stale)).await;
        assert!(
            matches!(
                refused,
                Err(StoreError::NotFound {
                    what: "application",
                    ..
                })
            ),
            "{backend}: {refused:?}"
        );
        let facts = ApplicationFacts::new_draft(ProfileId::Server, &policy_org("1.2.246.10.9"), T0);
        let unknown_org = store
            .create_application(&NewApplication {
                org_oid: "1.2.246.10.9".to_owned(),
                profile: "server".to_owned(),
                state: "draft".to_owned(),
                facts: facts_json(&facts),
                pending_since: Some(T0),
                event: event_of(
                    &transition(&facts, Action::Edit, &admin_actor(1, "1.2.246.10.9"), T0)
                        .unwrap()
                        .event,
                ),
            })
            .await;
        assert!(
            matches!(
                unknown_org,
                Err(StoreError::NotFound {
                    what: "organisation",
                    ..
                })
            ),
            "{backend}: {unknown_org:?}"
        );
        assert_eq!(
            store.audit_events(None).await.unwrap().len(),
            events.len(),
            "{backend}: nothing audited for refused writes"
        );
    }
}

/// The facts as the stale form saw them: the draft with its CSR.
fn facts_at_version_2(now: &ApplicationFacts) -> ApplicationFacts {
    ApplicationFacts {
        state: State::Draft,
        completed_at: None,
        ..now.clone()
    }
}

#[tokio::test]
async fn attachments_keep_their_hash_and_size_and_are_limited() {
    for (backend, store, _guard) in test_stores().await {
        seed(&store).await;
        let me = admin_actor(1, ORG_A);
        let app = new_draft(&store, ORG_A, &me, T0).await;
        let app = attach_csr(&store, &app, &me, T0 + 1).await;
        let files = store.attachments(app.0.id).await.unwrap();
        assert_eq!(files.len(), 1, "{backend}");
        let file = &files[0];
        let bytes = csr_file().bytes;
        assert_eq!(file.size, bytes.len() as i64);
        assert_eq!(
            file.sha256,
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &bytes)
                .as_ref()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        assert_eq!(file.uploaded_by, me.id);
        assert_eq!(file.uploaded_at, T0 + 1);
        assert_eq!(
            store.attachment_bytes(app.0.id, file.id).await.unwrap(),
            Some(bytes)
        );

        // A file at the limit passes; one byte more is refused and nothing is stored.
        let t = transition(&app.1, Action::AttachConformity, &me, T0 + 2).unwrap();
        let mut pdf = NewAttachment {
            kind: "conformity".to_owned(),
            filename: "vaatimustenmukaisuus.pdf".to_owned(),
            content_type: "application/pdf".to_owned(),
            bytes: vec![b'%'; MAX_UPLOAD_BYTES + 1],
        };
        let too_big = store
            .add_attachment(app.0.id, app.0.version, &pdf, &update_of(&t))
            .await;
        assert!(
            matches!(
                too_big,
                Err(StoreError::InvalidInput {
                    field: "attachment",
                    ..
                })
            ),
            "{backend}: {too_big:?}"
        );
        assert_eq!(store.attachments(app.0.id).await.unwrap().len(), 1);
        assert_eq!(
            store.application(app.0.id).await.unwrap().unwrap().version,
            app.0.version
        );
        pdf.bytes.truncate(MAX_UPLOAD_BYTES);
        let (meta, row) = store
            .add_attachment(app.0.id, app.0.version, &pdf, &update_of(&t))
            .await
            .unwrap();
        assert_eq!(meta.size, MAX_UPLOAD_BYTES as i64, "{backend}");
        assert_eq!(row.version, app.0.version + 1);
        assert_eq!(
            store
                .attachment_bytes(app.0.id, meta.id)
                .await
                .unwrap()
                .map(|b| b.len()),
            Some(MAX_UPLOAD_BYTES)
        );

        // Malformed files, and another application's attachment id.
        for (kind, filename, content_type) in [
            ("photo", "a.jpg", "image/jpeg"),
            ("csr", "../etc/passwd", "application/pkcs10"),
            ("csr", "a.csr", "not a type"),
        ] {
            let bad = NewAttachment {
                kind: kind.to_owned(),
                filename: filename.to_owned(),
                content_type: content_type.to_owned(),
                bytes: vec![1],
            };
            assert!(
                matches!(
                    store
                        .add_attachment(app.0.id, row.version, &bad, &update_of(&t))
                        .await,
                    Err(StoreError::InvalidInput { .. })
                ),
                "{backend}: {kind} {filename} {content_type}"
            );
        }
        let other = new_draft(&store, ORG_B, &admin_actor(2, ORG_B), T0).await;
        assert_eq!(
            store.attachment_bytes(other.0.id, meta.id).await.unwrap(),
            None
        );
        assert!(store.attachments(other.0.id).await.unwrap().is_empty());
        // An attachment of an unknown application.
        let t_other = transition(&other.1, Action::AttachCsr, &admin_actor(2, ORG_B), T0).unwrap();
        assert!(matches!(
            store
                .add_attachment(9999, 1, &csr_file(), &update_of(&t_other))
                .await,
            Err(StoreError::NotFound {
                what: "application",
                ..
            })
        ));
    }
}

#[tokio::test]
async fn the_officer_queue_is_ordered_by_due_date_and_flags_overdue() {
    for (backend, store, _guard) in test_stores().await {
        seed(&store).await;
        // T0 is a Sunday (15 June 2025); Midsummer Eve (Friday 20 June) is no working day.
        let wed = submitted(&store, ORG_A, 1, T0 + 3 * DAY).await;
        let sun = submitted(&store, ORG_B, 2, T0).await;
        let mon = submitted(&store, ORG_A, 1, T0 + DAY).await;
        let in_review = act(&store, &mon, Action::StartReview, &officer(1), T0 + DAY).await;
        let _draft = new_draft(&store, ORG_A, &admin_actor(1, ORG_A), T0).await;
        let rejected = submitted(&store, ORG_B, 2, T0).await;
        let _rejected = act(
            &store,
            &rejected,
            Action::Reject {
                reason: "Väärä organisaatio".to_owned(),
            },
            &officer(1),
            T0 + DAY,
        )
        .await;

        let due = |at: i64| calendar::due_date(at).unwrap();
        let now = due(T0) + 1;
        let queue = store.officer_queue(now).await.unwrap();
        let got: Vec<(i64, i64, bool)> = queue
            .iter()
            .map(|e| (e.application.id, e.due_at, e.overdue))
            .collect();
        assert_eq!(
            got,
            [
                (sun.0.id, due(T0), true),
                (in_review.0.id, due(T0 + DAY), false),
                (wed.0.id, due(T0 + 3 * DAY), false),
            ],
            "{backend}"
        );
        assert!(due(T0) < due(T0 + DAY) && due(T0 + DAY) < due(T0 + 3 * DAY));
        assert_eq!(queue[1].application.state, "in-review");
        // Every queued state counts towards the delivery time, as the policy says.
        assert!(
            queue
                .iter()
                .all(|e| { StateKind::parse(&e.application.state).is_some_and(StateKind::in_sla) })
        );
        // Due at the second itself is on time, like the policy's is_overdue.
        let at_due = store.officer_queue(due(T0)).await.unwrap();
        assert!(!at_due[0].overdue);
        assert_eq!(at_due[0].overdue, calendar::is_overdue(due(T0), due(T0)));
        let later = store.officer_queue(due(T0 + 3 * DAY) + 1).await.unwrap();
        assert!(later.iter().all(|e| e.overdue), "{backend}");
    }
}

#[tokio::test]
async fn lapse_candidates_are_what_the_policy_left_pending() {
    for (backend, store, _guard) in test_stores().await {
        seed(&store).await;
        let me = admin_actor(1, ORG_A);
        let old_draft = new_draft(&store, ORG_A, &me, T0).await;
        let new_draft_ = new_draft(&store, ORG_A, &me, T0 + 100 * DAY).await;
        let incomplete = submitted(&store, ORG_B, 2, T0).await;
        let incomplete = act(
            &store,
            &incomplete,
            Action::RequestMoreInfo {
                message: "Liitä CSR uudelleen".to_owned(),
            },
            &officer(1),
            T0 + 10 * DAY,
        )
        .await;
        let _with_ca = submitted(&store, ORG_A, 1, T0).await;

        let now = T0 + 200 * DAY;
        let candidates = store.lapse_candidates(now - 180 * DAY).await.unwrap();
        let got: Vec<(i64, Option<i64>)> =
            candidates.iter().map(|a| (a.id, a.pending_since)).collect();
        assert_eq!(
            got,
            [
                (old_draft.0.id, Some(T0)),
                (incomplete.0.id, Some(T0 + 10 * DAY)),
            ],
            "{backend}: longest pending first; submitted and recent ones left out"
        );
        assert!(!candidates.iter().any(|a| a.id == new_draft_.0.id));
        // The policy decides; the job stores its decision.
        assert!(lapse_due(&old_draft.1, now));
        assert!(lapse_due(&incomplete.1, now));
        let lapsed = act(&store, &old_draft, Action::Lapse, &system(), now).await;
        assert_eq!(lapsed.0.state, "lapsed");
        assert_eq!(lapsed.0.pending_since, None);
        let left: Vec<i64> = store
            .lapse_candidates(now - 180 * DAY)
            .await
            .unwrap()
            .iter()
            .map(|a| a.id)
            .collect();
        assert_eq!(left, [incomplete.0.id], "{backend}");
        let timeline = store.application_timeline(old_draft.0.id).await.unwrap();
        let last = timeline.last().unwrap();
        assert_eq!(
            (
                last.action.as_str(),
                last.actor_id.as_str(),
                last.role.as_str()
            ),
            ("lapse", "lapse-job", "system")
        );
    }
}
