//! The batching writer: the request path only pushes a record onto a
//! channel; a background task writes up to [`RecorderOptions::batch`]
//! records per transaction, at least every [`RecorderOptions::interval`].

use std::time::Duration;

use fnlab_db::Pool;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::live::LiveUsage;
use crate::record::{COLUMNS, UsageRecord};

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
            batch: 256,
            interval: Duration::from_millis(250),
        }
    }
}

/// The handle the gateway records through. Cheap to clone.
#[derive(Clone)]
pub struct Recorder {
    records: mpsc::UnboundedSender<UsageRecord>,
    live: LiveUsage,
}

/// The background writer; [`RecorderTask::shutdown`] drains it.
pub struct RecorderTask {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Recorder {
    /// Starts the background writer on `pool`, counting what it records
    /// and writes in `live`.
    pub fn start(pool: Pool, options: RecorderOptions, live: LiveUsage) -> (Self, RecorderTask) {
        let (records, receiver) = mpsc::unbounded_channel();
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(write_batches(
            pool,
            options,
            live.clone(),
            receiver,
            stopped,
        ));
        (Self { records, live }, RecorderTask { stop, task })
    }

    /// Queues `record` for writing. Never blocks and never touches the
    /// database.
    pub fn record(&self, record: UsageRecord) {
        self.live
            .recorded(record.user_id, record.started_at, record.usage());
        if let Err(lost) = self.records.send(record) {
            // Only after shutdown, when no request should be running.
            tracing::error!(request_id = %lost.0.request_id, "usage record arrived after shutdown");
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
    pool: Pool,
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
        write_all(&pool, &live, &mut pending, options.batch, None).await;
    }
    while let Ok(record) = receiver.try_recv() {
        pending.push(record);
    }
    write_all(
        &pool,
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
    pool: &Pool,
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
        match insert(pool, &pending[..n]).await {
            Ok(()) => {
                for record in pending.drain(..n) {
                    live.written(record.user_id, record.started_at, record.usage());
                }
                pause = Duration::from_millis(100);
            }
            Err(e) => {
                tracing::error!(error = %e, records = pending.len(), "cannot write usage records; retrying");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// Rows per insert statement: enough to spare most of sqlx's per-statement
/// round trip to its SQLite thread, few enough that the statement (cached
/// per connection) is cheap to prepare.
const ROWS_PER_STATEMENT: usize = 16;

/// The insert statement for `rows` records. The placeholders are written
/// out as `$n`: sqlx's query builder writes `?` for the `Any` driver, which
/// PostgreSQL rejects.
fn insert_sql(rows: usize) -> String {
    let rows: Vec<String> = (0..rows)
        .map(|row| {
            let first = row * COLUMNS.len() + 1;
            let params: Vec<String> = (first..first + COLUMNS.len())
                .map(|n| format!("${n}"))
                .collect();
            format!("({})", params.join(", "))
        })
        .collect();
    format!(
        "insert into invocations ({}) values {} on conflict (request_id) do nothing",
        COLUMNS.join(", "),
        rows.join(", ")
    )
}

/// Inserts `records` in one transaction, [`ROWS_PER_STATEMENT`] per
/// statement.
async fn insert(pool: &Pool, records: &[UsageRecord]) -> Result<(), sqlx::Error> {
    let full = insert_sql(ROWS_PER_STATEMENT);
    let mut tx = pool.begin().await?;
    for chunk in records.chunks(ROWS_PER_STATEMENT) {
        let sql = if chunk.len() == ROWS_PER_STATEMENT {
            full.clone()
        } else {
            insert_sql(chunk.len())
        };
        let mut query = sqlx::query(&sql);
        for r in chunk {
            query = query
                .bind(r.request_id.clone())
                .bind(r.user_id)
                .bind(r.function_id)
                .bind(r.function_name.clone())
                .bind(r.version)
                .bind(r.started_at)
                .bind(r.wall_us)
                .bind(r.cpu_us)
                .bind(r.peak_memory_bytes)
                .bind(r.memory_mb)
                .bind(r.bytes_in)
                .bind(r.bytes_out)
                .bind(r.status)
                .bind(r.outcome.clone())
                .bind(r.stdout.clone())
                .bind(r.stderr.clone());
        }
        query.execute(&mut *tx).await?;
    }
    tx.commit().await
}
