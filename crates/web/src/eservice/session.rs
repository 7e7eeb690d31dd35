//! Sign-in sessions, CSRF tokens and rate limits of the e-service.
//!
//! - The session cookie `carepki_session` holds 32 random bytes (base64url);
//!   the database holds only their SHA-256, with the user, the organisation he
//!   acts for, an absolute expiry ([`SESSION_HOURS`]) and an idle expiry
//!   ([`IDLE_MINUTES`], slid forward as he works). The cookie is `HttpOnly`,
//!   `SameSite=Lax` (the OpenID provider's redirect back must carry it),
//!   `Path=/`, and `Secure` whenever the service is reached over https.
//! - Every form carries a CSRF token: HMAC-SHA256 of the session token under a
//!   key derived from the e-service's secret, so it is bound to the session,
//!   needs no storage, and works across processes. Every POST by a session
//!   checks it (the form field `csrf`, or the `X-CSRF-Token` header for the
//!   JSON API); a bearer-token client has no cookie to ride on and needs none.
//! - Rate limits: sign-in attempts per client address, invitations per user
//!   (fixed windows in memory, per process).

use std::collections::HashMap;
use std::sync::Mutex;

use aws_lc_rs::{constant_time, digest, hmac};
use axum::http::{HeaderMap, header};
use carepki_store::token_hash;

/// Absolute session lifetime.
pub const SESSION_HOURS: i64 = 8;
/// Idle timeout.
pub const IDLE_MINUTES: i64 = 30;
/// The session cookie's name.
pub const SESSION_COOKIE: &str = "carepki_session";
/// The cookie that carries a first sign-in's registration state (signed).
pub const REGISTER_COOKIE: &str = "carepki_register";

/// The value of cookie `name`, if sent.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=/, Secure when asked,
/// expiring after `max_age` seconds (0 deletes it).
pub fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Keys derived from the e-service's secret.
pub struct Keys {
    csrf: hmac::Key,
    register: hmac::Key,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(..)")
    }
}

impl Keys {
    /// Derives the keys from `secret` (the subject key).
    pub fn derive(secret: &[u8]) -> Self {
        let master = hmac::Key::new(hmac::HMAC_SHA256, secret);
        let sub =
            |label: &[u8]| hmac::Key::new(hmac::HMAC_SHA256, hmac::sign(&master, label).as_ref());
        Self {
            csrf: sub(b"carepki csrf v1"),
            register: sub(b"carepki register v1"),
        }
    }

    /// The CSRF token of session token `session`.
    pub fn csrf_token(&self, session: &str) -> String {
        hex::encode(hmac::sign(&self.csrf, session.as_bytes()).as_ref())
    }

    /// Whether `given` is the CSRF token of `session` (constant time).
    pub fn csrf_ok(&self, session: &str, given: &str) -> bool {
        let want = self.csrf_token(session);
        constant_time::verify_slices_are_equal(want.as_bytes(), given.trim().as_bytes()).is_ok()
    }

    /// A signed registration state: `subject_hash.expires.signature`.
    pub fn sign_register(&self, subject_hash: &str, expires: i64) -> String {
        let payload = format!("{subject_hash}.{expires}");
        let sig = hex::encode(hmac::sign(&self.register, payload.as_bytes()).as_ref());
        format!("{payload}.{sig}")
    }

    /// The subject hash of a signed registration state still valid at `now`.
    pub fn open_register(&self, value: &str, now: i64) -> Option<String> {
        let (payload, sig) = value.rsplit_once('.')?;
        let sig = hex::decode(sig).ok()?;
        hmac::verify(&self.register, payload.as_bytes(), &sig).ok()?;
        let (hash, expires) = payload.split_once('.')?;
        (expires.parse::<i64>().ok()? > now).then(|| hash.to_owned())
    }
}

/// The hash a session token is stored under.
pub fn session_hash(token: &str) -> String {
    token_hash(token)
}

/// The SHA-256 of an OIDC `state`, hex: what the pending login is stored under.
pub fn state_hash(state: &str) -> String {
    hex::encode(digest::digest(&digest::SHA256, state.as_bytes()).as_ref())
}

/// Fixed-window rate limits, in memory.
#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<(String, String), (i64, u32)>>,
}

impl RateLimiter {
    /// Counts one `kind` event for `key` at `now`; `Err(retry_after)` when
    /// more than `limit` fall in the current `window` seconds.
    pub fn check(
        &self,
        kind: &str,
        key: &str,
        limit: u32,
        window: i64,
        now: i64,
    ) -> Result<(), i64> {
        let mut map = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() > 100_000 {
            map.retain(|_, (start, _)| now - *start < window);
        }
        let entry = map
            .entry((kind.to_owned(), key.to_owned()))
            .or_insert((now, 0));
        if now - entry.0 >= window {
            *entry = (now, 0);
        }
        if entry.1 >= limit {
            return Err(entry.0 + window - now);
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn csrf_token_is_bound_to_the_session() {
        let keys = Keys::derive(&[7u8; 32]);
        let t = keys.csrf_token("session-a");
        assert!(keys.csrf_ok("session-a", &t));
        assert!(!keys.csrf_ok("session-b", &t));
        assert!(!keys.csrf_ok("session-a", ""));
        let other = Keys::derive(&[8u8; 32]);
        assert!(!other.csrf_ok("session-a", &t));
    }

    #[test]
    fn registration_state_is_signed_and_expires() {
        let keys = Keys::derive(&[7u8; 32]);
        let v = keys.sign_register("ab12", 100);
        assert_eq!(keys.open_register(&v, 99).as_deref(), Some("ab12"));
        assert_eq!(keys.open_register(&v, 100), None, "expired at its second");
        let forged = v.replace("ab12", "ab13");
        assert_eq!(keys.open_register(&forged, 50), None);
    }

    #[test]
    fn rate_limit_counts_per_window() {
        let rl = RateLimiter::default();
        for _ in 0..3 {
            assert!(rl.check("sign-in", "1.2.3.4", 3, 60, 1000).is_ok());
        }
        assert_eq!(rl.check("sign-in", "1.2.3.4", 3, 60, 1010), Err(50));
        assert!(
            rl.check("sign-in", "5.6.7.8", 3, 60, 1010).is_ok(),
            "per key"
        );
        assert!(
            rl.check("sign-in", "1.2.3.4", 3, 60, 1060).is_ok(),
            "new window"
        );
    }

    #[test]
    fn cookies_are_read_and_written() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; carepki_session=xyz; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("xyz"));
        assert_eq!(cookie(&h, "c"), None);
        let c = set_cookie(SESSION_COOKIE, "v", 60, true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Secure"));
    }
}
