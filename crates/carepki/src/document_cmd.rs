//! `carepki document verify|sign`: signed documents and prescriptions (issue 5
//! point 9, R-SV, R-CARD-CERTS). Verification is
//! `carepki_ca::Authority::verify_document`; signing is
//! `carepki_ra::cards::docsign::sign_document` on a card through PKCS#11.

use std::io::{BufRead as _, Write as _};
use std::path::Path;

use carepki_ca::authority::now_unix;
use carepki_ca::docsign::{DocumentPurpose, DocumentVerdict, VerifyOptions};
use carepki_keys::{Card, CardKey, Pkcs11Module};
use carepki_ra::cards::docsign::sign_document;
use carepki_x509::cms::{Encapsulation, MAX_CONTENT, MAX_SIGNED_DATA};
use zeroize::Zeroizing;

use crate::cli::{DocumentCommand, DocumentSignArgs, DocumentVerifyArgs, Global};
use crate::commands::{Error, open_authority};

/// The environment variable `carepki document sign` reads PIN2 from.
pub(crate) const PIN2_ENV: &str = "CAREPKI_PIN2";

/// Runs one `document` subcommand.
pub(crate) async fn run(g: &Global, cmd: DocumentCommand) -> Result<(), Error> {
    match cmd {
        DocumentCommand::Verify(args) => verify(g, args).await,
        DocumentCommand::Sign(args) => sign(args),
    }
}

/// Reads a file of at most `max` bytes, saying which file is too large.
fn read_limited(path: &Path, max: usize, what: &str) -> Result<Vec<u8>, Error> {
    let len = std::fs::metadata(path)
        .map_err(|e| format!("cannot read {what} {}: {e}", path.display()))?
        .len();
    if len > max as u64 {
        return Err(format!(
            "{what} {} is {len} bytes; at most {max} bytes are accepted",
            path.display()
        )
        .into());
    }
    std::fs::read(path).map_err(|e| format!("cannot read {what} {}: {e}", path.display()).into())
}

async fn verify(g: &Global, args: DocumentVerifyArgs) -> Result<(), Error> {
    let signed = read_limited(&args.file, MAX_SIGNED_DATA, "the signed document")?;
    let content = match &args.content {
        Some(p) => Some(read_limited(p, MAX_CONTENT, "the content")?),
        None => None,
    };
    let authority = open_authority(g).await?;
    let options = VerifyOptions {
        purpose: if args.prescription {
            DocumentPurpose::Prescription
        } else {
            DocumentPurpose::Document
        },
        allow_test_hierarchy: args.allow_test,
    };
    let verdict = authority
        .verify_document(&signed, content.as_deref(), options, now_unix())
        .await?;
    authority.store().close().await;
    if args.json {
        say!("{}", serde_json::to_string_pretty(&verdict)?);
    } else {
        say!("{}", text(&verdict));
    }
    match verdict.refusal {
        None => Ok(()),
        Some(r) => Err(format!(
            "the {} was refused ({}): {}",
            verdict.purpose.as_str(),
            r.code,
            r.message
        )
        .into()),
    }
}

fn text(v: &DocumentVerdict) -> String {
    let mut out = match &v.refusal {
        None => format!("ACCEPTED as a {}\n", v.purpose.as_str()),
        Some(r) => format!(
            "REFUSED as a {}: {} ({})\n",
            v.purpose.as_str(),
            r.message,
            r.code
        ),
    };
    if let Some(s) = &v.signer {
        out.push_str(&format!(
            "signer:        {}\nholder number: {}\nSV number:     {}\ncertificate:   {} from {} ({})\n",
            s.name.as_deref().unwrap_or("?"),
            s.holder_number.as_deref().unwrap_or("-"),
            s.sv_number.as_deref().unwrap_or("-"),
            s.serial,
            s.ca.as_deref().unwrap_or("an unknown CA"),
            s.profile.as_deref().unwrap_or("no profile"),
        ));
    }
    if let Some(t) = &v.signing_time {
        out.push_str(&format!("signed at:     {t}\n"));
    }
    for c in &v.checks {
        out.push_str(&format!(
            "  [{}] {:<12} {}\n",
            if c.passed { "ok" } else { "FAILED" },
            c.check,
            c.detail
        ));
    }
    out.trim_end().to_owned()
}

/// PIN2 from [`PIN2_ENV`], or else the first line of standard input.
fn read_pin2() -> Result<Zeroizing<String>, Error> {
    if let Ok(pin) = std::env::var(PIN2_ENV) {
        return Ok(Zeroizing::new(pin));
    }
    if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        eprint!("PIN2 (signature): ");
        let _ = std::io::stderr().flush();
    }
    let mut line = Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read PIN2 from standard input: {e}"))?;
    let pin = Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_owned());
    if pin.is_empty() {
        return Err(format!(
            "no PIN2 was given: set {PIN2_ENV} or write it on standard input (never as an \
             argument)"
        )
        .into());
    }
    Ok(pin)
}

fn sign(args: DocumentSignArgs) -> Result<(), Error> {
    let content = read_limited(&args.content, MAX_CONTENT, "the content")?;
    if args.out.exists() {
        return Err(format!(
            "{} exists already; give a new file for the signed document",
            args.out.display()
        )
        .into());
    }
    let pin = read_pin2()?;
    let module = Pkcs11Module::load(&args.module)?;
    let card = Card::open(&module, &args.card)?;
    let encapsulation = if args.detached {
        Encapsulation::Detached
    } else {
        Encapsulation::Encapsulated
    };
    let signed = sign_document(
        &card,
        CardKey::Sign,
        &pin,
        &content,
        encapsulation,
        now_unix(),
    )
    .map_err(|e| format!("{} ({})", e.detail, e.code))?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&args.out)
        .map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;
    file.write_all(&signed)
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", args.out.display()))?;
    say!(
        "signed {} with the signature key of card {} ({} bytes{}): {}",
        args.content.display(),
        args.card,
        signed.len(),
        if args.detached { ", detached" } else { "" },
        args.out.display()
    );
    Ok(())
}
