//! The public function URLs: `ANY /fn/{user}/{function}/{*rest}` runs the
//! function's live version in the sandbox, streams its response back and
//! records one usage record per invocation, off the request path.
//!
//! Before running, the owner's monthly quotas are checked ([`Quotas`]),
//! from memory. Looking up the live version costs no database round trip
//! per request either:
//! it is cached for [`LIVE_TTL`] (so other nodes see a deploy within that
//! time; this node forgets at once). The component's bytes are loaded from
//! the database only when its program is not in memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use fnlab_functions::{Functions, LiveFunction};
use fnlab_metering::recorder::RecorderTask;
use fnlab_metering::{Recorder, UsageRecord};
use fnlab_sandbox::{FunctionLimits, Invocation, InvocationReport, Program, Sandbox};
use tokio_util::task::TaskTracker;

use crate::AppState;
use crate::api::ApiError;
use crate::quota::Quotas;

/// How long a looked-up live version is trusted.
pub const LIVE_TTL: Duration = Duration::from_secs(1);

/// The header that tells the guest, and then the caller, which invocation
/// served a request.
pub const REQUEST_ID_HEADER: &str = "fnlab-request-id";
/// The request header that tells the guest its function's name.
pub const FUNCTION_HEADER: &str = "fnlab-function";

/// What every function response carries when functions share the
/// dashboard's origin: the page runs in an opaque origin, so its scripts
/// can neither read Fnlab's cookies nor call its API as the visitor.
pub const SANDBOX_CSP: &str =
    "sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads";

/// The gateway's shared parts.
#[derive(Clone)]
pub struct Gateway {
    inner: Arc<GatewayInner>,
}

struct GatewayInner {
    functions: Functions,
    sandbox: Sandbox,
    metering: Option<(Recorder, Quotas)>,
    writer: Mutex<Option<RecorderTask>>,
    reports: TaskTracker,
    live: Mutex<HashMap<FunctionKey, (Option<LiveFunction>, Instant)>>,
}

/// A function by its public name: (username, function name).
type FunctionKey = (String, String);

impl Gateway {
    /// A gateway running functions from `functions` in `sandbox`, recording
    /// usage through `recorder` (whose writer it drains on shutdown) and
    /// enforcing `quotas`. With `metering` false it does neither (to
    /// measure what they cost).
    pub fn new(
        functions: Functions,
        sandbox: Sandbox,
        (recorder, writer): (Recorder, RecorderTask),
        quotas: Quotas,
        metering: bool,
    ) -> Self {
        Self {
            inner: Arc::new(GatewayInner {
                functions,
                sandbox,
                metering: metering.then_some((recorder, quotas)),
                writer: Mutex::new(Some(writer)),
                reports: TaskTracker::new(),
                live: Mutex::default(),
            }),
        }
    }

    /// The sandbox functions run in.
    pub fn sandbox(&self) -> &Sandbox {
        &self.inner.sandbox
    }

    /// Forgets the cached live version of `username`'s `name` (after a
    /// deploy, rollback, limit change or delete on this node).
    pub fn forget(&self, username: &str, name: &str) {
        let mut live = self.inner.live.lock().unwrap_or_else(|e| e.into_inner());
        live.remove(&(username.to_owned(), name.to_owned()));
    }

    /// Waits for the reports of invocations still finishing, then writes
    /// every usage record. Call once the server has stopped taking requests.
    pub async fn shutdown(&self) {
        self.inner.reports.close();
        self.inner.reports.wait().await;
        let writer = self
            .inner
            .writer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(writer) = writer {
            writer.shutdown().await;
        }
    }

    async fn live(&self, username: &str, name: &str) -> Result<Option<LiveFunction>, ApiError> {
        let key = (username.to_owned(), name.to_owned());
        {
            let live = self.inner.live.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((found, at)) = live.get(&key)
                && at.elapsed() < LIVE_TTL
            {
                return Ok(found.clone());
            }
        }
        let found = self.inner.functions.live(username, name).await?;
        let mut live = self.inner.live.lock().unwrap_or_else(|e| e.into_inner());
        live.insert(key, (found.clone(), Instant::now()));
        Ok(found)
    }

    async fn program(&self, function: &LiveFunction) -> Result<Arc<Program>, ApiError> {
        if let Some(program) = self.inner.sandbox.ready(&function.sha256) {
            return Ok(program);
        }
        let bytes = self
            .inner
            .functions
            .component(&function.sha256)
            .await?
            .ok_or_else(|| {
                ApiError::Internal(format!(
                    "component {} of a live version is missing",
                    function.sha256
                ))
            })?;
        self.inner
            .sandbox
            .load(&function.sha256, &bytes)
            .await
            .map_err(|e| {
                ApiError::Internal(format!(
                    "stored component {} no longer loads: {e}",
                    function.sha256
                ))
            })
    }

    /// 429 when the owner of `function` has used up a monthly quota.
    async fn check_quota(&self, function: &LiveFunction) -> Result<(), ApiError> {
        let Some((_, quotas)) = &self.inner.metering else {
            return Ok(());
        };
        quotas.check(function.user_id).await.map_err(|exceeded| {
            tracing::info!(user_id = function.user_id, function = %function.name, %exceeded, "quota exceeded");
            let now = fnlab_db::now_ms();
            let next = fnlab_billing::calendar::next_month(now);
            ApiError::QuotaExceeded {
                message: exceeded.to_string(),
                retry_after_secs: u64::try_from((next - now) / 1000).unwrap_or(0),
            }
        })
    }

    /// Records `report` once it arrives, without holding up the response.
    fn record_when_done(
        &self,
        function: LiveFunction,
        request_id: String,
        report: tokio::sync::oneshot::Receiver<InvocationReport>,
    ) {
        let Some((recorder, _)) = &self.inner.metering else {
            return;
        };
        let recorder = recorder.clone();
        self.inner.reports.spawn(async move {
            let Ok(report) = report.await else {
                tracing::error!(request_id, "an invocation ended without a report");
                return;
            };
            recorder.record(usage_record(&function, request_id, report));
        });
    }
}

fn usage_record(
    function: &LiveFunction,
    request_id: String,
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
        status: i64::from(report.status),
        outcome: report.outcome.code().to_owned(),
        stdout: report.stdout,
        stderr: report.stderr,
    }
}

/// The `/fn/…` routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/fn/{user}/{function}", any(serve))
        .route("/fn/{user}/{function}/", any(serve))
        .route("/fn/{user}/{function}/{*rest}", any(serve))
}

/// Runs one request through the function's live version.
async fn serve(
    State(state): State<AppState>,
    Path(params): Path<HashMap<String, String>>,
    request: Request,
) -> Result<Response, ApiError> {
    let (Some(username), Some(name)) = (params.get("user"), params.get("function")) else {
        return Err(ApiError::NotFound);
    };
    if let Some(moved) = redirect_to_functions_origin(&state, &request) {
        return Ok(moved);
    }
    let gateway = &state.gateway;
    let function = gateway.live(username, name).await?.ok_or_else(|| {
        ApiError::NotFoundBecause(format!(
            "there is no function {username}/{name} (or it has no live version)"
        ))
    })?;
    gateway.check_quota(&function).await?;
    let mut program = gateway.program(&function).await?;
    // A JavaScript or Python function's component is its language's
    // shared runtime, which reads the function's source from its environment.
    if let Some(env) = function
        .source
        .as_ref()
        .and_then(|source| fnlab_builds::script::runtime_env(&source.language, &source.source))
    {
        program = program.with_env(env);
    }

    let shared_origin = state.config.functions_url.is_none();
    let prefix_len = format!("/fn/{username}/{name}").len();
    let mut request = guest_request(request, prefix_len, shared_origin);
    // The guest learns its request id and name (the Lambda-style context);
    // whatever the caller sent under these names is replaced.
    let request_id = fnlab_metering::record::new_request_id(fnlab_db::now_ms());
    for (header, value) in [(REQUEST_ID_HEADER, &request_id), (FUNCTION_HEADER, name)] {
        if let Ok(value) = HeaderValue::from_str(value) {
            request.headers_mut().insert(header, value);
        }
    }
    let invocation = Invocation {
        user_id: function.user_id,
        limits: FunctionLimits {
            timeout: Duration::from_millis(u64::try_from(function.limits.timeout_ms).unwrap_or(0)),
            memory_bytes: u64::try_from(function.limits.memory_mb).unwrap_or(0) << 20,
        },
    };
    let (response, report) = gateway
        .sandbox()
        .invoke(&program, invocation, request)
        .await;
    let mut response = response.map(Body::new);
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert(REQUEST_ID_HEADER, value);
    }
    if shared_origin {
        headers.remove(header::SET_COOKIE);
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(SANDBOX_CSP),
        );
    }
    gateway.record_when_done(function, request_id, report);
    Ok(response.into_response())
}

/// The request as the guest sees it: the path after the function's prefix
/// (always starting with `/`) with the query. On the dashboard's origin the
/// visitor's cookies (their Fnlab session among them) are not passed on.
fn guest_request(request: Request, prefix_len: usize, shared_origin: bool) -> Request {
    let (mut parts, body) = request.into_parts();
    let path = parts.uri.path().get(prefix_len..).unwrap_or_default();
    let path = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    };
    let path_and_query = match parts.uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    parts.uri = Uri::try_from(path_and_query).unwrap_or_else(|_| Uri::from_static("/"));
    if !parts.headers.contains_key(header::HOST) {
        parts
            .headers
            .insert(header::HOST, HeaderValue::from_static("localhost"));
    }
    if shared_origin {
        parts.headers.remove(header::COOKIE);
    }
    Request::from_parts(parts, body)
}

/// With a separate functions origin configured, a function URL asked on
/// any other host moves there (308 keeps the method and body).
fn redirect_to_functions_origin(state: &AppState, request: &Request) -> Option<Response> {
    let origin = state.config.functions_url.as_deref()?.trim_end_matches('/');
    let wanted_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
    let host = request.headers().get(header::HOST)?.to_str().ok()?;
    if host.eq_ignore_ascii_case(wanted_host) {
        return None;
    }
    let path_and_query = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
    let location = HeaderValue::from_str(&format!("{origin}{path_and_query}")).ok()?;
    Some(
        (
            axum::http::StatusCode::PERMANENT_REDIRECT,
            [(header::LOCATION, location)],
        )
            .into_response(),
    )
}
