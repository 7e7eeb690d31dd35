//! Command-line arguments, parsed by clap (stage one: raw values; the commands turn them
//! into validated settings).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub(crate) use crate::cli_cards::{
    CardBulkCommand, CardCommand, CardFindArgs, CardKeyType, IdentityArgs, PoaCommand,
    RegistrarCommand, RegpointCommand, StationCommand,
};

/// CarePKI: certificate authority for social welfare and healthcare.
#[derive(Debug, Parser)]
#[command(name = "carepki", version, about)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub(crate) struct Global {
    /// The data directory: ceremony, encrypted CA keys and (by default) the SQLite database.
    #[arg(
        long,
        global = true,
        env = "CAREPKI_DATA_DIR",
        default_value = "./carepki-data"
    )]
    pub(crate) data_dir: PathBuf,
    /// The database: `sqlite:///path/file.db` or `postgres://user@host/db`; default the
    /// SQLite file in the data directory.
    #[arg(long, global = true, env = "CAREPKI_DATABASE_URL")]
    pub(crate) database_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create the production and TEST CA hierarchies in a new data directory.
    Init(InitArgs),
    /// The organisation register.
    #[command(subcommand)]
    Org(OrgCommand),
    /// The professional registers (Terhikki, Suosikki).
    #[command(subcommand)]
    Professionals(ProfessionalsCommand),
    /// Card registration points (R-REG-POINT; a CA officer's work).
    #[command(subcommand)]
    Regpoint(RegpointCommand),
    /// Registrars of registration points (R-REG-POINT; a CA officer's work).
    #[command(subcommand)]
    Registrar(RegistrarCommand),
    /// Certificate cards: orders by a registrar (issue 5).
    #[command(subcommand)]
    Card(CardCommand),
    /// Powers of attorney to registration points (R-ORDER; a CA officer's work).
    #[command(subcommand)]
    Poa(PoaCommand),
    /// Signed documents and prescriptions (CMS): verify as a relying party, or
    /// sign with a card (issue 5 point 9, R-SV).
    #[command(subcommand)]
    Document(DocumentCommand),
    /// The registration station: produce, activate, reset and revoke cards on a
    /// PKCS#11 token (a registrar's work; secrets from the environment or stdin).
    #[command(subcommand)]
    Station(StationCommand),
    /// Issue a service certificate from a CSR.
    Issue(IssueArgs),
    /// Issued certificates.
    #[command(subcommand)]
    Cert(CertCommand),
    /// The CAs.
    #[command(subcommand)]
    Ca(CaCommand),
    /// Revoke a certificate (final; R-REVOKE-WHEN).
    Revoke(RevokeArgs),
    /// Certificate revocation lists.
    #[command(subcommand)]
    Crl(CrlCommand),
    /// Certificate status: the consistency audit (R-STATUS-TRUTH).
    #[command(subcommand)]
    Status(StatusCommand),
    /// The e-service's users: list them, make CA officers and auditors.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Run the service (initialises a demo data directory on first run).
    Serve(ServeArgs),
    /// Benchmarks.
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Debug, Subcommand)]
pub(crate) enum DocumentCommand {
    /// Verify a signed document (CMS SignedData, DER or PEM) against this CA:
    /// signature, chain to our CAs, validity, status, a signature certificate,
    /// and with --prescription the SV number (R-SV). Exits 1 when refused.
    Verify(DocumentVerifyArgs),
    /// Sign a document with a card's signature key through PKCS#11 (for
    /// operators and tests). PIN2 is read from CAREPKI_PIN2, or else from the
    /// first line of standard input; never from an argument.
    Sign(DocumentSignArgs),
}

#[derive(Debug, Args)]
pub(crate) struct DocumentVerifyArgs {
    /// The signed document (.p7s), DER or PEM.
    pub(crate) file: PathBuf,
    /// The signed content, for a detached signature.
    #[arg(long)]
    pub(crate) content: Option<PathBuf>,
    /// Verify it as a prescription: the signer's certificate must carry the SV
    /// number (R-SV).
    #[arg(long)]
    pub(crate) prescription: bool,
    /// Accept a signer certificate of the TEST hierarchy (test environments only).
    #[arg(long)]
    pub(crate) allow_test: bool,
    /// Print the verdict as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct DocumentSignArgs {
    /// The PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so).
    #[arg(long)]
    pub(crate) module: PathBuf,
    /// The card's label (its tokens are "<label> AUTH" and "<label> SIGN").
    #[arg(long)]
    pub(crate) card: String,
    /// The content to sign.
    #[arg(long)]
    pub(crate) content: PathBuf,
    /// Where to write the signed document (DER); refused if it exists.
    #[arg(long)]
    pub(crate) out: PathBuf,
    /// Leave the content out of the signed document (a detached signature).
    #[arg(long)]
    pub(crate) detached: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Algorithm {
    /// ECDSA on P-384, signing with ecdsa-with-SHA384.
    #[value(name = "ecdsa-p384")]
    EcdsaP384,
    /// RSA 4096, signing with sha512WithRSAEncryption (or the ceremony's rsa_hash).
    #[value(name = "rsa-4096")]
    Rsa4096,
}

#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// The ceremony file (TOML): names, OIDs and URLs. CarePKI's defaults when absent.
    #[arg(long)]
    pub(crate) ceremony: Option<PathBuf>,
    /// The CA key algorithm.
    #[arg(long, value_enum, default_value = "ecdsa-p384")]
    pub(crate) algorithm: Algorithm,
    /// Also import examples/organisations.json (the fictional demo register).
    #[arg(long)]
    pub(crate) demo_organisations: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum OrgCommand {
    /// Import (insert or update by OID) organisations from a JSON file.
    Import {
        /// The JSON file: an array of organisations.
        file: PathBuf,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the register.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum ProfessionalsCommand {
    /// Import the professional registers from a JSON file: a sync (people missing from
    /// the file are removed) that lists the rights that ended.
    Import {
        /// The JSON file: an array of people (see examples/professionals.json).
        file: PathBuf,
        /// Print the sync report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show one professional: rights, whether he may practise and prescribe now, and
    /// the findings about him.
    Show {
        /// The registration number (11 digits).
        registration_number: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the open findings (rights that ended), each with the holder's
    /// professional cards and whether they are still right by the registers now.
    Findings {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Decide an open finding (with `on_right_ended = "flag"`): revoke the holder's
    /// professional cards that are no longer right (both certificates,
    /// affiliationChanged), or keep them.
    #[command(group(clap::ArgGroup::new("decision").required(true).args(["revoke", "keep"])))]
    Resolve {
        /// The finding's id (from `carepki professionals findings`).
        id: i64,
        /// Revoke the cards that are no longer right.
        #[arg(long)]
        revoke: bool,
        /// Keep the cards.
        #[arg(long)]
        keep: bool,
        /// Why: stored with the finding's resolution and audited.
        #[arg(long)]
        reason: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub(crate) struct IssueArgs {
    /// server, test-server, system-signature, test-system-signature or email.
    #[arg(long)]
    pub(crate) profile: String,
    /// The organisation's OID in the register.
    #[arg(long)]
    pub(crate) org: String,
    /// The certificate signing request (PEM or DER).
    #[arg(long)]
    pub(crate) csr: PathBuf,
    /// The common name: host name (server), system name or mailbox owner.
    #[arg(long)]
    pub(crate) cn: String,
    /// DNS names (server profiles); the CN when none is given.
    #[arg(long = "dns")]
    pub(crate) dns: Vec<String>,
    /// Email addresses (email profile).
    #[arg(long = "email")]
    pub(crate) email: Vec<String>,
    /// Validity in days; the profile's cap when not given.
    #[arg(long)]
    pub(crate) days: Option<u32>,
    /// The issuing CA; chosen from the profile when not given.
    #[arg(long)]
    pub(crate) ca: Option<String>,
    /// Where cert.pem, cert.der and chain.pem are written.
    #[arg(long)]
    pub(crate) out_dir: PathBuf,
    /// Print the result as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum CertCommand {
    /// List issued certificates.
    List {
        /// Only this organisation's.
        #[arg(long)]
        org: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show one certificate.
    Show {
        /// The serial number in hex.
        serial: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum CaCommand {
    /// List the CAs.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write each CA certificate as <id>.pem.
    Export {
        /// The output directory.
        #[arg(long)]
        out_dir: PathBuf,
    },
}

#[derive(Debug, Args)]
pub(crate) struct RevokeArgs {
    /// The certificate's serial number in hex (as `carepki cert list` shows it).
    pub(crate) serial: String,
    /// keyCompromise, affiliationChanged, superseded, cessationOfOperation or unspecified.
    #[arg(long)]
    pub(crate) reason: String,
    /// When the key became unusable (RFC 3339, e.g. 2026-11-20T08:00:00Z, or unix seconds).
    #[arg(long)]
    pub(crate) invalidity_date: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum CrlCommand {
    /// Build, sign and publish a CRL now, and write a copy.
    Generate {
        /// The CA (default: every CA).
        #[arg(long)]
        ca: Option<String>,
        /// Make a delta CRL (the revocations since the last full CRL).
        #[arg(long)]
        delta: bool,
        /// Where to write the DER copy (with --ca only).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print what was published as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum StatusCommand {
    /// Compare every certificate's status in the database, its pre-signed OCSP
    /// response, the latest full + delta CRL and the search answer; exit 1 on
    /// any disagreement that reports a valid certificate revoked or a revoked one
    /// good.
    Audit {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum UsersCommand {
    /// List the registered users with their roles.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Give a registered user a role for no organisation: `ca-officer`
    /// (decides applications) or `auditor` (reads everything).
    Grant {
        /// The user's id (from `carepki users list`).
        user: i64,
        /// `ca-officer` or `auditor`.
        role: String,
    },
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub(crate) listen: SocketAddr,
    /// Run as a production service: the e-service's public URL must be https,
    /// users must sign in through OpenID Connect, and the demo identity
    /// provider is refused.
    #[arg(long, env = "CAREPKI_PRODUCTION")]
    pub(crate) production: bool,
    /// The address users reach the e-service at (links in mails, secure
    /// cookies when https); `http://<listen address>` by default.
    #[arg(long, env = "CAREPKI_PUBLIC_URL")]
    pub(crate) public_url: Option<String>,
    /// The OpenID provider's issuer URL (sign-in with strong identification).
    #[arg(long, env = "CAREPKI_OIDC_ISSUER")]
    pub(crate) oidc_issuer: Option<String>,
    /// The e-service's client id at the OpenID provider.
    #[arg(long, env = "CAREPKI_OIDC_CLIENT_ID")]
    pub(crate) oidc_client_id: Option<String>,
    /// The client secret (better given in the environment than on the command line).
    #[arg(long, env = "CAREPKI_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub(crate) oidc_client_secret: Option<String>,
    /// The ID token claim that identifies the person (e.g. the national identity
    /// code's claim); `sub` by default. Only its HMAC is stored.
    #[arg(long, env = "CAREPKI_OIDC_IDENTITY_CLAIM")]
    pub(crate) oidc_identity_claim: Option<String>,
    /// Switch on the clearly labelled demo identity provider (anyone signs in as
    /// anyone). On by default when no OpenID provider is configured and the
    /// service does not run as production; refused with --production.
    #[arg(long, env = "CAREPKI_DEMO_IDP")]
    pub(crate) demo_idp: bool,
    /// The SMTP server for the e-service's mail, as host:port (STARTTLS unless
    /// --smtp-tls is plain or tls). Without it mail stays queued in the outbox.
    #[arg(long, env = "CAREPKI_SMTP")]
    pub(crate) smtp: Option<String>,
    /// `starttls` (default), `tls` or `plain` (loopback tests only).
    #[arg(long, env = "CAREPKI_SMTP_TLS", default_value = "starttls")]
    pub(crate) smtp_tls: String,
    /// The sender address of the e-service's mail.
    #[arg(
        long,
        env = "CAREPKI_MAIL_FROM",
        default_value = "CarePKI <noreply@carepki.invalid>"
    )]
    pub(crate) mail_from: String,
    /// Also run the card sign-in listener (TLS with client certificates:
    /// self-service renewal and revocation of certificate cards) on this
    /// address. Needs --card-tls-cert and --card-tls-key; its own port, since
    /// the main listener is plain HTTP.
    #[arg(long, env = "CAREPKI_CARD_LISTEN")]
    pub(crate) card_listen: Option<SocketAddr>,
    /// The card listener's TLS server certificate, then its issuing CA, in one
    /// PEM file (e.g. `cat cert.pem chain.pem` from `carepki issue --profile
    /// server`).
    #[arg(long, env = "CAREPKI_CARD_TLS_CERT")]
    pub(crate) card_tls_cert: Option<PathBuf>,
    /// The card listener's private key, PEM PKCS#8 (`BEGIN PRIVATE KEY`).
    #[arg(long, env = "CAREPKI_CARD_TLS_KEY")]
    pub(crate) card_tls_key: Option<PathBuf>,
    /// Let cards of the TEST hierarchy sign in (test environments only;
    /// refused with --production).
    #[arg(long, env = "CAREPKI_CARD_ACCEPT_TEST")]
    pub(crate) card_accept_test: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum BenchCommand {
    /// The whole issuance cycle in process on the embedded default (a temporary data
    /// directory with SQLite and durable commits).
    Issue {
        /// How many certificates.
        #[arg(long, default_value_t = 20_000)]
        n: usize,
        /// Concurrent issuance tasks (requests in flight; more of them share each
        /// durable commit).
        #[arg(long, default_value_t = 512)]
        concurrency: usize,
        /// The CA key algorithm.
        #[arg(long, value_enum, default_value = "ecdsa-p384")]
        algorithm: Algorithm,
        /// Print the figures as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Build and sign a full CRL with N revoked entries from the database, in a
    /// temporary data directory, and report time and peak memory.
    Crl {
        /// Revoked entries on the CRL.
        #[arg(long, default_value_t = 1_000_000)]
        n: i64,
        /// Print the figures as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Time from `revoke` returning to OCSP answering `revoked` (in process),
    /// and the in-process rate of pre-signed OCSP answers.
    Revocation {
        /// Revocations to measure.
        #[arg(long, default_value_t = 200)]
        n: usize,
        /// Print the figures as JSON.
        #[arg(long)]
        json: bool,
    },
}
