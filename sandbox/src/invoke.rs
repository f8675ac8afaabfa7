//! Running one request: a fresh `Store` (or a warm one of the same
//! function, see [`warm`](crate::warm)), the guest's `handle` call in its
//! own task (watched by the ticker), the response streamed back through a
//! counting, size-limited body, and an [`InvocationReport`] delivered once
//! both the guest and the response body are done, or at the function's
//! deadline, whichever comes first: a response its client does not read
//! is cut off then. The time reported (and billed) is the guest's own,
//! from its start until its `handle` returned, never the network's.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use http_body_util::combinators::UnsyncBoxBody;
use tokio::sync::{AcquireError, OwnedSemaphorePermit, Semaphore, oneshot};
use wasmtime::{Store, Trap, UpdateDeadline};
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;

use crate::config::FunctionLimits;
use crate::engine::{Alive, Sandbox};
use crate::host::{CappedLog, Host, MemoryLimiter, MemoryUsage};
use crate::keyvalue::{KeyValue, KvUsage};
use crate::outbound::{Outbound, OutboundUsage};
use crate::programs::Program;
use crate::report::{InvocationReport, Outcome};
use crate::warm::{WarmInstance, WarmKey};

/// Who runs, under which limits.
#[derive(Debug, Clone, Copy)]
pub struct Invocation {
    /// The function's owner (concurrency is limited per user).
    pub user_id: i64,
    /// The function's limits (capped by the sandbox's ceilings).
    pub limits: FunctionLimits,
    /// Which requests its instance may serve after this one (see
    /// [`warm`](crate::warm)); `None`: a fresh instance, discarded after.
    pub warm: Option<WarmKey>,
}

/// Error type of response bodies.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body of a function's response: the guest's stream, counted and
/// limited, or the host's short explanation when the guest could not answer.
pub struct ResponseBody {
    inner: UnsyncBoxBody<Bytes, BoxError>,
    /// Held until the body is done, so the report waits for it.
    tally: Option<Arc<Tally>>,
    limit: u64,
}

/// The accumulating measurements of one invocation. When the last holder
/// (guest task, response body) lets go, or at the deadline, the report is
/// sent.
pub(crate) struct Tally {
    started: Instant,
    /// How long the guest ran, in µs; 0 while it still runs.
    guest_us: AtomicU64,
    /// Set at the deadline while the response body was still unread.
    cut_off: AtomicBool,
    started_at_ms: i64,
    limits: FunctionLimits,
    cpu_ns: AtomicU64,
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
    status: AtomicU16,
    memory: Arc<MemoryUsage>,
    outbound: Arc<OutboundUsage>,
    kv: Arc<KvUsage>,
    pub(crate) timed_out: AtomicBool,
    request_too_large: AtomicBool,
    outcome: Mutex<Option<Outcome>>,
    stdout: CappedLog,
    stderr: CappedLog,
    done: Mutex<Option<oneshot::Sender<InvocationReport>>>,
}

impl Tally {
    fn new(
        limits: FunctionLimits,
        log_cap: usize,
        done: oneshot::Sender<InvocationReport>,
    ) -> Self {
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Self {
            started: Instant::now(),
            guest_us: AtomicU64::new(0),
            cut_off: AtomicBool::new(false),
            started_at_ms: i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX),
            limits,
            cpu_ns: AtomicU64::new(0),
            bytes_in: AtomicU64::new(0),
            bytes_out: AtomicU64::new(0),
            status: AtomicU16::new(0),
            memory: Arc::default(),
            outbound: Arc::default(),
            kv: Arc::default(),
            timed_out: AtomicBool::new(false),
            request_too_large: AtomicBool::new(false),
            outcome: Mutex::new(None),
            stdout: CappedLog::new(log_cap),
            stderr: CappedLog::new(log_cap),
            done: Mutex::new(Some(done)),
        }
    }

    /// How it ended so far: the first failure recorded, else a timeout or an
    /// oversized request noticed on the side, else fine.
    fn outcome(&self) -> Outcome {
        if self.timed_out.load(Ordering::Relaxed) {
            return Outcome::Timeout;
        }
        if self.request_too_large.load(Ordering::Relaxed) {
            return Outcome::RequestTooLarge;
        }
        let outcome = self.outcome.lock().unwrap_or_else(|e| e.into_inner());
        outcome.clone().unwrap_or(Outcome::Ok)
    }

    /// Records a failure (the first one wins) and logs its reason to stderr.
    fn fail(&self, outcome: Outcome) {
        let mut slot = self.outcome.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() {
            self.stderr.host_line(&self.reason(&outcome));
            *slot = Some(outcome);
        }
    }

    fn reason(&self, outcome: &Outcome) -> String {
        outcome.reason(
            self.limits.timeout.as_millis(),
            self.limits.memory_bytes >> 20,
        )
    }

    /// The host's answer when the guest sent none.
    fn error_response(&self) -> http::Response<ResponseBody> {
        let outcome = self.outcome();
        if matches!(outcome, Outcome::Timeout | Outcome::RequestTooLarge) {
            // Noticed on the side: make sure it is in the log too.
            self.fail(outcome.clone());
        }
        let status = outcome.status();
        self.status.store(status, Ordering::Relaxed);
        let text = Bytes::from(format!("{}\n", self.reason(&outcome)));
        self.bytes_out
            .fetch_add(text.len() as u64, Ordering::Relaxed);
        let body = http_body_util::Full::new(text)
            .map_err(|never| match never {})
            .boxed_unsync();
        let mut response = http::Response::new(ResponseBody {
            inner: body,
            tally: None,
            limit: u64::MAX,
        });
        *response.status_mut() =
            http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::BAD_GATEWAY);
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        response
    }
}

impl Tally {
    /// Sends the report, once: with the guest's time (at most its timeout;
    /// or the time so far if it never ran), and what was sent so far.
    fn report(&self) {
        let Some(done) = self.done.lock().unwrap_or_else(|e| e.into_inner()).take() else {
            return;
        };
        let elapsed = u64::try_from(self.started.elapsed().as_micros()).unwrap_or(u64::MAX);
        let guest = match self.guest_us.load(Ordering::Relaxed) {
            0 => elapsed,
            guest => guest,
        };
        let timeout = u64::try_from(self.limits.timeout.as_micros()).unwrap_or(u64::MAX);
        let report = InvocationReport {
            started_at_ms: self.started_at_ms,
            wall_us: guest.min(timeout),
            cpu_us: self.cpu_ns.load(Ordering::Relaxed) / 1_000,
            peak_memory_bytes: self.memory.peak.load(Ordering::Relaxed),
            bytes_in: self.bytes_in.load(Ordering::Relaxed),
            bytes_out: self.bytes_out.load(Ordering::Relaxed),
            outbound_requests: self.outbound.requests.load(Ordering::Relaxed),
            outbound_bytes: self.outbound.bytes.load(Ordering::Relaxed),
            kv_reads: self.kv.reads.load(Ordering::Relaxed),
            kv_writes: self.kv.writes.load(Ordering::Relaxed),
            status: self.status.load(Ordering::Relaxed),
            outcome: self.outcome(),
            stdout: self.stdout.text(),
            stderr: self.stderr.text(),
        };
        let _ = done.send(report);
    }

    /// Past the deadline, with the guest gone but its response body still
    /// unread: the body ends there, and the report goes now.
    pub(crate) fn cut_off(&self) {
        self.stderr.host_line(&format!(
            "the caller had not read the whole response after {} ms; it was cut off",
            self.limits.timeout.as_millis()
        ));
        self.cut_off.store(true, Ordering::Relaxed);
        self.report();
    }

    /// Notes how long the guest ran; the first call counts.
    fn guest_ended(&self) {
        let ran = u64::try_from(self.started.elapsed().as_micros()).unwrap_or(u64::MAX);
        let _ = self
            .guest_us
            .compare_exchange(0, ran.max(1), Ordering::Relaxed, Ordering::Relaxed);
    }
}

impl Drop for Tally {
    fn drop(&mut self) {
        self.report();
    }
}

/// Notes the end of the guest's run when dropped: when `handle` returns,
/// traps, or its task is aborted.
struct GuestRun(Arc<Tally>);

impl Drop for GuestRun {
    fn drop(&mut self) {
        self.0.guest_ended();
    }
}

impl Sandbox {
    /// Runs `request` through `program`. The request's URI is what the
    /// guest sees (the gateway has already cut the function's prefix).
    /// Returns the response, whose body streams from the guest, and a
    /// receiver that yields the report once the invocation is completely
    /// done (after the response body, even on a timeout or trap).
    pub async fn invoke<B>(
        &self,
        program: &Program,
        invocation: Invocation,
        request: http::Request<B>,
    ) -> (
        http::Response<ResponseBody>,
        oneshot::Receiver<InvocationReport>,
    )
    where
        B: Body<Data = Bytes> + Send + Unpin + 'static,
        B::Error: std::fmt::Display,
    {
        let config = &self.inner.config;
        let limits = FunctionLimits {
            timeout: invocation.limits.timeout,
            memory_bytes: invocation.limits.memory_bytes.min(config.max_memory_bytes),
        };
        let (done, report) = oneshot::channel();
        let tally = Arc::new(Tally::new(limits, config.max_log_bytes, done));

        let slots = self.user_slots(invocation.user_id);
        let Ok(permit) = slots.instances.clone().try_acquire_owned() else {
            tally.fail(Outcome::TooManyRequests);
            return (tally.error_response(), report);
        };
        let declared = request
            .headers()
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|length| length > config.max_request_bytes) {
            tally.fail(Outcome::RequestTooLarge);
            return (tally.error_response(), report);
        }

        let deadline = Instant::now() + limits.timeout;
        let outbound = Outbound::new(
            self.inner.outbound.0.clone(),
            self.inner.outbound.1.clone(),
            deadline,
            tally.stderr.clone(),
            tally.outbound.clone(),
            (self.inner.platform.get().cloned(), invocation.user_id),
        );
        let kv = KeyValue::new(
            self.inner.key_value.get().cloned(),
            invocation.user_id,
            config.max_kv_ops,
            tally.kv.clone(),
        );
        let logs = (tally.stdout.clone(), tally.stderr.clone());
        // A warm instance already over a lowered memory limit is discarded.
        let warm = invocation
            .warm
            .and_then(|key| self.inner.warm.take(invocation.user_id, key))
            .filter(|warm| warm.store.data().holds_at_most(limits.memory_bytes));
        let (mut store, reused) = match warm {
            Some(mut warm) => {
                let host = warm.store.data_mut();
                host.serve_next(
                    logs,
                    limits.memory_bytes,
                    tally.memory.clone(),
                    outbound,
                    kv,
                );
                (warm.store, Some((warm.proxy, warm.born, warm.served)))
            }
            None => {
                let limiter = MemoryLimiter::new(limits.memory_bytes, tally.memory.clone());
                let host = Host::new(logs, limiter, &program.env, outbound, kv);
                let mut store = Store::new(&self.inner.engine, host);
                store.limiter(|host| &mut host.limiter);
                (store, None)
            }
        };
        store.set_epoch_deadline(1);
        // Checked at every tick while wasm runs: past the deadline the guest
        // traps; before it, it yields so other requests get the thread.
        store.epoch_deadline_callback(move |_| {
            if Instant::now() >= deadline {
                Err(Trap::Interrupt.into())
            } else {
                Ok(UpdateDeadline::Yield(1))
            }
        });

        let request = request.map(|body| LimitedBody {
            inner: body,
            limit: config.max_request_bytes,
            tally: tally.clone(),
        });
        let (sender, receiver) = oneshot::channel();
        let prepared = store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, request)
            .and_then(|req| Ok((req, store.data_mut().http().new_response_outparam(sender)?)));
        let (req, out) = match prepared {
            Ok(resources) => resources,
            Err(e) => {
                tally.fail(Outcome::NoResponse(format!(
                    "the request could not be passed on: {e:#}"
                )));
                return (tally.error_response(), report);
            }
        };

        let pre = program.pre.clone();
        let footprint = program.footprint.clone();
        let light = footprint.load(Ordering::Relaxed) <= LIGHT_FOOTPRINT;
        let guest_tally = tally.clone();
        let guest_run = GuestRun(tally.clone());
        let (warm_key, user_id) = (invocation.warm, invocation.user_id);
        let warm_instances = self.inner.warm.clone();
        let guest = CpuTimed {
            inner: Box::pin(async move {
                let _permit = permit;
                let run = guest_run;
                let result = async {
                    let (proxy, born, served) = match reused {
                        Some(reused) => reused,
                        None => (pre.instantiate_async(&mut store).await?, Instant::now(), 0),
                    };
                    proxy
                        .wasi_http_incoming_handler()
                        .call_handle(&mut store, req, out)
                        .await?;
                    Ok::<_, wasmtime::Error>((proxy, born, served))
                }
                .await;
                footprint.store(
                    guest_tally.memory.peak.load(Ordering::Relaxed),
                    Ordering::Relaxed,
                );
                drop(run);
                match result {
                    // Only an instance whose guest returned and whose
                    // request went well may serve again.
                    Ok((proxy, born, served)) => {
                        if let Some(key) = warm_key
                            && guest_tally.outcome() == Outcome::Ok
                            && store.data_mut().holds_only_what_may_outlive_a_request()
                        {
                            let served = served + 1;
                            let instance = WarmInstance {
                                store,
                                proxy,
                                born,
                                served,
                            };
                            warm_instances.put(user_id, key, instance);
                        }
                    }
                    Err(e) => guest_tally.fail(classify(&e, &guest_tally.memory)),
                }
            }),
            tally: tally.clone(),
            alive: slots.alive(&self.inner.active_users),
            light,
            turns: slots.running,
            waiting: None,
        };
        let task = tokio::spawn(guest);
        self.inner
            .watchdog
            .watch(task.abort_handle(), limits.timeout, &tally);

        let response = match receiver.await {
            // A guest that answers after its request body was cut off
            // answered a request it never saw whole.
            Ok(Ok(_)) if tally.request_too_large.load(Ordering::Relaxed) => tally.error_response(),
            Ok(Ok(response)) => {
                tally
                    .status
                    .store(response.status().as_u16(), Ordering::Relaxed);
                let limit = config.max_response_bytes;
                response.map(|body| ResponseBody {
                    inner: body.map_err(BoxError::from).boxed_unsync(),
                    tally: Some(tally.clone()),
                    limit,
                })
            }
            Ok(Err(code)) => {
                // A guest that could not read an oversized body often answers
                // with an error code; the size is the real reason then.
                if !tally.request_too_large.load(Ordering::Relaxed) {
                    tally.fail(Outcome::NoResponse(format!(
                        "it answered with the error {code:?}"
                    )));
                }
                tally.error_response()
            }
            Err(_) => {
                // The guest dropped its response slot: wait for its task to
                // know why (trap, timeout, or it simply never answered).
                let _ = task.await;
                tally.fail(Outcome::NoResponse(
                    "it finished without setting a response".into(),
                ));
                tally.error_response()
            }
        };
        (response, report)
    }
}

/// Names the failure behind a guest error.
fn classify(error: &wasmtime::Error, memory: &MemoryUsage) -> Outcome {
    match error.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => Outcome::Timeout,
        Some(Trap::StackOverflow) => Outcome::StackOverflow,
        _ if memory.refused.load(Ordering::Relaxed) => Outcome::OutOfMemory,
        Some(trap) => Outcome::Trap(trap.to_string()),
        None => {
            let mut text = format!("{error:#}");
            text.truncate(300);
            Outcome::Trap(text)
        }
    }
}

/// Most memory a program's last instance may have used for its guests to
/// run side by side without turns when their user is alone on the node.
/// A heavier guest (a script runtime: 15 MB or more of initial memory)
/// writes thousands of pages of its memory image on every request, each a
/// copy-on-write fault, and faults of one process on two cores at once
/// cost a TLB flush on the other core each: measured on two cores,
/// letting them run side by side cost Python 39% and JavaScript 20% of
/// their requests per second, while light guests gained 23%.
const LIGHT_FOOTPRINT: u64 = 8 << 20;

/// The guest's future, with the CPU time of every poll added to the tally.
/// Each poll first takes a turn from its owner's `turns`, so that only so
/// many of one user's guests execute at once and the other cores are left
/// to the others, except when its user is alone on the node and the guest
/// is light (see [`LIGHT_FOOTPRINT`]): then it may use every core. A guest
/// yields at every epoch tick, so a user who arrives waits at most a tick
/// for the turns to apply.
struct CpuTimed<F> {
    inner: Pin<Box<F>>,
    tally: Arc<Tally>,
    alive: Alive,
    /// Whether the guest is light enough to skip turns while alone.
    light: bool,
    turns: Arc<Semaphore>,
    waiting: Option<Pin<Box<TurnFuture>>>,
}

/// Waiting for a turn.
type TurnFuture = dyn Future<Output = Result<OwnedSemaphorePermit, AcquireError>> + Send;

impl<F: Future<Output = ()>> Future for CpuTimed<F> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let turn = if this.waiting.is_some() || !this.light || this.alive.shared() {
            let turns = &this.turns;
            let waiting = this
                .waiting
                .get_or_insert_with(|| Box::pin(turns.clone().acquire_owned()));
            let Poll::Ready(turn) = waiting.as_mut().poll(cx) else {
                return Poll::Pending;
            };
            this.waiting = None;
            Some(turn)
        } else {
            None
        };
        let started = cpu_time::ThreadTime::try_now().ok();
        let result = this.inner.as_mut().poll(cx);
        if let Some(elapsed) = started.map(|t| t.elapsed()) {
            let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
            this.tally.cpu_ns.fetch_add(nanos, Ordering::Relaxed);
        }
        drop(turn);
        result
    }
}

/// The request body as the guest reads it: counted, and cut off with an
/// error past the limit.
struct LimitedBody<B> {
    inner: B,
    limit: u64,
    tally: Arc<Tally>,
}

impl<B> Body for LimitedBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
    type Data = Bytes;
    type Error = wasmtime_wasi_http::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let frame = match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => frame,
            Poll::Ready(Some(Err(e))) => {
                tracing::debug!(error = %e, "request body failed");
                return Poll::Ready(Some(Err(wasmtime_wasi_http::Error::ConnectionTerminated)));
            }
            other => return other.map(|_| None),
        };
        if let Some(data) = frame.data_ref() {
            let total = self
                .tally
                .bytes_in
                .fetch_add(data.len() as u64, Ordering::Relaxed)
                + data.len() as u64;
            if total > self.limit {
                self.tally.request_too_large.store(true, Ordering::Relaxed);
                return Poll::Ready(Some(Err(wasmtime_wasi_http::Error::HttpRequestBodySize(
                    Some(self.limit),
                ))));
            }
        }
        Poll::Ready(Some(Ok(frame)))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        let Some(tally) = self.tally.clone() else {
            return polled;
        };
        if tally.cut_off.load(Ordering::Relaxed) {
            self.tally = None;
            return Poll::Ready(Some(Err(
                "the response was not read within the function's timeout".into(),
            )));
        }
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    let total = tally
                        .bytes_out
                        .fetch_add(data.len() as u64, Ordering::Relaxed)
                        + data.len() as u64;
                    if total > self.limit {
                        tally.fail(Outcome::ResponseTooLarge);
                        self.tally = None;
                        return Poll::Ready(Some(Err(
                            "the response body exceeded its size limit".into()
                        )));
                    }
                }
            }
            Poll::Ready(Some(Err(e))) => {
                tracing::debug!(error = %e, "function response body failed");
                self.tally = None;
            }
            Poll::Ready(None) => self.tally = None,
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
