//! The card sign-in listener in `carepki serve` (issue 5, point 6; docs/CARDS.md,
//! "The card listener in serve"): `--card-listen ADDR --card-tls-cert PEM
//! --card-tls-key PEM [--card-accept-test]`. [`check`] reads the settings
//! before anything starts and refuses a half-given or unreadable
//! configuration with what to do; [`start`] binds the address and builds the
//! TLS configuration against the opened CA.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use carepki_ca::Authority;
use carepki_web::cardauth::{self, CardAuthState, CardTlsListener, CardTlsSettings};

use crate::cli::ServeArgs;
use crate::commands::Error;

/// What the card listener is to do, once checked.
pub(crate) struct CardListen {
    addr: SocketAddr,
    settings: CardTlsSettings,
}

/// The card listener's settings from `args`, or `None` when it is not asked
/// for. Refused: only some of `--card-listen`, `--card-tls-cert` and
/// `--card-tls-key`; `--card-accept-test` without them or with
/// `--production`; files that cannot be read or hold no certificate or key.
pub(crate) fn check(args: &ServeArgs) -> Result<Option<CardListen>, Error> {
    let given = [
        ("--card-listen", args.card_listen.is_some()),
        ("--card-tls-cert", args.card_tls_cert.is_some()),
        ("--card-tls-key", args.card_tls_key.is_some()),
    ];
    let missing: Vec<&str> = given.iter().filter(|g| !g.1).map(|g| g.0).collect();
    if missing.len() == given.len() {
        if args.card_accept_test {
            return Err(
                "--card-accept-test needs the card listener: give --card-listen ADDR, \
                 --card-tls-cert PEM and --card-tls-key PEM too"
                    .into(),
            );
        }
        return Ok(None);
    }
    if !missing.is_empty() {
        return Err(format!(
            "refusing to start: the card sign-in listener needs --card-listen ADDR, \
             --card-tls-cert PEM (the server certificate, then its CA) and --card-tls-key PEM \
             (PKCS#8) together; missing: {}. Give all three, or none to run without it. A \
             server certificate can come from CarePKI itself: `carepki issue --profile server \
             --org OID --csr CSR --cn HOST`",
            missing.join(", ")
        )
        .into());
    }
    if args.card_accept_test && args.production {
        return Err(
            "refusing to start: --card-accept-test lets TEST-hierarchy cards sign in, \
             which a production service (--production) must not; drop one of the two"
                .into(),
        );
    }
    let (Some(addr), Some(cert), Some(key)) =
        (args.card_listen, &args.card_tls_cert, &args.card_tls_key)
    else {
        return Ok(None);
    };
    let settings = CardTlsSettings::from_pem_files(cert, key, args.card_accept_test)
        .map_err(|e| format!("refusing to start: {e}"))?;
    Ok(Some(CardListen { addr, settings }))
}

/// The running card listener's future.
pub(crate) type Served = Pin<Box<dyn Future<Output = std::io::Result<()>> + Send>>;

/// Binds the card listener and builds its TLS configuration for `authority`
/// (a certificate and key that do not fit each other are refused here).
/// Answers the address it listens on and the future that serves it until
/// Ctrl-C or SIGTERM.
pub(crate) async fn start(
    authority: &Arc<Authority>,
    listen: CardListen,
) -> Result<(SocketAddr, Served), Error> {
    let accept_test = listen.settings.accept_test;
    let clock = listen.settings.clock.clone();
    let config = cardauth::server_config(authority, listen.settings)
        .map_err(|e| format!("refusing to start: {e}"))?;
    let tcp = tokio::net::TcpListener::bind(listen.addr)
        .await
        .map_err(|e| format!("cannot listen on {} (--card-listen): {e}", listen.addr))?;
    let listener = CardTlsListener::new(tcp, config)?;
    let addr = listener.local_addr()?;
    // The holder's pages sign their forms' CSRF tokens with a key derived from
    // the e-service's key in the data directory: stable across restarts and
    // the same on every node sharing it.
    let secret = crate::eservice_cmd::subject_key(authority.data_dir())?;
    let app = cardauth::router(
        CardAuthState::new(authority, accept_test)
            .with_clock(clock)
            .with_page_secret(&secret),
    );
    Ok((addr, Box::pin(cardauth::serve_on(listener, app))))
}
