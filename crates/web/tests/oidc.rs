//! Sign-in through OpenID Connect (`carepki_web::oidc`) against a real OpenID provider:
//! the npm package oidc-provider run by node on the loopback
//! (`tests/oidc-provider/provider.mjs`), driven as a browser would (cookie jar, its
//! login and consent forms, redirects up to the redirect URI, which is not served: its
//! `code` and `state` are read off the last redirect).
//!
//! Forged, mis-addressed and expired ID tokens come from a small provider of the
//! test's own (discovery, JWKS and token endpoint in axum) that signs what each test
//! asks with keys of its own, so that the relying party's checks are what refuses them.
//!
//! The tests that need node are skipped with a note when node or the provider's
//! modules are missing (`npm ci --prefix crates/web/tests/oidc-provider`), unless
//! `CAREPKI_REQUIRE_OIDC_PROVIDER=1` (as `scripts/test` sets), which makes them fail.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use carepki_web::oidc::{
    IdTokenProblem, OidcClient, OidcError, OidcSettings, PendingLogin, state_matches,
};
use serde_json::{Value, json};
use tokio::io::AsyncBufReadExt as _;

/// Set to 1 to fail, not skip, when node or the provider's modules are missing.
const REQUIRE_VAR: &str = "CAREPKI_REQUIRE_OIDC_PROVIDER";
const CLIENT_ID: &str = "carepki-test";
const CLIENT_SECRET: &str = "a-test-secret-of-the-client";
/// Registered at the provider, never served: the test reads the code off the redirect.
const REDIRECT_URI: &str = "http://127.0.0.1:9/auth/callback";

// --- the node provider -------------------------------------------------------------

fn provider_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc-provider")
}

/// Whether node and the provider's modules are here; panics when they are not and
/// `CAREPKI_REQUIRE_OIDC_PROVIDER=1`.
fn node_provider_available() -> bool {
    let node = std::process::Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let modules = provider_dir()
        .join("node_modules/oidc-provider/package.json")
        .is_file();
    if node && modules {
        return true;
    }
    let why = if node {
        "the provider's modules are not installed (npm ci --prefix crates/web/tests/oidc-provider)"
    } else {
        "node is not installed"
    };
    assert!(
        std::env::var(REQUIRE_VAR).as_deref() != Ok("1"),
        "{why} and {REQUIRE_VAR}=1"
    );
    eprintln!("note: {why}: skipping the test against a real OpenID provider");
    false
}

/// A running `provider.mjs`; stopped when dropped.
struct NodeProvider {
    _child: tokio::process::Child,
    issuer: String,
    _log: tempfile::NamedTempFile,
}

impl NodeProvider {
    async fn start(env: &[(&str, &str)]) -> Self {
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut cmd = tokio::process::Command::new("node");
        cmd.arg("provider.mjs")
            .arg("0")
            .current_dir(provider_dir())
            .env("OIDC_CLIENT_ID", CLIENT_ID)
            .env("OIDC_CLIENT_SECRET", CLIENT_SECRET)
            .env("OIDC_REDIRECT_URIS", REDIRECT_URI)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log.reopen().unwrap())
            .kill_on_drop(true);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("node starts");
        let stdout = child.stdout.take().unwrap();
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let port = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some(port) = line.strip_prefix("LISTENING ") {
                    return Some(port.trim().parse::<u16>().unwrap());
                }
            }
            None
        })
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| {
            panic!(
                "the OpenID provider did not start: {}",
                std::fs::read_to_string(log.path()).unwrap_or_default()
            )
        });
        Self {
            _child: child,
            issuer: format!("http://127.0.0.1:{port}"),
            _log: log,
        }
    }

    async fn client(&self, identity_claim: Option<&str>, scopes: &[&str]) -> OidcClient {
        OidcClient::discover(settings(&self.issuer, identity_claim, scopes))
            .await
            .unwrap()
    }
}

fn settings(issuer: &str, identity_claim: Option<&str>, scopes: &[&str]) -> OidcSettings {
    OidcSettings {
        issuer: issuer.to_owned(),
        client_id: CLIENT_ID.to_owned(),
        client_secret: Some(CLIENT_SECRET.to_owned()),
        redirect_uri: REDIRECT_URI.to_owned(),
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        identity_claim: identity_claim.map(str::to_owned),
        allow_http: true,
    }
}

/// What the provider sent the browser back with.
#[derive(Debug)]
struct Callback {
    code: String,
    state: String,
    pages: Vec<String>,
}

/// Goes through the provider's pages as a browser would: follows redirects, fills in
/// the login form with `login` (and any password), confirms the consent form if
/// shown, and stops at the redirect to the redirect URI.
async fn browser_sign_in(auth_url: &str, login: &str) -> Callback {
    // reqwest has no TLS provider of its own here (see the workspace's Cargo.toml);
    // the provider is plain http on the loopback, so no roots are needed.
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(rustls::RootCertStore::empty())
    .with_no_client_auth();
    let browser = reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut pages = Vec::new();
    let mut response = browser.get(auth_url).send().await.unwrap();
    for _ in 0..20 {
        let url = response.url().clone();
        let status = response.status();
        if status.is_redirection() {
            let location = response.headers()["location"].to_str().unwrap().to_owned();
            let next = url.join(&location).unwrap();
            if next.as_str().starts_with(REDIRECT_URI) {
                let query: std::collections::HashMap<_, _> =
                    next.query_pairs().into_owned().collect();
                assert!(
                    !query.contains_key("error"),
                    "the provider answered an error: {query:?}"
                );
                return Callback {
                    code: query["code"].clone(),
                    state: query["state"].clone(),
                    pages,
                };
            }
            response = browser.get(next).send().await.unwrap();
            continue;
        }
        let body = response.text().await.unwrap();
        assert!(status.is_success(), "{status} at {url}: {body}");
        let action = html_attr(&body, "<form", "action").expect("a form on the page");
        let prompt = html_input_value(&body, "prompt").expect("a prompt field");
        let form: Vec<(&str, &str)> = match prompt.as_str() {
            "login" => vec![
                ("prompt", "login"),
                ("login", login),
                ("password", "any password"),
            ],
            "consent" => vec![("prompt", "consent")],
            other => panic!("unexpected prompt {other} at {url}"),
        };
        pages.push(prompt);
        let target = url.join(&action).unwrap();
        response = browser.post(target).form(&form).send().await.unwrap();
    }
    panic!("no redirect to the redirect URI after 20 steps; pages: {pages:?}")
}

/// The value of `attr` in the first tag that starts with `tag`.
fn html_attr(html: &str, tag: &str, attr: &str) -> Option<String> {
    let start = html.find(tag)?;
    let end = start + html[start..].find('>')?;
    let element = &html[start..end];
    let key = format!("{attr}=\"");
    let from = element.find(&key)? + key.len();
    let to = from + element[from..].find('"')?;
    Some(unescape(&element[from..to]))
}

/// The value of the (hidden) input named `name`.
fn html_input_value(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\""))?;
    let start = html[..at].rfind("<input")?;
    html_attr(&html[start..], "<input", "value")
}

fn unescape(s: &str) -> String {
    s.replace("&#x2F;", "/")
        .replace("&#x3D;", "=")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn query_of(url: &str) -> std::collections::HashMap<String, String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

// --- against the real provider ------------------------------------------------------

#[tokio::test]
async fn signs_in_through_a_real_provider() {
    if !node_provider_available() {
        return;
    }
    let op = NodeProvider::start(&[]).await;
    let client = op.client(None, &["profile", "email"]).await;
    let (auth_url, pending) = client.begin();

    let q = query_of(&auth_url);
    assert!(auth_url.starts_with(&format!("{}/auth?", op.issuer)));
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], CLIENT_ID);
    assert_eq!(q["redirect_uri"], REDIRECT_URI);
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["state"], pending.state);
    assert_eq!(q["nonce"], pending.nonce);
    let scopes: Vec<&str> = q["scope"].split(' ').collect();
    assert!(scopes.contains(&"openid") && scopes.contains(&"profile") && scopes.contains(&"email"));
    // The challenge is S256 of the verifier, and the verifier itself is not sent.
    let digest =
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, pending.pkce_verifier.as_bytes());
    assert_eq!(q["code_challenge"], B64.encode(digest.as_ref()));
    assert!(!auth_url.contains(&pending.pkce_verifier));

    let back = browser_sign_in(&auth_url, "maija.meikalainen").await;
    assert_eq!(back.pages, ["login", "consent"]);
    assert!(state_matches(&pending, &back.state));
    let identity = client.complete(&pending, &back.code).await.unwrap();
    assert_eq!(identity.issuer, op.issuer);
    assert_eq!(identity.subject, "maija.meikalainen");
    assert_eq!(
        identity.name.as_deref(),
        Some("Test User maija.meikalainen")
    );
    assert_eq!(
        identity.email.as_deref(),
        Some("maija.meikalainen@example.test")
    );
    // Debug output hides the subject and the secrets of the pending sign-in.
    let shown = format!("{identity:?} {pending:?} {client:?}");
    assert!(shown.contains("subject: \"[hidden]\""), "{shown}");
    assert!(!shown.contains("\"maija.meikalainen\""), "{shown}");
    assert!(!shown.contains(&pending.nonce) && !shown.contains(&pending.pkce_verifier));
    assert!(!shown.contains(&pending.state));

    // The same code again: the provider refuses it (it is single-use).
    let err = client.complete(&pending, &back.code).await.unwrap_err();
    assert!(
        matches!(&err, OidcError::TokenRequest { reason } if reason.contains("invalid_grant")),
        "{err}"
    );
    assert!(!err.to_string().contains(&back.code), "{err}");
}

#[tokio::test]
async fn the_identity_claim_names_the_person() {
    if !node_provider_available() {
        return;
    }
    // No consent page this time: the provider gives the grant at sign-in.
    let op = NodeProvider::start(&[("OIDC_SKIP_CONSENT", "1")]).await;
    let client = op.client(Some("hetu"), &["profile", "email", "hetu"]).await;
    let (auth_url, pending) = client.begin();
    let back = browser_sign_in(&auth_url, "010180-9026").await;
    assert_eq!(back.pages, ["login"]);
    let identity = client.complete(&pending, &back.code).await.unwrap();
    assert_eq!(identity.subject, "010180-9026");
    assert_eq!(identity.name.as_deref(), Some("Test User 010180-9026"));
    assert!(!format!("{identity:?}").contains("\"010180-9026\""));

    // A person the provider gives no such claim for cannot sign in.
    let (auth_url, pending) = client.begin();
    let back = browser_sign_in(&auth_url, "no-identity-code").await;
    let err = client.complete(&pending, &back.code).await.unwrap_err();
    assert!(
        matches!(&err, OidcError::MissingIdentityClaim { claim } if claim == "hetu"),
        "{err}"
    );
    assert!(!err.to_string().contains("no-identity-code"), "{err}");
}

#[tokio::test]
async fn claims_come_from_userinfo_when_the_id_token_lacks_them() {
    if !node_provider_available() {
        return;
    }
    let op = NodeProvider::start(&[
        ("OIDC_SKIP_CONSENT", "1"),
        ("OIDC_CLAIMS_IN_USERINFO_ONLY", "1"),
    ])
    .await;
    let client = op.client(Some("hetu"), &["profile", "email", "hetu"]).await;
    let (auth_url, pending) = client.begin();
    let back = browser_sign_in(&auth_url, "311299-999X").await;
    let identity = client.complete(&pending, &back.code).await.unwrap();
    assert_eq!(identity.subject, "311299-999X");
    assert_eq!(identity.name.as_deref(), Some("Test User 311299-999X"));
    assert_eq!(identity.email.as_deref(), Some("311299-999X@example.test"));
}

#[tokio::test]
async fn the_state_must_be_the_one_sent() {
    let pending = PendingLogin {
        state: "k3Jx9-state-value".into(),
        nonce: "n".into(),
        pkce_verifier: "v".into(),
    };
    assert!(state_matches(&pending, "k3Jx9-state-value"));
    for other in [
        "",
        "k3Jx9-state-valuE",
        "k3Jx9-state-valu",
        "k3Jx9-state-value ",
    ] {
        assert!(!state_matches(&pending, other), "{other:?}");
    }
    let empty = PendingLogin {
        state: String::new(),
        ..pending
    };
    assert!(!state_matches(&empty, ""));
}

#[tokio::test]
async fn the_nonce_of_another_sign_in_is_refused() {
    if !node_provider_available() {
        return;
    }
    let op = NodeProvider::start(&[("OIDC_SKIP_CONSENT", "1")]).await;
    let client = op.client(None, &["profile"]).await;
    let (auth_url, pending) = client.begin();
    let (_, other) = client.begin();
    let back = browser_sign_in(&auth_url, "matti").await;
    let swapped = PendingLogin {
        nonce: other.nonce.clone(),
        ..pending.clone()
    };
    let err = client.complete(&swapped, &back.code).await.unwrap_err();
    assert!(
        matches!(
            err,
            OidcError::IdTokenRejected {
                problem: IdTokenProblem::Nonce,
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn the_pkce_verifier_of_another_sign_in_is_refused_by_the_provider() {
    if !node_provider_available() {
        return;
    }
    let op = NodeProvider::start(&[("OIDC_SKIP_CONSENT", "1")]).await;
    let client = op.client(None, &[]).await;
    let (auth_url, pending) = client.begin();
    let (_, other) = client.begin();
    let back = browser_sign_in(&auth_url, "matti").await;
    let swapped = PendingLogin {
        pkce_verifier: other.pkce_verifier.clone(),
        ..pending.clone()
    };
    let err = client.complete(&swapped, &back.code).await.unwrap_err();
    assert!(
        matches!(&err, OidcError::TokenRequest { reason } if reason.contains("invalid_grant")),
        "{err}"
    );
    // The refusal was down to the verifier alone: with the right one, the code is
    // still good (the provider does not spend a code on a failed PKCE check).
    let identity = client.complete(&pending, &back.code).await.unwrap();
    assert_eq!(identity.subject, "matti");
}

#[tokio::test]
async fn a_key_not_the_providers_is_refused() {
    if !node_provider_available() {
        return;
    }
    // The provider's JWKS shows another key under the id of the one it signs with.
    let op =
        NodeProvider::start(&[("OIDC_SKIP_CONSENT", "1"), ("OIDC_PUBLISH_WRONG_KEY", "1")]).await;
    let client = op.client(None, &[]).await;
    let (auth_url, pending) = client.begin();
    let back = browser_sign_in(&auth_url, "matti").await;
    let err = client.complete(&pending, &back.code).await.unwrap_err();
    assert!(
        matches!(
            err,
            OidcError::IdTokenRejected {
                problem: IdTokenProblem::Signature,
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn plain_http_only_on_the_loopback_and_only_when_allowed() {
    let cases = [
        ("http://idp.example.test", REDIRECT_URI, true, "the issuer"),
        ("http://10.0.0.1:8080", REDIRECT_URI, true, "the issuer"),
        ("http://127.0.0.1:9", REDIRECT_URI, false, "the issuer"),
        (
            "https://idp.example.test",
            "http://carepki.example.test/auth/callback",
            true,
            "the redirect URI",
        ),
    ];
    for (issuer, redirect, allow_http, what) in cases {
        let mut s = settings(issuer, None, &[]);
        s.redirect_uri = redirect.to_owned();
        s.allow_http = allow_http;
        let err = OidcClient::discover(s).await.unwrap_err();
        assert!(
            matches!(&err, OidcError::InsecureUrl { what: w, .. } if *w == what),
            "{issuer} {redirect}: {err}"
        );
        assert!(err.to_string().contains("https"), "{err}");
    }
    let mut s = settings("not a url", None, &[]);
    s.allow_http = false;
    assert!(matches!(
        OidcClient::discover(s).await.unwrap_err(),
        OidcError::InvalidSetting {
            setting: "issuer",
            ..
        }
    ));
}

// --- against a provider of the test's own, for tokens no honest provider makes ----

/// An ES256 key of the test's.
struct Key {
    kid: String,
    pair: EcdsaKeyPair,
}

impl Key {
    fn new(kid: &str) -> Self {
        Self {
            kid: kid.to_owned(),
            pair: EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap(),
        }
    }

    fn jwk(&self) -> Value {
        let point = self.pair.public_key().as_ref();
        assert_eq!(point.len(), 65);
        json!({
            "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": self.kid,
            "x": B64.encode(&point[1..33]), "y": B64.encode(&point[33..]),
        })
    }

    fn sign(&self, claims: &Value) -> String {
        self.sign_as(&self.kid, claims)
    }

    /// Signed by this key, but naming the key `kid`.
    fn sign_as(&self, kid: &str, claims: &Value) -> String {
        let header = json!({"alg": "ES256", "typ": "JWT", "kid": kid});
        let input = format!(
            "{}.{}",
            B64.encode(header.to_string()),
            B64.encode(claims.to_string())
        );
        let sig = self
            .pair
            .sign(&SystemRandom::new(), input.as_bytes())
            .unwrap();
        format!("{input}.{}", B64.encode(sig.as_ref()))
    }
}

#[derive(Default)]
struct FakeState {
    jwks: Value,
    token_response: Value,
    jwks_fetches: usize,
}

/// Discovery, JWKS and a token endpoint that answers whatever the test put there.
struct FakeProvider {
    issuer: String,
    state: Arc<Mutex<FakeState>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeProvider {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeProvider {
    async fn start(jwks: Value) -> Self {
        use axum::routing::{get, post};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(FakeState {
            jwks,
            ..FakeState::default()
        }));
        let discovery = json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/auth"),
            "token_endpoint": format!("{issuer}/token"),
            "jwks_uri": format!("{issuer}/jwks"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            // HS256 and none are advertised too: the relying party must not take them.
            "id_token_signing_alg_values_supported": ["ES256", "HS256", "none"],
        });
        let (s1, s2) = (Arc::clone(&state), Arc::clone(&state));
        let app = axum::Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(move || async move { axum::Json(discovery) }),
            )
            .route(
                "/jwks",
                get(move || async move {
                    let mut s = s1.lock().unwrap();
                    s.jwks_fetches += 1;
                    axum::Json(s.jwks.clone())
                }),
            )
            .route(
                "/token",
                post(move || async move { axum::Json(s2.lock().unwrap().token_response.clone()) }),
            );
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            issuer,
            state,
            task,
        }
    }

    fn answer_with_id_token(&self, id_token: &str) {
        self.state.lock().unwrap().token_response = json!({
            "access_token": "test-access-token", "token_type": "Bearer",
            "expires_in": 600, "id_token": id_token,
        });
    }

    async fn client(&self) -> OidcClient {
        OidcClient::discover(settings(&self.issuer, None, &["profile", "email"]))
            .await
            .unwrap()
    }

    /// The claims an honest provider would sign for `pending`.
    fn claims(&self, pending: &PendingLogin) -> Value {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        json!({
            "iss": self.issuer, "aud": CLIENT_ID, "sub": "fake-subject",
            "iat": now, "exp": now + 300, "nonce": pending.nonce,
            "name": "Fake Person", "email": "fake@example.test",
        })
    }
}

fn rejected_for(err: &OidcError) -> IdTokenProblem {
    match err {
        OidcError::IdTokenRejected { problem, .. } => *problem,
        other => panic!("not an ID token rejection: {other}"),
    }
}

#[tokio::test]
async fn forged_and_misaddressed_id_tokens_are_refused() {
    let key = Key::new("key-1");
    let op = FakeProvider::start(json!({"keys": [key.jwk()]})).await;
    let client = op.client().await;

    // First what an honest provider signs: accepted, so each refusal below is down to
    // the one thing changed.
    let (_, pending) = client.begin();
    op.answer_with_id_token(&key.sign(&op.claims(&pending)));
    let identity = client.complete(&pending, "code").await.unwrap();
    assert_eq!(identity.subject, "fake-subject");
    assert_eq!(identity.issuer, op.issuer);
    assert_eq!(identity.name.as_deref(), Some("Fake Person"));

    let forger = Key::new("key-1");
    let now = op.claims(&pending)["iat"].as_u64().unwrap();
    type Change = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Change, IdTokenProblem)> = vec![
        (
            "wrong audience",
            Box::new(|c| c["aud"] = json!("another-client")),
            IdTokenProblem::Audience,
        ),
        (
            "another audience too",
            Box::new(|c| c["aud"] = json!([CLIENT_ID, "another-client"])),
            IdTokenProblem::Audience,
        ),
        (
            "azp of another client",
            Box::new(|c| c["azp"] = json!("another-client")),
            IdTokenProblem::Audience,
        ),
        (
            "wrong issuer",
            Box::new(|c| c["iss"] = json!("https://evil.example.test")),
            IdTokenProblem::Issuer,
        ),
        (
            "expired",
            Box::new(move |c| {
                c["iat"] = json!(now - 900);
                c["exp"] = json!(now - 60);
            }),
            IdTokenProblem::Expired,
        ),
        (
            "issued in the future",
            Box::new(move |c| {
                c["iat"] = json!(now + 3600);
                c["exp"] = json!(now + 7200);
            }),
            IdTokenProblem::Expired,
        ),
        (
            "issued long ago",
            Box::new(move |c| {
                c["iat"] = json!(now - 86_400);
                c["exp"] = json!(now + 300);
            }),
            IdTokenProblem::Expired,
        ),
        (
            "no nonce",
            Box::new(|c| {
                c.as_object_mut().unwrap().remove("nonce");
            }),
            IdTokenProblem::Nonce,
        ),
        (
            "at_hash of another access token",
            Box::new(|c| c["at_hash"] = json!("AAAAAAAAAAAAAAAAAAAAAA")),
            IdTokenProblem::AccessTokenHash,
        ),
    ];
    for (what, change, problem) in cases {
        let (_, pending) = client.begin();
        let mut claims = op.claims(&pending);
        change(&mut claims);
        op.answer_with_id_token(&key.sign(&claims));
        let err = client.complete(&pending, "code").await.unwrap_err();
        assert_eq!(rejected_for(&err), problem, "{what}: {err}");
    }

    // Signed by another key under the provider's key id.
    let (_, pending) = client.begin();
    op.answer_with_id_token(&forger.sign(&op.claims(&pending)));
    let err = client.complete(&pending, "code").await.unwrap_err();
    assert_eq!(rejected_for(&err), IdTokenProblem::Signature, "{err}");

    // The signature of an honest token on other claims.
    let (_, pending) = client.begin();
    let honest = key.sign(&op.claims(&pending));
    let mut other = op.claims(&pending);
    other["sub"] = json!("someone-else");
    let parts: Vec<&str> = honest.split('.').collect();
    let spliced = format!(
        "{}.{}.{}",
        parts[0],
        B64.encode(other.to_string()),
        parts[2]
    );
    op.answer_with_id_token(&spliced);
    let err = client.complete(&pending, "code").await.unwrap_err();
    assert_eq!(rejected_for(&err), IdTokenProblem::Signature, "{err}");

    // alg none, and HS256 keyed with the client secret, though the provider lists both.
    let (_, pending) = client.begin();
    let payload = B64.encode(op.claims(&pending).to_string());
    let none = format!("{}.{payload}.", B64.encode(r#"{"alg":"none"}"#));
    op.answer_with_id_token(&none);
    let err = client.complete(&pending, "code").await.unwrap_err();
    assert_eq!(rejected_for(&err), IdTokenProblem::Signature, "{err}");
    let input = format!("{}.{payload}", B64.encode(r#"{"alg":"HS256","typ":"JWT"}"#));
    let mac_key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, CLIENT_SECRET.as_bytes());
    let mac = aws_lc_rs::hmac::sign(&mac_key, input.as_bytes());
    op.answer_with_id_token(&format!("{input}.{}", B64.encode(mac.as_ref())));
    let err = client.complete(&pending, "code").await.unwrap_err();
    assert_eq!(rejected_for(&err), IdTokenProblem::Signature, "{err}");

    // No ID token at all.
    op.state.lock().unwrap().token_response =
        json!({"access_token": "test-access-token", "token_type": "Bearer"});
    let err = client.complete(&pending, "code").await.unwrap_err();
    assert!(matches!(err, OidcError::MissingIdToken), "{err}");

    // No error message carries the token.
    let token = key.sign(&op.claims(&pending));
    let mut claims = op.claims(&pending);
    claims["aud"] = json!("another-client");
    let bad = key.sign(&claims);
    op.answer_with_id_token(&bad);
    let err = client.complete(&pending, "code").await.unwrap_err();
    for part in bad.split('.').chain(token.split('.')) {
        assert!(!err.to_string().contains(part), "{err}");
    }
}

#[tokio::test]
async fn the_keys_are_fetched_again_for_an_unknown_key_id() {
    let old = Key::new("2026-old");
    let new = Key::new("2026-new");
    let op = FakeProvider::start(json!({"keys": [old.jwk()]})).await;
    let client = op.client().await;
    assert_eq!(op.state.lock().unwrap().jwks_fetches, 1);

    // The provider rotates: a new key in its JWKS, tokens signed with it.
    op.state.lock().unwrap().jwks = json!({"keys": [old.jwk(), new.jwk()]});
    let (_, pending) = client.begin();
    op.answer_with_id_token(&new.sign(&op.claims(&pending)));
    let identity = client.complete(&pending, "code").await.unwrap();
    assert_eq!(identity.subject, "fake-subject");
    assert_eq!(op.state.lock().unwrap().jwks_fetches, 2);

    // Known now: no more fetching.
    let (_, pending) = client.begin();
    op.answer_with_id_token(&new.sign(&op.claims(&pending)));
    client.complete(&pending, "code").await.unwrap();
    assert_eq!(op.state.lock().unwrap().jwks_fetches, 2);

    // A key id the provider does not have even after fetching again: refused, after
    // one fetch.
    let stranger = Key::new("2026-stranger");
    let (_, pending) = client.begin();
    op.answer_with_id_token(&stranger.sign(&op.claims(&pending)));
    let err = client.complete(&pending, "code").await.unwrap_err();
    assert_eq!(rejected_for(&err), IdTokenProblem::Signature, "{err}");
    assert_eq!(op.state.lock().unwrap().jwks_fetches, 3);
}
