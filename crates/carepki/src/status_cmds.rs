//! The status subcommands: `revoke`, `crl generate`, `status audit`.

use std::path::PathBuf;

use carepki_ca::audit::Severity;
use carepki_ca::authority::{now_unix, rfc3339};
use carepki_ca::crl::CrlKind;
use carepki_x509::RevocationReason;

use crate::cli::{Global, RevokeArgs};
use crate::commands::{Error, actor, open_authority};

/// `carepki revoke SERIAL --reason R [--invalidity-date T]`: durable before it
/// answers, final, audited (R-REVOKE-WHEN).
pub(crate) async fn revoke(g: &Global, args: RevokeArgs) -> Result<(), Error> {
    let reason = RevocationReason::from_name(&args.reason)?;
    let invalidity = args
        .invalidity_date
        .as_deref()
        .map(parse_time)
        .transpose()?;
    let authority = open_authority(g).await?;
    let result = authority
        .revoke(&args.serial, reason, invalidity, &actor())
        .await;
    authority.store().close().await;
    let r = result?;
    if args.json {
        say!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "serial": r.serial,
                "ca": r.ca_id,
                "status": "revoked",
                "reason": r.reason,
                "revoked_at": rfc3339(r.revoked_at),
                "invalidity_date": r.invalidity_date.map(rfc3339),
                "expired": r.expired,
            }))?
        );
    } else {
        say!("revoked certificate {} ({})", r.serial, r.reason);
        say!("  revoked at  {}", rfc3339(r.revoked_at));
        if let Some(t) = r.invalidity_date {
            say!("  invalid since {}", rfc3339(t));
        }
        if r.expired {
            say!("  note: the certificate had already expired; the revocation is recorded");
        }
        if reason == RevocationReason::KeyCompromise {
            say!("  its public key is refused for every future certificate");
        }
        say!(
            "  OCSP answers revoked within a second while `carepki serve` runs; the next delta CRL lists it"
        );
    }
    Ok(())
}

/// RFC 3339 (`2026-11-20T08:00:00Z`) or unix seconds.
fn parse_time(text: &str) -> Result<i64, Error> {
    if let Ok(n) = text.trim().parse::<i64>() {
        return Ok(n);
    }
    time::OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp())
        .map_err(|e| {
            format!(
                "--invalidity-date `{text}` is not a time ({e}); use RFC 3339 such as 2026-11-20T08:00:00Z, or unix seconds"
            )
            .into()
        })
}

/// `carepki crl generate [--ca ID] [--delta] [--out FILE]`.
pub(crate) async fn crl_generate(
    g: &Global,
    ca: Option<String>,
    delta: bool,
    out: Option<PathBuf>,
    json: bool,
) -> Result<(), Error> {
    if out.is_some() && ca.is_none() {
        return Err("--out writes one CRL: name its CA with --ca (see `carepki ca list`)".into());
    }
    let authority = open_authority(g).await?;
    let ids: Vec<String> = match &ca {
        Some(id) => {
            authority.loaded_ca(id)?;
            vec![id.clone()]
        }
        None => authority.cas().keys().cloned().collect(),
    };
    let kind = if delta { CrlKind::Delta } else { CrlKind::Full };
    let now = now_unix();
    let mut published = Vec::new();
    for id in &ids {
        match authority.publish_crl(id, kind, now).await {
            Ok(p) => published.push(p),
            Err(e) => {
                authority.store().close().await;
                return Err(e.into());
            }
        }
    }
    authority.store().close().await;
    if let (Some(out), Some(p)) = (&out, published.first()) {
        std::fs::copy(&p.path, out).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    }
    if json {
        let rows: Vec<_> = published.iter().map(|p| &p.row).collect();
        say!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        for p in &published {
            say!(
                "{} CRL {} of {}: {} entries, {} bytes, next update {}  {}",
                p.row.kind,
                p.row.number,
                p.row.ca_id,
                p.row.entries,
                p.row.bytes,
                rfc3339(p.row.next_update),
                out.as_ref().unwrap_or(&p.path).display()
            );
        }
    }
    Ok(())
}

/// `carepki status audit`: exit 1 when any certificate is reported wrongly.
pub(crate) async fn status_audit(g: &Global, json: bool) -> Result<(), Error> {
    let authority = open_authority(g).await?;
    let result = carepki_web::audit_once(&authority, now_unix()).await;
    authority.store().close().await;
    let report = result?;
    if json {
        say!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        say!(
            "status audit: {} certificates ({} revoked), {} OCSP responses, {} CRLs, {} search answers",
            report.certificates,
            report.revoked,
            report.ocsp_responses,
            report.crls,
            report.search_answers
        );
        for sev in [Severity::Failure, Severity::Pending, Severity::Note] {
            let of: Vec<_> = report
                .findings
                .iter()
                .filter(|f| f.severity == sev)
                .collect();
            if of.is_empty() {
                continue;
            }
            let label = match sev {
                Severity::Failure => "FAILURE",
                Severity::Pending => "pending",
                Severity::Note => "note",
            };
            say!("{} {label}(s):", of.len());
            for f in of.iter().take(50) {
                say!(
                    "  {label:<8} {:<10} {:<34} {:<28} {}",
                    f.source,
                    f.serial,
                    f.ca_id,
                    f.message
                );
            }
            if of.len() > 50 {
                say!("  … and {} more (use --json for all)", of.len() - 50);
            }
        }
    }
    if report.passed() {
        if !json {
            say!("PASSED: no valid certificate is reported revoked and no revoked one good");
        }
        Ok(())
    } else {
        Err(format!(
            "status audit FAILED: {} disagreement(s) report a certificate's status wrongly (R-STATUS-TRUTH)",
            report.failures()
        )
        .into())
    }
}

/// `carepki bench crl --n N`: N synthetic revocations in a throw-away SQLite
/// data directory, then one full CRL built, signed and published from them.
pub(crate) async fn bench_crl(n: i64, json: bool) -> Result<(), Error> {
    if n < 1 {
        return Err("--n must be at least 1".into());
    }
    let (_tmp, g) = crate::commands::bench_data_dir().await?;
    let authority = open_authority(&g).await?;
    let now = now_unix();
    eprintln!("bench: adding {n} revoked certificate records");
    let t = std::time::Instant::now();
    authority
        .store()
        .insert_synthetic_revocations("service-providers", n, now - 60, now + 365 * 86_400)
        .await?;
    eprintln!(
        "bench: added in {:.1} s; publishing the CRL",
        t.elapsed().as_secs_f64()
    );
    let report = carepki_ca::bench::bench_crl(&authority, "service-providers").await;
    authority.store().close().await;
    let report = report?;
    if json {
        say!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        say!(
            "full CRL of {} revoked entries, {} bytes",
            report.entries,
            report.bytes
        );
        say!(
            "  from the database (stream, encode, hash, sign, write, sync, record): {:.3} s",
            report.publish_seconds
        );
        say!(
            "  the DER pipeline alone (encode, hash, sign; same entries, same run): {:.3} s",
            report.encode_sign_seconds
        );
        say!(
            "  ratio database / pipeline: {:.2}",
            report.publish_seconds / report.encode_sign_seconds.max(1e-9)
        );
        if let (Some(peak), Some(before)) = (report.peak_rss_kib, report.rss_before_kib) {
            say!(
                "  memory: resident {:.1} MiB before, peak {:.1} MiB while publishing (the CRL itself is {:.1} MiB)",
                before as f64 / 1024.0,
                peak as f64 / 1024.0,
                report.bytes as f64 / 1_048_576.0
            );
        }
    }
    Ok(())
}

/// `carepki bench revocation --n N`: N server certificates issued in a
/// throw-away data directory, the OCSP responder started in process, then each
/// revoked and timed until OCSP answers revoked.
pub(crate) async fn bench_revocation(n: usize, json: bool) -> Result<(), Error> {
    use std::sync::Arc;
    if n < 1 {
        return Err("--n must be at least 1".into());
    }
    let (_tmp, g) = crate::commands::bench_data_dir().await?;
    let authority = Arc::new(open_authority(&g).await?);
    let org = crate::commands::bench_organisation(&authority).await?;
    eprintln!("bench: issuing {n} server certificates");
    let csrs = tokio::task::spawn_blocking(move || carepki_ca::bench::generate_csrs(n)).await??;
    let mut serials = Vec::with_capacity(n);
    let mut requests = Vec::with_capacity(n);
    let ca = authority.loaded_ca("service-providers")?;
    for (i, csr) in csrs.into_iter().enumerate() {
        let issued = authority
            .issue(&carepki_ca::IssueRequest {
                profile: carepki_policy::ProfileId::Server,
                org_oid: org.oid.clone(),
                csr,
                common_name: format!("r{i}.{}", org.domains[0]),
                dns_names: vec![],
                emails: vec![],
                days: None,
                ca: None,
                actor: "bench".into(),
            })
            .await?;
        let serial_bytes = hex::decode(if issued.serial.len() % 2 == 1 {
            format!("0{}", issued.serial)
        } else {
            issued.serial.clone()
        })?;
        let id = carepki_x509::ocsp::cert_id(
            carepki_x509::ocsp::HashAlg::Sha1,
            &ca.subject_der,
            &ca.key_bits,
            &serial_bytes,
        )?;
        requests.push(carepki_x509::ocsp::encode_request(&[&id], None));
        serials.push(issued.serial);
    }
    eprintln!("bench: starting the OCSP responder");
    let ocsp = carepki_ca::ocsp::OcspService::start(Arc::clone(&authority)).await?;
    tokio::spawn(Arc::clone(&ocsp).run_refresher());
    let report = carepki_ca::bench::bench_revocation(&authority, &ocsp, &serials, &requests).await;
    authority.store().close().await;
    let report = report?;
    if json {
        say!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        say!(
            "revocation to OCSP `revoked`, in process, {} revocations: median {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            report.revocations,
            report.median_ms,
            report.p99_ms,
            report.max_ms
        );
        say!(
            "pre-signed OCSP answers in process (parse + lookup, no HTTP), one task: {:.0}/s",
            report.presigned_answers_per_second
        );
    }
    Ok(())
}
