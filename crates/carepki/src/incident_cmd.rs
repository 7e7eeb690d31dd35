//! `carepki card find` and `carepki card bulk list|show|resume`: the incident
//! tools (issue 5, point 8; R-SV, R-STATUS-TRUTH), through
//! `carepki_ra::cards::CardService` (`cards::incident`).
//!
//! A bulk run shows a progress bar on a terminal (plain lines otherwise) and
//! stops cleanly on Ctrl-C after the card at hand: the job stays
//! `interrupted`, and `carepki card bulk resume JOB` goes on with the cards
//! not yet done.

use std::io::IsTerminal as _;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use carepki_ca::authority::now_unix;
use carepki_policy::calendar::to_helsinki;
use carepki_ra::cards::{BulkAction, BulkControl, BulkReport, CardFilter, CardService, Officer};
use carepki_store::{BulkItemRow, BulkJobRow};
use carepki_x509::RevocationReason;
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::{CardBulkCommand, CardFindArgs, Global};
use crate::commands::{Error, actor, open_authority, open_store};

fn es(e: carepki_ra::eservice::EsError) -> Error {
    format!("{} [{}]", e, e.code).into()
}

/// A Unix time as a Helsinki date and time (`2023-03-20 12:00`).
fn helsinki(t: Option<i64>) -> String {
    t.and_then(|t| to_helsinki(t).ok())
        .map(|d| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}",
                d.year(),
                u8::from(d.month()),
                d.day(),
                d.hour(),
                d.minute()
            )
        })
        .unwrap_or_else(|| "-".into())
}

/// The service: with the CA open when the action needs it (revoke, re-order).
async fn service(g: &Global, with_ca: bool) -> Result<CardService, Error> {
    if with_ca {
        let authority = open_authority(g).await?;
        let store = authority.store().clone();
        Ok(CardService::new(store, Some(Arc::new(authority))))
    } else {
        Ok(CardService::new(open_store(g).await?, None))
    }
}

/// `carepki card find ...`, and a bulk job on what it finds.
pub(crate) async fn find(g: &Global, a: CardFindArgs) -> Result<(), Error> {
    let filter = CardFilter {
        kind: a.kind,
        valid_from_start: a.valid_from_start,
        valid_from_end: a.valid_from_end,
        missing_sv: a.missing_sv,
        point: a.point,
        statuses: a.status,
    };
    let action = if a.notify {
        Some(BulkAction::Notify)
    } else if a.revoke {
        let name = a.reason.as_deref().unwrap_or_default();
        Some(BulkAction::Revoke(RevocationReason::from_name(name)?))
    } else if a.reorder {
        Some(BulkAction::Reorder)
    } else {
        None
    };
    // Check the filter before anything is opened.
    filter.query(now_unix()).map_err(es)?;
    let cards = service(g, action.is_some_and(|x| x != BulkAction::Notify)).await?;
    let result = match action {
        None => list_found(&cards, &filter, a.json).await,
        Some(action) => {
            match cards
                .start_bulk(&Officer::cli(actor()), &filter, action, now_unix())
                .await
            {
                Ok(job) => run(&cards, job, a.json).await,
                Err(e) => Err(es(e)),
            }
        }
    };
    cards.store().close().await;
    result
}

async fn list_found(cards: &CardService, filter: &CardFilter, json: bool) -> Result<(), Error> {
    let found = cards.find_cards(filter, now_unix()).await.map_err(es)?;
    if json {
        say!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "count": found.len(),
                "cards": found,
            }))?
        );
        return Ok(());
    }
    if !found.is_empty() {
        say!(
            "{:>6}  {:<12}  {:<12}  {:<28}  {:>5}  {:<9}  {:<8}  {:<16}  serials (authentication / signature)",
            "order",
            "kind",
            "holder",
            "name",
            "point",
            "state",
            "status",
            "valid from"
        );
    }
    for c in &found {
        say!(
            "{:>6}  {:<12}  {:<12}  {:<28}  {:>5}  {:<9}  {:<8}  {:<16}  {} / {}",
            c.order_id,
            c.kind,
            c.holder_number,
            c.name,
            c.point_id,
            c.state,
            c.cert_status.as_deref().unwrap_or("-"),
            helsinki(c.not_before),
            c.auth_serial.as_deref().unwrap_or("-"),
            c.sign_serial.as_deref().unwrap_or("-")
        );
        if !c.why.is_empty() {
            say!("        why: {}", c.why);
        }
    }
    say!(
        "{} card{} found",
        found.len(),
        if found.len() == 1 { "" } else { "s" }
    );
    Ok(())
}

/// Runs a running job to its end or to Ctrl-C, with a progress bar on a
/// terminal and a line per card otherwise.
async fn run(cards: &CardService, job: BulkJobRow, json: bool) -> Result<(), Error> {
    let officer = Officer::cli(actor());
    let control = BulkControl::default();
    let flag = control.cancel.clone();
    let watcher = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            flag.store(true, Ordering::SeqCst);
        }
    });
    let settled_before = cards
        .bulk_job(job.id)
        .await
        .map_err(es)?
        .items
        .iter()
        .filter(|i| i.outcome == "done" || i.outcome == "skipped")
        .count();
    let total = u64::try_from(job.items_total).unwrap_or(0);
    eprintln!(
        "bulk job {}: {} on {} card{} (Ctrl-C stops after the current card)",
        job.id,
        job.action,
        total,
        if total == 1 { "" } else { "s" }
    );
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(total);
        if let Ok(style) =
            ProgressStyle::with_template("{bar:40} {pos}/{len} cards  {elapsed_precise}  {msg}")
        {
            bar.set_style(style);
        }
        bar.set_position(u64::try_from(settled_before).unwrap_or(0));
        bar
    });
    let on_item = |item: &BulkItemRow, settled: usize| {
        let line = format!(
            "order {}: {}: {}",
            item.order_id,
            item.outcome,
            item.detail.as_deref().unwrap_or("")
        );
        match &bar {
            Some(bar) => {
                bar.set_position(u64::try_from(settled).unwrap_or(0));
                if item.outcome == "done" {
                    bar.set_message(line);
                } else {
                    bar.println(line);
                }
            }
            None => eprintln!("[{settled}/{total}] {line}"),
        }
    };
    let result = cards.run_bulk(&officer, job.id, &control, on_item).await;
    watcher.abort();
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let report = result.map_err(es)?;
    print_report(&report, json)?;
    match report.job.state.as_str() {
        "interrupted" => Err(format!(
            "bulk job {} interrupted: resume it with `carepki card bulk resume {}`",
            report.job.id, report.job.id
        )
        .into()),
        _ if report.count("failed") > 0 => Err(format!(
            "{} card(s) of bulk job {} failed (see `carepki card bulk show {}`); resume it to \
             try them again",
            report.count("failed"),
            report.job.id,
            report.job.id
        )
        .into()),
        _ => Ok(()),
    }
}

fn print_report(report: &BulkReport, json: bool) -> Result<(), Error> {
    if json {
        say!("{}", serde_json::to_string_pretty(report)?);
        return Ok(());
    }
    let j = &report.job;
    say!(
        "bulk job {}: {} ({}), {} card{}: {} done, {} skipped, {} failed, {} not done",
        j.id,
        j.action,
        j.state,
        j.items_total,
        if j.items_total == 1 { "" } else { "s" },
        report.count("done"),
        report.count("skipped"),
        report.count("failed"),
        report.count("pending") + report.count("started")
    );
    say!(
        "  started by {} at {}",
        j.created_by,
        helsinki(Some(j.created_at))
    );
    say!("  filter {}", j.filter);
    if j.params.as_object().is_some_and(|p| !p.is_empty()) {
        say!("  parameters {}", j.params);
    }
    for i in &report.items {
        say!(
            "  {:>4}. order {:<6} {:<8} {}",
            i.position,
            i.order_id,
            i.outcome,
            i.detail.as_deref().unwrap_or("")
        );
    }
    Ok(())
}

/// `carepki card bulk list|show|resume`.
pub(crate) async fn bulk(g: &Global, cmd: CardBulkCommand) -> Result<(), Error> {
    match cmd {
        CardBulkCommand::List { json } => {
            let cards = service(g, false).await?;
            let result = cards.bulk_jobs().await.map_err(es);
            cards.store().close().await;
            let jobs = result?;
            if json {
                say!("{}", serde_json::to_string_pretty(&jobs)?);
            } else {
                for j in &jobs {
                    say!(
                        "{:>4}  {:<8} {:<12} {:>5} cards  started {} by {}",
                        j.id,
                        j.action,
                        j.state,
                        j.items_total,
                        helsinki(Some(j.created_at)),
                        j.created_by
                    );
                }
                say!(
                    "{} bulk job{}",
                    jobs.len(),
                    if jobs.len() == 1 { "" } else { "s" }
                );
            }
            Ok(())
        }
        CardBulkCommand::Show { job, json } => {
            let cards = service(g, false).await?;
            let result = cards.bulk_job(job).await.map_err(es);
            cards.store().close().await;
            print_report(&result?, json)
        }
        CardBulkCommand::Resume { job, json } => {
            let peek = service(g, false).await?;
            let found = peek.bulk_job(job).await.map_err(es);
            peek.store().close().await;
            let with_ca = found?.job.action != "notify";
            let cards = service(g, with_ca).await?;
            let result = match cards
                .resume_bulk(&Officer::cli(actor()), job, now_unix())
                .await
            {
                Ok(j) => run(&cards, j, json).await,
                Err(e) => Err(es(e)),
            };
            cards.store().close().await;
            result
        }
    }
}
