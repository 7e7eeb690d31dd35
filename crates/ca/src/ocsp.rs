//! The OCSP responder (RFC 6960, RFC 5019 lightweight profile; docs/REVOCATION.md).
//!
//! Every signed certificate has a pre-signed response (SHA-1 CertID, no nonce,
//! signed by its CA's delegated responder), kept in the database
//! (`ocsp_responses`) and in memory. The hot path parses the request, finds
//! the issuer by its name and key hashes and returns the stored bytes: a
//! lookup, no signature. Responses are signed on demand only for what cannot
//! be pre-signed: a nonce (RFC 8954), a CertID with SHA-256/384/512, several
//! certificates in one request, a serial not issued here (`unknown`) or a
//! certificate issued a moment ago. On-demand signing is bounded by a
//! semaphore, so a flood of such requests gets `tryLater` instead of slowing
//! the pre-signed answers down.
//!
//! The refresher ([`OcspService::run_refresher`]) follows the audit log
//! (`Store::status_changes`): a revocation by any process replaces that
//! serial's response within one poll interval (100 ms), and this process's own
//! revocations wake it at once. It also signs responses that are missing or
//! past half of their validity, and rotates the responder certificates.
//!
//! R-STATUS-TRUTH: a response says `revoked` only when the database row says
//! revoked; the status audit (`crate::audit`) checks every stored response.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use bytes::Bytes;
use carepki_store::{OcspResponseRow, StatusRow};
use carepki_x509::RevocationReason;
use carepki_x509::ocsp::{
    CertIdRef, CertStatus, HashAlg, ResponseStatus, SingleResponse, assemble_response, cert_id,
    encode_response_data, error_response, parse_request_ref,
};
use dashmap::DashMap;
use futures_util::StreamExt;
use tokio::sync::Semaphore;

use crate::authority::now_unix;
use crate::responder::Responder;
use crate::{Authority, CaError};

/// The most certificates answered in one request (RFC 5019 clients ask about
/// one; more are signed on demand).
pub const MAX_CERTS_PER_REQUEST: usize = 10;

/// How often the refresher looks for status changes made by other processes.
pub const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// How often the refresher signs due responses and checks its responders.
const MAINTENANCE_INTERVAL: Duration = Duration::from_secs(30);

/// Responses signed and stored per batch.
const BATCH: i64 = 2_000;

/// What kind of answer a request got (the `status` label of the metric
/// `carepki_ocsp_responses_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnswerKind {
    /// A pre-signed response (good).
    Good,
    /// A pre-signed response (revoked).
    Revoked,
    /// Signed on demand: nonce, other hash, several certificates, or new.
    SignedOnDemand,
    /// Signed `unknown`: not issued by this CA.
    Unknown,
    /// `malformedRequest`.
    Malformed,
    /// `unauthorized`: an issuer this responder does not serve.
    Unauthorized,
    /// `tryLater`: on-demand signing is saturated or a responder is missing.
    TryLater,
    /// `internalError`.
    InternalError,
}

impl AnswerKind {
    /// The metric label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Good => "good",
            Self::Revoked => "revoked",
            Self::SignedOnDemand => "signed_on_demand",
            Self::Unknown => "unknown",
            Self::Malformed => "malformed_request",
            Self::Unauthorized => "unauthorized",
            Self::TryLater => "try_later",
            Self::InternalError => "internal_error",
        }
    }
}

/// HTTP caching facts of a response (RFC 5019 §6.2).
#[derive(Debug, Clone)]
pub struct CacheInfo {
    /// thisUpdate (Last-Modified).
    pub this_update: i64,
    /// nextUpdate (Expires; max-age counts down to it).
    pub next_update: i64,
    /// A strong validator of the bytes (hex SHA-1 of the response).
    pub etag: Arc<str>,
}

/// The answer to one OCSP request.
#[derive(Debug, Clone)]
pub struct OcspAnswer {
    /// The DER OCSPResponse.
    pub body: Bytes,
    /// What it is (for metrics and logs).
    pub kind: AnswerKind,
    /// Caching facts; `None` for answers that must not be cached (nonces,
    /// errors).
    pub cache: Option<CacheInfo>,
}

impl OcspAnswer {
    fn error(status: ResponseStatus, kind: AnswerKind) -> Self {
        Self {
            body: Bytes::from_static(
                error_response(status).unwrap_or(&[0x30, 0x03, 0x0a, 0x01, 0x02]),
            ),
            kind,
            cache: None,
        }
    }
}

/// The issuer hashes of one CA under each CertID hash algorithm.
#[derive(Debug)]
struct Issuer {
    ca_id: String,
    hashes: Vec<(HashAlg, Vec<u8>, Vec<u8>)>,
    name_der: Vec<u8>,
    key_bits: Vec<u8>,
}

/// A pre-signed response in memory.
#[derive(Debug, Clone)]
struct Cached {
    issuer: usize,
    revoked: Option<(i64, Option<RevocationReason>)>,
    der: Bytes,
    this_update: i64,
    next_update: i64,
    etag: Arc<str>,
}

/// The OCSP responder of an [`Authority`]: pre-signed responses, on-demand
/// signing and the refresher.
pub struct OcspService {
    authority: Arc<Authority>,
    issuers: Vec<Issuer>,
    responders: RwLock<HashMap<String, Arc<Responder>>>,
    cache: DashMap<Vec<u8>, Cached>,
    on_demand: Semaphore,
    /// The audit position up to which status changes have been applied.
    applied: AtomicI64,
}

impl std::fmt::Debug for OcspService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OcspService")
            .field("issuers", &self.issuers.len())
            .field("cached", &self.cache.len())
            .finish_non_exhaustive()
    }
}

impl OcspService {
    /// Prepares the responder: a current responder certificate for every CA
    /// (issued when missing or past half of its life), the stored pre-signed
    /// responses loaded, and every missing or stale one signed.
    pub async fn start(authority: Arc<Authority>) -> Result<Arc<Self>, CaError> {
        let now = now_unix();
        let mut issuers = Vec::new();
        let mut responders = HashMap::new();
        for (id, ca) in authority.cas() {
            let key_bits = ca.key_bits.clone();
            let hashes = [
                HashAlg::Sha1,
                HashAlg::Sha256,
                HashAlg::Sha384,
                HashAlg::Sha512,
            ]
            .into_iter()
            .map(|h| (h, h.digest(&ca.subject_der), h.digest(&key_bits)))
            .collect();
            issuers.push(Issuer {
                ca_id: id.clone(),
                hashes,
                name_der: ca.subject_der.clone(),
                key_bits,
            });
            let responder = authority.current_responder(id, now).await?;
            responders.insert(id.clone(), Arc::new(responder));
        }
        let threads = std::thread::available_parallelism().map_or(2, usize::from);
        let service = Arc::new(Self {
            authority,
            issuers,
            responders: RwLock::new(responders),
            cache: DashMap::new(),
            on_demand: Semaphore::new(threads * 4),
            applied: AtomicI64::new(0),
        });
        // Changes from here on are applied by the refresher; take the position
        // before loading so that none is missed.
        let position = service.authority.store().last_audit_id().await?;
        service.applied.store(position, Ordering::SeqCst);
        service.load_stored().await?;
        service.sign_due(now).await?;
        Ok(service)
    }

    /// How many pre-signed responses are in memory.
    pub fn cached(&self) -> usize {
        self.cache.len()
    }

    /// Answers a DER OCSP request at `now`.
    pub async fn respond(&self, request: &[u8], now: i64) -> OcspAnswer {
        let req = match parse_request_ref(request, MAX_CERTS_PER_REQUEST) {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(error = %e, "malformed OCSP request");
                return OcspAnswer::error(ResponseStatus::MalformedRequest, AnswerKind::Malformed);
            }
        };
        let mut found = Vec::with_capacity(req.cert_ids.len());
        for id in &req.cert_ids {
            match self.issuer_of(id) {
                Some(i) => found.push(i),
                None => {
                    return OcspAnswer::error(
                        ResponseStatus::Unauthorized,
                        AnswerKind::Unauthorized,
                    );
                }
            }
        }
        // The hot path: one SHA-1 CertID, no nonce, a fresh pre-signed response.
        if let ([id], [issuer], None) = (req.cert_ids.as_slice(), found.as_slice(), req.nonce)
            && id.hash == HashAlg::Sha1
            && let Some(hit) = self.cache.get(id.serial)
            && hit.issuer == *issuer
            && hit.next_update > now
        {
            return OcspAnswer {
                body: hit.der.clone(),
                kind: if hit.revoked.is_some() {
                    AnswerKind::Revoked
                } else {
                    AnswerKind::Good
                },
                cache: Some(CacheInfo {
                    this_update: hit.this_update,
                    next_update: hit.next_update,
                    etag: Arc::clone(&hit.etag),
                }),
            };
        }
        self.sign_on_demand(&req.cert_ids, &found, req.nonce, now)
            .await
    }

    fn issuer_of(&self, id: &CertIdRef<'_>) -> Option<usize> {
        self.issuers.iter().position(|iss| {
            iss.hashes.iter().any(|(h, name, key)| {
                *h == id.hash
                    && name.as_slice() == id.issuer_name_hash
                    && key.as_slice() == id.issuer_key_hash
            })
        })
    }

    /// Signs a response for what the pre-signed ones do not cover.
    async fn sign_on_demand(
        &self,
        ids: &[CertIdRef<'_>],
        issuers: &[usize],
        nonce: Option<&[u8]>,
        now: i64,
    ) -> OcspAnswer {
        let Ok(_permit) = self.on_demand.try_acquire() else {
            return OcspAnswer::error(ResponseStatus::TryLater, AnswerKind::TryLater);
        };
        // All certificates of one response must share a responder: the first
        // issuer's. Requests mixing CAs are answered for the first CA only.
        let ca_id = &self.issuers[issuers[0]].ca_id;
        let Some(responder) = self.responder(ca_id) else {
            return OcspAnswer::error(ResponseStatus::TryLater, AnswerKind::TryLater);
        };
        let validity = self.authority.ceremony().ocsp_validity;
        let next_update = (now + validity).min(responder.not_after);
        let mut statuses = Vec::with_capacity(ids.len());
        let mut all_unknown = true;
        for (id, issuer) in ids.iter().zip(issuers) {
            if *issuer != issuers[0] {
                return OcspAnswer::error(ResponseStatus::Unauthorized, AnswerKind::Unauthorized);
            }
            let status = match self.status_of(id.serial, *issuer).await {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!(error = %e, "OCSP status lookup failed");
                    return OcspAnswer::error(
                        ResponseStatus::InternalError,
                        AnswerKind::InternalError,
                    );
                }
            };
            if status != CertStatus::Unknown {
                all_unknown = false;
            }
            statuses.push(status);
        }
        let singles: Vec<SingleResponse<'_>> = ids
            .iter()
            .zip(&statuses)
            .map(|(id, status)| SingleResponse {
                cert_id_der: id.der,
                status: *status,
                this_update: now,
                next_update: Some(next_update),
            })
            .collect();
        match sign_response(&responder, now, &singles, nonce) {
            Ok(der) => OcspAnswer {
                body: Bytes::from(der),
                kind: if all_unknown {
                    AnswerKind::Unknown
                } else {
                    AnswerKind::SignedOnDemand
                },
                cache: None,
            },
            Err(e) => {
                tracing::error!(error = %e, "OCSP signing failed");
                OcspAnswer::error(ResponseStatus::InternalError, AnswerKind::InternalError)
            }
        }
    }

    /// The status of a serial of issuer `issuer`: from memory, else from the
    /// database (a certificate issued a moment ago), else unknown.
    async fn status_of(&self, serial: &[u8], issuer: usize) -> Result<CertStatus, CaError> {
        if let Some(hit) = self.cache.get(serial) {
            if hit.issuer != issuer {
                return Ok(CertStatus::Unknown);
            }
            return Ok(match hit.revoked {
                Some((at, reason)) => CertStatus::Revoked { at, reason },
                None => CertStatus::Good,
            });
        }
        let hex = carepki_x509::cert::serial_hex(serial);
        let rows = self.authority.store().statuses_of(&[hex]).await?;
        Ok(match rows.first() {
            Some(row) if row.ca_id == self.issuers[issuer].ca_id => status_from_row(row),
            _ => CertStatus::Unknown,
        })
    }

    fn responder(&self, ca_id: &str) -> Option<Arc<Responder>> {
        self.responders
            .read()
            .ok()
            .and_then(|r| r.get(ca_id).cloned())
    }

    /// Loads every stored response that is still fresh into memory.
    async fn load_stored(&self) -> Result<(), CaError> {
        let now = now_unix();
        // Responses signed by a revoked (or expired) responder are not served;
        // `sign_due` replaces them.
        let usable = self.authority.store().usable_responders(now).await?;
        let mut rows = self.authority.store().ocsp_responses();
        let mut loaded = 0_u64;
        while let Some(row) = rows.next().await {
            let row = row?;
            if row.next_update <= now || !usable.contains(&row.responder_serial) {
                continue;
            }
            if let Some(cached) = self.cached_from_row(&row)? {
                let serial = hex::decode(&row.serial)
                    .map_err(|e| CaError::DataDir(format!("bad serial {}: {e}", row.serial)))?;
                self.cache.insert(serial, cached);
                loaded += 1;
            }
        }
        tracing::info!(loaded, "loaded pre-signed OCSP responses");
        Ok(())
    }

    fn cached_from_row(&self, row: &OcspResponseRow) -> Result<Option<Cached>, CaError> {
        let Some(issuer) = self.issuers.iter().position(|i| i.ca_id == row.ca_id) else {
            return Ok(None);
        };
        let decoded = carepki_x509::ocsp::decode_response(&row.der)?;
        let Some(single) = decoded.basic.as_ref().and_then(|b| b.responses.first()) else {
            return Ok(None);
        };
        let revoked = match single.status {
            CertStatus::Revoked { at, reason } => Some((at, reason)),
            CertStatus::Good => None,
            CertStatus::Unknown => return Ok(None),
        };
        Ok(Some(Cached {
            issuer,
            revoked,
            etag: etag(&row.der),
            der: Bytes::from(row.der.clone()),
            this_update: row.this_update,
            next_update: row.next_update,
        }))
    }

    /// Pre-signs, stores and caches the responses of these certificates.
    async fn presign(&self, rows: &[StatusRow], now: i64) -> Result<usize, CaError> {
        let validity = self.authority.ceremony().ocsp_validity;
        let mut stored = Vec::with_capacity(rows.len());
        let mut cached = Vec::with_capacity(rows.len());
        for row in rows {
            let Some(issuer) = self.issuers.iter().position(|i| i.ca_id == row.ca_id) else {
                continue;
            };
            let Some(responder) = self.responder(&row.ca_id) else {
                continue;
            };
            let serial = hex::decode(if row.serial.len() % 2 == 1 {
                format!("0{}", row.serial)
            } else {
                row.serial.clone()
            })
            .map_err(|e| CaError::DataDir(format!("bad serial {}: {e}", row.serial)))?;
            let iss = &self.issuers[issuer];
            let id = cert_id(HashAlg::Sha1, &iss.name_der, &iss.key_bits, &serial)?;
            let status = status_from_row(row);
            let next_update = (now + validity).min(responder.not_after);
            let der = sign_response(
                &responder,
                now,
                &[SingleResponse {
                    cert_id_der: &id,
                    status,
                    this_update: now,
                    next_update: Some(next_update),
                }],
                None,
            )?;
            let revoked = match status {
                CertStatus::Revoked { at, reason } => Some((at, reason)),
                _ => None,
            };
            cached.push((
                serial,
                Cached {
                    issuer,
                    revoked,
                    etag: etag(&der),
                    der: Bytes::from(der.clone()),
                    this_update: now,
                    next_update,
                },
            ));
            stored.push(OcspResponseRow {
                serial: row.serial.clone(),
                ca_id: row.ca_id.clone(),
                cert_status: if revoked.is_some() { "revoked" } else { "good" }.to_owned(),
                this_update: now,
                next_update,
                responder_serial: responder.serial.clone(),
                der,
            });
        }
        let n = stored.len();
        // Durable first, then served: what is served is always what is stored.
        self.authority.store().store_ocsp_responses(stored).await?;
        for (serial, c) in cached {
            self.cache.insert(serial, c);
        }
        Ok(n)
    }

    /// Signs every response that is missing, says another status than the
    /// database, or is past half of its validity.
    pub async fn sign_due(&self, now: i64) -> Result<usize, CaError> {
        let half = self.authority.ceremony().ocsp_validity / 2;
        let mut total = 0;
        loop {
            let due = self.authority.store().ocsp_due(now + half, BATCH).await?;
            if due.is_empty() {
                break;
            }
            let n = self.presign(&due, now).await?;
            total += n;
            if n == 0 {
                break;
            }
        }
        if total > 0 {
            tracing::info!(signed = total, "pre-signed OCSP responses");
        }
        Ok(total)
    }

    /// Applies the status changes logged after the last applied position:
    /// every issued or revoked serial gets a fresh pre-signed response.
    pub async fn apply_changes(&self) -> Result<usize, CaError> {
        let store = self.authority.store();
        let mut total = 0;
        loop {
            let after = self.applied.load(Ordering::SeqCst);
            let changes = store.status_changes(after, BATCH).await?;
            let Some(last) = changes.last().map(|c| c.id) else {
                break;
            };
            let mut serials: Vec<String> = changes.into_iter().map(|c| c.serial).collect();
            serials.sort_unstable();
            serials.dedup();
            let responder_changed = self
                .responders
                .read()
                .map(|r| {
                    r.values()
                        .any(|resp| serials.binary_search(&resp.serial).is_ok())
                })
                .unwrap_or(false);
            if responder_changed {
                self.rotate_responders(now_unix()).await?;
            }
            let rows = store.statuses_of(&serials).await?;
            total += self.presign(&rows, now_unix()).await?;
            self.applied.store(last, Ordering::SeqCst);
        }
        Ok(total)
    }

    /// Replaces responders with less than half of their validity left.
    ///
    /// A responder whose certificate was revoked is replaced at once, and every
    /// response it signed is signed again by the new one (and no longer served
    /// meanwhile): with id-pkix-ocsp-nocheck, relying parties cannot notice a
    /// revoked responder themselves.
    pub async fn rotate_responders(&self, now: i64) -> Result<(), CaError> {
        let validity = self.authority.ceremony().ocsp_responder_validity;
        let usable = self.authority.store().usable_responders(now).await?;
        let ids: Vec<String> = self.issuers.iter().map(|i| i.ca_id.clone()).collect();
        let mut revoked = Vec::new();
        for id in ids {
            let current = self.responder(&id);
            let unusable = current
                .as_ref()
                .is_some_and(|r| !usable.contains(&r.serial));
            let due = unusable
                || current
                    .as_ref()
                    .is_none_or(|r| r.not_after - now <= validity / 2);
            if due {
                if unusable && let Some(old) = &current {
                    tracing::warn!(ca = %id, serial = %old.serial, "OCSP responder certificate revoked; replacing it");
                    revoked.push(old.serial.clone());
                }
                let fresh = Arc::new(self.authority.current_responder(&id, now).await?);
                if let Ok(mut map) = self.responders.write() {
                    map.insert(id, fresh);
                }
            }
        }
        if !revoked.is_empty() {
            // Stop serving what the revoked responders signed, then sign it again.
            let usable = self.authority.store().usable_responders(now).await?;
            let mut stale = Vec::new();
            let mut rows = self.authority.store().ocsp_responses();
            while let Some(row) = rows.next().await {
                let row = row?;
                if !usable.contains(&row.responder_serial) {
                    stale.push(row.serial);
                }
            }
            drop(rows);
            for serial in stale {
                if let Ok(bytes) = hex::decode(&serial) {
                    self.cache.remove(&bytes);
                }
            }
            self.sign_due(now).await?;
        }
        Ok(())
    }

    /// Runs until the process ends: applies status changes as they happen
    /// (woken by this process's revocations, polling for other processes'),
    /// signs due responses and rotates responders.
    pub async fn run_refresher(self: Arc<Self>) {
        let mut wake = self.authority.subscribe_status_changes();
        let mut maintenance = tokio::time::interval(MAINTENANCE_INTERVAL);
        maintenance.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = wake.changed() => {}
                () = tokio::time::sleep(POLL_INTERVAL) => {}
                _ = maintenance.tick() => {
                    let now = now_unix();
                    if let Err(e) = self.rotate_responders(now).await {
                        tracing::error!(error = %e, "OCSP responder rotation failed");
                    }
                    if let Err(e) = self.sign_due(now).await {
                        tracing::error!(error = %e, "pre-signing OCSP responses failed");
                    }
                }
            }
            match self.apply_changes().await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(n, "OCSP responses replaced after status changes"),
                Err(e) => tracing::error!(error = %e, "applying status changes to OCSP failed"),
            }
        }
    }
}

fn status_from_row(row: &StatusRow) -> CertStatus {
    if row.status == "revoked" {
        CertStatus::Revoked {
            at: row.revoked_at.unwrap_or_default(),
            reason: row
                .revocation_reason
                .as_deref()
                .and_then(|r| RevocationReason::from_name(r).ok()),
        }
    } else {
        CertStatus::Good
    }
}

fn sign_response(
    responder: &Responder,
    now: i64,
    singles: &[SingleResponse<'_>],
    nonce: Option<&[u8]>,
) -> Result<Vec<u8>, CaError> {
    let tbs = encode_response_data(&responder.key_hash, now, singles, nonce)?;
    let signature = responder.signer.sign(&tbs)?;
    Ok(assemble_response(
        &tbs,
        responder.signer.signature_algorithm(),
        &signature,
        &[&responder.cert_der],
    )?)
}

fn etag(der: &[u8]) -> Arc<str> {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, der);
    Arc::from(format!("\"{}\"", hex::encode(d.as_ref())))
}
