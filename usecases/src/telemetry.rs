//! Fnlab's own health, for whoever runs it, in the Prometheus text format
//! (OpenMetrics): invocations by status class and outcome with their
//! latency, instances in use against the pool, programs loaded and
//! compiled, the build queue and build durations, the usage writer's
//! batches, lag and failures, and the database pool. Events are counted as
//! they happen (off the response path); what is a level (instances, queue
//! depth, connections) is read when Prometheus scrapes.

use std::sync::atomic::AtomicU64;

use fnlab_metering::Recorder;
use fnlab_sandbox::LoadSource;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

use crate::{Error, Fnlab};

/// The metrics of one node.
pub(crate) struct Telemetry {
    registry: Registry,
    invocations: Family<InvocationLabels, Counter>,
    invocation_seconds: Histogram,
    programs_loaded: Family<SourceLabels, Counter>,
    cold_start_seconds: Histogram,
    builds: Family<BuildLabels, Counter>,
    build_seconds: Histogram,
    levels: Levels,
}

/// What is read at each scrape.
struct Levels {
    instances_in_use: Gauge,
    instances_max: Gauge,
    instances_warm: Gauge,
    programs_in_memory: Gauge,
    program_bytes: Gauge,
    builds_queued: Gauge,
    writer_records: Counter,
    writer_batches: Counter,
    writer_failures: Counter,
    writer_pending: Gauge,
    writer_lag_seconds: Gauge<f64, AtomicU64>,
    db_connections: Family<ConnectionLabels, Gauge>,
    db_connections_max: Gauge,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct InvocationLabels {
    status_class: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SourceLabels {
    from: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ConnectionLabels {
    state: &'static str,
}

impl Default for Telemetry {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("fnlab");
        let invocations = Family::default();
        registry.register(
            "invocations",
            "Function invocations by status class and outcome",
            invocations.clone(),
        );
        // 0.5 ms to about 16 s.
        let invocation_seconds = Histogram::new(exponential_buckets(0.0005, 2.0, 16));
        registry.register_with_unit(
            "invocation_duration",
            "How long invocations ran (wall-clock)",
            Unit::Seconds,
            invocation_seconds.clone(),
        );
        let programs_loaded = Family::default();
        registry.register(
            "programs_loaded",
            "Programs made ready to run, by where their native code came from \
             (memory, disk cache, or compiled)",
            programs_loaded.clone(),
        );
        // 0.5 ms to about 33 s.
        let cold_start_seconds = Histogram::new(exponential_buckets(0.0005, 2.0, 17));
        registry.register_with_unit(
            "cold_start_duration",
            "How long invocations waited for their function's program to be made ready \
             (cold starts only)",
            Unit::Seconds,
            cold_start_seconds.clone(),
        );
        let builds = Family::default();
        registry.register("builds", "Builds finished, by result", builds.clone());
        // 1 s to about 8.5 min.
        let build_seconds = Histogram::new(exponential_buckets(1.0, 2.0, 10));
        registry.register_with_unit(
            "build_duration",
            "How long builds took, from claim to result",
            Unit::Seconds,
            build_seconds.clone(),
        );
        let levels = Levels {
            instances_in_use: Gauge::default(),
            instances_max: Gauge::default(),
            instances_warm: Gauge::default(),
            programs_in_memory: Gauge::default(),
            program_bytes: Gauge::default(),
            builds_queued: Gauge::default(),
            writer_records: Counter::default(),
            writer_batches: Counter::default(),
            writer_failures: Counter::default(),
            writer_pending: Gauge::default(),
            writer_lag_seconds: Gauge::default(),
            db_connections: Family::default(),
            db_connections_max: Gauge::default(),
        };
        let l = &levels;
        registry.register(
            "instances_in_use",
            "Sandbox instances alive now",
            l.instances_in_use.clone(),
        );
        registry.register(
            "instances_max",
            "Most sandbox instances alive at once (the pool)",
            l.instances_max.clone(),
        );
        registry.register(
            "instances_warm",
            "Of the instances alive, those idle between two requests of their function",
            l.instances_warm.clone(),
        );
        registry.register(
            "programs_in_memory",
            "Programs whose native code is in memory",
            l.programs_in_memory.clone(),
        );
        registry.register_with_unit(
            "program_code",
            "Native code the programs in memory hold (bounded by FNLAB_PROGRAMS_MB)",
            Unit::Bytes,
            l.program_bytes.clone(),
        );
        registry.register(
            "builds_queued",
            "Builds waiting in the queue (all nodes)",
            l.builds_queued.clone(),
        );
        registry.register(
            "usage_records_written",
            "Usage records the writer committed",
            l.writer_records.clone(),
        );
        registry.register(
            "usage_batches",
            "Usage writer transactions committed",
            l.writer_batches.clone(),
        );
        registry.register(
            "usage_batch_failures",
            "Usage writer transactions that failed (and are retried)",
            l.writer_failures.clone(),
        );
        registry.register(
            "usage_records_pending",
            "Usage records waiting to be written",
            l.writer_pending.clone(),
        );
        registry.register_with_unit(
            "usage_writer_lag",
            "How long the oldest record of the last batch waited, from its invocation's end to its commit",
            Unit::Seconds,
            l.writer_lag_seconds.clone(),
        );
        registry.register(
            "db_connections",
            "Database connections of this node, by state",
            l.db_connections.clone(),
        );
        registry.register(
            "db_connections_max",
            "Most database connections this node opens",
            l.db_connections_max.clone(),
        );
        Self {
            registry,
            invocations,
            invocation_seconds,
            programs_loaded,
            cold_start_seconds,
            builds,
            build_seconds,
            levels,
        }
    }
}

impl Telemetry {
    /// Counts an invocation that ended with `status` and `outcome` after
    /// `wall_us`.
    pub(crate) fn invocation(&self, status: u16, outcome: &str, wall_us: u64) {
        let labels = InvocationLabels {
            status_class: format!("{}xx", status / 100),
            outcome: outcome.to_owned(),
        };
        self.invocations.get_or_create(&labels).inc();
        self.invocation_seconds.observe(wall_us as f64 / 1e6);
    }

    /// Counts a program made ready from `source`.
    pub(crate) fn program(&self, source: LoadSource) {
        let from = match source {
            LoadSource::Memory => "memory",
            LoadSource::DiskCache => "disk",
            LoadSource::Compiled => "compiled",
        };
        self.programs_loaded
            .get_or_create(&SourceLabels { from })
            .inc();
    }

    /// Counts a cold start that took `us` µs.
    pub(crate) fn cold_start(&self, us: i64) {
        self.cold_start_seconds.observe(us as f64 / 1e6);
    }

    /// Counts a build that ended after `seconds`.
    pub(crate) fn build(&self, succeeded: bool, seconds: f64) {
        let result = if succeeded { "succeeded" } else { "failed" };
        self.builds.get_or_create(&BuildLabels { result }).inc();
        self.build_seconds.observe(seconds);
    }
}

/// Sets `counter` to `value`, which only grows.
fn catch_up(counter: &Counter, value: u64) {
    counter.inc_by(value.saturating_sub(counter.get()));
}

impl Fnlab {
    /// This node's metrics in the Prometheus text format (OpenMetrics 1.0,
    /// which Prometheus reads): for the operator's monitoring, never for
    /// users (the server guards the route).
    pub async fn prometheus_text(&self) -> Result<String, Error> {
        let queued = self.inner.builds.queued().await?;
        let telemetry = &self.inner.telemetry;
        let levels = &telemetry.levels;
        let sandbox = self.inner.sandbox.stats();
        let int = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        levels.instances_in_use.set(int(sandbox.instances_in_use));
        levels.instances_max.set(int(sandbox.instances_max));
        levels.instances_warm.set(int(sandbox.warm_instances));
        levels
            .programs_in_memory
            .set(int(sandbox.programs_in_memory));
        levels.program_bytes.set(int(sandbox.program_bytes));
        levels.builds_queued.set(queued);
        if let Some((recorder, _)) = &self.inner.runs.metering {
            let writer = Recorder::stats(recorder);
            catch_up(&levels.writer_records, writer.written);
            catch_up(&levels.writer_batches, writer.batches);
            catch_up(&levels.writer_failures, writer.failures);
            levels
                .writer_pending
                .set(int(writer.recorded.saturating_sub(writer.written)));
            levels.writer_lag_seconds.set(writer.lag_ms as f64 / 1000.0);
        }
        let pool = &self.inner.pool;
        let (size, idle) = (i64::from(pool.size()), int(pool.num_idle() as u64));
        let connections = &levels.db_connections;
        connections
            .get_or_create(&ConnectionLabels { state: "idle" })
            .set(idle);
        connections
            .get_or_create(&ConnectionLabels { state: "in_use" })
            .set(size - idle);
        levels
            .db_connections_max
            .set(i64::from(pool.options().get_max_connections()));
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &telemetry.registry)
            .map_err(|e| Error::Internal(format!("cannot encode the metrics: {e}")))?;
        Ok(text)
    }
}
