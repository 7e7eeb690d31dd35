//! The card sign-in tests' TLS pieces (tests/cardauth.rs,
//! tests/card_journey.rs, tests/card_pages.rs): a rustls signing key that
//! signs on the card over PKCS#11, a client certificate resolver, a server
//! check pinned to the listener's certificate, software keys, and the card
//! listener itself on the loopback with a server certificate from the CA.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::sync::Arc;

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair as _};
use carepki_ca::Authority;
use carepki_ca::authority::now_unix;
use carepki_keys::{Card, CardKey};
use carepki_web::cardauth::{
    self, CardAuthState, CardClock, CardPeer, CardTlsListener, CardTlsSettings,
};
use rustls::client::ResolvesClientCert;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::sign::{CertifiedKey, SigningKey};
use rustls::{DigitallySignedStruct, SignatureScheme};

/// A rustls signing key on the card: `Card::sign(which, pin, …)` over PKCS#11,
/// ECDSA P-256 with SHA-256.
#[derive(Debug, Clone)]
pub(crate) struct CardSigningKey {
    pub(crate) card: Arc<Card>,
    pub(crate) which: CardKey,
    pub(crate) pin: &'static str,
}

impl SigningKey for CardSigningKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn rustls::sign::Signer>> {
        offered
            .contains(&SignatureScheme::ECDSA_NISTP256_SHA256)
            .then(|| Box::new(self.clone()) as Box<dyn rustls::sign::Signer>)
    }

    fn algorithm(&self) -> rustls::SignatureAlgorithm {
        rustls::SignatureAlgorithm::ECDSA
    }
}

impl rustls::sign::Signer for CardSigningKey {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rustls::Error> {
        self.card
            .sign(self.which, self.pin, message)
            .map_err(|e| rustls::Error::General(e.to_string()))
    }

    fn scheme(&self) -> SignatureScheme {
        SignatureScheme::ECDSA_NISTP256_SHA256
    }
}

#[derive(Debug)]
pub(crate) struct Fixed(pub(crate) Arc<CertifiedKey>);

impl ResolvesClientCert for Fixed {
    fn resolve(&self, _: &[&[u8]], _: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(&self.0))
    }

    fn has_certs(&self) -> bool {
        true
    }
}

/// The client's check of the server: exactly the server certificate the test
/// issued. (rustls-webpki cannot verify a chain to CarePKI's roots: its issuing
/// CAs carry directoryName name constraints, which rustls-webpki rejects.)
#[derive(Debug)]
pub(crate) struct Pinned {
    pub(crate) der: Vec<u8>,
    pub(crate) algorithms: rustls::crypto::WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.der {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer,
            ))
        }
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

/// A client configuration, up to the client's certificate, that speaks only
/// `version` and accepts only the server certificate `server_cert`
/// ([`Pinned`]).
pub(crate) fn pinned_client(
    server_cert: &[u8],
    version: &'static rustls::SupportedProtocolVersion,
) -> rustls::ConfigBuilder<rustls::ClientConfig, rustls::client::WantsClientCert> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(&[version])
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Pinned {
            der: server_cert.to_vec(),
            algorithms: provider.signature_verification_algorithms,
        }))
}

/// A software P-256 key: its PKCS#8 document and its SubjectPublicKeyInfo.
pub(crate) fn software_key() -> (Vec<u8>, Vec<u8>) {
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &SystemRandom::new())
        .unwrap();
    let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref()).unwrap();
    let spki = key.public_key().as_der().unwrap().as_ref().to_vec();
    (pkcs8.as_ref().to_vec(), spki)
}

/// A server certificate for `host` from the CA itself (profile `server`), as
/// an operator gets one with `carepki issue --profile server`, and its key;
/// organisation `org` is first made to administer `domain` (R-ELIGIBLE).
pub(crate) async fn server_certificate(
    ca: &Authority,
    org: &str,
    domain: &str,
    host: &str,
) -> (carepki_ca::Issued, Vec<u8>) {
    use carepki_x509::csr::build_request;
    use carepki_x509::name::{Attr, build_name};
    let mut row = ca.store().organisation(org).await.unwrap().unwrap();
    row.domains = vec![domain.into()];
    ca.store()
        .import_organisations(&[row], "test", now_unix())
        .await
        .unwrap();
    let (pkcs8, spki) = software_key();
    let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &pkcs8).unwrap();
    let rng = SystemRandom::new();
    let csr = build_request(
        &build_name(&[(Attr::CommonName, host)]).unwrap(),
        &spki,
        carepki_x509::SignatureAlgorithm::EcdsaSha256,
        |msg| Ok(key.sign(&rng, msg).unwrap().as_ref().to_vec()),
    )
    .unwrap();
    let issued = ca
        .issue(&carepki_ca::IssueRequest {
            profile: carepki_policy::ProfileId::Server,
            org_oid: org.into(),
            csr,
            common_name: host.into(),
            dns_names: vec![host.into()],
            emails: vec![],
            days: None,
            ca: None,
            actor: "test".into(),
        })
        .await
        .unwrap();
    (issued, pkcs8)
}

/// Serves `ca`'s card listener (`cardauth::router`, with the holder's pages)
/// on the loopback as `carepki serve --card-listen` runs it: certificate chain
/// `cert_chain` and PKCS#8 key `key`, TEST cards accepted when `accept_test`,
/// the handshake and the routes both on `clock`. Its address.
pub(crate) async fn serve_card_listener(
    ca: &Arc<Authority>,
    cert_chain: Vec<CertificateDer<'static>>,
    key: Vec<u8>,
    accept_test: bool,
    clock: &CardClock,
) -> SocketAddr {
    let settings = CardTlsSettings {
        cert_chain,
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key)),
        accept_test,
        clock: clock.clone(),
    };
    let config = cardauth::server_config(ca, settings).unwrap();
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let listener = CardTlsListener::new(tcp, config).unwrap();
    let addr = axum::serve::Listener::local_addr(&listener).unwrap();
    let app = cardauth::router(CardAuthState::new(ca, accept_test).with_clock(clock.clone()));
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<CardPeer>(),
        )
        .await
        .unwrap();
    });
    addr
}

/// The card listener on the loopback: its address and its server certificate.
pub(crate) struct Listener {
    pub(crate) addr: SocketAddr,
    pub(crate) server_cert: Vec<u8>,
}

/// `ca`'s card listener for `host` (a server certificate of `org`, which is
/// made to administer `domain`) on the loopback, on `clock`; production cards
/// only.
pub(crate) async fn start_listener(
    ca: &Arc<Authority>,
    clock: &CardClock,
    org: &str,
    domain: &str,
    host: &str,
) -> Listener {
    let (cert, key) = server_certificate(ca, org, domain, host).await;
    let intermediate = ca.loaded_ca(&cert.ca).unwrap().row.cert_der.clone();
    let chain = vec![cert.der.clone().into(), intermediate.into()];
    let addr = serve_card_listener(ca, chain, key, false, clock).await;
    Listener {
        addr,
        server_cert: cert.der,
    }
}
