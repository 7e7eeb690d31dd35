//! THROWAWAY: not to be committed.
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use carepki_store::{CaRow, IssuanceRecord, Store};

#[tokio::main]
async fn main() {
    let url = std::env::args().nth(1).expect("url");
    let certs: usize = std::env::args()
        .nth(2)
        .map_or(20_000, |s| s.parse().unwrap());
    let conc: usize = std::env::args().nth(3).map_or(64, |s| s.parse().unwrap());
    let store = Store::open(&url).await.unwrap();
    store
        .insert_cas(
            &[CaRow {
                id: "ca".into(),
                hierarchy: "production".into(),
                role: "root".into(),
                parent_id: None,
                subject: "CN=x".into(),
                serial: "01".into(),
                not_before: 0,
                not_after: 1,
                key_algorithm: "x".into(),
                signature_algorithm: "x".into(),
                key_file: "x".into(),
                cert_der: vec![0; 500],
                created_at: 0,
            }],
            "bench",
            0,
        )
        .await
        .unwrap();
    let next = Arc::new(AtomicUsize::new(0));
    let before = store.write_stats().await;
    let start = Instant::now();
    let tasks: Vec<_> = (0..conc)
        .map(|_| {
            let store = store.clone();
            let next = next.clone();
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= certs {
                        break;
                    }
                    let serial = format!(
                        "{:032x}",
                        0x7000_0000_0000_0000u64 as u128 * 0x1_0000 + i as u128
                    );
                    store
                        .reserve_serial(&serial, "ca", "bench", 1)
                        .await
                        .unwrap();
                    store
                        .store_issuance_record(
                            &IssuanceRecord {
                                serial: serial.clone(),
                                ca_id: "ca".into(),
                                profile: "tls".into(),
                                org_oid: None,
                                subject: format!("CN=host{i}.example.fi,O=Org"),
                                spki_sha256: format!("{:064x}", i),
                                not_before: 1,
                                not_after: 2,
                                tbs_der: vec![0x30; 900],
                            },
                            "bench",
                            1,
                        )
                        .await
                        .unwrap();
                    store
                        .store_certificate(&serial, &vec![0x30; 1100], "bench", 1)
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let el = start.elapsed();
    let after = store.write_stats().await;
    let jobs = after.jobs - before.jobs;
    let commits = after.commits - before.commits;
    println!(
        "{}: {certs} certs, {conc} tasks: {:.2}s, {:.0} certs/s, {:.0} write calls/s, {commits} commits, {:.1} jobs/commit",
        store.backend(),
        el.as_secs_f64(),
        certs as f64 / el.as_secs_f64(),
        jobs as f64 / el.as_secs_f64(),
        jobs as f64 / commits as f64
    );
    assert_eq!(store.count_certificates().await.unwrap(), certs as i64);
    store.close().await;
}
