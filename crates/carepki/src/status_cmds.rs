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
