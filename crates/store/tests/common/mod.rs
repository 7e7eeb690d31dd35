//! Fixtures shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

use carepki_store::{CaRow, IssuanceRecord, OrganisationRow, Store};

pub const T0: i64 = 1_750_000_000;
pub const ACTOR: &str = "test-operator";

pub fn org(oid: &str) -> OrganisationRow {
    OrganisationRow {
        oid: oid.to_owned(),
        name_fi: format!("Organisaatio {oid}"),
        name_sv: format!("Organisation {oid}"),
        name_en: format!("Organisation {oid}"),
        business_id: "1234567-8".to_owned(),
        sector: "public".to_owned(),
        kanta_intermediary: false,
        domains: vec![format!("{}.example.fi", oid.replace('.', "-"))],
        created_at: 0,
        updated_at: 0,
    }
}

pub fn ca(id: &str, hierarchy: &str, role: &str, parent: Option<&str>) -> CaRow {
    CaRow {
        id: id.to_owned(),
        hierarchy: hierarchy.to_owned(),
        role: role.to_owned(),
        parent_id: parent.map(str::to_owned),
        subject: format!("CN={id}"),
        serial: "01".to_owned(),
        not_before: T0,
        not_after: T0 + 20 * 365 * 86_400,
        key_algorithm: "ECDSA-P384".to_owned(),
        signature_algorithm: "ecdsa-with-SHA384".to_owned(),
        key_file: format!("keys/{id}.p8"),
        // Includes NUL and 0xff bytes: BLOBs must round-trip exactly.
        cert_der: vec![0x30, 0x00, 0xff, 0x7f, 0x80, 0x00, id.len() as u8],
        created_at: T0,
    }
}

/// The test hierarchy: a production root and issuing CA, a test root.
pub fn hierarchy() -> Vec<CaRow> {
    vec![
        ca("prod-issuing", "production", "issuing", Some("prod-root")),
        ca("test-root", "test", "root", None),
        ca("prod-root", "production", "root", None),
    ]
}

/// A store with the hierarchy and one organisation, `1.2.246.10.1`.
pub async fn seed(store: &Store) {
    store
        .insert_cas(&hierarchy(), ACTOR, T0)
        .await
        .expect("the test hierarchy is inserted");
    store
        .import_organisations(&[org("1.2.246.10.1")], ACTOR, T0)
        .await
        .expect("the test organisation is imported");
}

pub fn spki(n: u64) -> String {
    format!("{n:064x}")
}

pub fn record(serial: &str, org_oid: Option<&str>, key: u64) -> IssuanceRecord {
    IssuanceRecord {
        serial: serial.to_owned(),
        ca_id: "prod-issuing".to_owned(),
        profile: "tls-server".to_owned(),
        org_oid: org_oid.map(str::to_owned),
        subject: format!("CN=host-{serial}.example.fi"),
        spki_sha256: spki(key),
        not_before: T0,
        not_after: T0 + 365 * 86_400,
        tbs_der: vec![0x30, 0x01, 0x00],
        org_version: None,
    }
}

pub fn der_for(serial: &str) -> Vec<u8> {
    let mut der = vec![0x30, 0x82, 0x00, 0xff];
    der.extend_from_slice(serial.as_bytes());
    der
}

/// Runs the three issuance steps for `serial`.
pub async fn issue(store: &Store, serial: &str, org_oid: Option<&str>, key: u64, at: i64) {
    store
        .reserve_serial(serial, "prod-issuing", ACTOR, at)
        .await
        .expect("reserve_serial");
    store
        .store_issuance_record(&record(serial, org_oid, key), ACTOR, at)
        .await
        .expect("store_issuance_record");
    store
        .store_certificate(serial, &der_for(serial), ACTOR, at)
        .await
        .expect("store_certificate");
}
