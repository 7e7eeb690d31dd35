#![allow(clippy::unwrap_used)]
//! Sign-in sessions, pending OIDC logins and API tokens (migration 0006), on
//! both backends: lifecycles, expiry at the exact second, the idle slide capped
//! at the absolute expiry, single-use logins under concurrency, tokens that
//! belong to one organisation, audit events without secrets, foreign keys.

mod common;

use carepki_store::testing::test_stores;
use carepki_store::{
    AuditEvent, MAX_AUDIT_PAGE, NewApiToken, NewOidcLogin, NewSession, NewUser, SessionRow, Store,
    StoreError, subject_hash, token_hash, user_actor,
};
use sqlx::Connection;

use common::{ACTOR, T0, org};

const ORG_A: &str = "1.2.246.10.1";
const ORG_B: &str = "1.2.246.10.2";
const MINUTE: i64 = 60;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

/// Two organisations and two users; answers the users' ids.
async fn seed(store: &Store) -> (i64, i64) {
    store
        .import_organisations(&[org(ORG_A), org(ORG_B)], ACTOR, T0)
        .await
        .unwrap();
    let mut ids = Vec::new();
    for (identity, name) in [("131052-308T", "Matti"), ("010101A123N", "Maija")] {
        let user = NewUser {
            subject_hash: subject_hash(b"key", identity),
            display_name: name.to_owned(),
            email: format!("{}@example.fi", name.to_lowercase()),
            language: "fi".to_owned(),
        };
        ids.push(
            store
                .create_user(&user, "oidc-sign-in", T0)
                .await
                .unwrap()
                .id,
        );
    }
    (ids[0], ids[1])
}

fn session(token: &str, user_id: i64, org_oid: Option<&str>, at: i64) -> NewSession {
    NewSession {
        id_hash: token_hash(token),
        user_id,
        org_oid: org_oid.map(str::to_owned),
        expires_at: at + 8 * HOUR,
        idle_expires_at: at + 30 * MINUTE,
    }
}

fn login(state: &str, expires_at: i64) -> NewOidcLogin {
    NewOidcLogin {
        state_hash: token_hash(state),
        nonce: format!("nonce-secret-{state}"),
        pkce_verifier: format!("verifier-secret-{state}-{}", "x".repeat(43)),
        return_to: "/applications".to_owned(),
        expires_at,
    }
}

fn api_token(token: &str, org_oid: &str, expires_at: i64) -> NewApiToken {
    NewApiToken {
        org_oid: org_oid.to_owned(),
        name: "Kanta gateway".to_owned(),
        token_hash: token_hash(token),
        expires_at,
    }
}

async fn events(store: &Store, action: &str) -> Vec<AuditEvent> {
    store
        .audit_events(None)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == action)
        .collect()
}

/// Fails if any audit event holds one of `secrets` in any field.
async fn assert_no_secret_in_audit(store: &Store, backend: &str, secrets: &[String]) {
    let all = store.audit_events(None).await.unwrap();
    assert!(!all.is_empty());
    for event in all {
        let text = format!(
            "{} {} {} {:?} {:?} {:?} {}",
            event.at,
            event.actor,
            event.action,
            event.ca_id,
            event.serial,
            event.org_oid,
            event.details
        );
        for secret in secrets {
            assert!(
                !text.contains(secret.as_str()),
                "{backend}: {secret:?} in audit event {text}"
            );
        }
    }
}

// ---- sessions ---------------------------------------------------------------

#[tokio::test]
async fn a_session_lives_from_sign_in_to_sign_out_and_is_audited() {
    for (backend, store, _guard) in test_stores().await {
        let (matti, _) = seed(&store).await;
        let row = store
            .create_session(&session("cookie-1", matti, None, T0), T0)
            .await
            .unwrap();
        let expected = SessionRow {
            user_id: matti,
            org_oid: None,
            created_at: T0,
            last_seen_at: T0,
            expires_at: T0 + 8 * HOUR,
            idle_expires_at: T0 + 30 * MINUTE,
        };
        assert_eq!(row, expected, "{backend}");
        let hash = token_hash("cookie-1");
        assert_eq!(store.session(&hash, T0).await.unwrap(), Some(expected));
        // The hash in any case; the token itself is not a hash.
        assert!(
            store
                .session(&hash.to_uppercase(), T0)
                .await
                .unwrap()
                .is_some()
        );
        assert!(matches!(
            store.session("cookie-1", T0).await,
            Err(StoreError::InvalidInput {
                field: "id_hash",
                ..
            })
        ));
        assert!(
            store
                .session(&token_hash("cookie-2"), T0)
                .await
                .unwrap()
                .is_none()
        );

        // He chooses an organisation, then another, then none.
        store.set_session_org(&hash, Some(ORG_B)).await.unwrap();
        let touched = store
            .touch_session(&hash, T0 + 10 * MINUTE, T0 + 40 * MINUTE)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(touched.org_oid.as_deref(), Some(ORG_B), "{backend}");
        assert_eq!(touched.last_seen_at, T0 + 10 * MINUTE);
        assert_eq!(touched.idle_expires_at, T0 + 40 * MINUTE);
        assert_eq!(
            store.session(&hash, T0 + 10 * MINUTE).await.unwrap(),
            Some(touched)
        );
        store.set_session_org(&hash, None).await.unwrap();
        assert_eq!(
            store.session(&hash, T0).await.unwrap().unwrap().org_oid,
            None
        );
        store.set_session_org(&hash, Some(ORG_A)).await.unwrap();

        // Sign-out: gone, once.
        assert!(store.delete_session(&hash, T0 + HOUR).await.unwrap());
        assert!(store.session(&hash, T0 + HOUR).await.unwrap().is_none());
        assert!(!store.delete_session(&hash, T0 + HOUR).await.unwrap());
        assert!(
            store
                .touch_session(&hash, T0 + HOUR, T0 + 2 * HOUR)
                .await
                .unwrap()
                .is_none()
        );
        assert!(matches!(
            store.set_session_org(&hash, Some(ORG_A)).await,
            Err(StoreError::NotFound {
                what: "session",
                ..
            })
        ));

        // Audited: who, for which organisation, when; one event each.
        let start = events(&store, "session.start").await;
        assert_eq!(start.len(), 1, "{backend}");
        assert_eq!(start[0].actor, user_actor(matti));
        assert_eq!(start[0].at, T0);
        assert_eq!(start[0].org_oid, None);
        assert_eq!(start[0].details["user_id"], matti);
        let end = events(&store, "session.end").await;
        assert_eq!(end.len(), 1, "{backend}");
        assert_eq!(end[0].actor, user_actor(matti));
        assert_eq!(end[0].at, T0 + HOUR);
        assert_eq!(end[0].org_oid.as_deref(), Some(ORG_A));
        assert_eq!(end[0].details["started_at"], T0);
        assert_no_secret_in_audit(&store, &backend, &[hash, "cookie-1".to_owned()]).await;
    }
}

#[tokio::test]
async fn sessions_expire_at_the_exact_second_and_never_outlive_the_absolute_expiry() {
    for (backend, store, _guard) in test_stores().await {
        let (matti, _) = seed(&store).await;
        let hash = token_hash("cookie");
        store
            .create_session(&session("cookie", matti, Some(ORG_A), T0), T0)
            .await
            .unwrap();
        let idle = T0 + 30 * MINUTE;
        // Idle expiry: valid the second before, gone at it.
        assert!(store.session(&hash, idle - 1).await.unwrap().is_some());
        assert!(store.session(&hash, idle).await.unwrap().is_none());
        // Not revived by use after it expired.
        assert!(
            store
                .touch_session(&hash, idle, idle + 30 * MINUTE)
                .await
                .unwrap()
                .is_none(),
            "{backend}"
        );
        assert!(store.session(&hash, idle - 1).await.unwrap().is_some());
        assert_eq!(
            store
                .session(&hash, idle - 1)
                .await
                .unwrap()
                .unwrap()
                .idle_expires_at,
            idle,
            "{backend}: the failed touch changed nothing"
        );

        // Used before the idle expiry: it slides, up to the absolute expiry.
        let absolute = T0 + 8 * HOUR;
        let mut now = T0 + 29 * MINUTE;
        while now < absolute {
            let row = store
                .touch_session(&hash, now, now + 30 * MINUTE)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                row.idle_expires_at,
                (now + 30 * MINUTE).min(absolute),
                "{backend}"
            );
            now += 29 * MINUTE;
        }
        let row = store
            .touch_session(&hash, absolute - 10, absolute + HOUR)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.idle_expires_at, absolute, "{backend}");
        assert_eq!(row.last_seen_at, absolute - 10);
        // Absolute expiry: valid the second before, gone at it, however active.
        assert!(store.session(&hash, absolute - 1).await.unwrap().is_some());
        assert!(store.session(&hash, absolute).await.unwrap().is_none());
        assert!(
            store
                .touch_session(&hash, absolute, absolute + HOUR)
                .await
                .unwrap()
                .is_none()
        );
        // A slide into the past is refused.
        assert!(matches!(
            store.touch_session(&hash, T0 + HOUR, T0 + HOUR).await,
            Err(StoreError::InvalidInput {
                field: "idle_expires_at",
                ..
            })
        ));

        // Created with an idle expiry beyond the absolute one: capped too.
        let long_idle = NewSession {
            idle_expires_at: T0 + 9 * HOUR,
            ..session("cookie-long-idle", matti, None, T0)
        };
        let row = store.create_session(&long_idle, T0).await.unwrap();
        assert_eq!(row.idle_expires_at, T0 + 8 * HOUR, "{backend}");
        // Expiries not in the future are refused, and nothing is stored.
        for (expires_at, idle_expires_at, field) in [
            (T0, T0 + 1, "expires_at"),
            (T0 + 1, T0, "idle_expires_at"),
            (T0 - 1, T0 - 1, "expires_at"),
        ] {
            let bad = NewSession {
                expires_at,
                idle_expires_at,
                ..session("cookie-bad", matti, None, T0)
            };
            match store.create_session(&bad, T0).await {
                Err(StoreError::InvalidInput { field: got, reason }) => {
                    assert_eq!(got, field, "{backend}: {reason}");
                    assert!(reason.contains("not after"), "{reason}");
                }
                other => panic!("{backend}: {other:?}"),
            }
        }
        assert!(
            store
                .session(&token_hash("cookie-bad"), T0 - 10)
                .await
                .unwrap()
                .is_none()
        );

        // The purge deletes exactly the sessions expired at `now`.
        let short = NewSession {
            idle_expires_at: T0 + MINUTE,
            ..session("cookie-short", matti, None, T0)
        };
        store.create_session(&short, T0).await.unwrap();
        assert_eq!(
            store.purge_expired_sessions(T0 + MINUTE - 1).await.unwrap(),
            0,
            "{backend}"
        );
        assert_eq!(
            store.purge_expired_sessions(T0 + MINUTE).await.unwrap(),
            1,
            "{backend}"
        );
        // At the absolute expiry the other two go (one expired idle at it, one
        // capped at it).
        assert_eq!(
            store.purge_expired_sessions(absolute).await.unwrap(),
            2,
            "{backend}"
        );
        assert_eq!(store.purge_expired_sessions(absolute).await.unwrap(), 0);
        // Purged, not ended: only sign-outs are session.end.
        assert!(events(&store, "session.end").await.is_empty(), "{backend}");
        assert_eq!(events(&store, "session.start").await.len(), 3);
    }
}

#[tokio::test]
async fn sessions_refer_to_real_users_and_organisations() {
    for (backend, store, guard) in test_stores().await {
        let (matti, maija) = seed(&store).await;
        let before = store.audit_events(None).await.unwrap().len();
        match store
            .create_session(&session("cookie", 9999, None, T0), T0)
            .await
        {
            Err(e @ StoreError::NotFound { what: "user", .. }) => {
                assert_eq!(e.to_string(), "user 9999 not found", "{backend}");
            }
            other => panic!("{backend}: {other:?}"),
        }
        assert!(matches!(
            store
                .create_session(&session("cookie", matti, Some("1.2.246.10.999"), T0), T0)
                .await,
            Err(StoreError::NotFound {
                what: "organisation",
                ..
            })
        ));
        // Nothing half-stored: no session, no event.
        assert!(
            store
                .session(&token_hash("cookie"), T0)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(store.audit_events(None).await.unwrap().len(), before);

        store
            .create_session(&session("cookie", matti, Some(ORG_A), T0), T0)
            .await
            .unwrap();
        // The same token twice (it should be random): refused.
        assert!(matches!(
            store
                .create_session(&session("cookie", maija, None, T0), T0)
                .await,
            Err(StoreError::Conflict { .. })
        ));
        assert_eq!(
            store
                .session(&token_hash("cookie"), T0)
                .await
                .unwrap()
                .unwrap()
                .user_id,
            matti,
            "{backend}"
        );
        assert!(matches!(
            store
                .set_session_org(&token_hash("cookie"), Some("1.2.246.10.999"))
                .await,
            Err(StoreError::NotFound {
                what: "organisation",
                ..
            })
        ));
        assert_eq!(events(&store, "session.start").await.len(), 1);

        // Sign out everywhere: every session of one user, each audited.
        for n in 0..3 {
            store
                .create_session(&session(&format!("matti-{n}"), matti, None, T0), T0)
                .await
                .unwrap();
        }
        store
            .create_session(&session("maija", maija, None, T0), T0)
            .await
            .unwrap();
        assert_eq!(
            store
                .delete_sessions_of_user(matti, ACTOR, T0 + 5)
                .await
                .unwrap(),
            4,
            "{backend}"
        );
        assert_eq!(
            store
                .delete_sessions_of_user(matti, ACTOR, T0 + 5)
                .await
                .unwrap(),
            0
        );
        assert!(
            store
                .session(&token_hash("matti-0"), T0)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .session(&token_hash("maija"), T0)
                .await
                .unwrap()
                .is_some()
        );
        let ended = events(&store, "session.end").await;
        assert_eq!(ended.len(), 4, "{backend}");
        assert!(ended.iter().all(|e| e.actor == ACTOR && e.at == T0 + 5));
        assert_eq!(
            ended
                .iter()
                .filter(|e| e.org_oid.as_deref() == Some(ORG_A))
                .count(),
            1
        );

        // A user's sessions go with him (ON DELETE CASCADE); the store has no
        // call that deletes users, so this is plain SQL.
        let mut conn = sqlx::AnyConnection::connect(guard.url()).await.unwrap();
        if backend == "sqlite" {
            sqlx::raw_sql("PRAGMA foreign_keys=ON")
                .execute(&mut conn)
                .await
                .unwrap();
        }
        sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(maija)
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        assert!(
            store
                .session(&token_hash("maija"), T0)
                .await
                .unwrap()
                .is_none(),
            "{backend}"
        );
    }
}

// ---- pending OIDC logins ------------------------------------------------------

#[tokio::test]
async fn a_pending_login_is_taken_once_and_not_after_it_expired() {
    for (backend, store, _guard) in test_stores().await {
        let expires = T0 + 10 * MINUTE;
        store
            .create_oidc_login(&login("state-1", expires), T0)
            .await
            .unwrap();
        assert!(matches!(
            store
                .create_oidc_login(&login("state-1", expires), T0)
                .await,
            Err(StoreError::Conflict { .. })
        ));
        let hash = token_hash("state-1");
        let taken = store
            .take_oidc_login(&hash, expires - 1)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(taken.nonce, login("state-1", expires).nonce, "{backend}");
        assert_eq!(taken.pkce_verifier, login("state-1", expires).pkce_verifier);
        assert_eq!(taken.return_to, "/applications");
        assert_eq!((taken.created_at, taken.expires_at), (T0, expires));
        let debug = format!("{taken:?}");
        assert!(
            !debug.contains("secret") && debug.contains("/applications"),
            "{debug}"
        );
        assert!(
            store
                .take_oidc_login(&hash, expires - 1)
                .await
                .unwrap()
                .is_none(),
            "{backend}: single use"
        );

        // Expired at the exact second: None, and deleted all the same.
        store
            .create_oidc_login(&login("state-2", expires), T0)
            .await
            .unwrap();
        let hash = token_hash("state-2");
        assert!(
            store
                .take_oidc_login(&hash, expires)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store.take_oidc_login(&hash, T0).await.unwrap().is_none(),
            "{backend}: an expired login is gone"
        );

        // Malformed requests are refused and not stored.
        let open_redirect = NewOidcLogin {
            return_to: "//evil.example/".to_owned(),
            ..login("state-3", expires)
        };
        assert!(matches!(
            store.create_oidc_login(&open_redirect, T0).await,
            Err(StoreError::InvalidInput {
                field: "return_to",
                ..
            })
        ));
        assert!(
            store
                .take_oidc_login(&token_hash("state-3"), T0)
                .await
                .unwrap()
                .is_none()
        );

        // The purge deletes the abandoned ones, at the exact second.
        store
            .create_oidc_login(&login("a", T0 + MINUTE), T0)
            .await
            .unwrap();
        store
            .create_oidc_login(&login("b", T0 + 2 * MINUTE), T0)
            .await
            .unwrap();
        assert_eq!(
            store
                .purge_expired_oidc_logins(T0 + MINUTE - 1)
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            store.purge_expired_oidc_logins(T0 + MINUTE).await.unwrap(),
            1,
            "{backend}"
        );
        assert!(
            store
                .take_oidc_login(&token_hash("b"), T0)
                .await
                .unwrap()
                .is_some()
        );
    }
}

#[tokio::test]
async fn concurrent_callbacks_with_one_state_get_the_login_at_most_once() {
    for (backend, store, _guard) in test_stores().await {
        for round in 0..20 {
            let state = format!("race-state-{round}");
            store
                .create_oidc_login(&login(&state, T0 + HOUR), T0)
                .await
                .unwrap();
            let takers: Vec<_> = (0..6)
                .map(|_| {
                    let store = store.clone();
                    let hash = token_hash(&state);
                    tokio::spawn(async move { store.take_oidc_login(&hash, T0 + 1).await })
                })
                .collect();
            let mut winners = 0;
            for taker in takers {
                if taker.await.unwrap().unwrap().is_some() {
                    winners += 1;
                }
            }
            assert_eq!(winners, 1, "{backend} round {round}");
        }
    }
}

// ---- API tokens ---------------------------------------------------------------

#[tokio::test]
async fn api_tokens_belong_to_one_organisation_and_stop_working_when_revoked_or_expired() {
    for (backend, store, _guard) in test_stores().await {
        let (matti, _) = seed(&store).await;
        let admin = user_actor(matti);
        let expires = T0 + 365 * DAY;
        let row = store
            .create_api_token(&api_token("tok-A1-secret", ORG_A, expires), &admin, T0)
            .await
            .unwrap();
        assert_eq!(row.org_oid, ORG_A, "{backend}");
        assert_eq!(row.name, "Kanta gateway");
        assert_eq!(row.created_by, admin);
        assert_eq!((row.created_at, row.expires_at), (T0, expires));
        assert_eq!((row.revoked_at, row.last_used_at), (None, None));
        assert!(row.is_usable(T0));

        let hash = token_hash("tok-A1-secret");
        assert_eq!(
            store.api_token_by_hash(&hash, T0 + 1).await.unwrap(),
            Some(row.clone())
        );
        assert!(
            store
                .api_token_by_hash(&token_hash("unknown"), T0)
                .await
                .unwrap()
                .is_none()
        );
        // Expiry at the exact second.
        assert!(
            store
                .api_token_by_hash(&hash, expires - 1)
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            store
                .api_token_by_hash(&hash, expires)
                .await
                .unwrap()
                .is_none(),
            "{backend}"
        );

        // Use is recorded, never backwards.
        store.record_api_token_use(row.id, T0 + 100).await.unwrap();
        store.record_api_token_use(row.id, T0 + 50).await.unwrap();
        assert_eq!(
            store
                .api_token_by_hash(&hash, T0 + 200)
                .await
                .unwrap()
                .unwrap()
                .last_used_at,
            Some(T0 + 100),
            "{backend}"
        );
        assert!(matches!(
            store.record_api_token_use(9999, T0).await,
            Err(StoreError::NotFound {
                what: "API token",
                ..
            })
        ));

        let b = store
            .create_api_token(&api_token("tok-B1-secret", ORG_B, expires), ACTOR, T0 + 1)
            .await
            .unwrap();
        let a2 = store
            .create_api_token(&api_token("tok-A2-secret", ORG_A, expires), &admin, T0 + 2)
            .await
            .unwrap();
        let ids: Vec<i64> = store
            .api_tokens_of_org(ORG_A)
            .await
            .unwrap()
            .iter()
            .map(|t| t.id)
            .collect();
        assert_eq!(ids, [a2.id, row.id], "{backend}: newest first");

        // Another organisation cannot revoke it, nor learn that it exists.
        match store.revoke_api_token(row.id, ORG_B, ACTOR, T0 + 10).await {
            Err(e @ StoreError::NotFound { .. }) => {
                assert_eq!(
                    e.to_string(),
                    format!("API token {} of organisation {ORG_B} not found", row.id)
                );
            }
            other => panic!("{backend}: {other:?}"),
        }
        assert!(matches!(
            store.revoke_api_token(9999, ORG_B, ACTOR, T0 + 10).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(
            store
                .api_token_by_hash(&hash, T0 + 10)
                .await
                .unwrap()
                .is_some(),
            "{backend}: still works"
        );

        let revoked = store
            .revoke_api_token(row.id, ORG_A, &admin, T0 + 20)
            .await
            .unwrap();
        assert_eq!(revoked.revoked_at, Some(T0 + 20), "{backend}");
        assert_eq!(revoked.revoked_by.as_deref(), Some(admin.as_str()));
        assert!(!revoked.is_usable(T0 + 21));
        assert!(
            store
                .api_token_by_hash(&hash, T0 + 21)
                .await
                .unwrap()
                .is_none(),
            "{backend}: a revoked token does not work"
        );
        match store.revoke_api_token(row.id, ORG_A, &admin, T0 + 30).await {
            Err(StoreError::Conflict { what }) => {
                assert!(what.contains("already revoked"), "{what}");
            }
            other => panic!("{backend}: {other:?}"),
        }
        // The others still work; the list shows the revoked one too.
        assert!(
            store
                .api_token_by_hash(&token_hash("tok-A2-secret"), T0 + 30)
                .await
                .unwrap()
                .is_some()
        );
        assert_eq!(
            store.api_tokens_of_org(ORG_A).await.unwrap()[1].revoked_at,
            Some(T0 + 20)
        );
        assert_eq!(store.api_tokens_of_org(ORG_B).await.unwrap(), [b]);

        // Refused with a clear error, nothing stored.
        let before = store.audit_events(None).await.unwrap().len();
        assert!(matches!(
            store
                .create_api_token(
                    &api_token("tok-X-secret", "1.2.246.10.999", expires),
                    &admin,
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
                .create_api_token(&api_token("tok-A2-secret", ORG_A, expires), &admin, T0)
                .await,
            Err(StoreError::Conflict { .. })
        ));
        let long_name = NewApiToken {
            name: "n".repeat(101),
            ..api_token("tok-Y-secret", ORG_A, expires)
        };
        assert!(matches!(
            store.create_api_token(&long_name, &admin, T0).await,
            Err(StoreError::InvalidInput { field: "name", .. })
        ));
        assert!(matches!(
            store
                .create_api_token(&api_token("tok-Z-secret", ORG_A, T0), &admin, T0)
                .await,
            Err(StoreError::InvalidInput {
                field: "expires_at",
                ..
            })
        ));
        assert!(matches!(
            store
                .create_api_token(&api_token("tok-W-secret", ORG_A, expires), " ", T0)
                .await,
            Err(StoreError::InvalidInput { field: "actor", .. })
        ));
        assert_eq!(store.audit_events(None).await.unwrap().len(), before);
        assert_eq!(store.api_tokens_of_org(ORG_A).await.unwrap().len(), 2);

        // Audited: who, for which organisation, when; never the hash.
        let created = events(&store, "api-token.create").await;
        assert_eq!(created.len(), 3, "{backend}");
        assert_eq!(created[0].actor, admin);
        assert_eq!(created[0].org_oid.as_deref(), Some(ORG_A));
        assert_eq!(created[0].at, T0);
        assert_eq!(created[0].details["token_id"], row.id);
        let revokes = events(&store, "api-token.revoke").await;
        assert_eq!(revokes.len(), 1, "{backend}");
        assert_eq!(revokes[0].actor, admin);
        assert_eq!(revokes[0].org_oid.as_deref(), Some(ORG_A));
        assert_eq!(revokes[0].at, T0 + 20);
        let mut secrets = vec!["-secret".to_owned()];
        for token in ["tok-A1-secret", "tok-A2-secret", "tok-B1-secret"] {
            secrets.push(token_hash(token));
            secrets.push(token_hash(token)[..16].to_owned());
        }
        assert_no_secret_in_audit(&store, &backend, &secrets).await;
    }
}

#[tokio::test]
async fn an_organisation_reads_its_own_audit_trail_newest_first() {
    for (backend, store, _guard) in test_stores().await {
        let (matti, _) = seed(&store).await;
        store
            .create_session(&session("cookie", matti, Some(ORG_A), T0 + 1), T0 + 1)
            .await
            .unwrap();
        for n in 0..3 {
            store
                .create_api_token(
                    &api_token(&format!("a{n}"), ORG_A, T0 + DAY),
                    ACTOR,
                    T0 + 2 + n,
                )
                .await
                .unwrap();
        }
        store
            .create_api_token(&api_token("b", ORG_B, T0 + DAY), ACTOR, T0 + 9)
            .await
            .unwrap();

        let trail = store.audit_events_for_org(ORG_A, 100).await.unwrap();
        let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "api-token.create",
                "api-token.create",
                "api-token.create",
                "session.start",
                "org.import.insert"
            ],
            "{backend}"
        );
        assert!(trail.windows(2).all(|w| w[0].id > w[1].id));
        assert!(trail.iter().all(|e| e.org_oid.as_deref() == Some(ORG_A)));
        let newest_two = store.audit_events_for_org(ORG_A, 2).await.unwrap();
        assert_eq!(newest_two, trail[..2], "{backend}");
        assert_eq!(newest_two[0].at, T0 + 4);
        assert!(
            store
                .audit_events_for_org("1.2.246.10.999", 10)
                .await
                .unwrap()
                .is_empty()
        );
        for limit in [0, -1, MAX_AUDIT_PAGE + 1] {
            assert!(matches!(
                store.audit_events_for_org(ORG_A, limit).await,
                Err(StoreError::InvalidInput { field: "limit", .. })
            ));
        }
        assert_eq!(
            store
                .audit_events_for_org(ORG_A, MAX_AUDIT_PAGE)
                .await
                .unwrap()
                .len(),
            5
        );
    }
}
