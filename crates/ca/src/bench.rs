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
