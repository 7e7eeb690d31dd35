//! `carepki professionals import|show|findings|resolve`: the professional
//! registers (Terhikki, Suosikki; issue 5, point 1). The file is validated by
//! `carepki_policy::registers` (every problem with its line and field) before the
//! store is touched; the store syncs it in one transaction and returns the rights
//! that ended. With `[registers] on_right_ended = "revoke"` the import then acts
//! on them through `carepki_ra::cards` (the professional cards that are no longer
//! right are revoked); with `flag`, `findings` lists them and `resolve` records
//! the registrar's or officer's decision.

use carepki_ca::Authority;
use carepki_ca::DataDir;
use carepki_ca::authority::{now_unix, rfc3339};
use carepki_keys::Passphrase;
use carepki_policy::Ceremony;
use carepki_policy::registers::{
    EndedRightAction, Profession, Professional, Register, RegisterSettings, RightKind, parse_date,
    parse_professionals, validate_registration_number,
};
use carepki_ra::cards::{
    CardService, FindingDecision, FindingOutcome, FindingView, professional_row,
};
use carepki_store::{ProfessionalRow, RegisterFinding, Store, SyncReport};

use crate::cli::{Global, ProfessionalsCommand};
use crate::commands::{Error, actor, open_store, read_text};

/// The fictional demo register shipped with CarePKI.
const EXAMPLE_PROFESSIONALS: &str = include_str!("../../../examples/professionals.json");

/// Runs one `professionals` subcommand.
pub(crate) async fn run(g: &Global, cmd: ProfessionalsCommand) -> Result<(), Error> {
    match cmd {
        ProfessionalsCommand::Import { file, json } => {
            let text = read_text(&file)?;
            // Validate before opening anything: a bad file changes nothing.
            let people = parse_professionals(&text)?;
            let settings = settings(&DataDir::new(&g.data_dir))?;
            let store = open_store(g).await?;
            let result = import(g, &store, &people, settings.on_right_ended).await;
            store.close().await;
            let (report, acted) = result?;
            if json {
                let mut v = report_json(&report);
                v["acted"] = acted_json(&acted);
                say!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                print_report(&report, settings.on_right_ended);
                print_acted(&acted);
            }
            if acted.iter().any(Result::is_err) {
                return Err(
                    "the register was imported, but some findings could not be acted \
                            on (see above); they stay open: run the import again or decide \
                            them with `carepki professionals resolve`"
                        .into(),
                );
            }
            Ok(())
        }
        ProfessionalsCommand::Findings { json } => {
            let store = open_store(g).await?;
            let cards = CardService::new(store.clone(), None);
            let result = cards.open_findings(now_unix()).await;
            store.close().await;
            let findings = result?;
            if json {
                say!(
                    "{}",
                    serde_json::to_string_pretty(
                        &findings.iter().map(finding_view_json).collect::<Vec<_>>()
                    )?
                );
            } else {
                print_findings(&findings);
            }
            Ok(())
        }
        ProfessionalsCommand::Resolve {
            id,
            revoke,
            keep: _,
            reason,
            json,
        } => {
            let store = open_store(g).await?;
            let result = resolve(g, &store, id, revoke, &reason).await;
            store.close().await;
            let outcome = result?;
            if json {
                say!("{}", serde_json::to_string_pretty(&outcome)?);
            } else {
                print_outcome(&outcome);
            }
            Ok(())
        }
        ProfessionalsCommand::Show {
            registration_number,
            json,
        } => {
            validate_registration_number(&registration_number)?;
            let store = open_store(g).await?;
            let result = show(&store, &registration_number, json).await;
            store.close().await;
            result
        }
    }
}

/// The card service with the CA open (to revoke).
async fn card_service(g: &Global, store: &Store) -> Result<CardService, Error> {
    let dir = DataDir::new(&g.data_dir);
    let passphrase = Passphrase::from_env_or_file(&dir.passphrase_file())?;
    let authority = Authority::open(dir, store.clone(), passphrase).await?;
    Ok(CardService::new(
        store.clone(),
        Some(std::sync::Arc::new(authority)),
    ))
}

type Acted = Vec<Result<FindingOutcome, (i64, carepki_ra::eservice::EsError)>>;

/// Syncs the register; with `revoke`, acts on the open findings recorded with it.
async fn import(
    g: &Global,
    store: &Store,
    people: &[Professional],
    on_ended: EndedRightAction,
) -> Result<(SyncReport, Acted), Error> {
    let report = sync(store, people, on_ended).await?;
    if on_ended != EndedRightAction::Revoke {
        return Ok((report, Vec::new()));
    }
    let open = store.open_register_findings().await?;
    if !open
        .iter()
        .any(|f| f.on_ended == EndedRightAction::Revoke.as_str())
    {
        return Ok((report, Vec::new()));
    }
    let cards = card_service(g, store).await?;
    let acted = cards.act_on_ended_rights(&actor(), now_unix()).await?;
    Ok((report, acted))
}

async fn resolve(
    g: &Global,
    store: &Store,
    id: i64,
    revoke: bool,
    reason: &str,
) -> Result<FindingOutcome, Error> {
    let decision = if revoke {
        FindingDecision::Revoke
    } else {
        FindingDecision::Keep
    };
    let cards = if revoke {
        card_service(g, store).await?
    } else {
        CardService::new(store.clone(), None)
    };
    Ok(cards
        .decide_finding(id, decision, reason, &actor(), now_unix())
        .await?)
}

fn acted_json(acted: &Acted) -> serde_json::Value {
    serde_json::Value::Array(
        acted
            .iter()
            .map(|r| match r {
                Ok(o) => serde_json::to_value(o).unwrap_or_default(),
                Err((id, e)) => serde_json::json!({
                    "finding": id, "error": e.code, "detail": e.to_string(),
                }),
            })
            .collect(),
    )
}

fn print_outcome(o: &FindingOutcome) {
    say!(
        "  finding {}: {}: {}",
        o.finding,
        o.registration_number,
        o.resolution
    );
    if !o.revoked_serials.is_empty() {
        say!("    revoked certificates: {}", o.revoked_serials.join(", "));
    }
}

fn print_acted(acted: &Acted) {
    if acted.is_empty() {
        return;
    }
    say!("acted on {} finding(s):", acted.len());
    for r in acted {
        match r {
            Ok(o) => print_outcome(o),
            Err((id, e)) => say!("  finding {id}: NOT acted on: {e} [{}]", e.code),
        }
    }
}

fn finding_view_json(v: &FindingView) -> serde_json::Value {
    let mut j = finding_json(&v.finding);
    j["has_valid_right"] = v.has_valid_right.into();
    j["is_prescriber"] = v.is_prescriber.into();
    j["cards"] = v
        .cards
        .iter()
        .map(|c| {
            serde_json::json!({
                "order_id": c.order_id,
                "kind": c.kind,
                "state": c.state,
                "sv_number": c.sv_number,
                "auth_serial": c.auth_serial,
                "sign_serial": c.sign_serial,
                "not_after": c.not_after.map(rfc3339),
                "no_longer_right": c.no_longer_right,
            })
        })
        .collect();
    j
}

fn print_findings(findings: &[FindingView]) {
    if findings.is_empty() {
        say!("no open findings");
        return;
    }
    say!("open findings: {}", findings.len());
    for v in findings {
        let f = &v.finding;
        say!(
            "finding {}: {}  {} {} {} (from {}{}): {}; action {}; found {}",
            f.id,
            f.registration_number,
            f.register,
            f.profession,
            f.title,
            f.valid_from,
            f.valid_until
                .as_deref()
                .map(|u| format!(" until {u}"))
                .unwrap_or_default(),
            kind_words(&f.kind),
            f.on_ended,
            rfc3339(f.detected_at)
        );
        say!(
            "  now: valid right {}, prescriber {}",
            if v.has_valid_right { "yes" } else { "no" },
            if v.is_prescriber { "yes" } else { "no" }
        );
        if v.cards.is_empty() {
            say!("  no professional card with a valid certificate");
        }
        for c in &v.cards {
            say!(
                "  card order {} ({}, {}){}: certificates {} {}: {}",
                c.order_id,
                c.kind,
                c.state,
                c.sv_number
                    .as_deref()
                    .map(|s| format!(", SV number {s}"))
                    .unwrap_or_default(),
                c.auth_serial,
                c.sign_serial,
                c.no_longer_right
                    .as_deref()
                    .map_or("still right: stays".to_owned(), |why| format!(
                        "no longer right ({why}): would be revoked"
                    ))
            );
        }
    }
    say!("decide each with `carepki professionals resolve ID --revoke|--keep --reason TEXT`");
}

/// Imports the example register into a new demo data directory (`serve`'s first run).
pub(crate) async fn import_example(store: &Store, dir: &DataDir) -> Result<SyncReport, Error> {
    let people = parse_professionals(EXAMPLE_PROFESSIONALS)?;
    sync(store, &people, settings(dir)?.on_right_ended).await
}

/// The `[registers]` settings of the data directory's ceremony file.
fn settings(dir: &DataDir) -> Result<RegisterSettings, Error> {
    let path = dir.ceremony_file();
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display()).into()),
    };
    Ok(Ceremony::from_toml(&text)?.registers)
}

async fn sync(
    store: &Store,
    people: &[Professional],
    on_ended: EndedRightAction,
) -> Result<SyncReport, Error> {
    let rows: Vec<ProfessionalRow> = people.iter().map(professional_row).collect();
    Ok(store
        .sync_professionals(&rows, on_ended.as_str(), &actor(), now_unix())
        .await?)
}

/// The policy's view of a stored professional: his rights still in the register,
/// so that `has_valid_right` and `is_prescriber` decide as they do for a file.
fn policy_of(row: &ProfessionalRow) -> Result<Professional, Error> {
    let bad = |what: String| -> Error {
        format!(
            "the stored record of professional {} is not valid: {what}",
            row.registration_number
        )
        .into()
    };
    let professions = row
        .rights
        .iter()
        .filter(|r| r.removed_at.is_none())
        .map(|r| {
            Ok(Profession {
                register: Register::parse(&r.register)
                    .ok_or_else(|| bad(format!("register `{}`", r.register)))?,
                profession: r.profession.clone(),
                title: r.title.clone(),
                right: RightKind::parse(&r.right_kind)
                    .ok_or_else(|| bad(format!("kind of right `{}`", r.right_kind)))?,
                valid_from: parse_date(&r.valid_from).map_err(bad)?,
                valid_until: r
                    .valid_until
                    .as_deref()
                    .map(parse_date)
                    .transpose()
                    .map_err(bad)?,
                prescribing: r.prescribing,
                restrictions: r.restrictions.clone(),
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(Professional {
        registration_number: row.registration_number.clone(),
        surname: row.surname.clone(),
        given_names: row.given_names.clone(),
        birth_year: row.birth_year.and_then(|y| u16::try_from(y).ok()),
        sv_number: row.sv_number.clone(),
        professions,
    })
}

fn finding_json(f: &RegisterFinding) -> serde_json::Value {
    serde_json::json!({
        "finding": f.id,
        "registration_number": f.registration_number,
        "register": f.register,
        "profession": f.profession,
        "title": f.title,
        "valid_from": f.valid_from,
        "valid_until": f.valid_until,
        "kind": f.kind,
        "action": f.on_ended,
        "detected_at": rfc3339(f.detected_at),
        "resolved_at": f.resolved_at.map(rfc3339),
        "resolved_by": f.resolved_by,
        "resolution": f.resolution,
    })
}

fn report_json(r: &SyncReport) -> serde_json::Value {
    serde_json::json!({
        "inserted": r.inserted,
        "updated": r.updated,
        "unchanged": r.unchanged,
        "removed": r.removed,
        "valid_again": r.valid_again,
        "ended": r.ended.iter().map(finding_json).collect::<Vec<_>>(),
    })
}

/// How a finding came about, in words.
fn kind_words(kind: &str) -> &str {
    match kind {
        "expired" => "expired (valid_until has passed)",
        "removed" => "removed from the register",
        "person-removed" => "the person is no longer in the register",
        other => other,
    }
}

fn print_report(r: &SyncReport, on_ended: EndedRightAction) {
    say!(
        "professionals: {} inserted, {} updated, {} unchanged, {} removed",
        r.inserted,
        r.updated,
        r.unchanged,
        r.removed
    );
    if r.valid_again > 0 {
        say!(
            "{} earlier finding(s) resolved: the right is valid again",
            r.valid_again
        );
    }
    if r.ended.is_empty() {
        say!("no rights ended");
        return;
    }
    let action = match on_ended {
        EndedRightAction::Flag => "flagged for a registrar",
        EndedRightAction::Revoke => {
            "the professional cards no longer right are revoked (affiliationChanged)"
        }
    };
    say!("rights that ended: {} ({action}):", r.ended.len());
    for f in &r.ended {
        say!(
            "  finding {}: {}  {} {} {} (from {}{}): {}",
            f.id,
            f.registration_number,
            f.register,
            f.profession,
            f.title,
            f.valid_from,
            f.valid_until
                .as_deref()
                .map(|u| format!(" until {u}"))
                .unwrap_or_default(),
            kind_words(&f.kind)
        );
    }
}

async fn show(store: &Store, number: &str, json: bool) -> Result<(), Error> {
    let Some(row) = store.professional(number).await? else {
        return Err(format!(
            "no professional with registration number {number}; import the register with \
             `carepki professionals import FILE`"
        )
        .into());
    };
    let findings = store.register_findings_of(number).await?;
    let now = now_unix();
    let person = policy_of(&row)?;
    let valid = row.removed_at.is_none() && person.has_valid_right(now);
    let prescriber = row.removed_at.is_none() && person.is_prescriber(now);
    if json {
        let rights: Vec<_> = row
            .rights
            .iter()
            .map(|r| {
                serde_json::json!({
                    "register": r.register,
                    "profession": r.profession,
                    "title": r.title,
                    "right": r.right_kind,
                    "valid_from": r.valid_from,
                    "valid_until": r.valid_until,
                    "prescribing": r.prescribing,
                    "restrictions": r.restrictions,
                    "valid_now": r.is_valid_at(now),
                    "removed_at": r.removed_at.map(rfc3339),
                    "ended_at": r.ended_at.map(rfc3339),
                })
            })
            .collect();
        say!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "registration_number": row.registration_number,
                "surname": row.surname,
                "given_names": row.given_names,
                "birth_year": row.birth_year,
                "sv_number": row.sv_number,
                "in_register": row.removed_at.is_none(),
                "removed_at": row.removed_at.map(rfc3339),
                "has_valid_right": valid,
                "is_prescriber": prescriber,
                "rights": rights,
                "findings": findings.iter().map(finding_json).collect::<Vec<_>>(),
            }))?
        );
        return Ok(());
    }
    let yes = |b: bool| if b { "yes" } else { "no" };
    say!(
        "{}  {}, {}{}",
        row.registration_number,
        row.surname,
        row.given_names,
        row.birth_year
            .map(|y| format!("  (born {y})"))
            .unwrap_or_default()
    );
    match row.removed_at {
        None => say!("  in the register:  yes"),
        Some(at) => say!("  in the register:  no (removed {})", rfc3339(at)),
    }
    say!(
        "  SV number:        {}",
        row.sv_number.as_deref().unwrap_or("-")
    );
    say!("  valid right now:  {}", yes(valid));
    say!("  prescriber now:   {}", yes(prescriber));
    say!("  rights:");
    for r in &row.rights {
        let state = if r.is_valid_at(now) {
            "valid"
        } else if r.removed_at.is_some() {
            "removed"
        } else if r.starts_at > now {
            "not yet valid"
        } else {
            "ended"
        };
        say!(
            "    {} {:<6} {}  {}  {} – {}{}  [{state}]",
            r.register,
            r.profession,
            r.title,
            r.right_kind,
            r.valid_from,
            r.valid_until.as_deref().unwrap_or("(no end)"),
            if r.prescribing { "  prescribing" } else { "" }
        );
        for restriction in &r.restrictions {
            say!("        restriction: {restriction}");
        }
    }
    if !findings.is_empty() {
        say!("  findings:");
        for f in &findings {
            say!(
                "    finding {} {} {}: {}, found {}, action {}; {}",
                f.id,
                f.register,
                f.profession,
                kind_words(&f.kind),
                rfc3339(f.detected_at),
                f.on_ended,
                match (&f.resolved_at, &f.resolution) {
                    (Some(at), Some(how)) => format!("resolved {} ({how})", rfc3339(*at)),
                    _ => "open".to_owned(),
                }
            );
        }
    }
    Ok(())
}
