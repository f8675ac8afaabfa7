//! A function's metrics over a window: invocations, errors and latency per
//! step. Steps of an hour or more read the hourly rollups; shorter steps,
//! and metrics of one trigger only (the rollups do not keep triggers
//! apart), read the raw invocations, which are kept for at least a day
//! (`FNLAB_USAGE_RETENTION_DAYS`, 30 by default). Cold starts are counted
//! from the raw invocations too.

use fnlab_billing::calendar::HOUR_MS;
use fnlab_billing::report::{MetricPoint, Metrics, Starts, Window};
use fnlab_db::Pool;
use sqlx::Row;

use crate::histogram::Latency;

/// Invocations that ran (throttled ones are only logged; see
/// [`fnlab_billing::usage::THROTTLED_OUTCOME`]).
const BILLED: &str = "outcome <> 'too_many_requests'";

/// One step of a series.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Point {
    /// Start of the step, ms since the epoch.
    pub start: i64,
    /// Billed invocations.
    pub invocations: i64,
    /// Of those, how many answered a status ≥ 500.
    pub errors: i64,
    /// Their durations.
    pub latency: Latency,
}

/// The metrics of `user_id`'s function `function_id` over `[from, to)` in
/// steps of `step_ms` (a whole number of hours, or less than an hour), of
/// the invocations started by `trigger` only when given. Scoped by the
/// owner too: nothing of another user's ever counts.
pub async fn series(
    pool: &Pool,
    user_id: i64,
    function_id: i64,
    from: i64,
    to: i64,
    step_ms: i64,
    trigger: Option<&str>,
) -> Result<Vec<Point>, sqlx::Error> {
    let steps = usize::try_from((to - from + step_ms - 1) / step_ms).unwrap_or(0);
    let mut points: Vec<Point> = (0..steps)
        .map(|i| Point {
            start: from + i as i64 * step_ms,
            ..Point::default()
        })
        .collect();
    let index = |t: i64| {
        usize::try_from((t - from) / step_ms)
            .ok()
            .filter(|i| *i < steps)
    };
    if step_ms >= HOUR_MS && trigger.is_none() {
        let rows = sqlx::query(
            "select hour, requests, errors, latency from usage_hourly \
             where function_id = $1 and hour >= $2 and hour < $3 and user_id = $4",
        )
        .bind(function_id)
        .bind(from)
        .bind(to)
        .bind(user_id)
        .fetch_all(pool)
        .await?;
        for row in rows {
            if let Some(point) = index(row.try_get(0)?).map(|i| &mut points[i]) {
                point.invocations += row.try_get::<i64, _>(1)?;
                point.errors += row.try_get::<i64, _>(2)?;
                point.latency.merge(&Latency::decode(row.try_get(3)?));
            }
        }
    } else {
        let rows = sqlx::query(&format!(
            "select started_at, wall_us, status from invocations \
             where function_id = $1 and started_at >= $2 and started_at < $3 and user_id = $4 \
             and {BILLED} and ($5 = '' or trigger = $5)"
        ))
        .bind(function_id)
        .bind(from)
        .bind(to)
        .bind(user_id)
        .bind(trigger.unwrap_or_default())
        .fetch_all(pool)
        .await?;
        for row in rows {
            if let Some(point) = index(row.try_get(0)?).map(|i| &mut points[i]) {
                point.invocations += 1;
                point.errors += i64::from(row.try_get::<i64, _>(2)? >= 500);
                point.latency.add(row.try_get(1)?);
            }
        }
    }
    Ok(points)
}

/// The metrics of `user_id`'s function `function_id` over `window` ending
/// at `now`, of the invocations started by `trigger` only when given.
pub async fn window(
    pool: &Pool,
    user_id: i64,
    function_id: i64,
    window: Window,
    now: i64,
    trigger: Option<&str>,
) -> Result<Metrics, sqlx::Error> {
    let (from, to, step) = window.bounds(now);
    let points = series(pool, user_id, function_id, from, to, step, trigger).await?;
    let mut all = Latency::default();
    for point in &points {
        all.merge(&point.latency);
    }
    let ms = |latency: &Latency, p: f64| latency.percentile(p).map(|us| us as f64 / 1000.0);
    let cold = cold_starts(pool, user_id, function_id, from, to, trigger).await?;
    let mut warm = all.clone();
    warm.remove(&cold.runs);
    let starts = Starts {
        cold: cold.runs.count(),
        cold_p50_ms: ms(&cold.waited, 50.0),
        cold_p99_ms: ms(&cold.waited, 99.0),
        load_p50_ms: ms(&cold.loads, 50.0),
        load_p99_ms: ms(&cold.loads, 99.0),
        warm: warm.count(),
        warm_p50_ms: ms(&warm, 50.0),
        warm_p99_ms: ms(&warm, 99.0),
    };
    Ok(Metrics {
        window,
        trigger: trigger.map(str::to_owned),
        from,
        to,
        step_secs: step / 1000,
        invocations: points.iter().map(|p| p.invocations).sum(),
        errors: points.iter().map(|p| p.errors).sum(),
        p50_ms: ms(&all, 50.0),
        p95_ms: ms(&all, 95.0),
        p99_ms: ms(&all, 99.0),
        series: points
            .iter()
            .map(|p| MetricPoint {
                start: p.start,
                invocations: p.invocations,
                errors: p.errors,
                p50_ms: ms(&p.latency, 50.0),
                p95_ms: ms(&p.latency, 95.0),
                p99_ms: ms(&p.latency, 99.0),
            })
            .collect(),
        starts,
    })
}

/// The cold starts of a window: their runs' durations (as the series
/// counts them), how long their programs took to be made ready, and the
/// sum of both, which their callers waited.
#[derive(Default)]
struct ColdStarts {
    runs: Latency,
    loads: Latency,
    waited: Latency,
}

/// The cold starts of `user_id`'s function `function_id` in `[from, to)`,
/// of `trigger` only when given. Read from the raw invocations, through
/// an index of the cold ones alone (they are few).
async fn cold_starts(
    pool: &Pool,
    user_id: i64,
    function_id: i64,
    from: i64,
    to: i64,
    trigger: Option<&str>,
) -> Result<ColdStarts, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "select wall_us, cold_start_us from invocations \
         where function_id = $1 and started_at >= $2 and started_at < $3 and cold_start_us > 0 \
         and user_id = $4 and {BILLED} and ($5 = '' or trigger = $5)"
    ))
    .bind(function_id)
    .bind(from)
    .bind(to)
    .bind(user_id)
    .bind(trigger.unwrap_or_default())
    .fetch_all(pool)
    .await?;
    let mut cold = ColdStarts::default();
    for row in rows {
        let (run, load): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
        cold.runs.add(run);
        cold.loads.add(load);
        cold.waited.add(run + load);
    }
    Ok(cold)
}
