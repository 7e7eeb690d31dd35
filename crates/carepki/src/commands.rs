//! The subcommands: stage two of argument handling (validated settings) and wiring of
//! store, authority and web.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use carepki_ca::authority::{now_unix, rfc3339};
use carepki_ca::datadir::write_new_private;
use carepki_ca::init::{InitOptions, prepare, run_ceremony};
use carepki_ca::{Authority, DataDir, IssueRequest};
use carepki_keys::{PASSPHRASE_ENV, Passphrase};
use carepki_policy::ProfileId;
use carepki_policy::org::{Organisation, Sector, parse_organisations};
use carepki_store::{CertFilter, CertificateRow, OrganisationRow, Store};
use carepki_x509::KeyAlgorithm;

use crate::cli::{
    Algorithm, BenchCommand, CaCommand, CertCommand, Cli, Command, CrlCommand, Global, OrgCommand,
    StatusCommand, UsersCommand,
};

/// The fictional demo register shipped with CarePKI.
const EXAMPLE_ORGANISATIONS: &str = include_str!("../../../examples/organisations.json");

pub(crate) type Error = Box<dyn std::error::Error + Send + Sync>;

/// `println!` that ends the process quietly when stdout is closed (e.g. `| head`)
/// instead of panicking.
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        if writeln!(std::io::stdout(), $($t)*).is_err() {
            std::process::exit(0);
        }
    }};
}

/// `print!` with the same handling of a closed stdout.
macro_rules! say_raw {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        if write!(std::io::stdout(), $($t)*).is_err() {
            std::process::exit(0);
        }
    }};
}

/// Run one command.
pub(crate) async fn run(cli: Cli) -> Result<(), Error> {
    let g = &cli.global;
    match cli.command {
        Command::Init(args) => {
            let text = match &args.ceremony {
                Some(p) => read_text(p)?,
                None => String::new(),
            };
            let algorithm = key_algorithm(args.algorithm);
            let (store, cas) = init(g, text, algorithm).await?;
            say!(
                "initialised {} with {} CAs:",
                g.data_dir.display(),
                cas.len()
            );
            for ca in &cas {
                say!("  {:<28} {}", ca.id, ca.subject);
            }
            if args.demo_organisations {
                let s = import_orgs(&store, EXAMPLE_ORGANISATIONS).await?;
                say!(
                    "imported the example register: {} organisations",
                    s.inserted
                );
            }
            if env_passphrase()?.is_none() {
                say!(
                    "CA keys are encrypted with a generated passphrase in {} (mode 0600); keep a copy offline",
                    DataDir::new(&g.data_dir).passphrase_file().display()
                );
            }
            store.close().await;
            Ok(())
        }
        Command::Org(OrgCommand::Import { file, json }) => {
            let store = open_store(g).await?;
            let text = read_text(&file)?;
            let s = import_orgs(&store, &text).await?;
            if json {
                say!("{}", serde_json::to_string_pretty(&s)?);
            } else {
                say!(
                    "organisations: {} inserted, {} updated, {} unchanged",
                    s.inserted,
                    s.updated,
                    s.unchanged
                );
            }
            store.close().await;
            Ok(())
        }
        Command::Professionals(cmd) => crate::registers_cmd::run(g, cmd).await,
        Command::Regpoint(cmd) => crate::cards_cmd::regpoint(g, cmd).await,
        Command::Registrar(cmd) => crate::cards_cmd::registrar(g, cmd).await,
        Command::Poa(cmd) => crate::cards_cmd::poa(g, cmd).await,
        Command::Card(cmd) => crate::cards_cmd::card(g, cmd).await,
        Command::Document(cmd) => crate::document_cmd::run(g, cmd).await,
        Command::Station(cmd) => crate::station_cmd::run(g, cmd).await,
        Command::Org(OrgCommand::List { json }) => {
            let store = open_store(g).await?;
            let orgs = store.organisations().await?;
            if json {
                say!("{}", serde_json::to_string_pretty(&orgs)?);
            } else {
                for o in &orgs {
                    say!(
                        "{:<28} {:<8} {:<10} {}  [{}]",
                        o.oid,
                        o.sector,
                        o.business_id,
                        o.name_fi,
                        o.domains.join(", ")
                    );
                }
            }
            store.close().await;
            Ok(())
        }
        Command::Issue(args) => {
            let profile = ProfileId::parse(&args.profile).ok_or_else(|| {
                format!(
                    "unknown profile \"{}\"; use one of: {}",
                    args.profile,
                    ProfileId::ALL.map(ProfileId::as_str).join(", ")
                )
            })?;
            let csr = std::fs::read(&args.csr)
                .map_err(|e| format!("cannot read the CSR {}: {e}", args.csr.display()))?;
            prepare_out_dir(&args.out_dir)?;
            let authority = open_authority(g).await?;
            let issued = authority
                .issue(&IssueRequest {
                    profile,
                    org_oid: args.org.clone(),
                    csr,
                    common_name: args.cn.clone(),
                    dns_names: args.dns.clone(),
                    emails: args.email.clone(),
                    days: args.days,
                    ca: args.ca.clone(),
                    actor: actor(),
                })
                .await?;
            std::fs::create_dir_all(&args.out_dir).map_err(|e| {
                format!(
                    "certificate {} was issued and stored, but --out-dir {} cannot be created ({e}); fetch it with `carepki cert show {}`",
                    issued.serial,
                    args.out_dir.display(),
                    issued.serial
                )
            })?;
            write_public(&args.out_dir.join("cert.pem"), issued.pem.as_bytes())?;
            write_public(&args.out_dir.join("cert.der"), &issued.der)?;
            write_public(&args.out_dir.join("chain.pem"), issued.chain_pem.as_bytes())?;
            if args.json {
                say!("{}", serde_json::to_string_pretty(&issued)?);
            } else {
                say!("issued {} certificate {}", issued.profile, issued.serial);
                say!("  subject   {}", issued.subject);
                say!("  issuer    {}", issued.issuer);
                say!("  valid     {} .. {}", issued.not_before, issued.not_after);
                say!(
                    "  written   {}/{{cert.pem,cert.der,chain.pem}}",
                    args.out_dir.display()
                );
            }
            authority.store().close().await;
            Ok(())
        }
        Command::Cert(CertCommand::List { org, json }) => {
            let store = open_store(g).await?;
            let certs = store
                .certificates(&CertFilter {
                    org_oid: org,
                    ..CertFilter::default()
                })
                .await?;
            if json {
                let v: Vec<_> = certs.iter().map(cert_json).collect();
                say!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                say!("{} certificates", certs.len());
                for c in &certs {
                    say!(
                        "{}  {:<22} {:<8} until {}  {}",
                        c.serial,
                        c.profile,
                        c.status,
                        rfc3339(c.not_after),
                        c.subject
                    );
                }
            }
            store.close().await;
            Ok(())
        }
        Command::Cert(CertCommand::Show { serial, json }) => {
            let store = open_store(g).await?;
            let wanted = normalise_serial(&serial)?;
            let c = store
                .certificate(&wanted)
                .await?
                .filter(|c| c.der.is_some())
                .ok_or_else(|| format!("no issued certificate with serial {serial}"))?;
            let pem = carepki_x509::cert::certificate_pem(c.der.as_deref().unwrap_or_default())?;
            if json {
                let mut v = cert_json(&c);
                v["pem"] = serde_json::Value::String(pem);
                say!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                say!("serial      {}", c.serial);
                say!("profile     {}", c.profile);
                say!("status      {}", c.status);
                say!("subject     {}", c.subject);
                say!("issuing CA  {}", c.ca_id);
                say!("organisation {}", c.org_oid.as_deref().unwrap_or("-"));
                say!("not before  {}", rfc3339(c.not_before));
                say!("not after   {}", rfc3339(c.not_after));
                say!("key SHA-256 {}", c.spki_sha256);
                say_raw!("{pem}");
            }
            store.close().await;
            Ok(())
        }
        Command::Ca(CaCommand::List { json }) => {
            let store = open_store(g).await?;
            let cas = store.cas().await?;
            if json {
                let v: Vec<_> = cas
                    .iter()
                    .map(|c| {
                        serde_json::json!({
                            "id": c.id, "hierarchy": c.hierarchy, "role": c.role,
                            "parent": c.parent_id, "subject": c.subject, "serial": c.serial,
                            "not_before": rfc3339(c.not_before), "not_after": rfc3339(c.not_after),
                            "key_algorithm": c.key_algorithm,
                            "signature_algorithm": c.signature_algorithm,
                        })
                    })
                    .collect();
                say!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                for c in &cas {
                    say!(
                        "{:<26} {:<10} {:<12} until {}  {}",
                        c.id,
                        c.hierarchy,
                        c.key_algorithm,
                        rfc3339(c.not_after),
                        c.subject
                    );
                }
            }
            store.close().await;
            Ok(())
        }
        Command::Ca(CaCommand::Export { out_dir }) => {
            let store = open_store(g).await?;
            std::fs::create_dir_all(&out_dir)
                .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
            for c in store.cas().await? {
                let path = out_dir.join(format!("{}.pem", c.id));
                let pem = carepki_x509::cert::certificate_pem(&c.cert_der)?;
                std::fs::write(&path, pem)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                say!("{}", path.display());
            }
            store.close().await;
            Ok(())
        }
        Command::Revoke(args) => crate::status_cmds::revoke(g, args).await,
        Command::Crl(CrlCommand::Generate {
            ca,
            delta,
            out,
            json,
        }) => crate::status_cmds::crl_generate(g, ca, delta, out, json).await,
        Command::Status(StatusCommand::Audit { json }) => {
            crate::status_cmds::status_audit(g, json).await
        }
        Command::Users(UsersCommand::List { json }) => {
            let store = open_store(g).await?;
            let mut out = Vec::new();
            for u in store.users().await? {
                let orgs = store.memberships_of_user(u.id).await?;
                let globals = store.global_roles(u.id).await?;
                out.push(serde_json::json!({
                    "id": u.id,
                    "display_name": u.display_name,
                    "email": u.email,
                    "language": u.language,
                    "roles": globals.iter().map(|g| g.role.clone()).collect::<Vec<_>>(),
                    "memberships": orgs.iter().map(|m| serde_json::json!({"org_oid": m.org_oid, "role": m.role})).collect::<Vec<_>>(),
                }));
            }
            if json {
                say!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                for u in &out {
                    say!(
                        "{:>5}  {:<30} {:<32} {}",
                        u["id"],
                        u["display_name"].as_str().unwrap_or(""),
                        u["email"].as_str().unwrap_or(""),
                        u["roles"]
                    );
                }
            }
            store.close().await;
            Ok(())
        }
        Command::Users(UsersCommand::Grant { user, role }) => {
            let store = open_store(g).await?;
            if store.user(user).await?.is_none() {
                store.close().await;
                return Err(format!(
                    "no user {user}: the person signs in to the e-service first; \
                     `carepki users list` shows the ids"
                )
                .into());
            }
            let result = store
                .grant_global_role(user, &role, "cli", now_unix())
                .await;
            store.close().await;
            result?;
            say!("user {user} is now {role}");
            Ok(())
        }
        Command::Serve(args) => serve(g, &args).await,
        Command::Bench(BenchCommand::Issue {
            n,
            concurrency,
            algorithm,
            json,
        }) => bench_issue(n, concurrency, key_algorithm(algorithm), json).await,
        Command::Bench(BenchCommand::Crl { n, json }) => {
            crate::status_cmds::bench_crl(n, json).await
        }
        Command::Bench(BenchCommand::Revocation { n, json }) => {
            crate::status_cmds::bench_revocation(n, json).await
        }
    }
}

fn key_algorithm(a: Algorithm) -> KeyAlgorithm {
    match a {
        Algorithm::EcdsaP384 => KeyAlgorithm::EcdsaP384,
        Algorithm::Rsa4096 => KeyAlgorithm::Rsa4096,
    }
}

pub(crate) fn actor() -> String {
    format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into())
    )
}

pub(crate) fn read_text(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()).into())
}

fn env_passphrase() -> Result<Option<Passphrase>, Error> {
    match std::env::var(PASSPHRASE_ENV) {
        Ok(v) if !v.is_empty() => Ok(Some(Passphrase::new(v)?)),
        _ => Ok(None),
    }
}

/// Create the data directory and the hierarchies; on failure remove what this run made.
async fn init(
    g: &Global,
    ceremony_toml: String,
    algorithm: KeyAlgorithm,
) -> Result<(Store, Vec<carepki_store::CaRow>), Error> {
    let dir = DataDir::new(&g.data_dir);
    let opts = InitOptions {
        ceremony_toml,
        algorithm,
        passphrase: env_passphrase()?,
        now: now_unix(),
        actor: actor(),
    };
    let (ceremony, passphrase, _) = prepare(&dir, &opts)?;
    if ceremony.default_oids {
        tracing::warn!(
            "the certificate policy OIDs are CarePKI's demo defaults; set oid_arc in the ceremony file to your own arc for production"
        );
    }
    let result = async {
        let store = match &g.database_url {
            Some(url) => {
                let store = Store::open(url).await?;
                write_new_private(&dir.backend_file(), backend_name(&store).as_bytes())?;
                store
            }
            None => {
                let path = dir.create_private_sqlite_file()?;
                write_new_private(&dir.backend_file(), b"sqlite")?;
                Store::open_sqlite_path(&path).await?
            }
        };
        let cas = run_ceremony(&dir, &store, &ceremony, &passphrase, &opts).await?;
        Ok::<_, Error>((store, cas))
    }
    .await;
    if result.is_err() {
        // Nothing half-made stays behind: the directory is this run's own.
        let _ = std::fs::remove_dir_all(dir.root());
    }
    result
}

pub(crate) async fn open_store(g: &Global) -> Result<Store, Error> {
    let dir = DataDir::new(&g.data_dir);
    if !dir.is_initialised() {
        return Err(format!(
            "{} is not an initialised data directory; run `carepki init --data-dir {}`{}",
            g.data_dir.display(),
            g.data_dir.display(),
            if dir.root().exists() {
                ""
            } else {
                " (or `carepki serve`, which creates a demo one where none exists)"
            }
        )
        .into());
    }
    let recorded = std::fs::read_to_string(dir.backend_file())
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "sqlite".to_owned());
    match (&g.database_url, recorded.as_str()) {
        (Some(url), _) => {
            let store = Store::open(url).await?;
            if backend_name(&store) != recorded {
                return Err(format!(
                    "{} keeps its database on {recorded}, but --database-url names a {} database",
                    g.data_dir.display(),
                    backend_name(&store)
                )
                .into());
            }
            Ok(store)
        }
        (None, "sqlite") => {
            let path = dir.sqlite_file();
            if !path.exists() {
                return Err(format!(
                    "the SQLite database {} is missing; restore it from backup",
                    path.display()
                )
                .into());
            }
            Ok(Store::open_sqlite_path(&path).await?)
        }
        (None, other) => Err(format!(
            "{} keeps its database on {other}; pass --database-url (or set CAREPKI_DATABASE_URL)",
            g.data_dir.display()
        )
        .into()),
    }
}

fn backend_name(store: &Store) -> &'static str {
    match store.backend() {
        carepki_store::Backend::Sqlite => "sqlite",
        carepki_store::Backend::Postgres => "postgres",
    }
}

pub(crate) async fn open_authority(g: &Global) -> Result<Authority, Error> {
    let store = open_store(g).await?;
    let dir = DataDir::new(&g.data_dir);
    let passphrase = Passphrase::from_env_or_file(&dir.passphrase_file())?;
    Ok(Authority::open(dir, store, passphrase).await?)
}

async fn import_orgs(store: &Store, json: &str) -> Result<carepki_store::ImportSummary, Error> {
    let orgs = parse_organisations(json)?;
    let now = now_unix();
    let rows: Vec<OrganisationRow> = orgs.iter().map(|o| org_row(o, now)).collect();
    Ok(store.import_organisations(&rows, &actor(), now).await?)
}

fn org_row(o: &Organisation, now: i64) -> OrganisationRow {
    OrganisationRow {
        oid: o.oid.clone(),
        name_fi: o.name.fi.clone(),
        name_sv: o.name.sv.clone(),
        name_en: o.name.en.clone(),
        business_id: o.business_id.clone(),
        sector: match o.sector {
            Sector::Public => "public".into(),
            Sector::Private => "private".into(),
        },
        kanta_intermediary: o.kanta_intermediary,
        domains: o.domains.clone(),
        created_at: now,
        updated_at: now,
    }
}

fn normalise_serial(s: &str) -> Result<String, Error> {
    let t = s
        .trim()
        .trim_start_matches("0x")
        .replace(':', "")
        .to_ascii_lowercase();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("\"{s}\" is not a serial number in hex").into());
    }
    // Serials are stored as the hex of their content octets without leading zero
    // octets (carepki_x509::cert::serial_hex); accept any zero padding and odd lengths.
    let even = if t.len() % 2 == 1 { format!("0{t}") } else { t };
    let bytes =
        hex::decode(&even).map_err(|e| format!("\"{s}\" is not a serial number in hex: {e}"))?;
    Ok(carepki_x509::cert::serial_hex(&bytes))
}

fn cert_json(c: &CertificateRow) -> serde_json::Value {
    serde_json::json!({
        "serial": c.serial,
        "profile": c.profile,
        "status": c.status,
        "subject": c.subject,
        "ca": c.ca_id,
        "organisation": c.org_oid,
        "not_before": rfc3339(c.not_before),
        "not_after": rfc3339(c.not_after),
        "issued_at": c.issued_at.map(rfc3339),
        "spki_sha256": c.spki_sha256,
    })
}

fn prepare_out_dir(dir: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create --out-dir {}: {e}", dir.display()))?;
    for f in ["cert.pem", "cert.der", "chain.pem"] {
        if dir.join(f).exists() {
            return Err(format!(
                "{} exists already; choose an empty --out-dir",
                dir.join(f).display()
            )
            .into());
        }
    }
    Ok(())
}

fn write_public(path: &PathBuf, bytes: &[u8]) -> Result<(), Error> {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()).into())
}

async fn serve(g: &Global, args: &crate::cli::ServeArgs) -> Result<(), Error> {
    let listen = args.listen;
    crate::eservice_cmd::check(args)?;
    let card_listen = crate::cardlisten_cmd::check(args)?;
    let dir = DataDir::new(&g.data_dir);
    // Bind first: a first run writes the address it really listens on into the demo's
    // URLs (which matters for `--listen 127.0.0.1:0`).
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr()?;
    if !dir.root().exists() {
        say!(
            "first run: creating a demo data directory at {}",
            dir.root().display()
        );
        let default = std::net::SocketAddr::from(([127, 0, 0, 1], 8080));
        let ceremony = if addr == default {
            String::new()
        } else {
            format!("base_url = \"http://{addr}\"\n")
        };
        let (store, _) = init(g, ceremony, KeyAlgorithm::EcdsaP384).await?;
        let s = import_orgs(&store, EXAMPLE_ORGANISATIONS).await?;
        let p = crate::registers_cmd::import_example(&store, &dir).await?;
        say!(
            "demo hierarchy created (production and TEST); {} example organisations and {} \
             example professionals imported",
            s.inserted,
            p.inserted
        );
        store.close().await;
    }
    let authority = Arc::new(open_authority(g).await?);
    let recovered = authority.recover(300, "serve").await?;
    if recovered > 0 {
        tracing::warn!(
            recovered,
            "abandoned serials left reserved by an earlier run"
        );
    }
    say!(
        "CarePKI listening on http://{addr}  (data directory {})",
        dir.root().display()
    );
    say!("  health:           http://{addr}/health");
    say!(
        "  CA certificates:  {}",
        authority.ceremony().ca_issuers_url("root")
    );
    say!(
        "  OCSP:             {}",
        authority.ceremony().ocsp_url("service-providers")
    );
    say!(
        "  CRL:              {}",
        authority.ceremony().crl_url("service-providers")
    );
    say!("  metrics:          http://{addr}/metrics");
    let card = match card_listen {
        Some(c) => {
            let (card_addr, served) = crate::cardlisten_cmd::start(&authority, c).await?;
            say!(
                "  card sign-in:     https://{card_addr}/card (the holder's page; JSON: \
                 https://{card_addr}/card/session)"
            );
            Some(served)
        }
        None => None,
    };
    let (eservice, mut background) =
        crate::eservice_cmd::start(&dir, &authority, args, addr).await?;
    let services = carepki_web::start_status_services(&authority).await?;
    let main = carepki_web::serve_with(
        &authority,
        Arc::clone(&services.ocsp),
        Some(eservice),
        listener,
    );
    let (served, card_served) = tokio::join!(main, async {
        match card {
            Some(card) => card.await,
            None => Ok(()),
        }
    });
    if let Err(e) = &card_served {
        tracing::error!(error = %e, "the card sign-in listener stopped");
    }
    for task in &background {
        task.abort();
    }
    for task in background.drain(..) {
        let _ = task.await;
    }
    services.stop().await;
    authority.store().close().await;
    served?;
    Ok(())
}

/// The first organisation of the register with a domain: the benchmarks issue
/// server certificates for it.
pub(crate) async fn bench_organisation(authority: &Authority) -> Result<OrganisationRow, Error> {
    Ok(authority
        .store()
        .organisations()
        .await?
        .into_iter()
        .find(|o| !o.domains.is_empty())
        .ok_or("the example register has no organisation with a domain")?)
}

/// A throw-away data directory with the demo hierarchy and register, for benchmarks.
pub(crate) async fn bench_data_dir() -> Result<(tempfile::TempDir, Global), Error> {
    let tmp = tempfile::Builder::new()
        .prefix("carepki-bench-")
        .tempdir()?;
    let g = Global {
        data_dir: tmp.path().join("data"),
        database_url: None,
    };
    eprintln!(
        "bench: initialising a data directory in {}",
        tmp.path().display()
    );
    let (store, _) = init(&g, String::new(), KeyAlgorithm::EcdsaP384).await?;
    import_orgs(&store, EXAMPLE_ORGANISATIONS).await?;
    store.close().await;
    Ok((tmp, g))
}

async fn bench_issue(
    n: usize,
    concurrency: usize,
    algorithm: KeyAlgorithm,
    json: bool,
) -> Result<(), Error> {
    let tmp = tempfile::Builder::new()
        .prefix("carepki-bench-")
        .tempdir()?;
    let g = Global {
        data_dir: tmp.path().join("data"),
        database_url: None,
    };
    eprintln!(
        "bench: initialising a data directory in {}",
        tmp.path().display()
    );
    let (store, _) = init(&g, String::new(), algorithm).await?;
    import_orgs(&store, EXAMPLE_ORGANISATIONS).await?;
    store.close().await;
    let authority = Arc::new(open_authority(&g).await?);
    let org = bench_organisation(&authority).await?;
    eprintln!("bench: generating {n} CSRs (P-256)");
    let csrs = tokio::task::spawn_blocking(move || carepki_ca::bench::generate_csrs(n)).await??;
    eprintln!("bench: issuing {n} server certificates with {concurrency} tasks");
    let report = carepki_ca::bench::bench_issue(
        Arc::clone(&authority),
        csrs,
        &org.oid,
        &org.domains[0],
        concurrency,
    )
    .await?;
    let stored = authority.store().count_certificates().await?;
    if stored != n as i64 {
        return Err(format!("expected {n} certificates in the store, found {stored}").into());
    }
    if json {
        say!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        say!(
            "issued {} certificates in {:.2} s with {} tasks (SQLite, synchronous=FULL, WAL)",
            report.certificates,
            report.seconds,
            report.concurrency
        );
        say!(
            "  end to end:        {:>10.0} certificates/s",
            report.certificates_per_second
        );
        say!(
            "  raw CA signing:    {:>10.0} signatures/s ({}, all cores, same run)",
            report.raw_signatures_per_second,
            report.ca_signature_algorithm
        );
        say!("  ratio:             {:>10.3}", report.ratio);
        say!(
            "  durable commits:   {:>10}  ({:.1} write jobs per commit)",
            report.commits,
            report.jobs_per_commit
        );
        say!("  where the tasks' time goes (waiting included; summed over tasks):");
        for (step, share) in &report.steps {
            say!("    {:>5.1}%  {step}", share * 100.0);
        }
    }
    authority.store().close().await;
    Ok(())
}
