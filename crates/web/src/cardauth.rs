//! Signing in with a certificate card: a TLS listener that asks for a client
//! certificate, and the extractor that says who signed in (issue 5, points 6
//! and the acceptance line "a TLS client-certificate sign-in with the card
//! succeeds"; docs/CARDS.md, "Signing in with the card").
//!
//! Two layers check a client:
//!
//! 1. **The handshake** ([`server_config`], [`CardCertVerifier`]): rustls with the
//!    aws-lc-rs provider, TLS 1.2 and 1.3. The server *requests* a client
//!    certificate; one that is sent must be issued by an issuing CA of the
//!    hierarchy (production; TEST only with [`CardTlsSettings::accept_test`]),
//!    with a valid signature, within its and its CA's validity and, if it has
//!    extendedKeyUsage, allowing clientAuth. The client need not send the
//!    intermediate. A certificate that fails this ends the handshake with a TLS
//!    alert; a client that sends no certificate completes the handshake.
//! 2. **Every request** ([`CardClient`], an axum extractor): the certificate
//!    must be one CarePKI issued, found in its store by serial with the same
//!    DER, with status `valid` (revoked: refused), within the store's validity
//!    (expired: refused), and a card **authentication** certificate (profile
//!    `card-<kind>-authentication`, extendedKeyUsage clientAuth); a signature
//!    or service certificate is refused. No certificate: 401; refused: 403;
//!    each with a JSON body `{"status", "error", "detail"}`.
//!
//! Checking the store on every request rather than once per connection means
//! a revocation takes effect on a kept-alive connection at its next request.
//!
//! [`CardTlsListener`] is the accept loop: TLS handshakes run in their own tasks
//! (at most [`HANDSHAKE_TIMEOUT`] each, so a slow client holds up no one), and
//! axum gets the finished streams; [`CardPeer`], axum's connect info, hands the
//! verified peer chain to the handlers.
//!
//! The routes ([`router`]): `GET /card/session` (who signed in), `GET` and
//! `POST /card/renewal` (self-service renewal, R-SELF-RENEW:
//! `carepki_ra::cards::renewal`) and `POST /card/revocation` (the holder
//! revokes his card: `carepki_ra::cards::holder`), all JSON; and, merged in,
//! the holder's HTML pages `GET /card`, `POST /card/renew` and
//! `POST /card/revoke` (`crate::cardpages`, with their own CSRF token).
//!
//! **The clock.** [`CardClock`] is the listener's one source of time: the
//! handshake's certificate check (rustls' `TimeProvider` of the
//! `ServerConfig`, which hands it to [`CardCertVerifier`]), the store check of
//! [`CardClient`] and the renewal rules all read it. It is the system's time;
//! a test moves it forward ([`CardClock::advance`]) to see the same listener
//! as it will be years later, consistently in every layer.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use aws_lc_rs::signature::UnparsedPublicKey;
use axum::Router;
use axum::body::Bytes;
use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, FromRef, FromRequestParts, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use carepki_ca::Authority;
use carepki_policy::CardKind;
use carepki_policy::card::{CardProfile, KeyRole};
use carepki_policy::hierarchy::{CaRole, Hierarchy};
use carepki_ra::cards::{CardOrderRow, CardService, HolderRevocation};
use carepki_ra::eservice::EsError;
use carepki_store::Store;
use carepki_x509::cert::{decode_certificate, name_der, serial_hex, spki_der, unix_time};
use carepki_x509::ext::Eku;
use carepki_x509::name::{Attr, display_name, name_attributes};
use carepki_x509::reexport::der::Encode as _;
use carepki_x509::reexport::x509_cert::ext::pkix::AuthorityKeyIdentifier;
use carepki_x509::reexport::x509_cert::ext::pkix::ExtendedKeyUsage;
use carepki_x509::verify::verification_algorithm;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, ServerConfig, SignatureScheme};
use serde::Serialize;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// The longest a client may take over its TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How many finished handshakes may wait for the server to take them.
const ACCEPT_QUEUE: usize = 64;

/// The card listener's clock: the system's time, plus an offset that only a
/// test sets ([`CardClock::advance`]). Clones share the offset, so the
/// `ServerConfig` (through rustls' [`TimeProvider`](rustls::time_provider::TimeProvider)),
/// [`CardAuthState`] and the renewal rules all see the same time when they are
/// given clones of one clock.
#[derive(Debug, Clone, Default)]
pub struct CardClock {
    offset: Arc<AtomicI64>,
}

impl CardClock {
    /// The system's time.
    pub fn system() -> Self {
        Self::default()
    }

    /// Now, in Unix seconds.
    pub fn now(&self) -> i64 {
        now_unix().saturating_add(self.offset.load(Ordering::Relaxed))
    }

    /// Moves this clock and every clone of it `seconds` forward (backward when
    /// negative). For tests: a running service never calls it.
    pub fn advance(&self, seconds: i64) {
        self.offset.fetch_add(seconds, Ordering::Relaxed);
    }
}

impl rustls::time_provider::TimeProvider for CardClock {
    fn current_time(&self) -> Option<UnixTime> {
        u64::try_from(self.now())
            .ok()
            .map(|s| UnixTime::since_unix_epoch(Duration::from_secs(s)))
    }
}

/// The card sign-in listener's own settings.
pub struct CardTlsSettings {
    /// The server's certificate, then its issuing CA(s).
    pub cert_chain: Vec<CertificateDer<'static>>,
    /// The server's private key.
    pub key: PrivateKeyDer<'static>,
    /// Whether cards of the TEST hierarchy may sign in (test environments only).
    pub accept_test: bool,
    /// The time of the handshake's certificate checks: give [`CardAuthState`]
    /// a clone of the same clock ([`CardAuthState::with_clock`]).
    pub clock: CardClock,
}

impl std::fmt::Debug for CardTlsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardTlsSettings")
            .field("cert_chain", &self.cert_chain.len())
            .field("accept_test", &self.accept_test)
            .finish_non_exhaustive()
    }
}

impl CardTlsSettings {
    /// The settings from PEM files: `chain_pem` holds the server certificate,
    /// then its issuing CA (more CAs may follow); `key_pem` its private key as
    /// PKCS#8 (`-----BEGIN PRIVATE KEY-----`). The system clock.
    pub fn from_pem_files(
        chain_pem: &Path,
        key_pem: &Path,
        accept_test: bool,
    ) -> Result<Self, CardTlsError> {
        use rustls::pki_types::PrivatePkcs8KeyDer;
        use rustls::pki_types::pem::PemObject as _;
        let read = |p: &Path| {
            std::fs::read(p).map_err(|e| CardTlsError::File {
                path: p.display().to_string(),
                why: e.to_string(),
            })
        };
        let chain_bytes = read(chain_pem)?;
        let cert_chain = CertificateDer::pem_slice_iter(&chain_bytes)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| CardTlsError::File {
                path: chain_pem.display().to_string(),
                why: format!("not PEM certificates ({e})"),
            })?;
        if cert_chain.is_empty() {
            return Err(CardTlsError::File {
                path: chain_pem.display().to_string(),
                why: "it holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into(),
            });
        }
        let key_bytes = zeroize::Zeroizing::new(read(key_pem)?);
        let key =
            PrivatePkcs8KeyDer::from_pem_slice(&key_bytes).map_err(|e| CardTlsError::File {
                path: key_pem.display().to_string(),
                why: format!(
                    "no PKCS#8 private key (-----BEGIN PRIVATE KEY-----) in it ({e}); convert \
                     one with `openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8.pem`"
                ),
            })?;
        Ok(Self {
            cert_chain,
            key: PrivateKeyDer::Pkcs8(key),
            accept_test,
            clock: CardClock::system(),
        })
    }
}

/// Why the card sign-in listener cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum CardTlsError {
    /// The CA hierarchy gives no root to trust.
    #[error("no {0} root CA in the database: card sign-in has nothing to trust")]
    NoRoot(&'static str),
    /// rustls refused the configuration (a bad root, or a key that does not fit the
    /// certificate).
    #[error("card sign-in TLS configuration: {0}")]
    Tls(String),
    /// A certificate or key file cannot be used.
    #[error("card sign-in TLS: cannot use {path}: {why}")]
    File {
        /// The file.
        path: String,
        /// What is wrong with it.
        why: String,
    },
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// One CA a card certificate may be issued by.
#[derive(Debug)]
struct IssuingCa {
    id: String,
    subject_der: Vec<u8>,
    key_identifier: Vec<u8>,
    key: carepki_x509::PublicKey,
    not_before: i64,
    not_after: i64,
}

/// The client-certificate verifier of card sign-in: a certificate is requested
/// (not required), and one that is sent must be issued by one of the CA
/// hierarchy's issuing CAs (production; TEST only when configured): issuer name
/// and authority key identifier match the CA, its signature verifies with the
/// CA's key, the certificate and the CA are within their validity, and an
/// extendedKeyUsage, if present, includes clientAuth.
///
/// Not rustls-webpki's `WebPkiClientVerifier`: CarePKI's issuing CAs carry a
/// critical nameConstraints with a permitted directoryName (C=FI), and
/// rustls-webpki 0.103 rejects every certificate under a directoryName
/// constraint (`NameConstraintViolation`, rustls/webpki#19). The CAs here are
/// CarePKI's own, loaded from its database, so the path is one step and is
/// checked directly. The handshake signature is checked by the provider's
/// algorithms as usual.
#[derive(Debug)]
pub struct CardCertVerifier {
    cas: Vec<IssuingCa>,
    hints: Vec<DistinguishedName>,
    algorithms: rustls::crypto::WebPkiSupportedAlgorithms,
}

impl CardCertVerifier {
    /// The verifier for `authority`'s hierarchy (TEST only when `accept_test`).
    pub fn new(authority: &Authority, accept_test: bool) -> Result<Self, CardTlsError> {
        let mut cas = Vec::new();
        let mut hints = Vec::new();
        let mut production = false;
        for ca in authority.cas().values() {
            if ca.hierarchy == Hierarchy::Test && !accept_test {
                continue;
            }
            hints.push(DistinguishedName::from(ca.subject_der.clone()));
            if ca.role == CaRole::Root {
                continue;
            }
            production |= ca.hierarchy == Hierarchy::Production;
            let cert = decode_certificate(&ca.row.cert_der)
                .map_err(|e| CardTlsError::Tls(format!("CA {}: {e}", ca.row.id)))?;
            let tbs = cert.tbs_certificate();
            let key = spki_der(tbs)
                .and_then(|spki| carepki_x509::PublicKey::from_spki_der(&spki))
                .map_err(|e| CardTlsError::Tls(format!("CA {}: {e}", ca.row.id)))?;
            cas.push(IssuingCa {
                id: ca.row.id.clone(),
                subject_der: ca.subject_der.clone(),
                key_identifier: ca.key_identifier.clone(),
                key,
                not_before: unix_time(&tbs.validity().not_before),
                not_after: unix_time(&tbs.validity().not_after),
            });
        }
        if !production {
            return Err(CardTlsError::NoRoot("production"));
        }
        Ok(Self {
            cas,
            hints,
            algorithms: provider().signature_verification_algorithms,
        })
    }

    /// Checks `der` as described on the type; the issuing CA's id.
    fn check_chain(&self, der: &[u8], now: i64) -> Result<&str, rustls::Error> {
        use rustls::CertificateError as E;
        let bad = |e: E| rustls::Error::InvalidCertificate(e);
        let cert = decode_certificate(der).map_err(|_| bad(E::BadEncoding))?;
        let tbs = cert.tbs_certificate();
        let issuer = name_der(tbs.issuer()).map_err(|_| bad(E::BadEncoding))?;
        let aki = tbs
            .get_extension::<AuthorityKeyIdentifier>()
            .map_err(|_| bad(E::BadEncoding))?
            .and_then(|(_, aki)| aki.key_identifier.map(|k| k.as_bytes().to_vec()));
        let ca = self
            .cas
            .iter()
            .find(|ca| {
                ca.subject_der == issuer && aki.as_ref().is_none_or(|k| *k == ca.key_identifier)
            })
            .ok_or(bad(E::UnknownIssuer))?;
        let tbs_der = tbs.to_der().map_err(|_| bad(E::BadEncoding))?;
        let (algorithm, _) =
            verification_algorithm(&cert.signature_algorithm().oid, ca.key.algorithm)
                .ok_or(bad(E::BadSignature))?;
        let signature = cert.signature().as_bytes().ok_or(bad(E::BadEncoding))?;
        UnparsedPublicKey::new(algorithm, &ca.key.raw)
            .verify(&tbs_der, signature)
            .map_err(|_| bad(E::BadSignature))?;
        let (nb, na) = (
            unix_time(&tbs.validity().not_before),
            unix_time(&tbs.validity().not_after),
        );
        if now < nb.max(ca.not_before) {
            return Err(bad(E::NotValidYet));
        }
        if now > na.min(ca.not_after) {
            return Err(bad(E::Expired));
        }
        if let Some((_, eku)) = tbs
            .get_extension::<ExtendedKeyUsage>()
            .map_err(|_| bad(E::BadEncoding))?
            && !eku.0.iter().any(|oid| *oid == Eku::ClientAuth.oid())
        {
            return Err(bad(E::InvalidPurpose));
        }
        Ok(&ca.id)
    }
}

impl ClientCertVerifier for CardCertVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.hints
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let now = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
        self.check_chain(end_entity.as_ref(), now)?;
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// The rustls server configuration of card sign-in: aws-lc-rs (no process-wide
/// default provider), TLS 1.3 and 1.2, [`CardCertVerifier`], the server's own
/// certificate, HTTP/1.1, and the settings' [`CardClock`] as rustls' time.
pub fn server_config(
    authority: &Authority,
    settings: CardTlsSettings,
) -> Result<Arc<ServerConfig>, CardTlsError> {
    let verifier = CardCertVerifier::new(authority, settings.accept_test)?;
    let mut config = ServerConfig::builder_with_details(provider(), Arc::new(settings.clock))
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| CardTlsError::Tls(e.to_string()))?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(settings.cert_chain, settings.key)
        .map_err(|e| CardTlsError::Tls(format!("the server certificate and key: {e}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The accept loop: a TCP listener whose connections come out TLS-handshaken.
/// Give it to `axum::serve` with `into_make_service_with_connect_info::<CardPeer>()`.
#[derive(Debug)]
pub struct CardTlsListener {
    local: SocketAddr,
    ready: tokio::sync::mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    task: tokio::task::JoinHandle<()>,
}

impl CardTlsListener {
    /// Starts accepting on `tcp` with `config`; each handshake runs in its own
    /// task. A failed handshake is logged (peer address and rustls' reason) and
    /// its connection dropped.
    pub fn new(tcp: TcpListener, config: Arc<ServerConfig>) -> std::io::Result<Self> {
        let local = tcp.local_addr()?;
        let (tx, ready) = tokio::sync::mpsc::channel(ACCEPT_QUEUE);
        let acceptor = TlsAcceptor::from(config);
        let task = tokio::spawn(async move {
            loop {
                let (stream, peer) = match tcp.accept().await {
                    Ok(x) => x,
                    Err(e) => {
                        tracing::warn!(error = %e, "card sign-in: accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let (acceptor, tx) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => {
                            let _ = tx.send((tls, peer)).await;
                        }
                        Ok(Err(e)) => {
                            tracing::info!(%peer, error = %e, "card sign-in: TLS handshake refused");
                        }
                        Err(_) => {
                            tracing::info!(%peer, "card sign-in: TLS handshake timed out");
                        }
                    }
                });
            }
        });
        Ok(Self { local, ready, task })
    }
}

impl CardTlsListener {
    /// The address it listens on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(self.local)
    }
}

impl Drop for CardTlsListener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl axum::serve::Listener for CardTlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(x) => x,
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

/// A connection of the card listener: its peer address and the client
/// certificate chain the handshake verified (end entity first; empty when the
/// client sent none). Reached by handlers as `ConnectInfo<CardPeer>`.
#[derive(Debug, Clone)]
pub struct CardPeer {
    /// The client's address.
    pub addr: SocketAddr,
    /// The verified chain, DER, as the client sent it.
    pub chain: Arc<Vec<Vec<u8>>>,
}

impl Connected<axum::serve::IncomingStream<'_, CardTlsListener>> for CardPeer {
    fn connect_info(stream: axum::serve::IncomingStream<'_, CardTlsListener>) -> Self {
        let chain = stream
            .io()
            .get_ref()
            .1
            .peer_certificates()
            .map(|c| c.iter().map(|d| d.as_ref().to_vec()).collect())
            .unwrap_or_default();
        Self {
            addr: *stream.remote_addr(),
            chain: Arc::new(chain),
        }
    }
}

/// What [`CardClient`] needs to check a certificate against the store, and
/// what the renewal and revocation routes need.
#[derive(Clone)]
pub struct CardAuthState {
    /// The store with the certificates' status rows.
    pub store: Store,
    /// Whether TEST cards may sign in.
    pub accept_test: bool,
    /// The ids of the TEST hierarchy's CAs.
    test_cas: Arc<Vec<String>>,
    /// The card registration system (renewal, revocation).
    pub cards: CardService,
    /// The time of the checks and the renewal rules.
    pub clock: CardClock,
    /// The key of the holder's pages' CSRF tokens ([`crate::cardpages`]),
    /// derived from a secret every node of the service shares
    /// ([`Self::with_page_secret`]); `None`: a random key for this process.
    pub(crate) page_key: Option<Arc<aws_lc_rs::hmac::Key>>,
}

impl CardAuthState {
    /// The state for `authority`'s store, on the system clock.
    pub fn new(authority: &Arc<Authority>, accept_test: bool) -> Self {
        let test_cas = authority
            .cas()
            .values()
            .filter(|ca| ca.hierarchy == Hierarchy::Test)
            .map(|ca| ca.row.id.clone())
            .collect();
        Self {
            store: authority.store().clone(),
            accept_test,
            test_cas: Arc::new(test_cas),
            cards: CardService::new(authority.store().clone(), Some(Arc::clone(authority))),
            clock: CardClock::system(),
            page_key: None,
        }
    }

    /// The same state with the holder's pages' CSRF key derived from
    /// `secret` (HMAC-SHA-256 of a fixed label under it): the same on every
    /// node that shares the secret and across restarts, so an open page's
    /// form stays good behind a load balancer. `carepki serve` gives the data
    /// directory's e-service key.
    pub fn with_page_secret(mut self, secret: &[u8]) -> Self {
        self.page_key = Some(Arc::new(crate::cardpages::derive_csrf_key(secret)));
        self
    }

    /// The same state on `clock` (give the listener's
    /// [`CardTlsSettings::clock`] a clone of it too).
    pub fn with_clock(mut self, clock: CardClock) -> Self {
        self.clock = clock;
        self
    }
}

impl std::fmt::Debug for CardAuthState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardAuthState")
            .field("accept_test", &self.accept_test)
            .finish_non_exhaustive()
    }
}

/// Who signed in with a card: the authentication certificate of the TLS
/// connection, checked against the store on this request. An axum extractor:
/// a handler that takes it is reached only by a signed-in card holder.
#[derive(Debug, Clone, Serialize)]
pub struct CardClient {
    /// The certificate, DER.
    #[serde(skip)]
    pub der: Vec<u8>,
    /// Serial number, lower-case hex.
    pub serial: String,
    /// The issuing CA's id.
    pub ca: String,
    /// The subject, as text.
    pub subject: String,
    /// The card's kind.
    pub card_kind: CardKind,
    /// commonName ("Surname Given names").
    pub common_name: String,
    /// givenName.
    pub given_name: String,
    /// surname.
    pub surname: String,
    /// serialNumber: the registration number for professional (and temporary)
    /// cards, a CarePKI-assigned holder number for others.
    pub holder_number: String,
    /// title.
    pub title: Option<String>,
    /// pseudonym: the SV number of a prescriber (R-SV).
    pub sv_number: Option<String>,
    /// End of validity, unix seconds.
    pub not_after: i64,
    /// Whether the card is of the TEST hierarchy.
    pub test: bool,
}

impl CardClient {
    /// The registration number in the professional registers, for a
    /// professional or temporary card.
    pub fn registration_number(&self) -> Option<&str> {
        matches!(self.card_kind, CardKind::Professional | CardKind::Temporary)
            .then_some(self.holder_number.as_str())
    }
}

/// Why a card sign-in was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardRefusal {
    /// No client certificate (or not the card listener).
    #[error("no client certificate: sign in with the card's authentication certificate (PIN1)")]
    NoCertificate,
    /// The certificate is not one CarePKI issued.
    #[error("certificate {0} was not issued by this CA")]
    Unknown(String),
    /// Revoked.
    #[error("certificate {serial} is revoked ({reason})")]
    Revoked {
        /// Serial.
        serial: String,
        /// The revocation reason.
        reason: String,
    },
    /// Past its validity (or not yet valid).
    #[error("certificate {0} is not within its validity period")]
    Expired(String),
    /// Not a card authentication certificate.
    #[error(
        "certificate {serial} is not a card authentication certificate (profile {profile}): \
         sign in with the authentication certificate and PIN1, not the signature certificate"
    )]
    NotAuthentication {
        /// Serial.
        serial: String,
        /// Its profile.
        profile: String,
    },
    /// A TEST card where TEST cards are not accepted.
    #[error("certificate {0} is of the TEST hierarchy, which this service does not accept")]
    Test(String),
    /// Not valid in some other way (status, unreadable).
    #[error("certificate {serial} cannot sign in: {why}")]
    Invalid {
        /// Serial (or "?").
        serial: String,
        /// Why.
        why: String,
    },
    /// The store could not be asked.
    #[error("the certificate status could not be checked; try again")]
    Unavailable,
}

impl CardRefusal {
    /// A short machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoCertificate => "no-client-certificate",
            Self::Unknown(_) => "unknown-certificate",
            Self::Revoked { .. } => "revoked",
            Self::Expired(_) => "expired",
            Self::NotAuthentication { .. } => "not-authentication-certificate",
            Self::Test(_) => "test-card",
            Self::Invalid { .. } => "invalid-certificate",
            Self::Unavailable => "unavailable",
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::NoCertificate => StatusCode::UNAUTHORIZED,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::FORBIDDEN,
        }
    }
}

impl IntoResponse for CardRefusal {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = serde_json::json!({
            "status": status.as_u16(),
            "error": self.code(),
            "detail": self.to_string(),
        });
        (status, axum::Json(body)).into_response()
    }
}

impl<S> FromRequestParts<S> for CardClient
where
    S: Send + Sync,
    CardAuthState: FromRef<S>,
{
    type Rejection = CardRefusal;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = CardAuthState::from_ref(state);
        let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<CardPeer>>() else {
            return Err(CardRefusal::NoCertificate);
        };
        let Some(der) = peer.chain.first() else {
            return Err(CardRefusal::NoCertificate);
        };
        let result = check(&state, der, state.clock.now()).await;
        if let Err(refusal) = &result {
            tracing::info!(peer = %peer.addr, reason = %refusal, "card sign-in refused");
        }
        result
    }
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Checks a client certificate (already chain-verified by the handshake)
/// against the store at `now`.
pub async fn check(state: &CardAuthState, der: &[u8], now: i64) -> Result<CardClient, CardRefusal> {
    let invalid = |serial: &str, why: String| CardRefusal::Invalid {
        serial: serial.to_owned(),
        why,
    };
    let cert = decode_certificate(der).map_err(|e| invalid("?", e.to_string()))?;
    let tbs = cert.tbs_certificate();
    let serial = serial_hex(tbs.serial_number().as_bytes());
    let row = match state.store.certificate(&serial).await {
        Ok(Some(row)) => row,
        Ok(None) => return Err(CardRefusal::Unknown(serial)),
        Err(e) => {
            tracing::error!(error = %e, "card sign-in: certificate lookup failed");
            return Err(CardRefusal::Unavailable);
        }
    };
    // Same serial, but another certificate: not ours.
    if row.der.as_deref() != Some(der) {
        return Err(CardRefusal::Unknown(serial));
    }
    match row.status.as_str() {
        "valid" => {}
        "revoked" => {
            return Err(CardRefusal::Revoked {
                serial,
                reason: row
                    .revocation_reason
                    .unwrap_or_else(|| "unspecified".into()),
            });
        }
        other => return Err(invalid(&serial, format!("its status is {other}"))),
    }
    if now < row.not_before || now > row.not_after {
        return Err(CardRefusal::Expired(serial));
    }
    let profile = CardProfile::parse(&row.profile)
        .filter(|p| p.role == KeyRole::Authentication)
        .ok_or_else(|| CardRefusal::NotAuthentication {
            serial: serial.clone(),
            profile: row.profile.clone(),
        })?;
    let client_auth = tbs
        .get_extension::<ExtendedKeyUsage>()
        .ok()
        .flatten()
        .is_some_and(|(_, eku)| eku.0.iter().any(|oid| *oid == Eku::ClientAuth.oid()));
    if !client_auth {
        return Err(CardRefusal::NotAuthentication {
            serial,
            profile: row.profile,
        });
    }
    let test = state.test_cas.contains(&row.ca_id);
    if test && !state.accept_test {
        return Err(CardRefusal::Test(serial));
    }
    let mut client = CardClient {
        der: der.to_vec(),
        serial,
        ca: row.ca_id,
        subject: display_name(tbs.subject()),
        card_kind: profile.kind,
        common_name: String::new(),
        given_name: String::new(),
        surname: String::new(),
        holder_number: String::new(),
        title: None,
        sv_number: None,
        not_after: row.not_after,
        test,
    };
    for (oid, value, _) in name_attributes(tbs.subject()) {
        match Attr::from_oid(&oid) {
            Some(Attr::CommonName) => client.common_name = value,
            Some(Attr::GivenName) => client.given_name = value,
            Some(Attr::Surname) => client.surname = value,
            Some(Attr::SerialNumber) => client.holder_number = value,
            Some(Attr::Title) => client.title = Some(value),
            Some(Attr::Pseudonym) => client.sv_number = Some(value),
            _ => {}
        }
    }
    if client.holder_number.is_empty() {
        return Err(invalid(
            &client.serial,
            "its subject has no serialNumber".into(),
        ));
    }
    Ok(client)
}

/// The card sign-in routes: `GET /card/session` answers who signed in;
/// `GET /card/renewal` whether he may renew his card, `POST /card/renewal`
/// renews it (201 with the new order); `POST /card/revocation` revokes it
/// (`{"reason": "...", "confirm": true}`). The two POSTs take a JSON body
/// (`Content-Type: application/json`, `{}` for renewal): a browser that holds
/// the card certificate sends it to any site's form too, and a cross-site form
/// cannot send JSON without a CORS preflight, which this listener never
/// grants.
///
/// The holder's HTML pages (`GET /card`, `POST /card/renew`,
/// `POST /card/revoke`, in `crate::cardpages`) are merged in: the browser's
/// face of the same rules, with their own CSRF token.
pub fn router(state: CardAuthState) -> Router {
    Router::new()
        .route("/card/session", get(session))
        .route("/card/renewal", get(renewal).post(renew))
        .route("/card/revocation", post(revoke))
        .with_state(state.clone())
        .merge(crate::cardpages::routes(state))
}

/// A refusal of the registration system as the card routes' JSON
/// (`{"status", "error", "detail"}`, as [`CardRefusal`]).
fn es_refusal(e: &EsError) -> Response {
    let status = StatusCode::from_u16(e.kind.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::json!({
        "status": status.as_u16(),
        "error": e.code,
        "detail": e.detail,
    });
    (status, axum::Json(body)).into_response()
}

/// A refusal of the request itself.
fn bad_request(status: StatusCode, error: &str, detail: &str) -> Response {
    let body = serde_json::json!({
        "status": status.as_u16(),
        "error": error,
        "detail": detail,
    });
    (status, axum::Json(body)).into_response()
}

/// The JSON body of a POST: `application/json` only (see [`router`]).
fn json_body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<T, Box<Response>> {
    let json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(Box::new(bad_request(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "json-required",
            "send the request as JSON (Content-Type: application/json)",
        )));
    }
    serde_json::from_slice(body).map_err(|e| {
        Box::new(bad_request(
            StatusCode::BAD_REQUEST,
            "bad-json",
            &format!("the request body is not the expected JSON: {e}"),
        ))
    })
}

/// What the card routes show of an order: not the identity check or the
/// holder's address.
fn order_view(o: &CardOrderRow) -> serde_json::Value {
    serde_json::json!({
        "id": o.id,
        "state": o.state,
        "kind": o.kind,
        "point_id": o.point_id,
        "holder_number": o.holder_number,
        "replaces_order": o.replaces_order,
        "auth_serial": o.auth_serial,
        "sign_serial": o.sign_serial,
        "created_at": o.created_at,
        "created_by": o.created_by,
    })
}

async fn renewal(State(state): State<CardAuthState>, client: CardClient) -> Response {
    match state
        .cards
        .renewal_eligibility(&client.serial, state.clock.now())
        .await
    {
        Ok(e) => {
            let mut v = serde_json::to_value(&e).unwrap_or_default();
            if let Some(obj) = v.as_object_mut() {
                obj.insert(
                    "not_after_rfc3339".into(),
                    carepki_ca::authority::rfc3339(e.not_after).into(),
                );
                obj.insert(
                    "opens_at_rfc3339".into(),
                    e.opens_at.map(carepki_ca::authority::rfc3339).into(),
                );
            }
            axum::Json(v).into_response()
        }
        Err(e) => es_refusal(&e),
    }
}

async fn renew(
    State(state): State<CardAuthState>,
    client: CardClient,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = json_body::<serde_json::Value>(&headers, &body) {
        return *r;
    }
    match state.cards.renew(&client.serial, state.clock.now()).await {
        Ok(order) => {
            tracing::info!(order = order.id, holder = %client.holder_number, "card renewal ordered");
            (StatusCode::CREATED, axum::Json(order_view(&order))).into_response()
        }
        Err(e) => es_refusal(&e),
    }
}

async fn revoke(
    State(state): State<CardAuthState>,
    client: CardClient,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let input: HolderRevocation = match json_body(&headers, &body) {
        Ok(i) => i,
        Err(r) => return *r,
    };
    match state
        .cards
        .revoke_by_holder(&client.serial, &input, state.clock.now())
        .await
    {
        Ok(order) => {
            tracing::info!(order = order.id, holder = %client.holder_number, "card revoked by its holder");
            axum::Json(order_view(&order)).into_response()
        }
        Err(e) => es_refusal(&e),
    }
}

async fn session(State(_): State<CardAuthState>, client: CardClient) -> Response {
    let mut v = serde_json::to_value(&client).unwrap_or_default();
    if let Some(obj) = v.as_object_mut() {
        obj.insert(
            "registration_number".into(),
            client.registration_number().into(),
        );
        obj.insert(
            "not_after_rfc3339".into(),
            carepki_ca::authority::rfc3339(client.not_after).into(),
        );
    }
    axum::Json(v).into_response()
}

/// Serves `app` (typically [`router`]) on the card listener until the process
/// is stopped (Ctrl-C or SIGTERM).
pub async fn serve(
    authority: &Authority,
    settings: CardTlsSettings,
    tcp: TcpListener,
    app: Router,
) -> Result<(), std::io::Error> {
    let config = server_config(authority, settings).map_err(std::io::Error::other)?;
    let listener = CardTlsListener::new(tcp, config)?;
    serve_on(listener, app).await
}

/// Serves `app` on a card listener already made ([`CardTlsListener::new`])
/// until the process is stopped (Ctrl-C or SIGTERM); what `carepki serve`
/// runs next to its main listener.
pub async fn serve_on(listener: CardTlsListener, app: Router) -> Result<(), std::io::Error> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<CardPeer>(),
    )
    .with_graceful_shutdown(crate::shutdown_signal())
    .await
}
