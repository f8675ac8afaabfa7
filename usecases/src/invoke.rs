//! Running a request through a function's live version: the public use
//! case behind `/fn/{user}/{function}/…`, and its owner's direct invoke
//! with a JSON payload (`POST /api/v1/functions/{name}/invoke`, the
//! textbook's `aws lambda invoke`), with the test events it is invoked
//! with from the test console. Finds the live version (from
//! the bounded [`LiveCache`](crate::live)), checks its owner's monthly
//! quotas from memory, loads its program (from memory, else the local
//! code cache, else the component in the database), runs it in a sandbox
//! instance (fresh, or warm from the function's last request unless the
//! function asks for fresh ones), and records one usage record once the invocation is
//! completely over, off the request path.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use fnlab_accounts::Accounts;
use fnlab_billing::Pricing;
use fnlab_db::Pool;
use fnlab_functions::{GuestEnv, LiveFunction, TestEvent};
use fnlab_metering::record::capped_path;
use fnlab_metering::recorder::RecorderTask;
use fnlab_metering::{LiveUsage, Recorder, RecorderOptions, Tails, UsageRecord};
use fnlab_sandbox::{
    FunctionLimits, Invocation, InvocationReport, LoadError, LoadSource, Program, ResponseBody,
    WarmKey,
};
use http_body::Body;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::quota::Quotas;
use crate::{Actor, Error, Fnlab};

/// The request header that tells the guest, and then the caller, which
/// invocation served a request.
pub const REQUEST_ID_HEADER: &str = "fnlab-request-id";
/// The request header that tells the guest its function's name.
pub const FUNCTION_HEADER: &str = "fnlab-function";
/// The request header that tells the guest what triggered it
/// ([`Trigger::as_str`]); whatever a caller sends under it is replaced.
pub const TRIGGER_HEADER: &str = "fnlab-trigger";

pub use fnlab_triggers::Trigger;

/// What a direct invoke answers, once the function is done.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DirectInvocation {
    /// The invocation's request id, as in the log.
    pub request_id: String,
    /// The HTTP status the function answered (a Lambda-style handler's
    /// return value comes with 200).
    pub status: u16,
    /// What it answered: the body as JSON when it is JSON (a Lambda-style
    /// handler's return value), else as text.
    pub result: serde_json::Value,
    /// Its standard output, then its standard error.
    pub logs: String,
    /// Wall-clock time, ms.
    pub duration_ms: f64,
    /// What it cost at list price, in microdollars (before the free tier;
    /// usually a fraction of one).
    pub cost_micros: f64,
}

/// What recording invocations needs: the usage writer, the quotas, and
/// the reports still to record.
pub(crate) struct Runs {
    pub(crate) metering: Option<(Recorder, Quotas)>,
    /// Invocations as they end, for live tails.
    pub(crate) tails: Tails,
    writer: Mutex<Option<RecorderTask>>,
    /// Invocations still to report, and the workers that start them.
    pub(crate) reports: TaskTracker,
    /// Tells the workers to start nothing more: the node is stopping.
    pub(crate) stopping: CancellationToken,
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
            stopping: CancellationToken::new(),
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
        let run = self
            .run(username, name, request, request_id, Trigger::Http)
            .await?;
        let response = run.response;
        let (function, request_id, asked, report) =
            (run.function, run.request_id, run.asked, run.report);
        let fnlab = self.clone();
        self.inner.runs.reports.spawn(async move {
            match report.await {
                Ok(report) => fnlab.record(usage_record(&function, request_id, asked, report)),
                Err(_) => tracing::error!(request_id, "an invocation ended without a report"),
            }
        });
        Ok(response)
    }

    /// Runs `actor`'s function `name` with `payload` (JSON; empty counts
    /// as `{}`) as its event and waits for its answer: a Lambda-style
    /// handler gets exactly the payload as `event`, any other function a
    /// `POST /` with the payload as its body and `fnlab-trigger: invoke`.
    /// Metered, billed and logged like any invocation (trigger `invoke`).
    pub async fn invoke_direct(
        &self,
        actor: &Actor,
        name: &str,
        payload: Bytes,
    ) -> Result<DirectInvocation, Error> {
        let payload = if payload.trim_ascii().is_empty() {
            Bytes::from_static(b"{}")
        } else {
            payload
        };
        if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&payload) {
            return Err(Error::Malformed(format!("the payload is not JSON: {e}")));
        }
        let done = self
            .run_event(&actor.username, name, payload, Trigger::Invoke, &[])
            .await?;
        let record = &done.record;
        Ok(DirectInvocation {
            request_id: record.request_id.clone(),
            status: done.status,
            result: serde_json::from_slice(&done.body).unwrap_or_else(|_| {
                serde_json::Value::String(String::from_utf8_lossy(&done.body).into_owned())
            }),
            logs: format!("{}{}", record.stdout, record.stderr),
            duration_ms: record.wall_us as f64 / 1000.0,
            cost_micros: self.inner.pricing.prices.gross_picos(&record.usage()) as f64 / 1e6,
        })
    }

    /// Runs `username`'s function `name` with the JSON `payload` as a
    /// `POST /` for `trigger`, with `headers` besides, waits for its end
    /// and records it.
    pub(crate) async fn run_event(
        &self,
        username: &str,
        name: &str,
        payload: Bytes,
        trigger: Trigger,
        headers: &[(&'static str, String)],
    ) -> Result<Completed, Error> {
        let mut request = http::Request::post("/")
            .header(http::header::HOST, "localhost")
            .header(http::header::CONTENT_TYPE, "application/json");
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let request = request
            .body(http_body_util::Full::new(payload))
            .map_err(|e| Error::Internal(format!("the event request: {e}")))?;
        let request_id = fnlab_metering::record::new_request_id(fnlab_db::now_ms());
        let run = self
            .run(username, name, request, request_id, trigger)
            .await?;
        let status = run.response.status().as_u16();
        // The sandbox caps the body at the response limit; a body cut off
        // by a trap or timeout keeps what arrived.
        let body = http_body_util::BodyExt::collect(run.response.into_body())
            .await
            .map(|body| body.to_bytes())
            .unwrap_or_default();
        let report = run
            .report
            .await
            .map_err(|_| Error::Internal("the invocation ended without a report".into()))?;
        let record = usage_record(&run.function, run.request_id, run.asked, report);
        self.record(record.clone());
        Ok(Completed {
            status,
            body,
            record,
        })
    }

    /// The saved test events of the actor's function `name`.
    pub async fn test_events(&self, actor: &Actor, name: &str) -> Result<Vec<TestEvent>, Error> {
        Ok(self.inner.functions.test_events(actor.id, name).await?)
    }

    /// Saves `payload` (JSON) as the actor's function `name`'s test event
    /// `event`, replacing one of that name.
    pub async fn save_test_event(
        &self,
        actor: &Actor,
        name: &str,
        event: &str,
        payload: &str,
    ) -> Result<TestEvent, Error> {
        let functions = &self.inner.functions;
        Ok(functions
            .save_test_event(actor.id, name, event, payload)
            .await?)
    }

    /// Deletes the actor's function `name`'s test event `event`.
    pub async fn delete_test_event(
        &self,
        actor: &Actor,
        name: &str,
        event: &str,
    ) -> Result<(), Error> {
        let functions = &self.inner.functions;
        if functions.delete_test_event(actor.id, name, event).await? {
            Ok(())
        } else {
            Err(Error::Missing(format!("{name} has no test event {event}")))
        }
    }

    /// Runs `request` through the live version of `username`'s `name`
    /// after checking the owner's quota, telling the guest its request
    /// id, name and trigger; the response streams while the report is
    /// still to come.
    async fn run<B>(
        &self,
        username: &str,
        name: &str,
        mut request: http::Request<B>,
        request_id: String,
        trigger: Trigger,
    ) -> Result<Run, Error>
    where
        B: Body<Data = Bytes> + Send + Unpin + 'static,
        B::Error: std::fmt::Display,
    {
        let function = self.live_function(username, name).await?.ok_or_else(|| {
            Error::Missing(format!(
                "there is no function {username}/{name} (or it has no live version)"
            ))
        })?;
        // The course and quotas are checked while the program is made
        // ready: on a node's first request for a function, the checks read
        // the database and the program comes from the disk cache.
        let (allowed, prepared) = tokio::join!(
            async {
                self.check_course(&function).await?;
                self.check_quota(&function).await
            },
            self.prepared(&function),
        );
        allowed?;
        let prepared = prepared?;
        let asked = Asked {
            method: request.method().to_string(),
            path: capped_path(
                request
                    .uri()
                    .path_and_query()
                    .map_or("/", |path| path.as_str()),
            ),
            trigger,
            cold_start_us: prepared.cold_start_us,
        };
        // Whatever the caller sent under these names is replaced.
        for (header, value) in [
            (REQUEST_ID_HEADER, request_id.as_str()),
            (FUNCTION_HEADER, name),
            (TRIGGER_HEADER, trigger.as_str()),
        ] {
            if let Ok(value) = http::HeaderValue::from_str(value) {
                request.headers_mut().insert(header, value);
            }
        }
        let (response, report) = self
            .inner
            .sandbox
            .invoke(&prepared.program, prepared.invocation, request)
            .await;
        Ok(Run {
            function,
            request_id,
            asked,
            response,
            report,
        })
    }

    /// Stops the schedule worker, waits for the reports of invocations
    /// still finishing, then writes every usage record. Call once no
    /// request is left.
    pub async fn shutdown(&self) {
        let runs = &self.inner.runs;
        runs.stopping.cancel();
        runs.reports.close();
        runs.reports.wait().await;
        let writer = runs.writer.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(writer) = writer {
            writer.shutdown().await;
        }
    }

    /// The live version of `username`'s `name` with its guests'
    /// environment: cached, else read (and cached only when it exists).
    pub(crate) async fn live_function(
        &self,
        username: &str,
        name: &str,
    ) -> Result<Option<Arc<LiveFunction>>, Error> {
        if let Some(found) = self.inner.live.get(username, name) {
            return Ok(Some(found));
        }
        let Some(function) = self.function_at(username, name, None).await? else {
            return Ok(None);
        };
        let function = Arc::new(function);
        self.inner.live.insert(username, function.clone());
        Ok(Some(function))
    }

    /// Version `version` (`None`: the live one) of `username`'s `name`
    /// with its guests' environment, read from the database.
    pub(crate) async fn function_at(
        &self,
        username: &str,
        name: &str,
        version: Option<i64>,
    ) -> Result<Option<LiveFunction>, Error> {
        let functions = &self.inner.functions;
        let Some(mut function) = functions.at_version(username, name, version).await? else {
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
        function.env = GuestEnv::new(env);
        Ok(Some(function))
    }

    /// The program of `function`'s live version with its guests'
    /// environment, what one invocation of it may use, and how long making
    /// the program ready took (a cold start) when it was not in memory.
    pub(crate) async fn prepared(&self, function: &LiveFunction) -> Result<Prepared, Error> {
        let started = std::time::Instant::now();
        let (mut program, cold) = self.program(function).await?;
        let cold_start_us = if cold {
            let us = i64::try_from(started.elapsed().as_micros()).unwrap_or(i64::MAX);
            self.inner.telemetry.cold_start(us);
            us.max(1)
        } else {
            0
        };
        if !function.env.vars().is_empty() {
            program = program.with_env(function.env.vars().clone());
        }
        let warm = WarmKey {
            function_id: function.function_id,
            version: function.version,
            env_digest: function.env.digest(),
        };
        let invocation = Invocation {
            user_id: function.user_id,
            warm: (!function.fresh_instances).then_some(warm),
            limits: FunctionLimits {
                timeout: Duration::from_millis(
                    u64::try_from(function.limits.timeout_ms).unwrap_or(0),
                ),
                memory_bytes: u64::try_from(function.limits.memory_mb).unwrap_or(0) << 20,
            },
        };
        Ok(Prepared {
            program,
            invocation,
            cold_start_us,
        })
    }

    /// The program of `function`: from memory (`false`), else made ready
    /// from the disk cache or the stored component (`true`: a cold start).
    async fn program(&self, function: &LiveFunction) -> Result<(Arc<Program>, bool), Error> {
        let sandbox = &self.inner.sandbox;
        let telemetry = &self.inner.telemetry;
        if let Some(program) = sandbox.ready(&function.sha256) {
            telemetry.program(LoadSource::Memory);
            return Ok((program, false));
        }
        // Its native code cached on disk, the component is not needed.
        if let Some(program) = sandbox.load_cached(&function.sha256).await {
            telemetry.program(program.source);
            return Ok((program, true));
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
        program.map(|program| (program, true)).map_err(|e| match e {
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

    /// Counts an invocation in the telemetry and records its usage.
    fn record(&self, record: UsageRecord) {
        let inner = &self.inner;
        inner.telemetry.invocation(
            u16::try_from(record.status).unwrap_or_default(),
            &record.outcome,
            u64::try_from(record.wall_us).unwrap_or_default(),
        );
        if let Some((recorder, _)) = &inner.runs.metering {
            recorder.record(record);
        }
    }
}

/// An event's invocation at its end (recorded already).
pub(crate) struct Completed {
    /// The status the function answered.
    pub(crate) status: u16,
    /// What it answered.
    pub(crate) body: Bytes,
    /// What it used, as recorded.
    pub(crate) record: UsageRecord,
}

/// An invocation under way: its response, and its report to come.
struct Run {
    function: Arc<LiveFunction>,
    request_id: String,
    asked: Asked,
    response: http::Response<ResponseBody>,
    report: tokio::sync::oneshot::Receiver<InvocationReport>,
}

/// A function's program made ready for one invocation.
pub(crate) struct Prepared {
    /// The program, with the function's environment.
    pub(crate) program: Arc<Program>,
    /// Who runs it, under which limits.
    pub(crate) invocation: Invocation,
    /// How long making the program ready took, µs; 0 when it was in
    /// memory.
    pub(crate) cold_start_us: i64,
}

/// What an invocation was asked, and how it started, as its record keeps
/// it.
struct Asked {
    method: String,
    path: String,
    trigger: Trigger,
    cold_start_us: i64,
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
        trigger: asked.trigger.as_str().to_owned(),
        method: asked.method,
        path: asked.path,
        cold_start_us: asked.cold_start_us,
    }
}
