//! The batching writer: the request path only pushes a record onto a
//! channel; a background task writes up to [`RecorderOptions::batch`]
//! records per transaction, at least every [`RecorderOptions::interval`],
//! and adds them to the hourly rollups in the same transaction.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use fnlab_db::Pool;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, Connection};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::json_rows;
use crate::live::LiveUsage;
use crate::record::{AsColumns, COLUMNS, TEXT_COLUMNS, UsageRecord};
use crate::rollup::{self, Hours};
use crate::tail::Tails;

/// How the recorder batches.
#[derive(Debug, Clone, Copy)]
pub struct RecorderOptions {
    /// Most records per transaction.
    pub batch: usize,
    /// Longest a record waits before it is written.
    pub interval: Duration,
}

impl Default for RecorderOptions {
    fn default() -> Self {
        Self {
            batch: 1024,
            interval: Duration::from_millis(250),
        }
    }
}

/// The handle the gateway records through. Cheap to clone.
#[derive(Clone)]
pub struct Recorder {
    records: mpsc::UnboundedSender<UsageRecord>,
    live: LiveUsage,
    tails: Tails,
    stats: Arc<Counts>,
}

/// What the writer has done since the process started, for monitoring.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterStats {
    /// Records handed to the recorder.
    pub recorded: u64,
    /// Records written (the rest wait in memory).
    pub written: u64,
    /// Transactions committed.
    pub batches: u64,
    /// Transactions that failed (and were retried).
    pub failures: u64,
    /// How long the oldest record of the last batch waited between the
    /// end of its invocation and its commit, ms.
    pub lag_ms: u64,
}

/// [`WriterStats`], as the recorder and its writer count them.
#[derive(Default)]
struct Counts {
    recorded: AtomicU64,
    written: AtomicU64,
    batches: AtomicU64,
    failures: AtomicU64,
    lag_ms: AtomicU64,
}

/// The background writer; [`RecorderTask::shutdown`] drains it.
pub struct RecorderTask {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Recorder {
    /// Starts the background writer on `pool`, counting what it records
    /// and writes in `live`, and publishing each record on `tails` (see
    /// [`crate::tail`]).
    pub fn start(
        pool: Pool,
        options: RecorderOptions,
        live: LiveUsage,
        tails: Tails,
    ) -> (Self, RecorderTask) {
        let (records, receiver) = mpsc::unbounded_channel();
        let (stop, stopped) = oneshot::channel();
        let stats = Arc::new(Counts::default());
        let writer = Writer {
            pool,
            conn: None,
            tails: tails.clone(),
            stats: stats.clone(),
        };
        let task = tokio::spawn(write_batches(
            writer,
            options,
            live.clone(),
            receiver,
            stopped,
        ));
        (
            Self {
                records,
                live,
                tails,
                stats,
            },
            RecorderTask { stop, task },
        )
    }

    /// Queues `record` for writing. Never blocks and never touches the
    /// database.
    pub fn record(&self, record: UsageRecord) {
        self.live
            .recorded(record.user_id, record.started_at, record.usage());
        self.tails.publish(&record);
        self.stats.recorded.fetch_add(1, Ordering::Relaxed);
        if let Err(lost) = self.records.send(record) {
            // Only after shutdown, when no request should be running.
            tracing::error!(request_id = %lost.0.request_id, "usage record arrived after shutdown");
        }
    }
}

impl Recorder {
    /// What the writer has done so far.
    pub fn stats(&self) -> WriterStats {
        let count = |n: &AtomicU64| n.load(Ordering::Relaxed);
        let stats = &self.stats;
        WriterStats {
            recorded: count(&stats.recorded),
            written: count(&stats.written),
            batches: count(&stats.batches),
            failures: count(&stats.failures),
            lag_ms: count(&stats.lag_ms),
        }
    }
}

impl RecorderTask {
    /// Writes every record queued so far, then stops.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "the usage writer panicked");
        }
    }
}

/// The writer loop: collect, write, repeat; on stop, drain and write the rest.
async fn write_batches(
    mut writer: Writer,
    options: RecorderOptions,
    live: LiveUsage,
    mut receiver: mpsc::UnboundedReceiver<UsageRecord>,
    mut stopped: oneshot::Receiver<()>,
) {
    let mut ticker = tokio::time::interval(options.interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut pending: Vec<UsageRecord> = Vec::new();
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = &mut stopped => break,
            received = receiver.recv_many(&mut pending, options.batch) => {
                if received == 0 { break; }
                if pending.len() < options.batch { continue; }
            }
        }
        write_all(&mut writer, &live, &mut pending, options.batch, None).await;
    }
    while let Ok(record) = receiver.try_recv() {
        pending.push(record);
    }
    write_all(
        &mut writer,
        &live,
        &mut pending,
        options.batch,
        Some(SHUTDOWN_PATIENCE),
    )
    .await;
    if pending.is_empty() {
        tracing::info!("usage records flushed");
    } else {
        tracing::error!(
            lost = pending.len(),
            "the database stayed unreachable: usage records lost at shutdown"
        );
    }
}

/// How long shutdown keeps retrying an unreachable database before it
/// gives up (a stopping server must stop).
const SHUTDOWN_PATIENCE: Duration = Duration::from_secs(30);

/// Writes `pending` in batches, retrying a failed batch with a growing pause
/// until it lands (or `patience` runs out): records are money. The retry is
/// safe because inserts ignore request ids already stored.
async fn write_all(
    writer: &mut Writer,
    live: &LiveUsage,
    pending: &mut Vec<UsageRecord>,
    batch: usize,
    patience: Option<Duration>,
) {
    let started = tokio::time::Instant::now();
    let mut pause = Duration::from_millis(100);
    while !pending.is_empty() {
        if patience.is_some_and(|patience| started.elapsed() > patience) {
            return;
        }
        let n = pending.len().min(batch);
        match writer.insert(&pending[..n]).await {
            Ok(()) => {
                writer.count_batch(&pending[..n]);
                live.written(&pending[..n]);
                pending.drain(..n);
                pause = Duration::from_millis(100);
            }
            Err(e) => {
                writer.stats.failures.fetch_add(1, Ordering::Relaxed);
                tracing::error!(error = %e, records = pending.len(), "cannot write usage records; retrying");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// The writer's own connection, kept between batches: a SQLite connection
/// drops its page cache whenever another one has written, so taking any
/// connection from the pool would start most batches cold. Replaced after
/// an error, in case it is the connection that broke.
struct Writer {
    pool: Pool,
    conn: Option<PoolConnection<Any>>,
    /// Where committed batches are announced to other nodes.
    tails: Tails,
    stats: Arc<Counts>,
}

impl Writer {
    /// Counts `records`, just committed.
    fn count_batch(&self, records: &[UsageRecord]) {
        let now = fnlab_db::now_ms();
        let oldest_end = records
            .iter()
            .map(|r| r.started_at + r.wall_us / 1000)
            .min()
            .unwrap_or(now);
        let stats = &self.stats;
        stats
            .written
            .fetch_add(records.len() as u64, Ordering::Relaxed);
        stats.batches.fetch_add(1, Ordering::Relaxed);
        let lag = u64::try_from(now - oldest_end).unwrap_or(0);
        stats.lag_ms.store(lag, Ordering::Relaxed);
    }

    /// Inserts `records` and adds the ones not stored before to the hourly
    /// rollups, in one transaction. (A record is stored before only when a
    /// batch is retried after a commit that landed but reported an error.)
    async fn insert(&mut self, records: &[UsageRecord]) -> Result<(), sqlx::Error> {
        let conn = match &mut self.conn {
            Some(conn) => conn,
            None => self.conn.insert(self.pool.acquire().await?),
        };
        let result = insert(conn, &self.tails, records).await;
        if result.is_err() {
            self.conn = None;
        }
        result
    }
}

/// See [`Writer::insert`].
async fn insert(
    conn: &mut AnyConnection,
    tails: &Tails,
    records: &[UsageRecord],
) -> Result<(), sqlx::Error> {
    let batch = batch_json(records);
    let rows = json_rows::rows(conn);
    let mut tx = conn.begin().await?;
    let stored: Vec<(String, i64, i64)> = sqlx::query_as(&insert_sql(rows))
        .bind(&batch)
        .fetch_all(&mut *tx)
        .await?;
    let mut hours = Hours::default();
    if stored.len() == records.len() {
        records.iter().for_each(|r| hours.count_record(r));
    } else {
        // Some were stored already: count only what this insert stored.
        let mut new: HashSet<&str> = stored.iter().map(|(id, ..)| id.as_str()).collect();
        for r in records {
            if new.remove(r.request_id.as_str()) {
                hours.count_record(r);
            }
        }
    }
    rollup::add(&mut tx, hours).await?;
    let pairs: Vec<(i64, i64)> = stored
        .iter()
        .map(|(_, id, function_id)| (*function_id, *id))
        .collect();
    tails.announce(&mut tx, &pairs).await?;
    tx.commit().await
}

/// The statement that inserts a batch of records, passed as [`json_rows`]
/// ([`batch_json`]) unpacked by the `with` clause `rows`, and returns the request id,
/// invocation id and function id of each record it stored.
fn insert_sql(rows: &str) -> String {
    let values: Vec<String> = COLUMNS
        .iter()
        .enumerate()
        .map(|(i, column)| {
            if TEXT_COLUMNS.contains(column) {
                json_rows::text(i)
            } else {
                json_rows::bigint(i)
            }
        })
        .collect();
    // `where true` tells SQLite's parser that `on conflict` is the
    // upsert's, not a join's.
    format!(
        "{rows} insert into invocations ({}) select {} from r where true \
         on conflict (request_id) do nothing returning request_id, invocation_id, function_id",
        COLUMNS.join(", "),
        values.join(", "),
    )
}

/// `records` as the rows [`insert_sql`] reads: each an array of
/// [`COLUMNS`] in order.
fn batch_json(records: &[UsageRecord]) -> String {
    let rows: Vec<_> = records.iter().map(AsColumns).collect();
    serde_json::to_string(&rows).expect("strings and integers always serialize")
}
