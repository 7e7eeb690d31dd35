//! THROWAWAY
use std::time::Instant;
use sqlx::{Connection, Executor};

#[tokio::main]
async fn main() {
    sqlx::any::install_default_drivers();
    let d = std::env::args().nth(1).unwrap();
    let mut c = sqlx::AnyConnection::connect(&format!("sqlite://{d}/m.db?mode=rwc")).await.unwrap();
    sqlx::raw_sql("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t (a TEXT PRIMARY KEY, b BIGINT, c TEXT)").execute(&mut c).await.unwrap();
    for round in 0..3 {
        let mut tx = c.begin().await.unwrap();
        let t = Instant::now();
        for i in 0..10000 {
            sqlx::query("INSERT INTO t (a, b, c) VALUES ($1, $2, $3)").bind(format!("{round}-{i}")).bind(i as i64).bind("hello").execute(&mut *tx).await.unwrap();
        }
        println!("any insert: {:?}/stmt", t.elapsed() / 10000);
        let t = Instant::now();
        for _ in 0..10000 {
            sqlx::query("SAVEPOINT j").execute(&mut *tx).await.unwrap();
        }
        println!("any savepoint: {:?}/stmt", t.elapsed() / 10000);
        tx.commit().await.unwrap();
    }
    let mut n = sqlx::SqliteConnection::connect(&format!("sqlite://{d}/n.db?mode=rwc")).await.unwrap();
    sqlx::raw_sql("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t (a TEXT PRIMARY KEY, b BIGINT, c TEXT)").execute(&mut n).await.unwrap();
    for round in 0..2 {
        let mut tx = n.begin().await.unwrap();
        let t = Instant::now();
        for i in 0..10000 {
            sqlx::query("INSERT INTO t (a, b, c) VALUES ($1, $2, $3)").bind(format!("{round}-{i}")).bind(i as i64).bind("hello").execute(&mut *tx).await.unwrap();
        }
        println!("native insert: {:?}/stmt", t.elapsed() / 10000);
        tx.commit().await.unwrap();
    }
    let t = Instant::now();
    for i in 0..200 {
        let mut tx = n.begin().await.unwrap();
        sqlx::query("INSERT INTO t (a, b, c) VALUES ($1, $2, $3)").bind(format!("x-{i}")).bind(i as i64).bind("hello").execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
    }
    println!("commit+fsync: {:?}/commit", t.elapsed() / 200);
}
