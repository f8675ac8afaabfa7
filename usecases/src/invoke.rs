//! Running a request through a function's live version: the public use
//! case behind `/fn/{user}/{function}/…`. Finds the live version (from
//! the bounded [`LiveCache`](crate::live)), checks its owner's monthly
//! quotas from memory, loads its program (from memory, else the local
//! code cache, else the component in the database), runs it in a fresh
//! sandbox instance, and records one usage record once the invocation is
//! completely over, off the request path.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use fnlab_accounts::Accounts;
use fnlab_billing::Pricing;
use fnlab_db::Pool;
use fnlab_functions::{GuestEnv, LiveFunction};
use fnlab_metering::record::capped_path;
use fnlab_metering::recorder::RecorderTask;
use fnlab_metering::{LiveUsage, Recorder, RecorderOptions, Tails, UsageRecord};
use fnlab_sandbox::{
    FunctionLimits, Invocation, InvocationReport, LoadError, LoadSource, Program, ResponseBody,
};
use http_body::Body;
use tokio_util::task::TaskTracker;

use crate::quota::Quotas;
use crate::{Error, Fnlab};

/// What recording invocations needs: the usage writer, the quotas, and
/// the reports still to record.
pub(crate) struct Runs {
    pub(crate) metering: Option<(Recorder, Quotas)>,
    /// Invocations as they end, for live tails.
    pub(crate) tails: Tails,
    writer: Mutex<Option<RecorderTask>>,
    reports: TaskTracker,
}

impl Runs {
    /// Starts the usage writer; with `metering` false, records nothing and
    /// checks no quota (to measure what metering costs).
    pub(crate) fn start(
        pool: &Pool,
        accounts: &Accounts,
        pricing: &Arc<Pricing>,
        metering: bool,
    ) -> Self {
        let live = LiveUsage::default();
        let tails = Tails::default();
        tails.listen(pool.clone());
        let (recorder, writer) = Recorder::start(
            pool.clone(),
            RecorderOptions::default(),
            live.clone(),
            tails.clone(),
        );
        let quotas = Quotas::new(live, pool.clone(), accounts.clone(), pricing.clone());
        Self {
            metering: metering.then_some((recorder, quotas)),
            tails,
            writer: Mutex::new(Some(writer)),
            reports: TaskTracker::new(),
        }
    }
}

impl Fnlab {
    /// Runs `request` (its URI already the path the guest sees) through
    /// the live version of `username`'s function `name`, as invocation
    /// `request_id`. Not found when there is no such function or it has
    /// no live version; [`Error::QuotaExceeded`] past the owner's quota.
    pub async fn invoke<B>(
        &self,
        username: &str,
        name: &str,
        request: http::Request<B>,
        request_id: String,
    ) -> Result<http::Response<ResponseBody>, Error>
    where
        B: Body<Data = Bytes> + Send + Unpin + 'static,
        B::Error: std::fmt::Display,
    {
        let function = self.live_function(username, name).await?.ok_or_else(|| {
            Error::Missing(format!(
                "there is no function {username}/{name} (or it has no live version)"
            ))
        })?;
        self.check_quota(&function).await?;
        let asked = Asked {
            method: request.method().to_string(),
            path: capped_path(
                request
                    .uri()
                    .path_and_query()
                    .map_or("/", |path| path.as_str()),
            ),
        };
        let mut program = self.program(&function).await?;
        if !function.env.0.is_empty() {
            program = program.with_env(function.env.0.clone());
        }
        let invocation = Invocation {
            user_id: function.user_id,
            limits: FunctionLimits {
                timeout: Duration::from_millis(
                    u64::try_from(function.limits.timeout_ms).unwrap_or(0),
                ),
                memory_bytes: u64::try_from(function.limits.memory_mb).unwrap_or(0) << 20,
            },
        };
        let (response, report) = self
            .inner
            .sandbox
            .invoke(&program, invocation, request)
            .await;
        self.record_when_done(function, request_id, asked, report);
        Ok(response)
    }

    /// Waits for the reports of invocations still finishing, then writes
    /// every usage record. Call once no request is left.
    pub async fn shutdown(&self) {
        let runs = &self.inner.runs;
        runs.reports.close();
        runs.reports.wait().await;
        let writer = runs.writer.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(writer) = writer {
            writer.shutdown().await;
        }
    }

    /// The live version of `username`'s `name` with its guests'
    /// environment: cached, else read (and cached only when it exists).
    async fn live_function(
        &self,
        username: &str,
        name: &str,
    ) -> Result<Option<LiveFunction>, Error> {
        if let Some(found) = self.inner.live.get(username, name) {
            return Ok(Some(found));
        }
        let functions = &self.inner.functions;
        let Some(mut function) = functions.live(username, name).await? else {
            return Ok(None);
        };
        let key = &self.inner.settings.secrets_key;
        let mut env = functions.opened_env(function.function_id, key).await?;
        // A JavaScript or Python function's component is its language's
        // shared runtime, which reads the function's source from its
        // environment too.
        if let Some(source) = &function.source {
            let runtime = fnlab_builds::script::runtime_env(source.language, &source.source);
            env.extend(runtime.into_iter().flatten());
        }
        function.env = GuestEnv(env.into());
        self.inner.live.insert(username, function.clone());
        Ok(Some(function))
    }

    async fn program(&self, function: &LiveFunction) -> Result<Arc<Program>, Error> {
        let sandbox = &self.inner.sandbox;
        let telemetry = &self.inner.telemetry;
        if let Some(program) = sandbox.ready(&function.sha256) {
            telemetry.program(LoadSource::Memory);
            return Ok(program);
        }
        let bytes = self
            .inner
            .functions
            .component(&function.sha256)
            .await?
            .ok_or_else(|| {
                Error::Internal(format!(
                    "component {} of a live version is missing",
                    function.sha256
                ))
            })?;
        let program = sandbox.load(&function.sha256, &bytes).await;
        if let Ok(program) = &program {
            telemetry.program(program.source);
        }
        program.map_err(|e| match e {
            LoadError::Busy | LoadError::TooSlow(_) => Error::busy(e.to_string()),
            e => Error::Internal(format!(
                "stored component {} no longer loads: {e}",
                function.sha256
            )),
        })
    }

    /// [`Error::QuotaExceeded`] when the owner of `function` has used up a
    /// monthly quota.
    async fn check_quota(&self, function: &LiveFunction) -> Result<(), Error> {
        let Some((_, quotas)) = &self.inner.runs.metering else {
            return Ok(());
        };
        quotas.check(function.user_id).await.map_err(|exceeded| {
            tracing::info!(user_id = function.user_id, function = %function.name, %exceeded, "quota exceeded");
            let now = fnlab_db::now_ms();
            let next = fnlab_billing::calendar::next_month(now);
            Error::QuotaExceeded {
                message: exceeded.to_string(),
                retry_after_secs: u64::try_from((next - now) / 1000).unwrap_or(0),
            }
        })
    }

    /// Counts and records `report` once it arrives, without holding up
    /// the response.
    fn record_when_done(
        &self,
        function: LiveFunction,
        request_id: String,
        asked: Asked,
        report: tokio::sync::oneshot::Receiver<InvocationReport>,
    ) {
        let fnlab = self.clone();
        self.inner.runs.reports.spawn(async move {
            let Ok(report) = report.await else {
                tracing::error!(request_id, "an invocation ended without a report");
                return;
            };
            let inner = &fnlab.inner;
            let outcome = report.outcome.code();
            inner
                .telemetry
                .invocation(report.status, outcome, report.wall_us);
            if let Some((recorder, _)) = &inner.runs.metering {
                recorder.record(usage_record(&function, request_id, asked, report));
            }
        });
    }
}

/// What an HTTP invocation was asked, as its record keeps it.
struct Asked {
    method: String,
    path: String,
}

fn usage_record(
    function: &LiveFunction,
    request_id: String,
    asked: Asked,
    report: InvocationReport,
) -> UsageRecord {
    let int = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    UsageRecord {
        request_id,
        user_id: function.user_id,
        function_id: function.function_id,
        function_name: function.name.clone(),
        version: function.version,
        started_at: report.started_at_ms,
        wall_us: int(report.wall_us),
        cpu_us: int(report.cpu_us),
        peak_memory_bytes: int(report.peak_memory_bytes),
        memory_mb: function.limits.memory_mb,
        bytes_in: int(report.bytes_in),
        bytes_out: int(report.bytes_out),
        outbound_requests: int(report.outbound_requests),
        outbound_bytes: int(report.outbound_bytes),
        kv_reads: int(report.kv_reads),
        kv_writes: int(report.kv_writes),
        status: i64::from(report.status),
        outcome: report.outcome.code().to_owned(),
        stdout: report.stdout,
        stderr: report.stderr,
        trigger: "http".to_owned(),
        method: asked.method,
        path: asked.path,
    }
}
