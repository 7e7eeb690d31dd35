//! The key ceremony: `carepki init` creates the production and TEST hierarchies, each a
//! self-signed root and three sub-CAs (service providers, professionals, temporary
//! certificates), with encrypted key files and the CA certificates in the store.

use carepki_keys::{Passphrase, Signer, SoftwareKey};
use carepki_policy::hierarchy::ca_id;
use carepki_policy::{CaRole, Ceremony, Hierarchy};
use carepki_store::{CaRow, Store};
use carepki_x509::cert::{TbsParams, assemble, encode_tbs};
use carepki_x509::ext::{self, Ku};
use carepki_x509::key::key_identifier;
use carepki_x509::lint::{IssuerFacts, lint_rfc5280};
use carepki_x509::name::{Attr, build_name, display_name};
use carepki_x509::oid::PolicyOid;
use carepki_x509::reexport::x509_cert::ext::Extension;
use carepki_x509::reexport::x509_cert::name::Name;
use carepki_x509::{KeyAlgorithm, PublicKey};

use crate::datadir::{DataDir, write_new_private};
use crate::serial::new_serial;
use crate::{CaError, ceremony_signature_algorithm};

/// anyPolicy (RFC 5280 §4.2.1.4): sub-CAs may issue under any of the deployment's
/// policies.
const ANY_POLICY: &str = "2.5.29.32.0";

/// Seconds in a (Julian) year, used for CA validity.
const YEAR: i64 = 365 * 86_400 + 6 * 3600;

/// What `init` was asked to do.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The ceremony file's text (empty for CarePKI's defaults).
    pub ceremony_toml: String,
    /// The CA key algorithm: ECDSA P-384 (default) or RSA 4096.
    pub algorithm: KeyAlgorithm,
    /// The passphrase from `CAREPKI_PASSPHRASE`; when `None` one is generated into the
    /// data directory's passphrase file (mode 0600).
    pub passphrase: Option<Passphrase>,
    /// The time of the ceremony (Unix seconds).
    pub now: i64,
    /// Who performs it, for the audit log.
    pub actor: String,
}

/// What the ceremony made.
#[derive(Debug, Clone)]
pub struct InitReport {
    /// The CAs, roots first.
    pub cas: Vec<CaRow>,
    /// Whether a passphrase file was generated.
    pub generated_passphrase_file: bool,
}

/// Step 1 of init: create the data directory, write the ceremony file and resolve the
/// passphrase. The database is opened by the caller between this and [`run_ceremony`]
/// (it may live in the directory or on a PostgreSQL server).
pub fn prepare(dir: &DataDir, opts: &InitOptions) -> Result<(Ceremony, Passphrase, bool), CaError> {
    let ceremony = Ceremony::from_toml(&opts.ceremony_toml)?;
    if !matches!(
        opts.algorithm,
        KeyAlgorithm::EcdsaP384 | KeyAlgorithm::Rsa4096
    ) {
        return Err(CaError::DataDir(format!(
            "CA keys are ECDSA P-384 or RSA 4096, not {}",
            opts.algorithm
        )));
    }
    dir.create()?;
    write_new_private(&dir.ceremony_file(), opts.ceremony_toml.as_bytes())?;
    let (passphrase, generated) = match &opts.passphrase {
        Some(p) => (p.clone(), false),
        None => (Passphrase::create_file(&dir.passphrase_file())?, true),
    };
    Ok((ceremony, passphrase, generated))
}

/// Step 2 of init: generate the keys, write them encrypted, build and lint the CA
/// certificates and record them (with audit events) in the store.
pub async fn run_ceremony(
    dir: &DataDir,
    store: &Store,
    ceremony: &Ceremony,
    passphrase: &Passphrase,
    opts: &InitOptions,
) -> Result<Vec<CaRow>, CaError> {
    if !store.cas().await?.is_empty() {
        return Err(CaError::DataDir(
            "the database holds CAs already; init never replaces a hierarchy".into(),
        ));
    }
    let sig = ceremony_signature_algorithm(ceremony, opts.algorithm);
    let mut rows = Vec::new();
    for hierarchy in Hierarchy::ALL {
        let root_key = SoftwareKey::generate(opts.algorithm, sig)?;
        let root_id = ca_id(hierarchy, CaRole::Root);
        let root_name = ca_name(ceremony, hierarchy, CaRole::Root)?;
        let root_pub = PublicKey::from_spki_der(root_key.public_key_spki())?;
        let root_ski = key_identifier(&root_pub.raw);
        // notAfter is inclusive (RFC 5280 §4.1.2.5), hence the second less.
        let not_after_root = opts.now + i64::from(ceremony.root_validity_years) * YEAR - 1;
        let root_exts = vec![
            ext::basic_constraints(true, ceremony.root_path_len)?,
            ext::key_usage(&[Ku::KeyCertSign, Ku::CrlSign])?,
            ext::subject_key_identifier(&root_ski)?,
            ext::authority_key_identifier(&root_ski)?,
        ];
        let root_der = sign_ca_cert(
            ceremony.serial_prefix,
            &root_name,
            &root_name,
            &root_ski,
            &root_key,
            &root_pub,
            opts.now,
            not_after_root,
            root_exts,
        )?;
        write_key(dir, &root_id, &root_key, passphrase)?;
        rows.push(row(
            &root_id,
            hierarchy,
            CaRole::Root,
            None,
            &root_name,
            &root_der,
            opts,
            &root_key,
        )?);
        for role in [
            CaRole::ServiceProviders,
            CaRole::Professionals,
            CaRole::Temporary,
        ] {
            let id = ca_id(hierarchy, role);
            let key = SoftwareKey::generate(opts.algorithm, sig)?;
            let public = PublicKey::from_spki_der(key.public_key_spki())?;
            let ski = key_identifier(&public.raw);
            let name = ca_name(ceremony, hierarchy, role)?;
            let fi = build_name(&[(Attr::Country, "FI")])?;
            let not_after = (opts.now + i64::from(ceremony.sub_ca_validity_years) * YEAR - 1)
                .min(not_after_root);
            let exts = vec![
                ext::basic_constraints(true, Some(0))?,
                ext::key_usage(&[Ku::KeyCertSign, Ku::CrlSign])?,
                ext::subject_key_identifier(&ski)?,
                ext::authority_key_identifier(&root_ski)?,
                ext::certificate_policies(&[PolicyOid::parse(ANY_POLICY)?])?,
                ext::crl_distribution_point(&ceremony.crl_url(&root_id))?,
                ext::authority_info_access_issuers_only(&ceremony.ca_issuers_url(&root_id))?,
                ext::name_constraints(&[fi], role == CaRole::ServiceProviders)?,
            ];
            let der = sign_ca_cert(
                ceremony.serial_prefix,
                &root_name,
                &name,
                &root_ski,
                &root_key,
                &public,
                opts.now,
                not_after,
                exts,
            )?;
            write_key(dir, &id, &key, passphrase)?;
            rows.push(row(
                &id,
                hierarchy,
                role,
                Some(&root_id),
                &name,
                &der,
                opts,
                &key,
            )?);
        }
    }
    store.insert_cas(&rows, &opts.actor, opts.now).await?;
    Ok(rows)
}

fn ca_name(ceremony: &Ceremony, hierarchy: Hierarchy, role: CaRole) -> Result<Name, CaError> {
    Ok(build_name(&[
        (Attr::Country, &ceremony.country),
        (Attr::Organization, &ceremony.organization),
        (Attr::CommonName, &ceremony.ca_name(hierarchy, role)),
    ])?)
}

#[allow(clippy::too_many_arguments)]
fn sign_ca_cert(
    serial_prefix: u8,
    issuer: &Name,
    subject: &Name,
    issuer_ski: &[u8],
    issuer_key: &dyn Signer,
    subject_key: &PublicKey,
    not_before: i64,
    not_after: i64,
    extensions: Vec<Extension>,
) -> Result<Vec<u8>, CaError> {
    let alg = issuer_key.signature_algorithm();
    let tbs = encode_tbs(&TbsParams {
        serial: new_serial(serial_prefix, not_before)?,
        signature: alg,
        issuer: issuer.clone(),
        not_before,
        not_after,
        subject: subject.clone(),
        spki_der: subject_key.spki_der.clone(),
        extensions,
    })?;
    let issuer_der = carepki_x509::cert::name_der(issuer)?;
    let findings = lint_rfc5280(
        &tbs,
        &IssuerFacts {
            subject_der: &issuer_der,
            key_identifier: issuer_ski,
            signature_algorithm: alg,
        },
    );
    if !findings.is_empty() {
        return Err(CaError::Lint(findings));
    }
    let signature = issuer_key.sign(&tbs)?;
    Ok(assemble(&tbs, alg, &signature)?)
}

fn write_key(
    dir: &DataDir,
    id: &str,
    key: &SoftwareKey,
    passphrase: &Passphrase,
) -> Result<(), CaError> {
    key.write_encrypted(&dir.resolve(&DataDir::key_file_relative(id)), passphrase)?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn row(
    id: &str,
    hierarchy: Hierarchy,
    role: CaRole,
    parent: Option<&str>,
    name: &Name,
    der: &[u8],
    opts: &InitOptions,
    key: &dyn Signer,
) -> Result<CaRow, CaError> {
    let cert = carepki_x509::cert::decode_certificate(der)?;
    let tbs = cert.tbs_certificate();
    Ok(CaRow {
        id: id.to_owned(),
        hierarchy: hierarchy.as_str().to_owned(),
        role: role.as_str().to_owned(),
        parent_id: parent.map(str::to_owned),
        subject: display_name(name),
        serial: carepki_x509::cert::serial_hex(tbs.serial_number().as_bytes()),
        not_before: carepki_x509::cert::unix_time(&tbs.validity().not_before),
        not_after: carepki_x509::cert::unix_time(&tbs.validity().not_after),
        key_algorithm: key.key_algorithm().name().to_owned(),
        signature_algorithm: key.signature_algorithm().name().to_owned(),
        key_file: DataDir::key_file_relative(id),
        cert_der: der.to_vec(),
        created_at: opts.now,
    })
}
