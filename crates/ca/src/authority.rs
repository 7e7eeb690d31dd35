//! The certificate authority and its issuance cycle; docs/ISSUANCE.md walks through
//! it function by function. In short:
//!
//! 1. The RA (here: the CLI or a later e-service) hands over a request: profile,
//!    organisation, CSR, names, validity.
//! 2. The CA verifies the CSR (proof of possession), loads the organisation from the
//!    register and checks the request against the profile itself; it trusts no caller.
//! 3. It refuses a CA's own public key.
//! 4. It reserves a fresh serial durably.
//! 5. It builds the to-be-signed certificate and lints it (RFC 5280 rules, then the
//!    profile's); a finding abandons the serial and nothing is signed.
//! 6. It stores the linted record (the store refuses, in the same transaction, a key
//!    already bound to a revoked certificate or to another organisation's), signs it
//!    exactly once, and stores the certificate.
//!    Each store step commits with its audit event. Any failure after step 4 abandons
//!    the serial; a serial is never signed twice.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use carepki_keys::{Passphrase, Signer, SoftwareKey};
use carepki_policy::hierarchy::{ca_id, parse_ca_id};
use carepki_policy::org::{LocalisedName, Organisation, Sector};
use carepki_policy::profile::{
    Approved, CertRequest, IssuingCa, check_request, lint_profile_decoded,
};
use carepki_policy::{CaRole, Ceremony, Hierarchy, ProfileId};
use carepki_store::{CaRow, IssuanceRecord, NewAuditEvent, OrganisationRow, Store, StoreError};
use carepki_x509::cert::{TbsParams, assemble, certificate_pem, encode_tbs, serial_hex};
use carepki_x509::csr::{VerifiedCsr, parse_and_verify};
use carepki_x509::ext;
use carepki_x509::key::key_identifier;
use carepki_x509::lint::{Finding, IssuerFacts, lint_rfc5280_decoded};
use carepki_x509::name::{build_name, display_name};
use carepki_x509::reexport::x509_cert::name::Name;
use carepki_x509::{PublicKey, SignatureAlgorithm};

use crate::CaError;
use crate::datadir::DataDir;
use crate::serial::new_serial;

/// A loaded CA: its certificate and the facts issuance needs.
#[derive(Debug)]
pub struct LoadedCa {
    /// The store row.
    pub row: CaRow,
    /// Hierarchy.
    pub hierarchy: Hierarchy,
    /// Role.
    pub role: CaRole,
    /// The subject name.
    pub subject: Name,
    /// The subject name's DER (issued certificates' issuer, byte for byte).
    pub subject_der: Vec<u8>,
    /// The subject key identifier.
    pub key_identifier: Vec<u8>,
    /// The subjectPublicKey bits (what OCSP CertIDs hash as issuerKeyHash).
    pub key_bits: Vec<u8>,
    /// The SHA-256 of the CA's SubjectPublicKeyInfo.
    pub spki_sha256: String,
    /// The algorithm the CA signs with.
    pub signature_algorithm: SignatureAlgorithm,
    /// The certificate in PEM.
    pub pem: String,
}

/// The request an RA hands to the CA.
#[derive(Debug, Clone)]
pub struct IssueRequest {
    /// The profile.
    pub profile: ProfileId,
    /// The organisation's OID in the register.
    pub org_oid: String,
    /// The CSR, PEM or DER.
    pub csr: Vec<u8>,
    /// The common name.
    pub common_name: String,
    /// DNS names (server profiles).
    pub dns_names: Vec<String>,
    /// Email addresses (email profile).
    pub emails: Vec<String>,
    /// Validity in days; the profile's cap when `None`.
    pub days: Option<u32>,
    /// The CA asked for, if the caller named one; must fit the profile (R-TYPES).
    pub ca: Option<String>,
    /// Who asks, for the audit log.
    pub actor: String,
}

/// An issued certificate.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Issued {
    /// Serial number, lower-case hex.
    pub serial: String,
    /// The profile's name: a service profile ([`ProfileId`]) or a card
    /// certificate's (`card-<kind>-<role>`, [`carepki_policy::CardProfile`]).
    pub profile: String,
    /// Subject, as text.
    pub subject: String,
    /// Issuer, as text.
    pub issuer: String,
    /// The issuing CA's id.
    pub ca: String,
    /// notBefore, RFC 3339.
    pub not_before: String,
    /// notAfter, RFC 3339.
    pub not_after: String,
    /// Status in the store.
    pub status: String,
    /// The certificate, DER.
    #[serde(skip)]
    pub der: Vec<u8>,
    /// The certificate, PEM.
    #[serde(skip)]
    pub pem: String,
    /// The chain: issuing CA then root, PEM.
    #[serde(skip)]
    pub chain_pem: String,
}

/// Time spent in each step of the cycle, summed over calls (for `carepki bench`).
#[derive(Debug, Default, Clone)]
pub struct StepTimes {
    /// CSR decode and signature verification.
    pub csr: Duration,
    /// Register look-up (cached), profile check and the CA-key check.
    pub checks: Duration,
    /// Waiting for the durable serial reservation.
    pub reserve: Duration,
    /// Building and linting the to-be-signed certificate.
    pub build_lint: Duration,
    /// Waiting for the durable issuance record.
    pub store_record: Duration,
    /// The one signature.
    pub sign: Duration,
    /// Waiting for the durable certificate.
    pub store_cert: Duration,
}

impl StepTimes {
    /// Add another set of times to this one.
    pub fn add(&mut self, o: &StepTimes) {
        self.csr += o.csr;
        self.checks += o.checks;
        self.reserve += o.reserve;
        self.build_lint += o.build_lint;
        self.store_record += o.store_record;
        self.sign += o.sign;
        self.store_cert += o.store_cert;
    }

    /// The steps by name, in cycle order.
    pub fn steps(&self) -> [(&'static str, Duration); 7] {
        [
            ("CSR decode + proof of possession", self.csr),
            ("register, profile and CA-key checks", self.checks),
            ("reserve serial (durable commit)", self.reserve),
            ("build + lint to-be-signed", self.build_lint),
            ("store linted record (durable commit)", self.store_record),
            ("sign", self.sign),
            ("store certificate (durable commit)", self.store_cert),
        ]
    }
}

/// The certificate authority: the only holder of CA signing keys.
pub struct Authority {
    store: Store,
    ceremony: Ceremony,
    dir: DataDir,
    passphrase: Passphrase,
    cas: BTreeMap<String, LoadedCa>,
    signers: Mutex<BTreeMap<String, Arc<dyn Signer>>>,
    /// Organisations by OID with their register version. Never stale in effect: the
    /// store refuses a record built from an old version (`OrganisationChanged`).
    organisations: RwLock<HashMap<String, (Organisation, i64)>>,
    root_ids: BTreeMap<Hierarchy, String>,
    /// Counts status changes made by this process; publishers wait on it.
    status_changes: tokio::sync::watch::Sender<u64>,
    /// CRL publications of this process take turns (`crl::publish_crl`).
    crl_lock: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority")
            .field("data_dir", &self.dir.root())
            .field("cas", &self.cas.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Authority {
    /// Open the authority of an initialised data directory on a store.
    pub async fn open(dir: DataDir, store: Store, passphrase: Passphrase) -> Result<Self, CaError> {
        let text = std::fs::read_to_string(dir.ceremony_file()).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                CaError::DataDir(format!(
                    "{} is not an initialised data directory; run `carepki init --data-dir {}` first",
                    dir.root().display(),
                    dir.root().display()
                ))
            } else {
                CaError::io(&dir.ceremony_file(), e)
            }
        })?;
        let ceremony = Ceremony::from_toml(&text)?;
        let mut cas = BTreeMap::new();
        let mut root_ids = BTreeMap::new();
        for row in store.cas().await? {
            let loaded = load_ca(row)?;
            if loaded.role == CaRole::Root {
                root_ids.insert(loaded.hierarchy, loaded.row.id.clone());
            }
            cas.insert(loaded.row.id.clone(), loaded);
        }
        if cas.is_empty() {
            return Err(CaError::DataDir(
                "the database holds no CAs; was `carepki init` run against this database?".into(),
            ));
        }
        Ok(Self {
            store,
            ceremony,
            dir,
            passphrase,
            cas,
            signers: Mutex::new(BTreeMap::new()),
            organisations: RwLock::new(HashMap::new()),
            root_ids,
            status_changes: tokio::sync::watch::Sender::new(0),
            crl_lock: tokio::sync::Mutex::new(()),
        })
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Tells this process's status publishers (OCSP, delta CRLs) that a
    /// certificate's status changed.
    pub fn notify_status_change(&self) {
        self.status_changes.send_modify(|n| *n += 1);
    }

    /// A receiver that sees every [`Authority::notify_status_change`].
    pub fn subscribe_status_changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.status_changes.subscribe()
    }

    pub(crate) fn crl_lock(&self) -> &tokio::sync::Mutex<()> {
        &self.crl_lock
    }

    /// The CA with this id.
    pub fn loaded_ca(&self, id: &str) -> Result<&LoadedCa, CaError> {
        self.cas.get(id).ok_or_else(|| {
            CaError::WrongCa(format!(
                "no CA with id \"{id}\"; `carepki ca list` shows them"
            ))
        })
    }

    pub(crate) fn passphrase(&self) -> &Passphrase {
        &self.passphrase
    }

    /// The data directory.
    pub fn data_dir(&self) -> &DataDir {
        &self.dir
    }

    /// The ceremony in force.
    pub fn ceremony(&self) -> &Ceremony {
        &self.ceremony
    }

    /// The CAs by id.
    pub fn cas(&self) -> &BTreeMap<String, LoadedCa> {
        &self.cas
    }

    /// The chain of a CA up to and including its root, PEM, issuing CA first.
    pub fn chain_pem(&self, ca: &LoadedCa) -> String {
        let mut out = ca.pem.clone();
        if ca.role != CaRole::Root
            && let Some(root) = self
                .root_ids
                .get(&ca.hierarchy)
                .and_then(|id| self.cas.get(id))
        {
            out.push_str(&root.pem);
        }
        out
    }

    /// The signer of a CA, decrypting its key file on first use.
    pub(crate) fn signer(&self, id: &str) -> Result<Arc<dyn Signer>, CaError> {
        let mut signers = self
            .signers
            .lock()
            .map_err(|_| CaError::DataDir("a signer lock was poisoned".into()))?;
        if let Some(s) = signers.get(id) {
            return Ok(Arc::clone(s));
        }
        let ca = self
            .cas
            .get(id)
            .ok_or_else(|| CaError::WrongCa(format!("no CA with id \"{id}\"")))?;
        let key = SoftwareKey::load_encrypted(
            &self.dir.resolve(&ca.row.key_file),
            &self.passphrase,
            ca.signature_algorithm,
        )?;
        if key.public_key_spki() != crate::ca_spki(&ca.row.cert_der)?.as_slice() {
            return Err(CaError::DataDir(format!(
                "the key file of CA {id} does not match its certificate"
            )));
        }
        let signer: Arc<dyn Signer> = Arc::new(key);
        signers.insert(id.to_owned(), Arc::clone(&signer));
        Ok(signer)
    }

    /// Run the issuance cycle for one request.
    pub async fn issue(&self, req: &IssueRequest) -> Result<Issued, CaError> {
        self.issue_timed(req, &mut StepTimes::default()).await
    }

    /// [`Authority::issue`], adding the time of each step to `times`.
    ///
    /// The organisation record comes from a cache; the store refuses a record built
    /// from one that changed meanwhile, and then the cycle runs once more, from the
    /// current record and with a new serial.
    pub async fn issue_timed(
        &self,
        req: &IssueRequest,
        times: &mut StepTimes,
    ) -> Result<Issued, CaError> {
        match self.issue_once(req, times).await {
            Err(CaError::OrganisationChanged(oid)) => {
                tracing::info!(%oid, "organisation changed during issuance; issuing again");
                self.issue_once(req, times).await
            }
            other => other,
        }
    }

    async fn issue_once(
        &self,
        req: &IssueRequest,
        times: &mut StepTimes,
    ) -> Result<Issued, CaError> {
        let (ca, approved, signer, org_version) = match self.check(req, times).await {
            Ok(checked) => checked,
            Err(e) => {
                // A refusal stores nothing but its audit event.
                let event = NewAuditEvent {
                    at: now_unix(),
                    actor: req.actor.clone(),
                    action: "certificate.refuse".into(),
                    ca_id: None,
                    serial: None,
                    org_oid: Some(req.org_oid.clone()),
                    details: serde_json::json!({
                        "profile": req.profile.as_str(),
                        "common_name": req.common_name,
                        "reason": e.to_string(),
                    }),
                };
                if let Err(audit) = self.store.append_audit(&event).await {
                    tracing::error!(error = %audit, "could not audit a refused request");
                }
                return Err(e);
            }
        };

        // A fresh serial, durable before anything is built on it.
        let t = Instant::now();
        let now = now_unix();
        let serial_bytes = new_serial(self.ceremony.serial_prefix, now)?;
        let serial = serial_hex(&serial_bytes);
        self.store
            .reserve_serial(&serial, &ca.row.id, &req.actor, now)
            .await?;
        times.reserve += t.elapsed();

        match self
            .build_sign_store(
                req,
                ca,
                &approved,
                &*signer,
                org_version,
                serial_bytes,
                &serial,
                now,
                times,
            )
            .await
        {
            Ok(issued) => Ok(issued),
            Err(e) => {
                // Any failure after the reservation abandons the serial: it is never
                // signed, nor reused.
                if let Err(abandon) = self
                    .store
                    .abandon_serial(&serial, &e.to_string(), &req.actor, now_unix())
                    .await
                {
                    tracing::error!(%serial, error = %abandon, "could not abandon serial");
                }
                Err(e)
            }
        }
    }

    /// The checks before a serial is spent: proof of possession, the CA for the
    /// profile, the register, the profile, and the key not being a CA's.
    async fn check(
        &self,
        req: &IssueRequest,
        times: &mut StepTimes,
    ) -> Result<(&LoadedCa, Approved, Arc<dyn Signer>, i64), CaError> {
        let t = Instant::now();
        let csr: VerifiedCsr = parse_and_verify(&req.csr).map_err(CaError::Csr)?;
        times.csr += t.elapsed();

        let t = Instant::now();
        let ca = self.issuing_ca(req.profile, req.ca.as_deref())?;
        let check = |org: &Organisation| {
            check_request(
                &CertRequest {
                    profile: req.profile,
                    organisation: org,
                    common_name: req.common_name.clone(),
                    dns_names: req.dns_names.clone(),
                    emails: req.emails.clone(),
                    days: req.days,
                    key: csr.public_key.clone(),
                },
                &self.ceremony,
            )
        };
        let (org, mut org_version, cached) = self.organisation(&req.org_oid).await?;
        let approved = match check(&org) {
            Ok(approved) => approved,
            // A refusal is always judged against the current record: the cached one
            // may predate a domain the organisation has just registered.
            Err(_) if cached => {
                self.forget_organisation(&req.org_oid);
                let (org, version, _) = self.organisation(&req.org_oid).await?;
                org_version = version;
                check(&org)?
            }
            Err(e) => return Err(e.into()),
        };
        self.check_not_a_ca_key(&approved.key)?;
        let signer = self.signer(&ca.row.id)?;
        times.checks += t.elapsed();
        Ok((ca, approved, signer, org_version))
    }

    #[allow(clippy::too_many_arguments)]
    async fn build_sign_store(
        &self,
        req: &IssueRequest,
        ca: &LoadedCa,
        approved: &Approved,
        signer: &dyn Signer,
        org_version: i64,
        serial_bytes: Vec<u8>,
        serial: &str,
        now: i64,
        times: &mut StepTimes,
    ) -> Result<Issued, CaError> {
        // Build the to-be-signed certificate and lint it.
        let t = Instant::now();
        let not_before = now;
        let not_after = now + i64::from(approved.days) * carepki_policy::profile::DAY - 1;
        let tbs = self.build_tbs(ca, approved, serial_bytes, not_before, not_after)?;
        let crl_url = self.ceremony.crl_url(&ca.row.id);
        let ocsp_url = self.ceremony.ocsp_url(&ca.row.id);
        let ca_issuers_url = self.ceremony.ca_issuers_url(&ca.row.id);
        // Both lint groups read the DER as x509-cert's independent decoder sees it.
        let decoded = carepki_x509::cert::decode_tbs(&tbs).map_err(|e| {
            CaError::Lint(vec![Finding {
                rule: "rfc5280.der",
                message: e.to_string(),
            }])
        })?;
        let mut findings = lint_rfc5280_decoded(
            &decoded,
            &IssuerFacts {
                subject_der: &ca.subject_der,
                key_identifier: &ca.key_identifier,
                signature_algorithm: ca.signature_algorithm,
            },
        );
        findings.extend(lint_profile_decoded(
            &decoded,
            approved,
            &IssuingCa {
                hierarchy: ca.hierarchy,
                role: ca.role,
                crl_url: &crl_url,
                ocsp_url: &ocsp_url,
                ca_issuers_url: &ca_issuers_url,
            },
        ));
        if !findings.is_empty() {
            return Err(CaError::Lint(findings));
        }
        let subject = display_name(decoded.subject());
        times.build_lint += t.elapsed();

        // Store the linted record, sign once, store the certificate.
        let t = Instant::now();
        let record = IssuanceRecord {
            serial: serial.to_owned(),
            ca_id: ca.row.id.clone(),
            profile: approved.profile.as_str().to_owned(),
            org_oid: Some(approved.org_oid.clone()),
            org_version: Some(org_version),
            subject: subject.clone(),
            spki_sha256: approved.key.spki_sha256_hex(),
            not_before,
            not_after,
            tbs_der: tbs.clone(),
        };
        self.store
            .store_issuance_record(&record, &req.actor, now)
            .await
            .map_err(|e| match e {
                StoreError::OrganisationChanged { oid } => {
                    self.forget_organisation(&oid);
                    CaError::OrganisationChanged(oid)
                }
                StoreError::KeyInUse { serial, revoked: true } => CaError::KeyReused(format!(
                    "this public key belongs to revoked certificate {serial}; a key is never certified again after a revocation; generate a new key pair"
                )),
                StoreError::KeyInUse { serial, revoked: false } => CaError::KeyReused(format!(
                    "this public key is already certified for another organisation (certificate {serial}); generate a new key pair"
                )),
                StoreError::CardKeyInUse { serial } => CaError::KeyReused(format!(
                    "this public key is on a certificate card (certificate {serial}); a card's keys are certified for that card only; generate a new key pair"
                )),
                other => CaError::Store(other),
            })?;
        times.store_record += t.elapsed();

        let t = Instant::now();
        let signature = signer.sign(&tbs)?;
        let der = assemble(&tbs, ca.signature_algorithm, &signature)?;
        times.sign += t.elapsed();

        let t = Instant::now();
        self.store
            .store_certificate(serial, &der, &req.actor, now_unix())
            .await?;
        times.store_cert += t.elapsed();
        metrics::counter!("carepki_certificates_issued_total", "profile" => approved.profile.as_str())
            .increment(1);

        Ok(Issued {
            serial: serial.to_owned(),
            profile: approved.profile.as_str().to_owned(),
            subject,
            issuer: ca.row.subject.clone(),
            ca: ca.row.id.clone(),
            not_before: rfc3339(not_before),
            not_after: rfc3339(not_after),
            status: "valid".into(),
            pem: certificate_pem(&der)?,
            chain_pem: self.chain_pem(ca),
            der,
        })
    }

    fn build_tbs(
        &self,
        ca: &LoadedCa,
        approved: &Approved,
        serial: Vec<u8>,
        not_before: i64,
        not_after: i64,
    ) -> Result<Vec<u8>, CaError> {
        let id = &ca.row.id;
        let mut extensions = vec![ext::key_usage(&approved.key_usage)?];
        if !approved.extended_key_usage.is_empty() {
            extensions.push(ext::extended_key_usage(&approved.extended_key_usage)?);
        }
        if !approved.dns_names.is_empty() || !approved.emails.is_empty() {
            extensions.push(ext::subject_alt_name(
                &approved.dns_names,
                &approved.emails,
            )?);
        }
        extensions.extend([
            ext::certificate_policies(std::slice::from_ref(&approved.policy_oid))?,
            ext::crl_distribution_point(&self.ceremony.crl_url(id))?,
            ext::authority_info_access(
                &self.ceremony.ocsp_url(id),
                &self.ceremony.ca_issuers_url(id),
            )?,
            ext::subject_key_identifier(&approved.key.key_identifier())?,
            ext::authority_key_identifier(&ca.key_identifier)?,
        ]);
        Ok(encode_tbs(&TbsParams {
            serial,
            signature: ca.signature_algorithm,
            issuer: ca.subject.clone(),
            not_before,
            not_after,
            subject: build_name(&approved.subject_ref())?,
            spki_der: approved.key.spki_der.clone(),
            extensions,
        })?)
    }

    /// The CA that issues a profile, checking a caller's explicit choice (R-TYPES).
    fn issuing_ca(&self, profile: ProfileId, asked: Option<&str>) -> Result<&LoadedCa, CaError> {
        let want = ca_id(profile.hierarchy(), profile.issuing_role());
        if let Some(asked) = asked {
            let Some((h, role)) = parse_ca_id(asked) else {
                return Err(CaError::WrongCa(format!(
                    "no CA with id \"{asked}\"; `carepki ca list` shows them"
                )));
            };
            if h != profile.hierarchy() {
                return Err(CaError::WrongCa(format!(
                    "R-TYPES: the {profile} profile is issued only by the {} hierarchy; CA {asked} belongs to the {h} hierarchy",
                    profile.hierarchy()
                )));
            }
            if role != profile.issuing_role() {
                return Err(CaError::WrongCa(format!(
                    "the {profile} profile is issued by the {want} CA, not by {asked}"
                )));
            }
        }
        self.cas
            .get(&want)
            .ok_or_else(|| CaError::WrongCa(format!("CA {want} is missing from the database")))
    }

    /// An organisation from the register, its version, and whether it came from the
    /// cache.
    pub(crate) async fn organisation(
        &self,
        oid: &str,
    ) -> Result<(Organisation, i64, bool), CaError> {
        if let Some((org, version)) = self
            .organisations
            .read()
            .map_err(|_| CaError::DataDir("the organisation cache lock was poisoned".into()))?
            .get(oid)
        {
            return Ok((org.clone(), *version, true));
        }
        let (row, version) = self
            .store
            .organisation_with_version(oid)
            .await?
            .ok_or_else(|| CaError::UnknownOrganisation(oid.to_owned()))?;
        let org = organisation_from_row(&row);
        if let Ok(mut cache) = self.organisations.write() {
            cache.insert(oid.to_owned(), (org.clone(), version));
        }
        Ok((org, version, false))
    }

    pub(crate) fn forget_organisation(&self, oid: &str) {
        if let Ok(mut cache) = self.organisations.write() {
            cache.remove(oid);
        }
    }

    /// A CA's own key is never certified for a subscriber. Whether the key is bound to
    /// a revoked certificate or another organisation's is decided atomically when the
    /// issuance record is stored (`Store::store_issuance_record`).
    pub(crate) fn check_not_a_ca_key(&self, key: &PublicKey) -> Result<(), CaError> {
        let hash = key.spki_sha256_hex();
        if self.cas.values().any(|ca| ca.spki_sha256 == hash) {
            return Err(CaError::KeyReused(
                "the request carries a CA's public key; generate a new key pair".into(),
            ));
        }
        Ok(())
    }

    /// Abandon serials left reserved or linted by a crash, older than `grace` seconds.
    pub async fn recover(&self, grace: i64, actor: &str) -> Result<u64, CaError> {
        let now = now_unix();
        Ok(self
            .store
            .abandon_stale_serials(now - grace, actor, now)
            .await?)
    }
}

fn load_ca(row: CaRow) -> Result<LoadedCa, CaError> {
    let cert = carepki_x509::cert::decode_certificate(&row.cert_der)?;
    let tbs = cert.tbs_certificate();
    let (hierarchy, role) = parse_ca_id(&row.id)
        .ok_or_else(|| CaError::DataDir(format!("unknown CA id {} in the database", row.id)))?;
    let spki = carepki_x509::cert::spki_der(tbs)?;
    let public = PublicKey::from_spki_der(&spki)?;
    let signature_algorithm =
        SignatureAlgorithm::from_name(&row.signature_algorithm).ok_or_else(|| {
            CaError::DataDir(format!(
                "CA {} records an unknown signature algorithm \"{}\"",
                row.id, row.signature_algorithm
            ))
        })?;
    let subject = tbs.subject().clone();
    Ok(LoadedCa {
        hierarchy,
        role,
        subject_der: carepki_x509::cert::name_der(&subject)?,
        subject,
        key_identifier: key_identifier(&public.raw),
        spki_sha256: public.spki_sha256_hex(),
        key_bits: public.raw,
        signature_algorithm,
        pem: certificate_pem(&row.cert_der)?,
        row,
    })
}

/// A validated organisation from its store row (the row was validated at import).
pub fn organisation_from_row(row: &OrganisationRow) -> Organisation {
    Organisation {
        oid: row.oid.clone(),
        name: LocalisedName {
            fi: row.name_fi.clone(),
            sv: row.name_sv.clone(),
            en: row.name_en.clone(),
        },
        business_id: row.business_id.clone(),
        sector: if row.sector == "public" {
            Sector::Public
        } else {
            Sector::Private
        },
        kanta_intermediary: row.kanta_intermediary,
        domains: row.domains.clone(),
    }
}

/// The current time, Unix seconds.
pub fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// RFC 3339 text of a Unix time.
pub fn rfc3339(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| {
            d.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| t.to_string())
}
