//! `carepki serve`'s e-service: its secret, sign-in method, mail sender and
//! scheduled jobs (issue 4).

use std::io::Write as _;
use std::net::SocketAddr;
use std::os::unix::fs::OpenOptionsExt as _;
use std::sync::Arc;
use std::time::Duration;

use carepki_ca::{Authority, DataDir};
use carepki_ra::eservice::{EService, EServiceSettings};
use carepki_ra::{Mailbox, Outbox, OutboxSettings, SmtpSettings, SmtpTls};
use carepki_web::eservice::{EsWeb, SignInMethod};
use carepki_web::oidc::{OidcClient, OidcSettings};

use crate::cli::ServeArgs;
use crate::commands::Error;

/// The file that holds the key identities are hashed under (R-ACCOUNT: the
/// identity itself is never stored). Made at the first start, readable by the
/// owner only; losing it makes every user new at his next sign-in.
const SUBJECT_KEY_FILE: &str = "eservice-subject.key";

pub(crate) fn subject_key(dir: &DataDir) -> Result<Vec<u8>, Error> {
    let path = dir.root().join(SUBJECT_KEY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let key = hex::decode(text.trim())
                .map_err(|_| format!("{}: not hex; restore it from backup", path.display()))?;
            if key.len() < 32 {
                return Err(format!("{}: shorter than 32 bytes", path.display()).into());
            }
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut key = vec![0u8; 32];
            aws_lc_rs::rand::fill(&mut key).map_err(|_| "no randomness for the subject key")?;
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
                .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
            writeln!(f, "{}", hex::encode(&key))?;
            f.sync_all()?;
            Ok(key)
        }
        Err(e) => Err(format!("cannot read {}: {e}", path.display()).into()),
    }
}

fn is_loopback_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .unwrap_or("");
    let host = rest.split(['/', ':']).next().unwrap_or("");
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

/// The e-service's settings that can be judged before anything is created or
/// opened: production needs https and an OpenID provider, and never the demo
/// identity provider; only one sign-in method.
pub(crate) fn check(args: &ServeArgs) -> Result<(), Error> {
    let public_url = args.public_url.clone().unwrap_or_default();
    if args.production {
        if args.demo_idp {
            return Err(
                "refusing to start: the demo identity provider is not allowed in \
                        production (--production); configure an OpenID provider with \
                        --oidc-issuer and --oidc-client-id instead"
                    .into(),
            );
        }
        if !public_url.starts_with("https://") {
            return Err(
                "refusing to start: in production the e-service's --public-url must \
                        be https (sessions live in Secure cookies)"
                    .into(),
            );
        }
        if args.oidc_issuer.is_none() {
            return Err(
                "refusing to start: production needs strong identification: give \
                        --oidc-issuer and --oidc-client-id"
                    .into(),
            );
        }
    }
    if args.oidc_issuer.is_some() && args.demo_idp {
        return Err("choose one sign-in method: --oidc-issuer or --demo-idp".into());
    }
    if args.oidc_issuer.is_some() && args.oidc_client_id.is_none() {
        return Err("--oidc-issuer needs --oidc-client-id".into());
    }
    Ok(())
}

/// Builds the e-service and starts its mail sender and jobs.
pub(crate) async fn start(
    dir: &DataDir,
    authority: &Arc<Authority>,
    args: &ServeArgs,
    addr: SocketAddr,
) -> Result<(EsWeb, Vec<tokio::task::JoinHandle<()>>), Error> {
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    let es = EService::new(
        Arc::clone(authority),
        EServiceSettings::new(subject_key(dir)?, public_url.clone()),
    )?;
    let sign_in = match (&args.oidc_issuer, args.demo_idp) {
        (Some(_), true) => {
            return Err("choose one sign-in method: --oidc-issuer or --demo-idp".into());
        }
        (Some(issuer), false) => {
            let client_id = args
                .oidc_client_id
                .clone()
                .ok_or("--oidc-issuer needs --oidc-client-id")?;
            let client = OidcClient::discover(OidcSettings {
                issuer: issuer.clone(),
                client_id,
                client_secret: args.oidc_client_secret.clone(),
                redirect_uri: format!("{public_url}/oidc/callback"),
                scopes: vec!["profile".into(), "email".into()],
                identity_claim: args.oidc_identity_claim.clone(),
                allow_http: !args.production && is_loopback_url(issuer),
            })
            .await
            .map_err(|e| format!("OpenID provider {issuer}: {e}"))?;
            tracing::info!(%issuer, "sign-in through OpenID Connect");
            SignInMethod::Oidc(client)
        }
        (None, _) => {
            tracing::warn!(
                "sign-in through the DEMO identity provider: anyone can sign in as anyone \
                 (embedded demo only; configure --oidc-issuer for real use)"
            );
            SignInMethod::Demo
        }
    };
    let mut tasks = Vec::new();
    if let Some(smtp) = &args.smtp {
        let (host, port) = smtp
            .rsplit_once(':')
            .and_then(|(h, p)| Some((h.to_owned(), p.parse::<u16>().ok()?)))
            .ok_or_else(|| format!("--smtp {smtp:?}: give host:port"))?;
        let tls = match args.smtp_tls.as_str() {
            "starttls" => SmtpTls::StartTls,
            "tls" => SmtpTls::Tls,
            "plain" => SmtpTls::None,
            other => return Err(format!("--smtp-tls {other:?}: starttls, tls or plain").into()),
        };
        let from: Mailbox = args
            .mail_from
            .parse()
            .map_err(|e| format!("--mail-from {:?}: {e}", args.mail_from))?;
        let settings = OutboxSettings {
            poll_interval: Duration::from_secs(1),
            ..OutboxSettings::default()
        };
        let outbox = Outbox::new(
            authority.store().clone(),
            SmtpSettings::new(host, port, tls, from),
            settings,
        )?;
        tasks.push(tokio::spawn(outbox.run()));
    } else {
        tracing::warn!("no --smtp: the e-service's mail stays queued in the outbox");
    }
    tasks.push(tokio::spawn(
        es.clone().run_jobs_forever(Duration::from_secs(30)),
    ));
    Ok((EsWeb::new(es, sign_in), tasks))
}
