//! The PostgreSQL backend end to end (`--database-url postgres://…`), on a fresh database
//! made with `psql` when `CAREPKI_TEST_PG_URL` is set; skipped with a note otherwise
//! (a failure when `CAREPKI_REQUIRE_PG=1`).

use std::time::{SystemTime, UNIX_EPOCH};

use crate::support::{
    HIISI, JARVI, KeyType, Pki, assert_verifies, examples_file, make_csr, run, s, tool,
};

/// The admin URL, or `None` after a note (panics if PostgreSQL is required).
fn admin_url() -> Option<String> {
    match std::env::var("CAREPKI_TEST_PG_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            assert!(
                std::env::var("CAREPKI_REQUIRE_PG").as_deref() != Ok("1"),
                "CAREPKI_REQUIRE_PG=1 but CAREPKI_TEST_PG_URL is not set"
            );
            eprintln!(
                "note: CAREPKI_TEST_PG_URL is not set: skipping the PostgreSQL end-to-end test"
            );
            None
        }
    }
}

/// `url` with its database name replaced.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[start..].find('/') {
        Some(slash) => &base[..start + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

/// A fresh database, dropped (forcibly) when this goes out of scope.
struct PgDb {
    admin: String,
    name: String,
    url: String,
}

impl PgDb {
    fn create(admin: &str) -> PgDb {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let name = format!("carepki_e2e_{}_{nanos}", std::process::id());
        psql(admin, &format!("CREATE DATABASE {name}"));
        PgDb {
            url: with_database(admin, &name),
            admin: admin.to_owned(),
            name,
        }
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let _ = run(tool(
            "psql",
            [
                self.admin.as_str(),
                "-qtAc",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ],
        ));
    }
}

#[track_caller]
fn psql(url: &str, sql: &str) -> String {
    run(tool("psql", [url, "-v", "ON_ERROR_STOP=1", "-qtAc", sql]))
        .ok()
        .stdout
        .trim()
        .to_owned()
}

/// A PKI whose every command gets `--database-url`.
fn pg_pki(db: &PgDb) -> Pki {
    let mut pki = Pki::uninitialised();
    pki.global = vec!["--database-url".into(), db.url.clone()];
    pki
}

fn issue_server(pki: &Pki) -> serde_json::Value {
    let csr = make_csr(pki.tmp.path(), "pg", KeyType::P256);
    let (r, out) = pki.issue(&[
        "--profile",
        "server",
        "--org",
        JARVI,
        "--csr",
        s(&csr.csr),
        "--cn",
        "www.jarvilaakso-hva.fi",
        "--json",
    ]);
    let j = r.ok().json();
    assert_verifies(
        &pki.ca_pem("root"),
        Some(&out.join("chain.pem")),
        &out.join("cert.pem"),
        Some("sslserver"),
    );
    j
}

#[test]
fn postgres_backend_end_to_end() {
    let Some(admin) = admin_url() else { return };
    let db = PgDb::create(&admin);
    let pki = pg_pki(&db);
    pki.run(&["init"]).ok();
    pki.run(&["ca", "export", "--out-dir", s(&pki.cas_dir())])
        .ok();
    let imported = pki
        .run(&["org", "import", s(&examples_file()), "--json"])
        .ok()
        .json();
    assert!(imported["inserted"].as_u64().unwrap() >= 20, "{imported}");
    let issued = issue_server(&pki);

    let list = pki.run(&["cert", "list", "--json"]).ok().json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["serial"], issued["serial"]);
    let mine = pki
        .run(&["cert", "list", "--org", JARVI, "--json"])
        .ok()
        .json();
    assert_eq!(mine.as_array().unwrap().len(), 1);
    let theirs = pki
        .run(&["cert", "list", "--org", HIISI, "--json"])
        .ok()
        .json();
    assert_eq!(theirs.as_array().unwrap().len(), 0);

    // The rows are in PostgreSQL (read with psql), and no SQLite file was made.
    assert_eq!(
        psql(
            &db.url,
            "SELECT count(*) FROM certificates WHERE der IS NOT NULL"
        ),
        "1"
    );
    assert_eq!(psql(&db.url, "SELECT count(*) FROM cas"), "8");
    assert!(
        !pki.data.join("carepki.db").exists(),
        "a SQLite database was created although --database-url named PostgreSQL"
    );
}

/// A data directory initialised against PostgreSQL, then used without
/// `--database-url`: the command must not silently open (and create) an empty SQLite
/// database in the data directory and report an empty store.
#[test]
fn postgres_data_dir_without_database_url_does_not_fall_back_to_an_empty_sqlite() {
    let Some(admin) = admin_url() else { return };
    let db = PgDb::create(&admin);
    let pki = pg_pki(&db);
    pki.run(&["init", "--demo-organisations"]).ok();
    pki.run(&["ca", "export", "--out-dir", s(&pki.cas_dir())])
        .ok();
    issue_server(&pki);

    let mut bare = Pki::uninitialised();
    // Same data directory, no --database-url.
    bare.data = pki.data.clone();
    let r = bare.run(&["cert", "list", "--json"]);
    if r.success() {
        let n = r.json().as_array().map_or(0, Vec::len);
        assert_eq!(
            n,
            1,
            "without --database-url, cert list reported {n} certificates for a data directory whose store (PostgreSQL) holds 1: {}",
            r.describe()
        );
    }
    assert!(
        !pki.data.join("carepki.db").exists(),
        "running without --database-url created an SQLite database in a data directory initialised for PostgreSQL"
    );
}
