//! Group commit: one writer executes every write of the store.
//!
//! Callers send jobs over a channel. The writer takes every job already queued
//! (up to [`MAX_BATCH`]), runs them in one transaction, commits once and only
//! then answers each caller. A job that fails gets its own error and leaves no
//! trace; its neighbours still commit (see [`execute`]). So every call keeps
//! its own all-or-nothing, durable commit, while many calls share one fsync.
//!
//! The writer runs on a thread of its own, with a single-threaded Tokio
//! runtime and a connection of its own: it waits for the database once per
//! statement, and on a busy runtime every one of those wake-ups would queue
//! behind the callers' tasks.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::{AnyConnection, Connection};
use tokio::sync::{mpsc, oneshot};

use crate::error::{Result, StoreError};
use crate::fast::{self, GiveUp};
use crate::jobs::{self, Job, Output};
use crate::model::WriteStats;
use crate::{Backend, SQLITE_PRAGMAS};

/// Run on the writer's SQLite connection, after the pragmas of every
/// connection. SQLite copies the WAL back into the database (a checkpoint)
/// after the commit that grows it past this many pages; the default, 1000
/// pages (4 MiB), makes the writer copy and fsync the randomly placed index
/// pages of serial numbers and key hashes far more often than needed. 10,000
/// pages (about 40 MiB of WAL) gave about a third more write throughput.
/// A 64 MiB page cache keeps the indexes of a busy day in memory. Statement
/// journals (which SQLite writes for multi-row statements inside a transaction)
/// stay in memory: in temporary files they cost a write system call per page,
/// about 5% of `carepki bench issue`. They only ever serve a rollback of the
/// running statement, so durability does not depend on them.
const SQLITE_WRITER_PRAGMAS: &str =
    "PRAGMA wal_autocheckpoint=10000; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;";

/// Run on the writer's PostgreSQL connection. Its statements look rows up by
/// primary key, for which a generic plan is as good as any; without this,
/// PostgreSQL may plan the multi-row statements anew on every execution.
const POSTGRES_WRITER_SETTINGS: &str = "SET plan_cache_mode = force_generic_plan";

/// The most jobs committed in one transaction.
pub(crate) const MAX_BATCH: usize = 512;

/// How many jobs may wait for the writer before callers wait to enqueue.
const QUEUE_CAPACITY: usize = 4 * MAX_BATCH;

struct Envelope {
    job: Job,
    reply: oneshot::Sender<Result<Output>>,
}

enum Msg {
    Job(Box<Envelope>),
    Shutdown(oneshot::Sender<()>),
}

#[derive(Default)]
struct Stats {
    jobs: AtomicU64,
    commits: AtomicU64,
}

/// The callers' side of the writer.
pub(crate) struct Writer {
    tx: mpsc::Sender<Msg>,
    stats: Arc<Stats>,
}

impl Writer {
    /// Starts the writer thread, which connects to `url` (already checked by
    /// the caller, who opened a pool on it).
    pub(crate) fn spawn(url: String, backend: Backend) -> Result<Self> {
        let (tx, rx) = mpsc::channel(QUEUE_CAPACITY);
        let stats = Arc::new(Stats::default());
        let task = WriterTask {
            url,
            backend,
            conn: None,
            stats: Arc::clone(&stats),
        };
        std::thread::Builder::new()
            .name("carepki-store-writer".to_owned())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        // Dropping `rx` makes every write fail with
                        // `WriterUnavailable`.
                        tracing::error!(error = %e, "cannot start the store writer's runtime");
                        return;
                    }
                };
                runtime.block_on(task.run(rx));
            })
            .map_err(|source| StoreError::WriterStart { source })?;
        Ok(Writer { tx, stats })
    }

    /// Runs `job` and waits until it is committed (or failed).
    pub(crate) async fn submit(&self, job: Job) -> Result<Output> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Msg::Job(Box::new(Envelope { job, reply })))
            .await
            .map_err(|_| StoreError::WriterUnavailable)?;
        // If the writer dies, `reply` is dropped and this resolves to an error.
        answer.await.map_err(|_| StoreError::WriterUnavailable)?
    }

    /// Stops the writer after the jobs queued so far; later writes fail.
    pub(crate) async fn shutdown(&self) {
        let (ack, done) = oneshot::channel();
        if self.tx.send(Msg::Shutdown(ack)).await.is_ok() {
            let _ = done.await;
        }
    }

    pub(crate) fn stats(&self) -> WriteStats {
        WriteStats {
            jobs: self.stats.jobs.load(Ordering::Relaxed),
            commits: self.stats.commits.load(Ordering::Relaxed),
        }
    }
}

struct WriterTask {
    url: String,
    backend: Backend,
    /// The writer's connection; `None` until connected or after it broke.
    conn: Option<AnyConnection>,
    stats: Arc<Stats>,
}

/// How a batch ended.
enum BatchEnd {
    /// Committed: every job's own result stands.
    Committed,
    /// Nothing to commit: every job failed with its own error.
    RolledBack,
    /// Not committed: jobs that had succeeded get this error instead.
    NotCommitted(String),
}

impl WriterTask {
    async fn connect(&self) -> std::result::Result<AnyConnection, sqlx::Error> {
        let mut conn = AnyConnection::connect(&self.url).await?;
        match self.backend {
            Backend::Sqlite => {
                sqlx::raw_sql(SQLITE_PRAGMAS).execute(&mut conn).await?;
                sqlx::raw_sql(SQLITE_WRITER_PRAGMAS)
                    .execute(&mut conn)
                    .await?;
            }
            Backend::Postgres => {
                // Only a speed-up (PostgreSQL 12+): go on without it.
                let set = sqlx::raw_sql(POSTGRES_WRITER_SETTINGS)
                    .execute(&mut conn)
                    .await;
                if let Err(e) = set {
                    tracing::warn!(error = %e, "store writer: cannot force generic plans");
                }
            }
        }
        Ok(conn)
    }

    async fn run(mut self, mut rx: mpsc::Receiver<Msg>) {
        match self.connect().await {
            Ok(conn) => self.conn = Some(conn),
            // Tried again with the first batch.
            Err(e) => tracing::warn!(error = %e, "store writer cannot connect yet"),
        }
        let mut msgs = Vec::with_capacity(MAX_BATCH);
        let mut batch = Vec::with_capacity(MAX_BATCH);
        loop {
            if rx.recv_many(&mut msgs, MAX_BATCH).await == 0 {
                break; // every Store handle is gone
            }
            let mut shutdown = None;
            for msg in msgs.drain(..) {
                match msg {
                    Msg::Job(envelope) if shutdown.is_none() => batch.push(*envelope),
                    // Jobs sent after a shutdown are dropped: their callers get
                    // `WriterUnavailable`.
                    Msg::Job(_) => {}
                    Msg::Shutdown(ack) => shutdown = shutdown.or(Some(ack)),
                }
            }
            if !batch.is_empty() {
                self.run_batch(&mut batch).await;
            }
            if let Some(ack) = shutdown {
                rx.close();
                if let Some(conn) = self.conn.take() {
                    let _ = conn.close().await;
                }
                let _ = ack.send(());
                break;
            }
        }
        if let Some(conn) = self.conn.take() {
            let _ = conn.close().await;
        }
        tracing::debug!("store writer stopped");
    }

    async fn run_batch(&mut self, batch: &mut Vec<Envelope>) {
        let mut conn = match self.conn.take() {
            Some(conn) => conn,
            None => match self.connect().await {
                Ok(conn) => conn,
                Err(e) => {
                    tracing::error!(error = %e, "store writer cannot connect to the database");
                    let reason = format!("no database connection: {e}");
                    for envelope in batch.drain(..) {
                        let _ = envelope.reply.send(Err(StoreError::WriteNotConfirmed {
                            reason: reason.clone(),
                        }));
                    }
                    return;
                }
            },
        };

        let mut results = Vec::with_capacity(batch.len());
        let end = execute(&mut conn, self.backend, batch, &mut results).await;
        self.stats
            .jobs
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        match &end {
            BatchEnd::Committed => {
                self.stats.commits.fetch_add(1, Ordering::Relaxed);
                self.conn = Some(conn);
            }
            BatchEnd::RolledBack => self.conn = Some(conn),
            BatchEnd::NotCommitted(reason) => {
                tracing::error!(%reason, jobs = batch.len(), "store write batch not committed");
                // The connection is in an unknown state: replace it.
                drop(conn);
            }
        }
        let mut results = results.into_iter();
        for envelope in batch.drain(..) {
            let result = match (results.next(), &end) {
                (Some(Ok(output)), BatchEnd::Committed) => Ok(output),
                (Some(Err(e)), _) => Err(e),
                (_, BatchEnd::NotCommitted(reason)) => Err(StoreError::WriteNotConfirmed {
                    reason: reason.clone(),
                }),
                (None, BatchEnd::Committed | BatchEnd::RolledBack)
                | (Some(Ok(_)), BatchEnd::RolledBack) => Err(StoreError::WriteNotConfirmed {
                    reason: "the job was not run".to_owned(),
                }),
            };
            // The caller may have gone away; the job is done regardless.
            let _ = envelope.reply.send(result);
        }
    }
}

/// Runs the jobs of `batch` in one transaction, pushing each job's result to
/// `results` (in order; jobs not reached are missing).
///
/// First optimistically, without savepoints: a single job alone, or several
/// through the grouped fast path ([`fast`]). If that gives up (a job failed in
/// a way that needs undoing), the transaction is rolled back and the batch
/// runs again with a savepoint per job, so that only the failed jobs are
/// undone and their neighbours still commit.
async fn execute(
    conn: &mut AnyConnection,
    backend: Backend,
    batch: &[Envelope],
    results: &mut Vec<Result<Output>>,
) -> BatchEnd {
    match attempt(conn, backend, batch, false, results).await {
        Attempt::Finished(end) => end,
        Attempt::Failed(Failure::Job(error)) => {
            results.push(Err(error));
            BatchEnd::RolledBack
        }
        Attempt::Failed(Failure::GaveUp(reason)) => {
            tracing::debug!(%reason, "store batch: running each job in its own savepoint");
            results.clear();
            match attempt(conn, backend, batch, true, results).await {
                Attempt::Finished(end) => end,
                Attempt::Failed(_) => {
                    BatchEnd::NotCommitted("a job failed outside its savepoint (a bug)".to_owned())
                }
            }
        }
    }
}

enum Attempt {
    Finished(BatchEnd),
    /// Without savepoints, something failed; the transaction was rolled back.
    Failed(Failure),
}

enum Failure {
    /// The only job of the batch failed with this error.
    Job(StoreError),
    /// The fast path gave up for this reason.
    GaveUp(String),
}

async fn attempt(
    conn: &mut AnyConnection,
    backend: Backend,
    batch: &[Envelope],
    savepoints: bool,
    results: &mut Vec<Result<Output>>,
) -> Attempt {
    let begin = match backend {
        // Take the write lock up front: a deferred transaction that reads first
        // could fail to upgrade instead of waiting for busy_timeout.
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN",
    };
    let not_committed = |what: &str, e: &dyn std::fmt::Display| {
        Attempt::Finished(BatchEnd::NotCommitted(format!("{what}: {e}")))
    };
    let mut tx = match conn.begin_with(begin).await {
        Ok(tx) => tx,
        Err(e) => return not_committed("cannot begin a transaction", &e),
    };
    let mut audits = Vec::new();
    if !savepoints {
        let outcome = match batch {
            [only] => jobs::run(&mut tx, &mut audits, &only.job)
                .await
                .map(|output| vec![Ok(output)])
                .map_err(Failure::Job),
            _ => {
                let jobs: Vec<&Job> = batch.iter().map(|envelope| &envelope.job).collect();
                fast::run(&mut tx, &jobs, &mut audits)
                    .await
                    .map_err(|GiveUp(reason)| Failure::GaveUp(reason))
            }
        };
        match outcome {
            Ok(outputs) => results.extend(outputs),
            Err(failure) => {
                return match tx.rollback().await {
                    Ok(()) => Attempt::Failed(failure),
                    Err(e) => not_committed("cannot roll back", &e),
                };
            }
        }
    } else {
        for envelope in batch {
            if let Err(e) = sqlx::query("SAVEPOINT job").execute(&mut *tx).await {
                return not_committed("cannot set a savepoint", &e);
            }
            let audits_before = audits.len();
            match jobs::run(&mut tx, &mut audits, &envelope.job).await {
                Ok(output) => {
                    if let Err(e) = sqlx::query("RELEASE SAVEPOINT job").execute(&mut *tx).await {
                        return not_committed("cannot release a savepoint", &e);
                    }
                    results.push(Ok(output));
                }
                Err(err) => {
                    tracing::debug!(error = %err, "store write job failed; rolling back its savepoint");
                    audits.truncate(audits_before);
                    results.push(Err(err));
                    let undo = sqlx::query("ROLLBACK TO SAVEPOINT job")
                        .execute(&mut *tx)
                        .await;
                    let release = match undo {
                        Ok(_) => sqlx::query("RELEASE SAVEPOINT job").execute(&mut *tx).await,
                        Err(e) => Err(e),
                    };
                    if let Err(e) = release {
                        return not_committed("cannot roll back a failed job to its savepoint", &e);
                    }
                }
            }
        }
    }
    if let Err(e) = jobs::insert_audits(&mut tx, &audits).await {
        return not_committed("cannot append the audit events", &e);
    }
    match tx.commit().await {
        Ok(()) => Attempt::Finished(BatchEnd::Committed),
        Err(e) => not_committed("commit failed", &e),
    }
}
