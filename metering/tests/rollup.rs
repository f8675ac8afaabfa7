//! Rollups, totals, metrics and the live book on a real SQLite file: every
//! written record counts at once and once, whoever wrote it, and the
//! backlog an older Fnlab left is rolled up exactly once.

use std::time::Duration;

use fnlab_billing::Usage;
use fnlab_billing::calendar::{HOUR_MS, hour_start};
use fnlab_metering::histogram::Latency;
use fnlab_metering::live::Known;
use fnlab_metering::rollup::{catch_up, expire_raw};
use fnlab_metering::{LiveUsage, Recorder, RecorderOptions, UsageRecord, metrics, totals};

/// 2026-11-23 10:00 UTC.
const T0: i64 = 1_795_428_000_000;

fn record(n: i64, function_id: i64, started_at: i64, wall_us: i64, status: i64) -> UsageRecord {
    UsageRecord {
        request_id: format!("req-{n}"),
        user_id: 1,
        function_id,
        function_name: format!("f{function_id}"),
        version: 1,
        started_at,
        wall_us,
        cpu_us: 2_500,
        peak_memory_bytes: 65_536,
        memory_mb: 128,
        bytes_in: 10,
        bytes_out: 20,
        status,
        outcome: if status == 429 {
            "too_many_requests"
        } else {
            "ok"
        }
        .into(),
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
    }
}

/// Writes `records` through a real recorder and waits until they land.
async fn write(pool: &fnlab_db::Pool, live: &LiveUsage, records: Vec<UsageRecord>) {
    let (recorder, task) = Recorder::start(
        pool.clone(),
        RecorderOptions::default(),
        live.clone(),
        Default::default(),
    );
    for record in records {
        recorder.record(record);
    }
    task.shutdown().await;
}

async fn pool() -> (tempfile::TempDir, fnlab_db::Pool) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    (dir, fnlab_db::open(&url, 4).await.unwrap())
}

/// 30 invocations over three hours and two functions, one a 503 and one
/// throttled (not billed).
fn sample() -> Vec<UsageRecord> {
    (0..30)
        .map(|n| {
            let status = match n {
                7 => 503,
                8 => 429,
                _ => 200,
            };
            record(n, 1 + n % 2, T0 + n * 6 * 60_000, 1_000 + n * 1_000, status)
        })
        .collect()
}

fn expected(records: &[UsageRecord]) -> Usage {
    records
        .iter()
        .fold(Usage::default(), |sum, r| sum + r.usage())
}

#[tokio::test]
async fn totals_count_every_record_once_as_soon_as_it_is_written() {
    let (_dir, pool) = pool().await;
    let live = LiveUsage::default();
    let records = sample();
    write(&pool, &live, records.clone()).await;
    let (from, to) = (T0, T0 + 3 * HOUR_MS);
    let want = expected(&records);
    assert_eq!(want.requests, 29);
    assert_eq!(want.errors, 1);
    assert_eq!(totals::of_user(&pool, 1, from, to).await.unwrap(), want);
    assert_eq!(
        totals::by_user(&pool, from, to).await.unwrap(),
        vec![(1, want)]
    );
    let days = totals::by_day(&pool, 1, from, to).await.unwrap();
    assert_eq!(days, vec![(T0 - T0 % 86_400_000, want)]);

    let by_function = totals::by_function(&pool, 1, from, to).await.unwrap();
    assert_eq!(by_function.len(), 2);
    let odd: Vec<_> = records
        .iter()
        .filter(|r| r.function_id == 2)
        .cloned()
        .collect();
    let f2 = by_function.iter().find(|f| f.function_id == 2).unwrap();
    assert_eq!((f2.name.as_str(), f2.usage), ("f2", expected(&odd)));

    // Written again (a retried batch): nothing changes.
    write(&pool, &live, records.clone()).await;
    assert_eq!(totals::of_user(&pool, 1, from, to).await.unwrap(), want);

    // A record arriving late for an earlier hour still counts.
    let late = record(99, 1, T0 + 60_000, 4_000, 200);
    write(&pool, &live, vec![late.clone()]).await;
    let mut want_late = want;
    want_late += late.usage();
    assert_eq!(
        totals::of_user(&pool, 1, from, to).await.unwrap(),
        want_late
    );

    // Raw records may expire; the totals stay.
    assert_eq!(expire_raw(&pool, to).await.unwrap(), 31);
    assert_eq!(
        totals::of_user(&pool, 1, from, to).await.unwrap(),
        want_late
    );
}

/// Every latency histogram in `usage_hourly`, merged.
async fn stored_latency(pool: &fnlab_db::Pool) -> Latency {
    let texts: Vec<String> = sqlx::query_scalar("select latency from usage_hourly")
        .fetch_all(pool)
        .await
        .unwrap();
    let mut all = Latency::default();
    for text in texts {
        all.merge(&Latency::decode(&text));
    }
    all
}

#[tokio::test]
async fn writers_on_several_nodes_add_to_the_same_hours() {
    let (_dir, pool) = pool().await;
    // Two nodes' writers, small batches, the same functions and hours.
    let options = RecorderOptions {
        batch: 8,
        interval: Duration::from_millis(5),
    };
    let nodes: Vec<_> = (0..2)
        .map(|_| {
            Recorder::start(
                pool.clone(),
                options,
                LiveUsage::default(),
                Default::default(),
            )
        })
        .collect();
    let records: Vec<UsageRecord> = (0..400)
        .map(|n| record(n, 1 + n % 3, T0 + n * 1_000, 1_000 + n * 10, 200))
        .collect();
    for (n, record) in records.iter().enumerate() {
        nodes[n % 2].0.record(record.clone());
        if n % 50 == 0 {
            tokio::task::yield_now().await;
        }
    }
    for (_, task) in nodes {
        task.shutdown().await;
    }
    let want = expected(&records);
    let got = totals::of_user(&pool, 1, T0, T0 + HOUR_MS).await.unwrap();
    assert_eq!(got, want);
    assert_eq!(stored_latency(&pool).await.count(), want.requests);
}

#[tokio::test]
async fn the_backlog_of_an_older_fnlab_is_rolled_up_once() {
    let (_dir, pool) = pool().await;
    let live = LiveUsage::default();
    let records = sample();
    // An older Fnlab wrote thirty records and its rollup pass took the
    // first ten; it inserted the other twenty without rolling them up.
    write(&pool, &live, records[..10].to_vec()).await;
    for r in &records[10..] {
        sqlx::query(
            "insert into invocations (request_id, user_id, function_id, function_name, version, \
                 started_at, wall_us, cpu_us, peak_memory_bytes, memory_mb, bytes_in, bytes_out, \
                 status, outcome, stdout, stderr) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, '', '')",
        )
        .bind(&r.request_id)
        .bind(r.user_id)
        .bind(r.function_id)
        .bind(&r.function_name)
        .bind(r.version)
        .bind(r.started_at)
        .bind(r.wall_us)
        .bind(r.cpu_us)
        .bind(r.peak_memory_bytes)
        .bind(r.memory_mb)
        .bind(r.bytes_in)
        .bind(r.bytes_out)
        .bind(r.status)
        .bind(&r.outcome)
        .execute(&pool)
        .await
        .unwrap();
    }
    sqlx::query("update usage_backlog set after_id = 10, through_id = 30")
        .execute(&pool)
        .await
        .unwrap();
    let (from, to) = (T0, T0 + 3 * HOUR_MS);
    let first_ten = expected(&records[..10]);
    assert_eq!(
        totals::of_user(&pool, 1, from, to).await.unwrap(),
        first_ten
    );

    // The backlog is kept until it is rolled up; the rest may expire.
    assert_eq!(expire_raw(&pool, to).await.unwrap(), 10);

    // Two nodes start at once: each returns with the backlog rolled up,
    // and between them they took it once.
    let (a, b) = tokio::join!(catch_up(&pool), catch_up(&pool));
    assert_eq!(a.unwrap() + b.unwrap(), 20);
    assert_eq!(catch_up(&pool).await.unwrap(), 0);
    let want = expected(&records);
    assert_eq!(totals::of_user(&pool, 1, from, to).await.unwrap(), want);
    assert_eq!(stored_latency(&pool).await.count(), want.requests);

    // New records after the backlog count once.
    let late = record(99, 1, T0 + 60_000, 4_000, 200);
    write(&pool, &live, vec![late.clone()]).await;
    assert_eq!(
        totals::of_user(&pool, 1, from, to).await.unwrap(),
        want + late.usage()
    );
}

#[tokio::test]
async fn metrics_series_count_every_invocation_once() {
    let (_dir, pool) = pool().await;
    let live = LiveUsage::default();
    write(&pool, &live, sample()).await;
    let (from, to) = (hour_start(T0), hour_start(T0) + 3 * HOUR_MS);
    let hourly = metrics::series(&pool, 1, 1, from, to, HOUR_MS, None)
        .await
        .unwrap();
    assert_eq!(hourly.len(), 3);
    let counts: Vec<i64> = hourly.iter().map(|p| p.invocations).collect();
    // Function 1 ran at n = 0, 2, …, 28: five per hour (n = 8 throttled).
    assert_eq!(counts, vec![4, 5, 5]);
    assert_eq!(hourly.iter().map(|p| p.errors).sum::<i64>(), 0);
    let minutes = metrics::series(&pool, 1, 2, from, from + HOUR_MS, 60_000, None)
        .await
        .unwrap();
    assert_eq!(minutes.len(), 60);
    assert_eq!(minutes.iter().map(|p| p.invocations).sum::<i64>(), 5);
    assert_eq!(minutes.iter().map(|p| p.errors).sum::<i64>(), 1);
    for step in [HOUR_MS, 60_000] {
        let others = metrics::series(&pool, 2, 1, from, from + HOUR_MS, step, None);
        let others = others.await.unwrap();
        assert_eq!(
            others.iter().map(|p| p.invocations).sum::<i64>(),
            0,
            "another user"
        );
    }
    let p50 = hourly[0].latency.percentile(50.0).unwrap();
    assert!((2_000..10_000).contains(&p50), "{p50}");
}

#[tokio::test]
async fn the_live_book_matches_the_database_without_double_counting() {
    let (_dir, pool) = pool().await;
    let earlier = LiveUsage::default();
    let records = sample();
    // An earlier run wrote the first ten.
    write(&pool, &earlier, records[..10].to_vec()).await;
    // This run records the rest; the book knows them before and after a
    // refresh, which must not count them twice.
    let live = LiveUsage::default();
    let now = T0 + 3 * HOUR_MS;
    assert_eq!(live.month_to_date(1, now, Duration::ZERO), Known::Unknown);
    write(&pool, &live, records[10..].to_vec()).await;
    let want = expected(&records);
    assert_eq!(live.refresh(&pool, 1, now).await.unwrap(), want);
    match live.month_to_date(1, now, Duration::from_secs(60)) {
        Known::MonthToDate { usage, stale } => {
            assert_eq!(usage, want);
            assert!(!stale);
        }
        Known::Unknown => panic!("refreshed, so known"),
    }
}
