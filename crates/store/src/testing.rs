//! Real, throw-away databases for tests (cargo feature `testing`).
//!
//! [`test_stores`] returns one fresh, migrated [`Store`] per available backend:
//! SQLite in a new temporary directory always, and PostgreSQL when
//! `CAREPKI_TEST_PG_URL` names a server (for example
//! `postgres://postgres@127.0.0.1:5432/postgres`), in a new database
//! `carepki_test_<random>` created through that URL. Without the variable the
//! PostgreSQL store is skipped with a note on stderr, unless
//! `CAREPKI_REQUIRE_PG=1`, which makes that a panic (for CI).
//!
//! Dropping the [`Guard`] removes the directory or drops the database
//! (best effort).
//!
//! ```no_run
//! # async fn t() {
//! for (backend, store, _guard) in carepki_store::testing::test_stores().await {
//!     assert_eq!(store.count_certificates().await.unwrap(), 0, "{backend}");
//! }
//! # }
//! ```
//!
//! These helpers panic on failure: they are for tests.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::{AnyConnection, AssertSqlSafe, Connection};

use crate::{Store, install_drivers};

/// The variable naming the PostgreSQL server for tests.
pub const PG_URL_VAR: &str = "CAREPKI_TEST_PG_URL";
/// Set to `1` to make a missing [`PG_URL_VAR`] a failure instead of a skip.
pub const REQUIRE_PG_VAR: &str = "CAREPKI_REQUIRE_PG";

/// Keeps a test database alive; dropping it removes the database.
#[derive(Debug)]
pub struct Guard {
    url: String,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Dir(PathBuf),
    PgDatabase { admin_url: String, name: String },
}

impl Guard {
    /// The URL of the test database, to open it again (for example to check
    /// that writes survived a close).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The temporary directory holding a SQLite test database.
    pub fn dir(&self) -> Option<&Path> {
        match &self.cleanup {
            Cleanup::Dir(dir) => Some(dir),
            Cleanup::PgDatabase { .. } => None,
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::PgDatabase { admin_url, name } => {
                let admin_url = admin_url.clone();
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                // Drop may run inside a runtime, which cannot be blocked on:
                // use a runtime of our own on a thread of our own.
                let dropper = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .ok()?;
                    runtime.block_on(async {
                        let mut conn = AnyConnection::connect(&admin_url).await.ok()?;
                        let dropped = sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut conn).await;
                        let _ = conn.close().await;
                        dropped.ok()
                    })
                });
                let _ = dropper.join();
            }
        }
    }
}

/// A name no other test (of this or another process) uses.
fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{:x}_{:x}_{:x}",
        std::process::id(),
        nanos,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A fresh SQLite store in a new temporary directory.
pub async fn sqlite_store() -> (Store, Guard) {
    let dir = std::env::temp_dir().join(format!("carepki_test_{}", unique_suffix()));
    std::fs::create_dir_all(&dir).expect("the temporary directory is writable");
    let guard = Guard {
        url: crate::sqlite_url_for_path(&dir.join("carepki.db"))
            .expect("a temporary path makes a valid URL"),
        cleanup: Cleanup::Dir(dir),
    };
    let store = Store::open(&guard.url)
        .await
        .expect("a SQLite store opens in a temporary directory");
    (store, guard)
}

/// `url` with its database name replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority..].find('/') {
        Some(slash) => &base[..authority + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{database}?{query}"),
        None => format!("{base}/{database}"),
    }
}

/// A fresh PostgreSQL store in a new database, or `None` (after a note on
/// stderr) when [`PG_URL_VAR`] is unset. Panics if it is unset while
/// [`REQUIRE_PG_VAR`] is `1`, or if the server cannot be used.
pub async fn postgres_store() -> Option<(Store, Guard)> {
    let admin_url = match std::env::var(PG_URL_VAR) {
        Ok(url) if !url.is_empty() => url,
        _ => {
            if std::env::var(REQUIRE_PG_VAR).is_ok_and(|v| v == "1") {
                panic!("{REQUIRE_PG_VAR}=1 but {PG_URL_VAR} is not set");
            }
            eprintln!("note: {PG_URL_VAR} is not set: skipping the PostgreSQL backend");
            return None;
        }
    };
    install_drivers();
    let name = format!("carepki_test_{}", unique_suffix());
    let mut admin = AnyConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {PG_URL_VAR}: {e}"));
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("cannot create the test database {name}: {e}"));
    let _ = admin.close().await;
    let guard = Guard {
        url: with_database(&admin_url, &name),
        cleanup: Cleanup::PgDatabase { admin_url, name },
    };
    let store = Store::open(&guard.url)
        .await
        .unwrap_or_else(|e| panic!("cannot open the PostgreSQL test store: {e}"));
    Some((store, guard))
}

/// One fresh store per available backend, labelled `"sqlite"` / `"postgres"`.
pub async fn test_stores() -> Vec<(String, Store, Guard)> {
    let mut stores = Vec::with_capacity(2);
    let (store, guard) = sqlite_store().await;
    stores.push(("sqlite".to_owned(), store, guard));
    if let Some((store, guard)) = postgres_store().await {
        stores.push(("postgres".to_owned(), store, guard));
    }
    stores
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_in_url_is_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "t"),
            "postgres://postgres@127.0.0.1:5432/t"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "t"),
            "postgres://u:p@h/t?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://h:5432", "t"),
            "postgres://h:5432/t"
        );
    }
}
