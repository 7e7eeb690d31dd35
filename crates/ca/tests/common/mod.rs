//! Shared set-up of the `ca` integration tests: a real ceremony in a temporary
//! data directory on a real store, one organisation, and issuance.
#![allow(dead_code, unreachable_pub)] // each test file uses a part

use std::sync::Arc;

use carepki_ca::authority::now_unix;
use carepki_ca::init::{InitOptions, prepare, run_ceremony};
use carepki_ca::{Authority, DataDir, IssueRequest, Issued};
use carepki_keys::Passphrase;
use carepki_policy::ProfileId;
use carepki_store::{OrganisationRow, Store};
use carepki_x509::KeyAlgorithm;

/// Järvilaakson hyvinvointialue, domain jarvilaakso-hva.fi.
pub const ORG: &str = "1.2.246.10.97835177.10.0";

pub fn org() -> OrganisationRow {
    OrganisationRow {
        oid: ORG.into(),
        name_fi: "Järvilaakson hyvinvointialue".into(),
        name_sv: "Sjödalens välfärdsområde".into(),
        name_en: "Lake Valley Wellbeing County".into(),
        business_id: "9783517-7".into(),
        sector: "public".into(),
        kanta_intermediary: false,
        domains: vec!["jarvilaakso-hva.fi".into()],
        created_at: 0,
        updated_at: 0,
    }
}

/// Both hierarchies (ECDSA P-384) in `dir/data` on `store`, with [`org`] imported.
pub async fn authority(store: Store, dir: &std::path::Path) -> Arc<Authority> {
    authority_with(store, dir, "", &[org()]).await
}

/// Both hierarchies (ECDSA P-384) from the ceremony text `ceremony` in
/// `dir/data` on `store`, with `orgs` imported.
pub async fn authority_with(
    store: Store,
    dir: &std::path::Path,
    ceremony: &str,
    orgs: &[OrganisationRow],
) -> Arc<Authority> {
    let data = DataDir::new(dir.join("data"));
    let passphrase = Passphrase::new("correct horse battery staple".into()).unwrap();
    let opts = InitOptions {
        ceremony_toml: ceremony.into(),
        algorithm: KeyAlgorithm::EcdsaP384,
        passphrase: Some(passphrase.clone()),
        now: now_unix() - 60,
        actor: "test".into(),
    };
    let (ceremony, passphrase, _) = prepare(&data, &opts).unwrap();
    run_ceremony(&data, &store, &ceremony, &passphrase, &opts)
        .await
        .unwrap();
    store
        .import_organisations(orgs, "test", now_unix())
        .await
        .unwrap();
    Arc::new(Authority::open(data, store, passphrase).await.unwrap())
}

/// Issues a `profile` certificate for [`ORG`] from a fresh P-256 key.
pub async fn issue(ca: &Authority, profile: ProfileId, cn: &str) -> Issued {
    issue_for(ca, profile, ORG, cn).await
}

/// Issues a `profile` certificate for the organisation `org_oid` from a fresh
/// P-256 key.
pub async fn issue_for(ca: &Authority, profile: ProfileId, org_oid: &str, cn: &str) -> Issued {
    let csr = carepki_ca::bench::generate_csrs(1).unwrap().remove(0);
    ca.issue(&IssueRequest {
        profile,
        org_oid: org_oid.into(),
        csr,
        common_name: cn.into(),
        dns_names: vec![],
        emails: vec![],
        days: None,
        ca: None,
        actor: "tester".into(),
    })
    .await
    .unwrap()
}
