//! How fast the usage writer stores records: pushes records with the
//! gateway's request ids through a real [`Recorder`] into a fresh SQLite
//! file (each batch inserted and added to the hourly rollups in one
//! transaction) and prints the time per record.
//!
//! `cargo run --release -p fnlab-metering --example writer [records] [functions]`

use std::time::Instant;

use fnlab_metering::record::new_request_id;
use fnlab_metering::{LiveUsage, Recorder, RecorderOptions, UsageRecord};

#[tokio::main]
async fn main() {
    let arg = |n: usize, default: i64| {
        std::env::args()
            .nth(n)
            .map(|arg| arg.parse().expect("a number"))
            .unwrap_or(default)
    };
    let (n, functions) = (arg(1, 100_000), arg(2, 40));
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let pool = fnlab_db::open(&url, 4).await.expect("open the database");
    let started_at = fnlab_db::now_ms();
    let records: Vec<UsageRecord> = (0..n)
        // Ten requests a millisecond, as a busy node serves them.
        .map(|i| UsageRecord {
            request_id: new_request_id(started_at + i / 10),
            user_id: 1 + i % 10,
            function_id: 1 + i % functions,
            function_name: format!("function-{}", i % functions),
            version: 1,
            started_at: started_at + i / 10,
            wall_us: 150 + i % 700,
            cpu_us: 90 + i % 300,
            peak_memory_bytes: 1 << 17,
            memory_mb: 128,
            bytes_in: 0,
            bytes_out: 12,
            status: 200,
            outcome: "ok".into(),
            stdout: String::new(),
            stderr: String::new(),
            trigger: "http".into(),
            method: "GET".into(),
            path: "/".into(),
            outbound_requests: 0,
            outbound_bytes: 0,
            kv_reads: 0,
            kv_writes: 0,
            cold_start_us: 0,
        })
        .collect();

    let clock = Instant::now();
    let (recorder, task) = Recorder::start(
        pool,
        RecorderOptions::default(),
        LiveUsage::default(),
        Default::default(),
    );
    for record in records {
        recorder.record(record);
    }
    task.shutdown().await;
    let elapsed = clock.elapsed();
    println!(
        "{n} records ({functions} functions) written in {:.2} s: {:.1} µs a record, {:.0} records/s",
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1e6 / n as f64,
        n as f64 / elapsed.as_secs_f64()
    );
}
