#![forbid(unsafe_code)]
//! The CarePKI database.
//!
//! One schema, two backends: SQLite (the default, a file in the data
//! directory) and PostgreSQL. The schema is kept as append-only migrations
//! (`migrations/sqlite` and `migrations/postgres`, see `migrations/README.md`)
//! that [`Store::open`] applies. Only this crate speaks SQL: every query is one
//! runtime string with `$1, $2, …` placeholders, run on both backends through
//! [`sqlx::Any`].
//!
//! # What it keeps
//!
//! - the eligible organisations ([`OrganisationRow`]),
//! - the CAs of both hierarchies ([`CaRow`]),
//! - the serial numbers and their state (`reserved` → `linted` → `issued`, or
//!   `abandoned`),
//! - the certificates ([`CertificateRow`]) and
//! - the audit log ([`AuditEvent`]),
//! - the professional registers ([`ProfessionalRow`], with the findings of a
//!   sync, [`RegisterFinding`]),
//! - the mail outbox, the e-service's users and applications, and its
//!   sign-in: sessions, pending OIDC logins and API tokens ([`SessionRow`],
//!   [`OidcLoginRow`], [`ApiTokenRow`]; only hashes of their tokens).
//!
//! # The issuance cycle
//!
//! [`Store::reserve_serial`], [`Store::store_issuance_record`] and
//! [`Store::store_certificate`] each make one durable commit that also appends
//! the step's audit event. A serial stuck half-way (the CA crashed) is
//! abandoned with [`Store::abandon_serial`] or, on start-up,
//! [`Store::abandon_stale_serials`]; serial numbers are never reused.
//!
//! A certificate card's two certificates go through the same steps together,
//! each step one transaction for both ([`Store::reserve_card_serials`],
//! [`Store::store_card_records`], [`Store::store_card_certificates`],
//! [`Store::abandon_card_serials`]): a card never has one certificate without
//! the other (R-CARD-CERTS).
//!
//! # Durability and speed
//!
//! SQLite runs in WAL mode with `synchronous=FULL`: a call that returned `Ok`
//! is on disk. All writes go through one writer (a thread with a connection
//! of its own) that commits every write queued at that moment in one
//! transaction — group commit — so that many concurrent callers share one
//! fsync, while each call still gets its own result and its own
//! all-or-nothing: a call that fails leaves no trace, and its neighbours in
//! the batch still commit. Within a batch the steps of the issuance cycle are
//! run as a few multi-row statements; if a call fails in a way that needs
//! undoing, the batch is run again with a savepoint per call.
//! [`Store::write_stats`] tells the average batch.
//!
//! A write whose caller stops waiting (its future is dropped) may still be
//! committed. Reads go straight to a connection pool.
//!
//! In-memory SQLite databases are not supported: every pooled connection
//! would see a database of its own.

mod cardbulk;
mod cardreg;
mod cards;
mod check;
mod error;
mod eservice;
mod fast;
mod jobs;
mod model;
mod multirow;
mod outbox;
mod professionals;
mod read;
mod search;
mod sessions;
mod status;
#[cfg(feature = "testing")]
pub mod testing;
mod writer;

use std::fmt;
use std::path::Path;
use std::sync::{Arc, Once};

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;

pub use cardbulk::{
    BULK_ACTIONS, BULK_OUTCOMES, BULK_STATES, BulkItemRow, BulkJobRow, CARD_CERT_STATUSES,
    CardQuery, CardWithCerts, NewBulkJob,
};
pub use cardreg::{
    CardOrderRow, CardOrderUpdate, CardRevocation, CardRevocationDone, HANDED_OVER_AT,
    MAX_TRAINING_BYTES, MIN_APPROVED_REGISTRARS, NewCardOrder, ORDER_KINDS, ORDER_STATES, PoaRow,
    RegPointApplicationRow, RegPointRow, RegistrarRow,
};
pub use error::{Result, StoreError};
pub use eservice::{
    ATTACHMENT_KINDS, ApplicationRow, ApplicationUpdate, AttachmentMeta, GLOBAL_ROLES,
    GlobalRoleRow, InvitationRow, LANGUAGES, MAX_UPLOAD_BYTES, MembershipRow, NewApplication,
    NewAttachment, NewInvitation, NewTimelineEvent, NewUser, ORG_ROLES, QueueEntry, TimelineEntry,
    UserRow, subject_hash, token_hash, user_actor,
};
use jobs::{Job, Output};
pub use model::{
    AuditEvent, CaRow, CertFilter, CertificateRow, ImportSummary, IssuanceRecord, KeyUse,
    NewAuditEvent, OrganisationRow, WriteStats,
};
pub use outbox::{
    ClaimedMail, EnqueueOutcome, MAX_ATTACHMENT_BYTES, MAX_DEDUPE_KEY_LEN, MailAttachment,
    MailCounts, MailRow, MailStatus, NewMail,
};
pub use professionals::{
    FINDING_KINDS, ON_ENDED, ProfessionalRightRow, ProfessionalRow, REGISTERS, RIGHT_KINDS,
    RegisterFinding, SyncReport,
};
use read::{ca_columns, certificate_columns, organisation_columns};
pub use search::{
    DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE, OrgNames, SearchHit, SearchPage, SearchQuery,
    SearchStatus,
};
pub use sessions::{
    ApiTokenRow, MAX_API_TOKEN_NAME_CHARS, MAX_AUDIT_PAGE, MAX_RETURN_TO_LEN, NewApiToken,
    NewOidcLogin, NewSession, OidcLoginRow, SessionRow,
};
pub use status::{
    CrlRow, OcspResponseRow, ResponderRow, Revocation, RevokedEntry, StatusChange, StatusRow,
};
use writer::Writer;

static SQLITE_MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// Run on every SQLite connection. `synchronous=FULL` makes every commit
/// durable; WAL lets readers go on while the writer commits.
pub(crate) const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; \
     PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;";

/// Sizes of the readers' pool (the writer has a connection of its own).
const SQLITE_POOL_SIZE: u32 = 8;
const POSTGRES_POOL_SIZE: u32 = 10;

/// The database system behind a [`Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// SQLite, a file.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Backend {
    /// `"sqlite"` or `"postgres"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    fn migrator(self) -> &'static Migrator {
        match self {
            Backend::Sqlite => &SQLITE_MIGRATOR,
            Backend::Postgres => &POSTGRES_MIGRATOR,
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A handle to the CA's database. Cheap to clone; all clones share one
/// connection pool and one writer.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    pool: AnyPool,
    backend: Backend,
    writer: Writer,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.inner.backend)
            .finish_non_exhaustive()
    }
}

fn install_drivers() {
    static ONCE: Once = Once::new();
    ONCE.call_once(sqlx::any::install_default_drivers);
}

/// `url` with the password (if any) replaced, for messages.
pub(crate) fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            let hidden = if userinfo.contains(':') { ":***" } else { "" };
            format!(
                "{}{user}{hidden}{}",
                &url[..scheme_end + 3],
                &url[scheme_end + 3 + at..]
            )
        }
        None => url.to_owned(),
    }
}

/// Checks `url`, tells its backend and adds `mode=rwc` to a SQLite URL that
/// names no mode.
fn prepare_url(url: &str) -> Result<(Backend, String)> {
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let (database, params) = rest.split_once('?').unwrap_or((rest, ""));
        let memory = database.is_empty()
            || database == ":memory:"
            || params.split('&').any(|p| p == "mode=memory");
        if memory {
            return Err(StoreError::UnsupportedUrl {
                reason: "in-memory SQLite databases are not supported; name a file".to_owned(),
            });
        }
        let url = if params.split('&').any(|p| p.starts_with("mode=")) {
            url.to_owned()
        } else if params.is_empty() {
            format!("{}?mode=rwc", url.trim_end_matches('?'))
        } else {
            format!("{url}&mode=rwc")
        };
        Ok((Backend::Sqlite, url))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok((Backend::Postgres, url.to_owned()))
    } else {
        let scheme = url.split_once(':').map_or("(none)", |(scheme, _)| scheme);
        Err(StoreError::UnsupportedUrl {
            reason: format!(
                "scheme {scheme:?} is neither sqlite: nor postgres:// (nor postgresql://)"
            ),
        })
    }
}

/// The `sqlite://` URL of the database file at `path` (percent-encoded).
fn sqlite_url_for_path(path: &Path) -> Result<String> {
    let absolute = std::path::absolute(path).map_err(|e| StoreError::InvalidInput {
        field: "path",
        reason: format!("cannot make {} absolute: {e}", path.display()),
    })?;
    let text = absolute.to_str().ok_or_else(|| StoreError::InvalidInput {
        field: "path",
        reason: format!("{} is not valid UTF-8", absolute.display()),
    })?;
    let mut url = String::from("sqlite://");
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            url.push(char::from(byte));
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url.push_str("?mode=rwc");
    Ok(url)
}

/// Lower-cases a hex serial number and checks it.
fn normalise_serial(serial: &str) -> Result<String> {
    let serial = serial.to_ascii_lowercase();
    if serial.is_empty() || serial.len() > 64 || !serial.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(StoreError::InvalidInput {
            field: "serial",
            reason: format!("{serial:?} is not 1 to 64 hex digits"),
        });
    }
    Ok(serial)
}

/// Lower-cases a hex SHA-256 digest and checks it.
fn normalise_sha256(field: &'static str, digest: &str) -> Result<String> {
    let digest = digest.to_ascii_lowercase();
    if digest.len() != 64 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(StoreError::InvalidInput {
            field,
            reason: format!("{digest:?} is not 64 hex digits"),
        });
    }
    Ok(digest)
}

fn check_actor(actor: &str) -> Result<String> {
    if actor.trim().is_empty() {
        return Err(StoreError::InvalidInput {
            field: "actor",
            reason: "an audited change needs an actor".to_owned(),
        });
    }
    Ok(actor.to_owned())
}

/// The rank of a hierarchy in [`Store::cas`]'s order.
fn hierarchy_rank(hierarchy: &str) -> u8 {
    match hierarchy {
        "production" => 0,
        "test" => 1,
        _ => 2,
    }
}

impl Store {
    /// Opens the database at `url` (`sqlite:…` or `postgres://…`) and brings its
    /// schema up to date.
    ///
    /// A SQLite URL without a `mode` parameter gets `mode=rwc` (the file is
    /// created if missing). Must be called within a Tokio runtime: it spawns
    /// the writer task.
    pub async fn open(url: &str) -> Result<Store> {
        let (backend, url) = prepare_url(url)?;
        install_drivers();
        let options = match backend {
            Backend::Sqlite => AnyPoolOptions::new()
                .max_connections(SQLITE_POOL_SIZE)
                .after_connect(|conn, _meta| {
                    Box::pin(async move {
                        sqlx::raw_sql(SQLITE_PRAGMAS).execute(conn).await?;
                        Ok(())
                    })
                }),
            Backend::Postgres => AnyPoolOptions::new().max_connections(POSTGRES_POOL_SIZE),
        };
        let pool = options
            .connect(&url)
            .await
            .map_err(|source| StoreError::Connect {
                target: redact_url(&url),
                source,
            })?;
        if let Err(e) = backend.migrator().run(&pool).await {
            pool.close().await;
            return Err(e.into());
        }
        let writer = match Writer::spawn(url, backend) {
            Ok(writer) => writer,
            Err(e) => {
                pool.close().await;
                return Err(e);
            }
        };
        tracing::debug!(%backend, "store opened");
        Ok(Store {
            inner: Arc::new(Inner {
                pool,
                backend,
                writer,
            }),
        })
    }

    /// Opens (creating it if missing) the SQLite database file at `path`.
    pub async fn open_sqlite_path(path: &Path) -> Result<Store> {
        Store::open(&sqlite_url_for_path(path)?).await
    }

    /// The database system behind this store.
    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// Finishes the writes queued so far, stops the writer and closes every
    /// connection. Later calls on this store (and its clones) fail.
    pub async fn close(&self) {
        self.inner.writer.shutdown().await;
        self.inner.pool.close().await;
    }

    /// Counters of the group-commit writer since the store was opened: the
    /// average batch is `jobs / commits`.
    pub async fn write_stats(&self) -> WriteStats {
        self.inner.writer.stats()
    }

    async fn submit(&self, job: Job) -> Result<Output> {
        self.inner.writer.submit(job).await
    }

    async fn submit_unit(&self, job: Job) -> Result<()> {
        self.submit(job).await.map(|_| ())
    }

    // ---- organisations -------------------------------------------------

    /// Imports the list of eligible organisations in one transaction: each is
    /// inserted, updated (its `created_at` kept) or left unchanged, matched by
    /// OID. Every insert and update appends an audit event
    /// (`org.import.insert` / `org.import.update`, the details being the new
    /// record). If any organisation is rejected nothing is imported.
    ///
    /// The rows' `created_at` and `updated_at` are ignored: the store sets them
    /// from `at`. Organisations missing from `orgs` are left alone.
    pub async fn import_organisations(
        &self,
        orgs: &[OrganisationRow],
        actor: &str,
        at: i64,
    ) -> Result<ImportSummary> {
        let job = Job::ImportOrganisations {
            orgs: orgs.to_vec(),
            actor: check_actor(actor)?,
            at,
        };
        match self.submit(job).await? {
            Output::Import(summary) => Ok(summary),
            other => unreachable!("import job answered {other:?}"),
        }
    }

    /// The organisation with this OID.
    pub async fn organisation(&self, oid: &str) -> Result<Option<OrganisationRow>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            organisation_columns!(),
            " FROM organisations WHERE oid = $1"
        ))
        .bind(oid)
        .fetch_optional(&self.inner.pool)
        .await?;
        row.as_ref().map(read::organisation_from_row).transpose()
    }

    /// The organisation with this OID and its register version, which every change
    /// raises (see [`IssuanceRecord::org_version`]).
    pub async fn organisation_with_version(
        &self,
        oid: &str,
    ) -> Result<Option<(OrganisationRow, i64)>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            organisation_columns!(),
            ", version FROM organisations WHERE oid = $1"
        ))
        .bind(oid)
        .fetch_optional(&self.inner.pool)
        .await?;
        match row {
            Some(row) => Ok(Some((
                read::organisation_from_row(&row)?,
                sqlx::Row::try_get::<i64, _>(&row, "version")?,
            ))),
            None => Ok(None),
        }
    }

    /// Every organisation, ordered by OID.
    pub async fn organisations(&self) -> Result<Vec<OrganisationRow>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            organisation_columns!(),
            " FROM organisations ORDER BY oid"
        ))
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(read::organisation_from_row).collect()
    }

    // ---- CAs -------------------------------------------------------------

    /// Records new CAs in one transaction, with a `ca.create` audit event each.
    /// A CA may name a parent in the same slice, in any order.
    pub async fn insert_cas(&self, cas: &[CaRow], actor: &str, at: i64) -> Result<()> {
        self.submit_unit(Job::InsertCas {
            cas: cas.to_vec(),
            actor: check_actor(actor)?,
            at,
        })
        .await
    }

    /// Every CA: production before test, each hierarchy from its roots down
    /// (a CA after its parent), then by id.
    pub async fn cas(&self) -> Result<Vec<CaRow>> {
        let rows = sqlx::query(concat!("SELECT ", ca_columns!(), " FROM cas ORDER BY id"))
            .fetch_all(&self.inner.pool)
            .await?;
        let cas = rows
            .iter()
            .map(read::ca_from_row)
            .collect::<Result<Vec<_>>>()?;
        let depth = |ca: &CaRow| {
            let mut depth = 0usize;
            let mut parent = ca.parent_id.as_deref();
            while let Some(id) = parent {
                depth += 1;
                if depth > cas.len() {
                    break;
                }
                parent = cas
                    .iter()
                    .find(|c| c.id == id)
                    .and_then(|c| c.parent_id.as_deref());
            }
            depth
        };
        let mut keyed: Vec<_> = cas
            .iter()
            .map(|ca| ((hierarchy_rank(&ca.hierarchy), depth(ca)), ca.clone()))
            .collect();
        // Stable: ties stay ordered by id.
        keyed.sort_by_key(|(key, _)| *key);
        Ok(keyed.into_iter().map(|(_, ca)| ca).collect())
    }

    /// The CA with this id.
    pub async fn ca(&self, id: &str) -> Result<Option<CaRow>> {
        let row = sqlx::query(concat!("SELECT ", ca_columns!(), " FROM cas WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.inner.pool)
            .await?;
        row.as_ref().map(read::ca_from_row).transpose()
    }

    // ---- the issuance cycle ----------------------------------------------

    /// Reserves a serial number for `ca_id` (state `reserved`) and appends
    /// `serial.reserve`. A serial that was ever used fails with
    /// [`StoreError::DuplicateSerial`]; an unknown CA with
    /// [`StoreError::NotFound`].
    pub async fn reserve_serial(
        &self,
        serial: &str,
        ca_id: &str,
        actor: &str,
        at: i64,
    ) -> Result<()> {
        self.submit_unit(Job::ReserveSerial {
            serial: normalise_serial(serial)?,
            ca_id: ca_id.to_owned(),
            actor: check_actor(actor)?,
            at,
        })
        .await
    }

    /// Records a certificate that passed the lints, before it is signed: the
    /// serial goes `reserved` → `linted`, a `pending` certificate record is
    /// created and `certificate.lint_pass` appended.
    ///
    /// Fails with [`StoreError::SerialState`] unless the serial is reserved,
    /// and with [`StoreError::InvalidInput`] if it was reserved for another CA.
    pub async fn store_issuance_record(
        &self,
        rec: &IssuanceRecord,
        actor: &str,
        at: i64,
    ) -> Result<()> {
        let rec = IssuanceRecord {
            serial: normalise_serial(&rec.serial)?,
            spki_sha256: normalise_sha256("spki_sha256", &rec.spki_sha256)?,
            ..rec.clone()
        };
        self.submit_unit(Job::StoreIssuanceRecord {
            rec,
            actor: check_actor(actor)?,
            at,
        })
        .await
    }

    /// Stores the signed certificate: the record goes `pending` → `valid` with
    /// its DER and `issued_at`, the serial `linted` → `issued`, and
    /// `certificate.issue` is appended.
    ///
    /// Fails with [`StoreError::SerialState`] unless the serial is linted (so a
    /// certificate is stored at most once).
    pub async fn store_certificate(
        &self,
        serial: &str,
        der: &[u8],
        actor: &str,
        at: i64,
    ) -> Result<()> {
        self.submit_unit(Job::StoreCertificate {
            serial: normalise_serial(serial)?,
            der: der.to_vec(),
            actor: check_actor(actor)?,
            at,
        })
        .await
    }

    /// Gives up a serial that is `reserved` or `linted`: it becomes `abandoned`
    /// (never to be used again), its pending certificate record (if any)
    /// `abandoned` too, and `serial.abandon` is appended with the reason.
    pub async fn abandon_serial(
        &self,
        serial: &str,
        reason: &str,
        actor: &str,
        at: i64,
    ) -> Result<()> {
        self.submit_unit(Job::AbandonSerial {
            serial: normalise_serial(serial)?,
            reason: reason.to_owned(),
            actor: check_actor(actor)?,
            at,
        })
        .await
    }

    /// Recovery after a crash: abandons every serial still `reserved` or
    /// `linted` that was reserved before `older_than`, like
    /// [`Store::abandon_serial`], in one transaction. Returns how many.
    pub async fn abandon_stale_serials(
        &self,
        older_than: i64,
        actor: &str,
        at: i64,
    ) -> Result<u64> {
        let job = Job::AbandonStaleSerials {
            older_than,
            actor: check_actor(actor)?,
            at,
        };
        match self.submit(job).await? {
            Output::Count(count) => Ok(count),
            other => unreachable!("abandon job answered {other:?}"),
        }
    }

    /// Certificates matching `filter`, ordered by `issued_at` then serial
    /// (unsigned records, if included, last).
    pub async fn certificates(&self, filter: &CertFilter) -> Result<Vec<CertificateRow>> {
        macro_rules! select {
            ($where:literal) => {
                concat!(
                    "SELECT ",
                    certificate_columns!(),
                    " FROM certificates WHERE ($1 = 1 OR der IS NOT NULL)",
                    $where,
                    " ORDER BY CASE WHEN issued_at IS NULL THEN 1 ELSE 0 END, issued_at, serial"
                )
            };
        }
        let pending = i64::from(filter.include_pending);
        let query = match (&filter.org_oid, &filter.ca_id) {
            (None, None) => sqlx::query(select!("")).bind(pending),
            (Some(org), None) => sqlx::query(select!(" AND org_oid = $2"))
                .bind(pending)
                .bind(org.clone()),
            (None, Some(ca)) => sqlx::query(select!(" AND ca_id = $2"))
                .bind(pending)
                .bind(ca.clone()),
            (Some(org), Some(ca)) => sqlx::query(select!(" AND org_oid = $2 AND ca_id = $3"))
                .bind(pending)
                .bind(org.clone())
                .bind(ca.clone()),
        };
        let rows = query.fetch_all(&self.inner.pool).await?;
        rows.iter().map(read::certificate_from_row).collect()
    }

    /// The certificate record with this serial (any case), signed or not.
    pub async fn certificate(&self, serial: &str) -> Result<Option<CertificateRow>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            certificate_columns!(),
            " FROM certificates WHERE serial = $1"
        ))
        .bind(serial.to_ascii_lowercase())
        .fetch_optional(&self.inner.pool)
        .await?;
        row.as_ref().map(read::certificate_from_row).transpose()
    }

    /// How many signed certificates there are (valid or revoked).
    pub async fn count_certificates(&self) -> Result<i64> {
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM certificates WHERE der IS NOT NULL")
                .fetch_one(&self.inner.pool)
                .await?;
        Ok(count)
    }

    /// The signed certificates (valid or revoked) that certify the public key
    /// with this SHA-256 (hex, any case), by issue time.
    pub async fn key_uses(&self, spki_sha256: &str) -> Result<Vec<KeyUse>> {
        let rows = sqlx::query(
            "SELECT serial, org_oid, status FROM certificates \
             WHERE spki_sha256 = $1 AND status IN ('valid', 'revoked') ORDER BY issued_at, serial",
        )
        .bind(spki_sha256.to_ascii_lowercase())
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(read::key_use_from_row).collect()
    }

    // ---- audit log -------------------------------------------------------

    /// The audit log in order, or only the events about one serial.
    pub async fn audit_events(&self, serial: Option<&str>) -> Result<Vec<AuditEvent>> {
        let rows = match serial {
            None => {
                sqlx::query(
                    "SELECT id, at, actor, action, ca_id, serial, org_oid, details \
                     FROM audit_events ORDER BY id",
                )
                .fetch_all(&self.inner.pool)
                .await?
            }
            Some(serial) => {
                sqlx::query(
                    "SELECT id, at, actor, action, ca_id, serial, org_oid, details \
                     FROM audit_events WHERE serial = $1 ORDER BY id",
                )
                .bind(serial.to_ascii_lowercase())
                .fetch_all(&self.inner.pool)
                .await?
            }
        };
        rows.iter().map(read::audit_from_row).collect()
    }

    /// An organisation's audit trail (R-ACCOUNT: what its users, its systems'
    /// tokens and the CA did for it): the newest `limit` events whose
    /// organisation is `org_oid`, newest first. `limit` is 1 to
    /// [`MAX_AUDIT_PAGE`].
    pub async fn audit_events_for_org(&self, org_oid: &str, limit: i64) -> Result<Vec<AuditEvent>> {
        if !(1..=MAX_AUDIT_PAGE).contains(&limit) {
            return Err(StoreError::InvalidInput {
                field: "limit",
                reason: format!("{limit} is not from 1 to {MAX_AUDIT_PAGE}"),
            });
        }
        let rows = sqlx::query(
            "SELECT id, at, actor, action, ca_id, serial, org_oid, details \
             FROM audit_events WHERE org_oid = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(org_oid)
        .bind(limit)
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(read::audit_from_row).collect()
    }

    /// Appends an event to the audit log (durably, like every write).
    pub async fn append_audit(&self, ev: &NewAuditEvent) -> Result<()> {
        let ev = NewAuditEvent {
            actor: check_actor(&ev.actor)?,
            serial: ev.serial.as_deref().map(normalise_serial).transpose()?,
            ..ev.clone()
        };
        self.submit_unit(Job::AppendAudit(ev)).await
    }

    /// Runs a query that returns one integer, for tests of this crate.
    #[cfg(test)]
    async fn scalar(&self, sql: &'static str) -> Result<i64> {
        use sqlx::Row;
        let row = sqlx::query(sql).fetch_one(&self.inner.pool).await?;
        Ok(row.try_get(0)?)
    }
}

#[cfg(test)]
mod upgrade_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn migration_files(dir: &str) -> BTreeSet<String> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(dir);
        std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect()
    }

    #[test]
    fn migration_dirs_have_the_same_files() {
        let sqlite = migration_files("sqlite");
        let postgres = migration_files("postgres");
        assert!(!sqlite.is_empty());
        assert_eq!(
            sqlite, postgres,
            "every migration must exist in both directories"
        );
        for name in &sqlite {
            let (number, rest) = name.split_once('_').unwrap();
            assert!(
                number.len() == 4 && number.bytes().all(|b| b.is_ascii_digit()),
                "{name}: migrations are named NNNN_description.sql"
            );
            assert!(rest.ends_with(".sql"), "{name}");
        }
        let versions = |m: &Migrator| -> Vec<(i64, String)> {
            m.iter()
                .map(|m| (m.version, m.description.to_string()))
                .collect()
        };
        assert_eq!(versions(&SQLITE_MIGRATOR), versions(&POSTGRES_MIGRATOR));
        assert_eq!(SQLITE_MIGRATOR.iter().count(), sqlite.len());
    }

    #[test]
    fn urls() {
        assert_eq!(
            prepare_url("sqlite:///tmp/a.db").unwrap(),
            (Backend::Sqlite, "sqlite:///tmp/a.db?mode=rwc".to_owned())
        );
        assert_eq!(
            prepare_url("sqlite:///tmp/a.db?mode=ro").unwrap().1,
            "sqlite:///tmp/a.db?mode=ro"
        );
        assert_eq!(
            prepare_url("sqlite:a.db?cache=private").unwrap().1,
            "sqlite:a.db?cache=private&mode=rwc"
        );
        assert!(prepare_url("sqlite::memory:").is_err());
        assert!(prepare_url("sqlite://a.db?mode=memory").is_err());
        assert_eq!(prepare_url("postgres://x/y").unwrap().0, Backend::Postgres);
        assert_eq!(
            prepare_url("postgresql://x/y").unwrap().0,
            Backend::Postgres
        );
        let err = prepare_url("mysql://root:hunter2@x/y")
            .unwrap_err()
            .to_string();
        assert!(err.contains("mysql") && !err.contains("hunter2"), "{err}");
        assert_eq!(
            sqlite_url_for_path(Path::new("/tmp/a b?#%.db")).unwrap(),
            "sqlite:///tmp/a%20b%3F%23%25.db?mode=rwc"
        );
    }

    #[test]
    fn redaction() {
        assert_eq!(
            redact_url("postgres://ca:hunter2@db:5432/ca?sslmode=require"),
            "postgres://ca:***@db:5432/ca?sslmode=require"
        );
        assert_eq!(redact_url("postgres://ca@db/ca"), "postgres://ca@db/ca");
        assert_eq!(redact_url("postgres://db/ca"), "postgres://db/ca");
        assert_eq!(redact_url("sqlite:///x.db"), "sqlite:///x.db");
    }

    #[test]
    fn serials_are_normalised() {
        assert_eq!(normalise_serial("0A1b").unwrap(), "0a1b");
        assert!(normalise_serial("").is_err());
        assert!(normalise_serial("xyz").is_err());
        assert!(normalise_serial("01:02").is_err());
        assert!(normalise_sha256("d", &"AB".repeat(32)).is_ok());
        assert!(normalise_sha256("d", "ab").is_err());
    }

    #[tokio::test]
    async fn sqlite_connections_are_durable_wal() {
        let dir = std::env::temp_dir().join(format!("carepki-store-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::open_sqlite_path(&dir.join("pragmas.db"))
            .await
            .unwrap();
        assert_eq!(store.backend(), Backend::Sqlite);
        // synchronous: 2 = FULL; foreign_keys on; busy_timeout 10 s.
        assert_eq!(store.scalar("PRAGMA synchronous").await.unwrap(), 2);
        assert_eq!(store.scalar("PRAGMA foreign_keys").await.unwrap(), 1);
        assert_eq!(store.scalar("PRAGMA busy_timeout").await.unwrap(), 10_000);
        let row = sqlx::query("PRAGMA journal_mode")
            .fetch_one(&store.inner.pool)
            .await
            .unwrap();
        assert_eq!(sqlx::Row::try_get::<String, _>(&row, 0).unwrap(), "wal");
        store.close().await;
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
