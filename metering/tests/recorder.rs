//! The batching writer on a real SQLite file.

use std::time::Duration;

use fnlab_metering::query::{Search, latest_invocations};
use fnlab_metering::{Recorder, RecorderOptions, UsageRecord};

fn record(n: i64) -> UsageRecord {
    UsageRecord {
        request_id: format!("req-{n}"),
        user_id: 1,
        function_id: 7,
        function_name: "echo".into(),
        version: 1,
        started_at: 1_000 + n,
        wall_us: 1_500,
        cpu_us: 900,
        peak_memory_bytes: 65_536,
        memory_mb: 128,
        bytes_in: 3,
        bytes_out: 5,
        status: 200,
        outcome: "ok".into(),
        stdout: format!("line {n}\n"),
        stderr: String::new(),
        trigger: "http".into(),
        method: "GET".into(),
        path: "/".into(),
        outbound_requests: 0,
        outbound_bytes: 0,
        kv_reads: 0,
        kv_writes: 0,
        cold_start_us: 0,
    }
}

async fn pool() -> (tempfile::TempDir, fnlab_db::Pool) {
    let dir = tempfile::tempdir().unwrap();
    let pool = fnlab_db::open(
        &format!("sqlite://{}", dir.path().join("t.db").display()),
        4,
    )
    .await
    .unwrap();
    (dir, pool)
}

async fn count(pool: &fnlab_db::Pool) -> i64 {
    sqlx::query_scalar("select count(*) from invocations")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn shutdown_writes_every_queued_record_exactly_once() {
    let (_dir, pool) = pool().await;
    // A long interval: only the shutdown drain can write the tail.
    let options = RecorderOptions {
        batch: 64,
        interval: Duration::from_secs(3600),
    };
    let (recorder, task) = Recorder::start(
        pool.clone(),
        options,
        Default::default(),
        Default::default(),
    );
    for n in 0..1_000 {
        recorder.record(record(n));
    }
    // The same request recorded twice (a retried batch) counts once.
    recorder.record(record(5));
    task.shutdown().await;
    assert_eq!(count(&pool).await, 1_000);
    let billed: i64 = sqlx::query_scalar("select sum(requests) from usage_hourly")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(billed, 1_000, "the repeated record was rolled up twice");
}

#[tokio::test]
async fn records_are_written_within_the_interval_and_read_back_newest_first() {
    let (_dir, pool) = pool().await;
    let options = RecorderOptions {
        batch: 256,
        interval: Duration::from_millis(50),
    };
    let (recorder, task) = Recorder::start(
        pool.clone(),
        options,
        Default::default(),
        Default::default(),
    );
    for n in 0..3 {
        recorder.record(record(n));
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while count(&pool).await < 3 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "records were not written"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let latest = latest_invocations(&pool, 1, 7, &Search::default(), 2)
        .await
        .unwrap();
    assert_eq!(latest.len(), 2);
    assert_eq!(latest[0].record, record(2));
    assert_eq!(latest[1].record.request_id, "req-1");
    let newer = latest_invocations(
        &pool,
        1,
        7,
        &Search {
            after: Some(latest[1].id),
            ..Search::default()
        },
        10,
    )
    .await
    .unwrap();
    assert_eq!(newer, latest[..1], "only what came after the one given");
    assert!(
        latest_invocations(&pool, 2, 7, &Search::default(), 10)
            .await
            .unwrap()
            .is_empty(),
        "another user's records"
    );
    task.shutdown().await;
}
