//! `carepki professionals import|show`: the professional registers (Terhikki,
//! Suosikki; issue 5, point 1). The file is validated by `carepki_policy::registers`
//! (every problem with its line and field) before the store is touched; the store
//! syncs it in one transaction and returns the rights that ended.

use carepki_ca::DataDir;
use carepki_ca::authority::{now_unix, rfc3339};
use carepki_policy::Ceremony;
use carepki_policy::registers::{
    EndedRightAction, Profession, Professional, Register, RegisterSettings, RightKind, parse_date,
    parse_professionals, validate_registration_number,
};
use carepki_store::{ProfessionalRightRow, ProfessionalRow, RegisterFinding, Store, SyncReport};

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
            let result = sync(&store, &people, settings.on_right_ended).await;
            store.close().await;
            let report = result?;
            if json {
                say!("{}", serde_json::to_string_pretty(&report_json(&report))?);
            } else {
                print_report(&report, settings.on_right_ended);
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
    let rows: Vec<ProfessionalRow> = people.iter().map(row_of).collect();
    Ok(store
        .sync_professionals(&rows, on_ended.as_str(), &actor(), now_unix())
        .await?)
}

/// The store's row of a validated professional.
fn row_of(p: &Professional) -> ProfessionalRow {
    ProfessionalRow {
        registration_number: p.registration_number.clone(),
        surname: p.surname.clone(),
        given_names: p.given_names.clone(),
        birth_year: p.birth_year.map(i64::from),
        sv_number: p.sv_number.clone(),
        rights: p
            .professions
            .iter()
            .map(|r| ProfessionalRightRow {
                register: r.register.as_str().to_owned(),
                profession: r.profession.clone(),
                title: r.title.clone(),
                right_kind: r.right.as_str().to_owned(),
                valid_from: carepki_policy::registers::format_date(r.valid_from),
                valid_until: r.valid_until.map(carepki_policy::registers::format_date),
                starts_at: r.starts_at(),
                ends_at: r.ends_at(),
                prescribing: r.prescribing,
                restrictions: r.restrictions.clone(),
                removed_at: None,
                ended_at: None,
            })
            .collect(),
        created_at: 0,
        updated_at: 0,
        removed_at: None,
    }
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
            "to be revoked (affiliationChanged) by the card workflow, once cards exist"
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
