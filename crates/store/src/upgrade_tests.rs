//! Upgrades of a database made by earlier migrations, tested on data (a
//! migration that rebuilds a table must keep every row).

use sqlx::AnyPool;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;

use super::{SQLITE_MIGRATOR, SQLITE_PRAGMAS, install_drivers};

/// Migration 0014 rebuilds `card_orders` on SQLite (a CHECK constraint
/// cannot change in place). A database with card orders, a replacement
/// and a bulk job's items from before it keeps every row with its id; the
/// foreign keys hold and are on again; the AUTOINCREMENT counter carries
/// on past a deleted top id; 'cancelled' is a state now; the indexes are
/// there again.
#[tokio::test]
async fn the_card_order_rebuild_keeps_every_row() {
    let dir = std::env::temp_dir().join(format!("carepki-store-0014-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("upgrade.db").display());
    install_drivers();
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                sqlx::raw_sql(SQLITE_PRAGMAS).execute(conn).await?;
                Ok(())
            })
        })
        .connect(&url)
        .await
        .unwrap();
    // The schema as it was before 0014 (Migrator's fields are public for
    // migrate!; DEFAULT fills the rest).
    let before = Migrator {
        migrations: std::borrow::Cow::Owned(
            SQLITE_MIGRATOR
                .iter()
                .filter(|m| m.version < 14)
                .cloned()
                .collect(),
        ),
        ..Migrator::DEFAULT
    };
    before.run(&pool).await.unwrap();
    let order = |id: i64, state: &str, replaces: &str| {
        format!(
            "INSERT INTO card_orders (id, point_id, registrar_id, kind, state, holder_number, \
             holder, replaces_order, detail, created_by, created_at, updated_at) VALUES \
             ({id}, 1, 1, 'professional', '{state}', '99900000101', '{{\"surname\":\"Ö\"}}', \
             {replaces}, '{{}}', 'user:1', 10, 20)"
        )
    };
    let seed = [
        "INSERT INTO organisations VALUES ('1.2.246.10.1', 'Org', 'Org', 'Org', '0000000-0', \
         'public', 0, '[]', 1, 1, 1)"
            .to_owned(),
        format!(
            "INSERT INTO users (id, subject_hash, display_name, email, language, created_at) \
             VALUES (1, '{}', 'R', 'r@example.fi', 'fi', 1)",
            "a".repeat(64)
        ),
        "INSERT INTO registration_points VALUES (1, '1.2.246.10.1', 'P', 'cli:o', 1, 1)".into(),
        format!(
            "INSERT INTO registrars (id, point_id, user_id, state, training_filename, \
             training_sha256, training_pdf, training_size, added_by, added_at) VALUES \
             (1, 1, 1, 'approved', 't.pdf', '{}', x'25504446', 4, 'cli:o', 1)",
            "b".repeat(64)
        ),
        order(1, "activated", "NULL"),
        order(2, "ordered", "1"),
        order(3, "revoked", "NULL"),
        "DELETE FROM card_orders WHERE id = 3".into(),
        "INSERT INTO card_bulk_jobs VALUES (1, 'notify', '{}', '{}', 'finished', 2, 'cli:o', 1, \
         1, 1)"
            .into(),
        "INSERT INTO card_bulk_items (job_id, position, order_id, outcome) VALUES \
         (1, 0, 1, 'done'), (1, 1, 2, 'done')"
            .into(),
    ];
    for sql in &seed {
        sqlx::raw_sql(AssertSqlSafe(sql.clone()))
            .execute(&pool)
            .await
            .unwrap();
    }
    let rows = |pool: AnyPool| async move {
        sqlx::query(
            "SELECT id, state, replaces_order, holder, created_at, updated_at FROM card_orders \
             ORDER BY id",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|r| {
            use sqlx::Row as _;
            format!(
                "{} {} {:?} {} {} {}",
                r.get::<i64, _>(0),
                r.get::<String, _>(1),
                r.get::<Option<i64>, _>(2),
                r.get::<String, _>(3),
                r.get::<i64, _>(4),
                r.get::<i64, _>(5)
            )
        })
        .collect::<Vec<_>>()
    };
    let was = rows(pool.clone()).await;
    assert_eq!(was.len(), 2);

    SQLITE_MIGRATOR.run(&pool).await.unwrap();
    assert_eq!(rows(pool.clone()).await, was, "every row kept, with its id");
    let scalar = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(
        scalar("PRAGMA foreign_keys").await,
        1,
        "foreign keys on again"
    );
    assert_eq!(
        scalar("SELECT COUNT(*) FROM pragma_foreign_key_check").await,
        0
    );
    assert_eq!(
        scalar("SELECT COUNT(*) FROM card_bulk_items JOIN card_orders ON id = order_id").await,
        2
    );
    assert_eq!(
        scalar(
            "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = \
             'card_orders' AND name LIKE 'card_orders_%'"
        )
        .await,
        6,
        "point, holder, org, one_replacement, auth_serial, sign_serial"
    );
    // The counter carries on past the deleted id 3; 'cancelled' is a state;
    // a bulk item cannot point at a missing order.
    sqlx::raw_sql(AssertSqlSafe(
        order(4, "cancelled", "NULL").replace("(4,", "(NULL,"),
    ))
    .execute(&pool)
    .await
    .unwrap();
    assert_eq!(scalar("SELECT MAX(id) FROM card_orders").await, 4);
    assert!(
        sqlx::raw_sql(AssertSqlSafe(order(5, "lost", "NULL")))
            .execute(&pool)
            .await
            .is_err()
    );
    assert!(
        sqlx::raw_sql(
            "INSERT INTO card_bulk_items (job_id, position, order_id, outcome) VALUES \
             (1, 2, 99, 'done')"
        )
        .execute(&pool)
        .await
        .is_err()
    );
    pool.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
}
