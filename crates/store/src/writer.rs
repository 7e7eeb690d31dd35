//! Group commit: one writer task executes every write of the store.
//!
//! Callers send jobs over a channel. The writer takes every job already queued
//! (up to [`MAX_BATCH`]), runs them in one transaction with a savepoint per job,
//! commits once and only then answers each caller. A job that fails is rolled
//! back to its savepoint and gets its own error; its neighbours still commit.
//! So every call keeps its own all-or-nothing, durable commit, while many
//! calls share one fsync.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection};
use tokio::sync::{mpsc, oneshot};

use crate::Backend;
use crate::error::{Result, StoreError};
use crate::jobs::{self, Job, Output};
use crate::model::WriteStats;

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
    /// Spawns the writer task on the current Tokio runtime.
    pub(crate) fn spawn(pool: AnyPool, backend: Backend) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE_CAPACITY);
        let stats = Arc::new(Stats::default());
        let task = WriterTask {
            pool,
            backend,
            conn: None,
            stats: Arc::clone(&stats),
        };
        tokio::spawn(task.run(rx));
        Writer { tx, stats }
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
    pool: AnyPool,
    backend: Backend,
    /// The writer's connection; `None` until first needed or after it broke.
    conn: Option<PoolConnection<Any>>,
    stats: Arc<Stats>,
}

/// How a batch ended.
enum BatchEnd {
    /// Committed: every job's own result stands.
    Committed,
    /// Not committed: jobs that had succeeded get this error instead.
    NotCommitted(String),
}

impl WriterTask {
    async fn run(mut self, mut rx: mpsc::Receiver<Msg>) {
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
                drop(self.conn.take());
                let _ = ack.send(());
                break;
            }
        }
        tracing::debug!("store writer stopped");
    }

    async fn run_batch(&mut self, batch: &mut Vec<Envelope>) {
        let mut conn = match self.conn.take() {
            Some(conn) => conn,
            None => match self.pool.acquire().await {
                Ok(conn) => conn,
                Err(e) => {
                    tracing::error!(error = %e, "store writer cannot get a database connection");
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
            .fetch_add(results.len() as u64, Ordering::Relaxed);
        match &end {
            BatchEnd::Committed => {
                self.stats.commits.fetch_add(1, Ordering::Relaxed);
                self.conn = Some(conn);
            }
            BatchEnd::NotCommitted(reason) => {
                tracing::error!(%reason, jobs = batch.len(), "store write batch not committed");
                // The connection is in an unknown state: replace it.
                conn.close_on_drop();
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
                (None, BatchEnd::Committed) => Err(StoreError::WriteNotConfirmed {
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
async fn execute(
    conn: &mut AnyConnection,
    backend: Backend,
    batch: &[Envelope],
    results: &mut Vec<Result<Output>>,
) -> BatchEnd {
    let begin = match backend {
        // Take the write lock up front: a deferred transaction that reads first
        // could fail to upgrade instead of waiting for busy_timeout.
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN",
    };
    let mut tx = match conn.begin_with(begin).await {
        Ok(tx) => tx,
        Err(e) => return BatchEnd::NotCommitted(format!("cannot begin a transaction: {e}")),
    };
    for envelope in batch {
        if let Err(e) = sqlx::query("SAVEPOINT job").execute(&mut *tx).await {
            return BatchEnd::NotCommitted(format!("cannot set a savepoint: {e}"));
        }
        match jobs::run(&mut tx, &envelope.job).await {
            Ok(output) => {
                if let Err(e) = sqlx::query("RELEASE SAVEPOINT job").execute(&mut *tx).await {
                    return BatchEnd::NotCommitted(format!("cannot release a savepoint: {e}"));
                }
                results.push(Ok(output));
            }
            Err(err) => {
                tracing::debug!(error = %err, "store write job failed; rolling back its savepoint");
                let undo = sqlx::query("ROLLBACK TO SAVEPOINT job")
                    .execute(&mut *tx)
                    .await;
                let release = match undo {
                    Ok(_) => sqlx::query("RELEASE SAVEPOINT job").execute(&mut *tx).await,
                    Err(e) => Err(e),
                };
                results.push(Err(err));
                if let Err(e) = release {
                    return BatchEnd::NotCommitted(format!(
                        "cannot roll back a failed job to its savepoint: {e}"
                    ));
                }
            }
        }
    }
    match tx.commit().await {
        Ok(()) => BatchEnd::Committed,
        Err(e) => BatchEnd::NotCommitted(format!("commit failed: {e}")),
    }
}
