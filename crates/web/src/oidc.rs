//! Sign-in through OpenID Connect: the e-service as a relying party of any configured
//! OpenID provider (such as the national identification service).
//!
//! The authorization code flow with PKCE (S256), `state` and `nonce`:
//!
//! 1. [`OidcClient::begin`] gives the URL to send the browser to and a [`PendingLogin`]
//!    that the caller keeps on the server side (in the not-yet-signed-in session).
//! 2. The provider sends the browser back to the redirect URI with `code` and `state`.
//!    The caller checks the state with [`state_matches`] and then calls
//!    [`OidcClient::complete`], which trades the code (with the PKCE verifier) for
//!    tokens at the provider's token endpoint and verifies the ID token: signature by a
//!    key of the provider's JWKS (fetched again once when the token names a key id not
//!    known yet: key rotation), `iss`, `aud` (this client, and no other audience),
//!    `azp`, `exp`, `iat`, `nonce` and, when present, `at_hash`.
//!
//! Tokens, codes and the person's identifier are never logged nor put in errors.
//! TLS is rustls with the aws-lc-rs provider, configured here and not through the
//! process-wide default.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJsonWebKeySet, CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm, CoreProviderMetadata, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AccessToken, AccessTokenHash, AdditionalClaims, AuthorizationCode, ClaimsVerificationError,
    Client, ClientId, ClientSecret, CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IdTokenClaims, IdTokenFields, IdTokenVerifier, IssuerUrl,
    JsonWebKeySet, JwsSigningAlgorithm, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, SignatureVerificationError,
    StandardErrorResponse, StandardTokenResponse, TokenResponse, UserInfoClaims, UserInfoError,
};
use serde::{Deserialize, Serialize};

/// The longest any one HTTP call to the provider may take.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

/// How far the provider's clock may be ahead of ours (the ID token's `iat`).
const CLOCK_SKEW_SECS: i64 = 300;

/// How old an ID token fresh from the token endpoint may be (its `iat`).
const MAX_ID_TOKEN_AGE_SECS: i64 = 600;

/// How a relying party is configured.
#[derive(Clone)]
pub struct OidcSettings {
    /// The provider's issuer identifier, an URL; exactly the `issuer` of its discovery
    /// document (`<issuer>/.well-known/openid-configuration`).
    pub issuer: String,
    /// The client id the provider registered for this e-service.
    pub client_id: String,
    /// The client secret (`client_secret_basic`); `None` for a public client.
    pub client_secret: Option<String>,
    /// Where the provider sends the browser back to; registered at the provider.
    pub redirect_uri: String,
    /// Scopes to ask for besides `openid` (e.g. `profile`, `email`).
    pub scopes: Vec<String>,
    /// The claim that identifies the person (e.g. one carrying a national identity
    /// code); `None` (or `sub`): the `sub` claim.
    pub identity_claim: Option<String>,
    /// Accept `http` URLs for the issuer, its endpoints and the redirect URI, but only
    /// on the loopback (tests, a provider on the same machine). Never in production.
    pub allow_http: bool,
}

impl fmt::Debug for OidcSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[hidden]"),
            )
            .field("redirect_uri", &self.redirect_uri)
            .field("scopes", &self.scopes)
            .field("identity_claim", &self.identity_claim)
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

/// What must be kept (server side) between [`OidcClient::begin`] and
/// [`OidcClient::complete`]. Debug hides secrets.
#[derive(Clone, Serialize, Deserialize)]
pub struct PendingLogin {
    /// The `state` sent to the provider; must come back unchanged ([`state_matches`]).
    pub state: String,
    /// The `nonce` sent to the provider; the ID token must carry it.
    pub nonce: String,
    /// The PKCE code verifier whose S256 challenge was sent to the provider.
    pub pkce_verifier: String,
}

impl fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingLogin")
            .field("state", &"[hidden]")
            .field("nonce", &"[hidden]")
            .field("pkce_verifier", &"[hidden]")
            .finish()
    }
}

/// Whether the `state` the provider sent back is the one of `pending`, compared in
/// constant time.
pub fn state_matches(pending: &PendingLogin, returned: &str) -> bool {
    use subtle::ConstantTimeEq as _;
    !pending.state.is_empty() && bool::from(pending.state.as_bytes().ct_eq(returned.as_bytes()))
}

/// The person who signed in. Debug does not show the subject (it may be a national
/// identity code).
#[derive(Clone, PartialEq, Eq)]
pub struct Identity {
    /// The provider's issuer identifier (the ID token's `iss`).
    pub issuer: String,
    /// The identity claim's value ([`OidcSettings::identity_claim`]), or `sub`.
    pub subject: String,
    /// The `name` claim, when released.
    pub name: Option<String>,
    /// The `email` claim, when released.
    pub email: Option<String>,
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("issuer", &self.issuer)
            .field("subject", &"[hidden]")
            .field("name", &self.name)
            .field("email", &self.email)
            .finish()
    }
}

/// What a rejected ID token was wrong in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdTokenProblem {
    /// Not signed by a key of the provider, or with an algorithm not accepted.
    Signature,
    /// `iss` is not the configured issuer.
    Issuer,
    /// `aud` does not name this client, names others too, or `azp` is another client.
    Audience,
    /// `exp` has passed, or `iat` is in the future or too long ago.
    Expired,
    /// `nonce` is missing or not the one of this sign-in.
    Nonce,
    /// `at_hash` does not match the access token.
    AccessTokenHash,
    /// Anything else (an unsupported header, say).
    Other,
}

impl fmt::Display for IdTokenProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Signature => "signature",
            Self::Issuer => "issuer",
            Self::Audience => "audience",
            Self::Expired => "validity time",
            Self::Nonce => "nonce",
            Self::AccessTokenHash => "access token hash",
            Self::Other => "format",
        })
    }
}

/// Why sign-in could not be set up or completed. The messages never contain tokens,
/// codes or the person's identifier.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OidcError {
    /// A setting is not usable.
    #[error("OpenID Connect setting `{setting}` is invalid: {problem}")]
    InvalidSetting {
        /// The setting (`issuer`, `redirect_uri`, ...).
        setting: &'static str,
        /// What is wrong and how to fix it.
        problem: String,
    },
    /// An URL is plain http where https is required.
    #[error(
        "{what} `{url}` does not use https: the OpenID provider and the redirect URI must be \
         https (plain http only with allow_http, and only on the loopback, for tests)"
    )]
    InsecureUrl {
        /// Which URL (the issuer, the token endpoint, ...).
        what: &'static str,
        /// The URL.
        url: String,
    },
    /// The HTTP client could not be built.
    #[error("cannot set up the HTTPS client for OpenID Connect: {0}")]
    HttpClient(String),
    /// The provider's discovery document could not be fetched or is not acceptable.
    #[error(
        "OpenID provider discovery at `{issuer}` failed: {reason}; check that the issuer is \
         exactly the provider's issuer identifier and that \
         <issuer>/.well-known/openid-configuration answers"
    )]
    Discovery {
        /// The configured issuer.
        issuer: String,
        /// What went wrong.
        reason: String,
    },
    /// The provider's signing keys (JWKS) could not be fetched again.
    #[error("fetching the OpenID provider's signing keys (JWKS) failed: {reason}")]
    Jwks {
        /// What went wrong.
        reason: String,
    },
    /// The token endpoint refused the code or could not be reached.
    #[error(
        "the OpenID provider did not accept the sign-in ({reason}); the user should sign in \
         again (a code is valid once and briefly, and only with its own PKCE verifier)"
    )]
    TokenRequest {
        /// The provider's error code or what went wrong.
        reason: String,
    },
    /// The token response carried no ID token.
    #[error(
        "the OpenID provider's token response has no ID token: make sure the client is \
         registered for OpenID Connect and allowed the `openid` scope"
    )]
    MissingIdToken,
    /// The ID token failed verification.
    #[error(
        "the ID token was rejected ({problem}: {detail}); the user should sign in again; if \
         this persists, check the issuer, client_id and the clocks of both ends"
    )]
    IdTokenRejected {
        /// What was wrong in it.
        problem: IdTokenProblem,
        /// Details (never the token itself).
        detail: String,
    },
    /// The provider released no value for the configured identity claim.
    #[error(
        "the OpenID provider released no `{claim}` claim (in the ID token or at userinfo): \
         ask the provider to release it to this client (a scope may be needed) or fix \
         identity_claim"
    )]
    MissingIdentityClaim {
        /// The configured identity claim.
        claim: String,
    },
    /// The userinfo endpoint could not be asked or answered wrongly.
    #[error("the OpenID provider's userinfo endpoint failed: {reason}")]
    UserInfo {
        /// What went wrong.
        reason: String,
    },
}

/// The claims besides the standard ones (a national identity code, say), by name.
/// Debug shows the names only.
#[derive(Clone, Default, Serialize, Deserialize)]
struct OtherClaims(HashMap<String, serde_json::Value>);

impl AdditionalClaims for OtherClaims {}

impl fmt::Debug for OtherClaims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl OtherClaims {
    fn string(&self, name: &str) -> Option<String> {
        match self.0.get(name)? {
            serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

type Claims = IdTokenClaims<OtherClaims, CoreGenderClaim>;
type TokenFields = IdTokenFields<
    OtherClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type Tokens = StandardTokenResponse<TokenFields, CoreTokenType>;
type IdToken = openidconnect::IdToken<
    OtherClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type RpClient = Client<
    OtherClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    Tokens,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The relying party of one OpenID provider. Cheap to clone and share.
#[derive(Clone)]
pub struct OidcClient {
    inner: Arc<Inner>,
}

struct Inner {
    settings: OidcSettings,
    issuer: IssuerUrl,
    redirect: RedirectUrl,
    metadata: CoreProviderMetadata,
    algorithms: Vec<CoreJwsSigningAlgorithm>,
    /// The provider's keys; replaced when an ID token names a key id not in it.
    jwks: RwLock<Arc<CoreJsonWebKeySet>>,
    http: reqwest::Client,
}

impl fmt::Debug for OidcClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcClient")
            .field("issuer", &self.inner.settings.issuer)
            .field("client_id", &self.inner.settings.client_id)
            .finish_non_exhaustive()
    }
}

impl OidcClient {
    /// Discovers the provider: fetches its discovery document
    /// (`/.well-known/openid-configuration`) and its signing keys (JWKS), and checks
    /// the settings and the provider's URLs.
    pub async fn discover(settings: OidcSettings) -> Result<Self, OidcError> {
        let issuer_url = parse_url("issuer", &settings.issuer)?;
        check_secure("the issuer", &issuer_url, settings.allow_http)?;
        let redirect_url = parse_url("redirect_uri", &settings.redirect_uri)?;
        check_secure("the redirect URI", &redirect_url, settings.allow_http)?;
        if settings.client_id.trim().is_empty() {
            return Err(OidcError::InvalidSetting {
                setting: "client_id",
                problem: "it is empty: give the client id the provider registered".into(),
            });
        }
        if let Some(claim) = &settings.identity_claim
            && claim.trim().is_empty()
        {
            return Err(OidcError::InvalidSetting {
                setting: "identity_claim",
                problem: "it is empty: leave it out to use `sub`".into(),
            });
        }
        let issuer =
            IssuerUrl::new(settings.issuer.clone()).map_err(|e| OidcError::InvalidSetting {
                setting: "issuer",
                problem: e.to_string(),
            })?;
        let redirect = RedirectUrl::new(settings.redirect_uri.clone()).map_err(|e| {
            OidcError::InvalidSetting {
                setting: "redirect_uri",
                problem: e.to_string(),
            }
        })?;
        let http = http_client(settings.allow_http)?;
        let discovery_failed = |reason: String| OidcError::Discovery {
            issuer: settings.issuer.clone(),
            reason,
        };
        let metadata = CoreProviderMetadata::discover_async(issuer.clone(), &http)
            .await
            .map_err(|e| discovery_failed(error_chain(&e)))?;
        let endpoints = [
            (
                "the authorization endpoint",
                Some(metadata.authorization_endpoint().url()),
            ),
            (
                "the token endpoint",
                metadata.token_endpoint().map(|u| u.url()),
            ),
            ("the JWKS URI", Some(metadata.jwks_uri().url())),
            (
                "the userinfo endpoint",
                metadata.userinfo_endpoint().map(|u| u.url()),
            ),
        ];
        for (what, url) in endpoints {
            if let Some(url) = url {
                check_secure(what, url, settings.allow_http)?;
            }
        }
        if metadata.token_endpoint().is_none() {
            return Err(discovery_failed(
                "the provider names no token_endpoint: the authorization code flow needs one"
                    .into(),
            ));
        }
        // Asymmetric signatures only: with HS256 and the like, whoever knows the client
        // secret could make ID tokens.
        let algorithms: Vec<_> = metadata
            .id_token_signing_alg_values_supported()
            .iter()
            .filter(|alg| **alg != CoreJwsSigningAlgorithm::None && !alg.uses_shared_secret())
            .cloned()
            .collect();
        if algorithms.is_empty() {
            return Err(discovery_failed(
                "the provider signs ID tokens with no algorithm accepted here (RS256, PS256, \
                 ES256, EdDSA and the like; not HS* nor none)"
                    .into(),
            ));
        }
        let jwks = Arc::new(metadata.jwks().clone());
        tracing::info!(
            issuer = %settings.issuer,
            keys = jwks.keys().len(),
            "OpenID provider discovered"
        );
        Ok(Self {
            inner: Arc::new(Inner {
                settings,
                issuer,
                redirect,
                metadata,
                algorithms,
                jwks: RwLock::new(jwks),
                http,
            }),
        })
    }

    /// Starts a sign-in: the authorization URL to redirect the browser to, and what to
    /// keep until the provider sends the browser back.
    pub fn begin(&self) -> (String, PendingLogin) {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let client = self.client();
        let mut request = client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for scope in &self.inner.settings.scopes {
            if scope != "openid" && !scope.trim().is_empty() {
                request = request.add_scope(Scope::new(scope.clone()));
            }
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        let pending = PendingLogin {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        };
        (url.to_string(), pending)
    }

    /// Completes a sign-in: trades `code` for tokens, verifies the ID token and returns
    /// who signed in. The caller has checked the returned state ([`state_matches`]).
    pub async fn complete(
        &self,
        pending: &PendingLogin,
        code: &str,
    ) -> Result<Identity, OidcError> {
        let client = self.client();
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| OidcError::TokenRequest {
                reason: e.to_string(),
            })?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
            .request_async(&self.inner.http)
            .await
            .map_err(token_error)?;
        let id_token = tokens.id_token().ok_or(OidcError::MissingIdToken)?;
        let nonce = Nonce::new(pending.nonce.clone());
        let claims = match self.verify(id_token, &nonce, tokens.access_token()) {
            Err(OidcError::IdTokenRejected {
                problem: IdTokenProblem::Signature,
                detail,
            }) if detail == NO_MATCHING_KEY => {
                // The provider may have rotated its keys since they were fetched.
                self.refresh_jwks().await?;
                self.verify(id_token, &nonce, tokens.access_token())?
            }
            other => other?,
        };
        let mut name = claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned());
        let mut email = claims.email().map(|e| e.as_str().to_owned());
        let identity_claim = self
            .inner
            .settings
            .identity_claim
            .as_deref()
            .filter(|c| *c != "sub");
        // None only while the configured identity claim has not been seen.
        let mut subject = match identity_claim {
            None => Some(claims.subject().as_str().to_owned()),
            Some(c) => claims.additional_claims().string(c),
        };
        let lacking = subject.is_none() || name.is_none() || email.is_none();
        if lacking && self.inner.metadata.userinfo_endpoint().is_some() {
            match self
                .user_info(&client, tokens.access_token(), &claims)
                .await
            {
                Ok(info) => {
                    if subject.is_none() {
                        subject = identity_claim.and_then(|c| info.additional_claims().string(c));
                    }
                    name = name.or_else(|| {
                        info.name()
                            .and_then(|n| n.get(None))
                            .map(|n| n.as_str().to_owned())
                    });
                    email = email.or_else(|| info.email().map(|e| e.as_str().to_owned()));
                }
                // Without the identity claim there is no sign-in; name and email are
                // only nice to have.
                Err(e) if subject.is_none() => return Err(e),
                Err(e) => tracing::warn!(error = %e, "userinfo failed; signing in without it"),
            }
        }
        let subject = subject.ok_or_else(|| OidcError::MissingIdentityClaim {
            claim: identity_claim.unwrap_or("sub").to_owned(),
        })?;
        let identity = Identity {
            issuer: claims.issuer().as_str().to_owned(),
            subject,
            name,
            email,
        };
        tracing::info!(issuer = %identity.issuer, "OpenID Connect sign-in verified");
        Ok(identity)
    }

    /// The provider's issuer identifier.
    pub fn issuer(&self) -> &str {
        &self.inner.settings.issuer
    }

    fn jwks(&self) -> Arc<CoreJsonWebKeySet> {
        Arc::clone(
            &self
                .inner
                .jwks
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    fn client(&self) -> RpClient {
        let inner = &self.inner;
        let metadata = inner.metadata.clone().set_jwks((*self.jwks()).clone());
        let client: RpClient = Client::from_provider_metadata(
            metadata,
            ClientId::new(inner.settings.client_id.clone()),
            inner.settings.client_secret.clone().map(ClientSecret::new),
        );
        client.set_redirect_uri(inner.redirect.clone())
    }

    fn verifier(&self, jwks: CoreJsonWebKeySet) -> IdTokenVerifier<'static, CoreJsonWebKey> {
        let client_id = ClientId::new(self.inner.settings.client_id.clone());
        IdTokenVerifier::new_public_client(client_id, self.inner.issuer.clone(), jwks)
            .set_allowed_algs(self.inner.algorithms.iter().cloned())
            .set_issue_time_verifier_fn(|iat| {
                let now = unix_now();
                let iat = iat.timestamp();
                if iat > now + CLOCK_SKEW_SECS {
                    Err(format!("issued {}s in the future", iat - now))
                } else if iat < now - MAX_ID_TOKEN_AGE_SECS - CLOCK_SKEW_SECS {
                    Err(format!("issued {}s ago", now - iat))
                } else {
                    Ok(())
                }
            })
    }

    /// Verifies the ID token's signature and claims.
    fn verify(
        &self,
        id_token: &IdToken,
        nonce: &Nonce,
        access_token: &AccessToken,
    ) -> Result<Claims, OidcError> {
        let verifier = self.verifier((*self.jwks()).clone());
        let claims = id_token.claims(&verifier, nonce).map_err(rejected)?.clone();
        let client_id = &self.inner.settings.client_id;
        if let Some(azp) = claims.authorized_party()
            && azp.as_str() != client_id
        {
            return Err(OidcError::IdTokenRejected {
                problem: IdTokenProblem::Audience,
                detail: format!("azp is `{}`, not this client `{client_id}`", azp.as_str()),
            });
        }
        if let Some(expected) = claims.access_token_hash() {
            let hash_rejected = |detail: String| OidcError::IdTokenRejected {
                problem: IdTokenProblem::AccessTokenHash,
                detail,
            };
            let alg = id_token
                .signing_alg()
                .map_err(|e| hash_rejected(e.to_string()))?;
            let key = id_token
                .signing_key(&verifier)
                .map_err(|e| hash_rejected(e.to_string()))?;
            let actual = AccessTokenHash::from_token(access_token, alg, key)
                .map_err(|e| hash_rejected(e.to_string()))?;
            if actual != *expected {
                return Err(hash_rejected(
                    "at_hash does not match the access token".into(),
                ));
            }
        }
        Ok(claims)
    }

    async fn refresh_jwks(&self) -> Result<(), OidcError> {
        let jwks: CoreJsonWebKeySet =
            JsonWebKeySet::fetch_async(self.inner.metadata.jwks_uri(), &self.inner.http)
                .await
                .map_err(|e| OidcError::Jwks {
                    reason: error_chain(&e),
                })?;
        tracing::info!(
            issuer = %self.inner.settings.issuer,
            keys = jwks.keys().len(),
            "OpenID provider's signing keys fetched again (unknown key id)"
        );
        *self
            .inner
            .jwks
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(jwks);
        Ok(())
    }

    async fn user_info(
        &self,
        client: &RpClient,
        access_token: &AccessToken,
        claims: &Claims,
    ) -> Result<UserInfoClaims<OtherClaims, CoreGenderClaim>, OidcError> {
        let request = client
            .user_info(access_token.clone(), Some(claims.subject().clone()))
            .map_err(|e| OidcError::UserInfo {
                reason: e.to_string(),
            })?;
        request
            .request_async(&self.inner.http)
            .await
            .map_err(|e: UserInfoError<_>| OidcError::UserInfo {
                reason: match &e {
                    // A parse error's message may quote the response: name the place only.
                    UserInfoError::Parse(p) => format!("unreadable answer at `{}`", p.path()),
                    UserInfoError::Response(status, _, _) => format!("HTTP status {status}"),
                    _ => error_chain(&e),
                },
            })
    }
}

/// The detail of a rejection for an ID token signed with a key id not in the JWKS.
const NO_MATCHING_KEY: &str = "no key of the provider's JWKS matches the token's key id";

fn rejected(e: ClaimsVerificationError) -> OidcError {
    let (problem, detail) = match &e {
        ClaimsVerificationError::SignatureVerification(
            SignatureVerificationError::NoMatchingKey,
        ) => (IdTokenProblem::Signature, NO_MATCHING_KEY.to_owned()),
        ClaimsVerificationError::SignatureVerification(s) => {
            (IdTokenProblem::Signature, s.to_string())
        }
        ClaimsVerificationError::InvalidIssuer(s) => (IdTokenProblem::Issuer, s.clone()),
        ClaimsVerificationError::InvalidAudience(s) => (IdTokenProblem::Audience, s.clone()),
        ClaimsVerificationError::Expired(s) => (IdTokenProblem::Expired, s.clone()),
        ClaimsVerificationError::InvalidNonce(s) => (IdTokenProblem::Nonce, s.clone()),
        other => (IdTokenProblem::Other, other.to_string()),
    };
    tracing::warn!(%problem, %detail, "ID token rejected");
    OidcError::IdTokenRejected { problem, detail }
}

fn token_error<RE: std::error::Error + 'static>(
    e: RequestTokenError<RE, StandardErrorResponse<CoreErrorResponseType>>,
) -> OidcError {
    let reason = match &e {
        // The provider's own error code (invalid_grant, ...). Its description is left
        // out: it is the provider's free text, and nothing here vouches for what it says.
        RequestTokenError::ServerResponse(r) => format!("error `{}`", r.error()),
        // A parse error's message may quote the response, tokens and all: name the
        // place only.
        RequestTokenError::Parse(p, _) => {
            format!("unreadable token response at `{}`", p.path())
        }
        RequestTokenError::Request(r) => format!("request failed: {}", error_chain(r)),
        RequestTokenError::Other(s) => s.clone(),
    };
    tracing::warn!(%reason, "token request failed");
    OidcError::TokenRequest { reason }
}

/// An error and its sources, joined.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

fn parse_url(setting: &'static str, value: &str) -> Result<url::Url, OidcError> {
    url::Url::parse(value).map_err(|e| OidcError::InvalidSetting {
        setting,
        problem: format!("`{value}` is not an absolute URL ({e})"),
    })
}

/// https, or http on the loopback when `allow_http`.
fn check_secure(what: &'static str, url: &url::Url, allow_http: bool) -> Result<(), OidcError> {
    let insecure = || OidcError::InsecureUrl {
        what,
        url: url.to_string(),
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if allow_http && is_loopback(url) => Ok(()),
        _ => Err(insecure()),
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

fn http_client(allow_http: bool) -> Result<reqwest::Client, OidcError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    let found = rustls_native_certs::load_native_certs();
    for e in &found.errors {
        tracing::warn!(error = %e, "reading the system's root certificates");
    }
    let (added, ignored) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        tracing::warn!(
            ignored,
            "no system root certificates: https calls to the OpenID provider will fail"
        );
    }
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| OidcError::HttpClient(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        // No redirects: the provider's endpoints answer directly, and following them
        // would let a redirect send the client secret elsewhere.
        .redirect(reqwest::redirect::Policy::none())
        .timeout(HTTP_TIMEOUT)
        .connect_timeout(HTTP_TIMEOUT)
        .https_only(!allow_http)
        .user_agent(concat!("carepki/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| OidcError::HttpClient(error_chain(&e)))
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
