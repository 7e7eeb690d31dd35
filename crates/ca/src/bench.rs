//! `carepki bench issue`: the whole issuance cycle in process, against the raw signing
//! rate of the same CA key measured in the same run.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use carepki_keys::measure_sign_rate_threads;
use carepki_policy::ProfileId;
use carepki_x509::SignatureAlgorithm;
use carepki_x509::csr::build_request;
use carepki_x509::name::{Attr, build_name};

use crate::CaError;
use crate::authority::{Authority, IssueRequest, StepTimes};

/// The figures of one run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BenchReport {
    /// Certificates issued.
    pub certificates: usize,
    /// Concurrent issuance tasks.
    pub concurrency: usize,
    /// Wall-clock seconds for the whole batch.
    pub seconds: f64,
    /// Certificates per second, end to end with durable commits.
    pub certificates_per_second: f64,
    /// Raw signatures per second of the same CA key on all cores, same run.
    pub raw_signatures_per_second: f64,
    /// certificates_per_second / raw_signatures_per_second.
    pub ratio: f64,
    /// The issuing CA's signature algorithm.
    pub ca_signature_algorithm: String,
    /// Durable commits made, and write jobs per commit (group commit).
    pub commits: u64,
    /// Write jobs per commit.
    pub jobs_per_commit: f64,
    /// Summed time per step over all tasks, as shares of the total.
    pub steps: Vec<(String, f64)>,
}

/// CSRs for `n` fresh P-256 keys, as customers would send them.
pub fn generate_csrs(n: usize) -> Result<Vec<Vec<u8>>, CaError> {
    let rng = SystemRandom::new();
    (0..n)
        .map(|i| {
            let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING)
                .map_err(|_| CaError::DataDir("key generation failed".into()))?;
            let spki = key
                .public_key()
                .as_der()
                .map_err(|_| CaError::DataDir("public key encoding failed".into()))?;
            let cn = format!("bench-{i}.example");
            let subject = build_name(&[(Attr::CommonName, &cn)])?;
            Ok(build_request(
                &subject,
                spki.as_ref(),
                SignatureAlgorithm::EcdsaSha256,
                |msg| {
                    key.sign(&rng, msg)
                        .map(|s| s.as_ref().to_vec())
                        .map_err(|_| "signing failed".to_owned())
                },
            )?)
        })
        .collect()
}

/// Issue one server certificate per CSR for `org_oid` under host names `h<i>.<domain>`,
/// with `concurrency` tasks, and measure.
pub async fn bench_issue(
    authority: Arc<Authority>,
    csrs: Vec<Vec<u8>>,
    org_oid: &str,
    domain: &str,
    concurrency: usize,
) -> Result<BenchReport, CaError> {
    let n = csrs.len();
    let csrs = Arc::new(csrs);
    let next = Arc::new(AtomicUsize::new(0));
    let before = authority.store().write_stats().await;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (authority, csrs, next) =
            (Arc::clone(&authority), Arc::clone(&csrs), Arc::clone(&next));
        let (org, domain) = (org_oid.to_owned(), domain.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut times = StepTimes::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= csrs.len() {
                    break;
                }
                let host = format!("h{i}.{domain}");
                let req = IssueRequest {
                    profile: ProfileId::Server,
                    org_oid: org.clone(),
                    csr: csrs[i].clone(),
                    common_name: host.clone(),
                    dns_names: vec![host],
                    emails: vec![],
                    days: None,
                    ca: None,
                    actor: "bench".into(),
                };
                authority.issue_timed(&req, &mut times).await?;
            }
            Ok::<StepTimes, CaError>(times)
        }));
    }
    let mut times = StepTimes::default();
    for t in tasks {
        let t = t
            .await
            .map_err(|e| CaError::DataDir(format!("a benchmark task failed: {e}")))??;
        times.add(&t);
    }
    let elapsed = start.elapsed();
    let after = authority.store().write_stats().await;

    let ca_id = carepki_policy::hierarchy::ca_id(
        ProfileId::Server.hierarchy(),
        ProfileId::Server.issuing_role(),
    );
    let signer = authority.signer(&ca_id)?;
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    let raw = measure_sign_rate_threads(
        Arc::clone(&signer),
        &[0x5a; 900],
        Duration::from_secs(2),
        threads,
    )?;

    let total: f64 = times.steps().iter().map(|(_, d)| d.as_secs_f64()).sum();
    let per_sec = n as f64 / elapsed.as_secs_f64();
    let commits = after.commits - before.commits;
    let jobs = after.jobs - before.jobs;
    Ok(BenchReport {
        certificates: n,
        concurrency,
        seconds: elapsed.as_secs_f64(),
        certificates_per_second: per_sec,
        raw_signatures_per_second: raw,
        ratio: per_sec / raw,
        ca_signature_algorithm: signer.signature_algorithm().name().to_owned(),
        commits,
        jobs_per_commit: if commits == 0 {
            0.0
        } else {
            jobs as f64 / commits as f64
        },
        steps: times
            .steps()
            .iter()
            .map(|(name, d)| {
                (
                    (*name).to_owned(),
                    if total > 0.0 {
                        d.as_secs_f64() / total
                    } else {
                        0.0
                    },
                )
            })
            .collect(),
    })
}

/// The figures of `carepki bench crl`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CrlBenchReport {
    /// Revoked entries on the CRL.
    pub entries: u64,
    /// Seconds to build and sign the CRL from the database (stream the rows,
    /// encode, hash, sign once, write and sync the file, record it).
    pub publish_seconds: f64,
    /// Seconds to encode, hash and sign the same number of entries without the
    /// database (the DER pipeline alone, into a temporary file).
    pub encode_sign_seconds: f64,
    /// Size of the CRL in bytes.
    pub bytes: i64,
    /// Peak resident memory of the process while publishing, KiB (Linux
    /// VmHWM, reset just before), and the resident memory just before.
    pub peak_rss_kib: Option<u64>,
    /// Resident memory before publishing, KiB.
    pub rss_before_kib: Option<u64>,
}

/// Publishes a full CRL of `ca_id` holding the revocations already in the
/// database, measuring time and peak memory; then runs the DER pipeline alone
/// over the same number of synthetic entries.
pub async fn bench_crl(authority: &Authority, ca_id: &str) -> Result<CrlBenchReport, CaError> {
    let now = crate::authority::now_unix();
    let rss_before = read_status_kib("VmRSS:");
    // Linux: writing 5 resets the peak resident set size to the current one.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let t = Instant::now();
    let published = authority
        .publish_crl(ca_id, crate::crl::CrlKind::Full, now)
        .await?;
    let publish_seconds = t.elapsed().as_secs_f64();
    let peak = if reset {
        read_status_kib("VmHWM:")
    } else {
        None
    };
    let entries = u64::try_from(published.row.entries).unwrap_or_default();

    let signer = authority.signer(ca_id)?;
    let ca = authority.loaded_ca(ca_id)?;
    let (issuer, aki, alg) = (
        ca.subject_der.clone(),
        ca.key_identifier.clone(),
        ca.signature_algorithm,
    );
    let encode_sign_seconds = tokio::task::spawn_blocking(move || {
        pipeline_only(entries, &issuer, &aki, alg, &*signer, now)
    })
    .await
    .map_err(|e| CaError::DataDir(format!("benchmark task failed: {e}")))??;
    Ok(CrlBenchReport {
        entries,
        publish_seconds,
        encode_sign_seconds,
        bytes: published.row.bytes,
        peak_rss_kib: peak,
        rss_before_kib: rss_before,
    })
}

fn pipeline_only(
    n: u64,
    issuer: &[u8],
    aki: &[u8],
    alg: SignatureAlgorithm,
    signer: &dyn carepki_keys::Signer,
    now: i64,
) -> Result<f64, CaError> {
    use carepki_x509::crl::{CrlEntry, CrlParams, EntryWriter, digest_tbs, tbs_frame, write_crl};
    use std::io::{BufReader, BufWriter, Seek, SeekFrom};
    let tmp = tempfile_in_tmp()?;
    let t = Instant::now();
    let mut writer = EntryWriter::new(BufWriter::with_capacity(256 * 1024, &tmp.0));
    let mut serial = [0u8; 16];
    serial[0] = 0x7e;
    for i in 0..n {
        serial[8..].copy_from_slice(&i.to_be_bytes());
        writer
            .push(&CrlEntry {
                serial: &serial,
                revoked_at: now,
                reason: Some(carepki_x509::RevocationReason::KeyCompromise),
                invalidity_date: None,
            })
            .map_err(|e| CaError::io(&tmp.1, e))?;
    }
    let (_, len) = writer.finish().map_err(|e| CaError::io(&tmp.1, e))?;
    let frame = tbs_frame(
        &CrlParams {
            issuer_name_der: issuer.to_vec(),
            signature: alg,
            this_update: now,
            next_update: now + 86_400,
            crl_number: 1,
            authority_key_id: aki.to_vec(),
            delta_base: None,
            freshest_crl: None,
            issuing_dp: None,
        },
        len,
    )?;
    let mut f = &tmp.0;
    f.seek(SeekFrom::Start(0))
        .map_err(|e| CaError::io(&tmp.1, e))?;
    let digest = digest_tbs(&frame, alg, BufReader::new(f)).map_err(|e| CaError::io(&tmp.1, e))?;
    let signature = signer.sign_digest(&digest)?;
    f.seek(SeekFrom::Start(0))
        .map_err(|e| CaError::io(&tmp.1, e))?;
    write_crl(&frame, alg, &signature, BufReader::new(f), std::io::sink())
        .map_err(|e| CaError::io(&tmp.1, e))?;
    Ok(t.elapsed().as_secs_f64())
}

/// An anonymous temporary file (removed when dropped) and its path.
struct TmpFile(std::fs::File, std::path::PathBuf);

impl Drop for TmpFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.1);
    }
}

fn tempfile_in_tmp() -> Result<TmpFile, CaError> {
    let path = std::env::temp_dir().join(format!(
        "carepki-crl-bench-{}-{}",
        std::process::id(),
        crate::authority::now_unix()
    ));
    let f = std::fs::File::options()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| CaError::io(&path, e))?;
    Ok(TmpFile(f, path))
}

fn read_status_kib(field: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    text.lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The figures of `carepki bench revocation`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RevocationBenchReport {
    /// Revocations measured.
    pub revocations: usize,
    /// Milliseconds from `revoke` returning to the OCSP responder answering
    /// `revoked` for that serial: median, 99th percentile, maximum.
    pub median_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Maximum.
    pub max_ms: f64,
    /// OCSP answers per second of the in-process responder for a pre-signed
    /// response (no HTTP), one thread, same run.
    pub presigned_answers_per_second: f64,
}

/// Revokes each of `serials` (issued by `ca_id`, with `requests[i]` the DER
/// OCSP request for `serials[i]`) and measures how long the responder takes to
/// answer `revoked` after `revoke` returns.
pub async fn bench_revocation(
    authority: &Authority,
    ocsp: &crate::ocsp::OcspService,
    serials: &[String],
    requests: &[Vec<u8>],
) -> Result<RevocationBenchReport, CaError> {
    use crate::ocsp::AnswerKind;
    // The in-process hot path first, on a response that is pre-signed.
    let probe = requests
        .first()
        .ok_or_else(|| CaError::InvalidInput("no certificates to revoke".into()))?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while ocsp.respond(probe, crate::authority::now_unix()).await.kind != AnswerKind::Good {
        if Instant::now() > deadline {
            return Err(CaError::DataDir(
                "no pre-signed response appeared within 10 s".into(),
            ));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let t = Instant::now();
    let mut answered = 0_u64;
    while t.elapsed() < Duration::from_secs(2) {
        for _ in 0..1000 {
            std::hint::black_box(ocsp.respond(probe, 0).await);
        }
        answered += 1000;
    }
    let presigned_answers_per_second = answered as f64 / t.elapsed().as_secs_f64();

    let mut latencies = Vec::with_capacity(serials.len());
    for (serial, request) in serials.iter().zip(requests) {
        authority
            .revoke(
                serial,
                carepki_x509::RevocationReason::Superseded,
                None,
                "bench",
            )
            .await?;
        let t = Instant::now();
        loop {
            let a = ocsp.respond(request, crate::authority::now_unix()).await;
            if a.kind == AnswerKind::Revoked {
                break;
            }
            if t.elapsed() > Duration::from_secs(10) {
                return Err(CaError::DataDir(format!(
                    "OCSP did not answer revoked for {serial} within 10 s"
                )));
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    latencies.sort_by(f64::total_cmp);
    let pick = |q: f64| {
        let i = ((latencies.len() as f64 - 1.0) * q).round() as usize;
        latencies[i.min(latencies.len() - 1)]
    };
    Ok(RevocationBenchReport {
        revocations: latencies.len(),
        median_ms: pick(0.5),
        p99_ms: pick(0.99),
        max_ms: latencies.last().copied().unwrap_or_default(),
        presigned_answers_per_second,
    })
}
