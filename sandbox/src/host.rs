//! What a guest can reach: the WASI context of one instance. No files, no
//! environment of the host (only its program's own variables, also
//! readable through `wasi:config/store`), no sockets; outgoing HTTP only
//! as the operator's policy allows (`outbound`), and its owner's
//! key-value stores (`keyvalue`); stdout and stderr go to size-capped buffers
//! that end up in the invocation report. And how much memory it may take:
//! the total of its linear memories and tables, limited and measured by
//! `MemoryLimiter`.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};

use tokio::io::AsyncWrite;
use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_config::{WasiConfig, WasiConfigVariables};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::keyvalue::{KeyValue, KvView};
use crate::outbound::Outbound;

/// The state of one instance's `Store`: what its guest reaches, pointed
/// at the request it serves (see [`Host::serve_next`]).
pub struct Host {
    wasi: WasiCtx,
    /// Where its stdout and stderr go.
    logs: (LogPipe, LogPipe),
    /// The program's variables, for `wasi:config/store`.
    env: Arc<[(String, String)]>,
    /// The same as a config store, made on the guest's first call.
    config: OnceLock<WasiConfigVariables>,
    http: WasiHttpCtx,
    table: ResourceTable,
    hooks: Outbound,
    kv: KeyValue,
    /// Enforces and measures the memory limit.
    pub(crate) limiter: MemoryLimiter,
}

impl Host {
    /// A context with nothing of the host in it, the given log buffers
    /// and the program's environment variables.
    pub(crate) fn new(
        (stdout, stderr): (CappedLog, CappedLog),
        limiter: MemoryLimiter,
        env: &Arc<[(String, String)]>,
        outbound: Outbound,
        kv: KeyValue,
    ) -> Self {
        let logs = (LogPipe::new(stdout), LogPipe::new(stderr));
        let wasi = WasiCtx::builder()
            .envs(env)
            .stdout(logs.0.clone())
            .stderr(logs.1.clone())
            .allow_ip_name_lookup(false)
            .allow_tcp(false)
            .allow_udp(false)
            .socket_addr_check(|_, _| Box::pin(async { false }))
            .build();
        Self {
            wasi,
            logs,
            env: env.clone(),
            config: OnceLock::new(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            hooks: outbound,
            kv,
            limiter,
        }
    }
}

impl Host {
    /// Whether the guest holds nothing but what may outlive its request:
    /// requests that came in (componentize-py keeps the last one), input
    /// streams, output streams such as its stdout and stderr, and
    /// pollables (Rust's standard library keeps one on stdout; one of an
    /// outgoing call comes with that call, which is refused). Anything
    /// else (a response slot it did not fill, a response or body it did
    /// not finish, as componentize-js's runtime leaves it, an outgoing call
    /// in flight, whatever this check does not know) means the instance
    /// must not serve another request: that response would end only with
    /// the instance, and the guest may expect a state it is not in.
    pub(crate) fn holds_only_what_may_outlive_a_request(&mut self) -> bool {
        use wasmtime_wasi::p2::{DynInputStream, DynOutputStream, DynPollable};
        use wasmtime_wasi_http::p2::body::HostIncomingBody;
        use wasmtime_wasi_http::p2::types::HostIncomingRequest;
        self.table.iter_mut().all(|entry| {
            let entry: &dyn std::any::Any = entry;
            entry.is::<HostIncomingRequest>()
                || entry.is::<HostIncomingBody>()
                || entry.is::<DynInputStream>()
                || entry.is::<DynOutputStream>()
                || entry.is::<DynPollable>()
        })
    }

    /// Whether the instance's memories and tables take at most `limit`
    /// bytes.
    pub(crate) fn holds_at_most(&self, limit: u64) -> bool {
        self.limiter.total as u64 <= limit
    }

    /// Points a warm instance at its next request: that request's logs,
    /// outbound calls, key-value access and memory measurement under
    /// `memory_limit`.
    pub(crate) fn serve_next(
        &mut self,
        (stdout, stderr): (CappedLog, CappedLog),
        memory_limit: u64,
        memory: Arc<MemoryUsage>,
        outbound: Outbound,
        kv: KeyValue,
    ) {
        self.logs.0.point_at(stdout);
        self.logs.1.point_at(stderr);
        self.hooks = outbound;
        self.kv = kv;
        self.limiter.carry_on(memory_limit, memory);
    }

    /// The invocation's key-value access, for `wasi:keyvalue`.
    pub(crate) fn kv(&mut self) -> KvView<'_> {
        KvView {
            kv: &mut self.kv,
            table: &mut self.table,
        }
    }

    /// The program's variables as `wasi:config/store` serves them (not
    /// Fnlab's own, such as a script's `FNLAB_SOURCE`).
    pub(crate) fn config(&mut self) -> WasiConfig<'_> {
        let env = &self.env;
        WasiConfig::from(self.config.get_or_init(|| {
            env.iter()
                .filter(|(name, _)| !name.starts_with(FNLAB_PREFIX))
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect()
        }))
    }
}

/// Variables of this prefix are Fnlab's own (users cannot set them).
const FNLAB_PREFIX: &str = "FNLAB_";

impl WasiView for Host {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for Host {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

/// The memory limit of one instance (one store): the TOTAL of all its linear
/// memories and tables, whichever core module they belong to. A component
/// may hold several core modules, each with a memory of its own, so a limit
/// per memory would let one function take that limit several times over.
/// Records the peak of the total and whether a growth was refused (so that
/// the trap that follows is reported as "out of memory").
///
/// Memories and tables live as long as the store and never shrink, so the
/// total only grows. It can over-count, never under-count: when wasmtime
/// fails a growth this limiter approved (the operating system refusing to
/// map the pages), its `*_grow_failed` callback does not say which growth
/// failed, and it is also called for growths never offered to
/// `*_growing`, so undoing the last approval there could undo one that
/// succeeded, which a guest could repeat to exceed the limit. The one such
/// failure a guest can cause at will, growing past the memory's or table's
/// own maximum, is refused here before it is counted. (A memory never
/// outgrows its pooling slot: the limit is at most the slot's size, see
/// `build_engine`.)
pub(crate) struct MemoryLimiter {
    limit: usize,
    /// Bytes of every memory and table of the instance so far.
    total: usize,
    pub(crate) usage: Arc<MemoryUsage>,
}

/// What [`MemoryLimiter`] observed, readable after the store is gone.
#[derive(Default)]
pub(crate) struct MemoryUsage {
    /// Highest total of memories and tables, bytes.
    pub(crate) peak: AtomicU64,
    /// Whether a growth was refused for passing the limit.
    pub(crate) refused: AtomicBool,
}

impl MemoryLimiter {
    pub(crate) fn new(limit: u64, usage: Arc<MemoryUsage>) -> Self {
        Self {
            limit: usize::try_from(limit).unwrap_or(usize::MAX),
            total: 0,
            usage,
        }
    }

    /// Measures the next request of the same instance into `usage`, under
    /// `limit`: its peak starts at what the instance holds already.
    fn carry_on(&mut self, limit: u64, usage: Arc<MemoryUsage>) {
        self.limit = usize::try_from(limit).unwrap_or(usize::MAX);
        usage.peak.store(self.total as u64, Ordering::Relaxed);
        self.usage = usage;
    }

    /// Adds `bytes` to the total if it stays within the limit; otherwise
    /// refuses and remembers that it did.
    fn charge(&mut self, bytes: usize) -> bool {
        match self.total.checked_add(bytes) {
            Some(total) if total <= self.limit => {
                self.total = total;
                self.usage.peak.fetch_max(total as u64, Ordering::Relaxed);
                true
            }
            _ => {
                self.usage.refused.store(true, Ordering::Relaxed);
                false
            }
        }
    }
}

/// What one table element costs the host: wasmtime stores a pointer per
/// element (`funcref` or `externref`).
const TABLE_ELEMENT_BYTES: usize = size_of::<usize>();

/// Whether wasmtime will fail the growth anyway because it passes the
/// memory's or table's own maximum (declared by the guest; for a table, also
/// its pooling slot). That is not the function's limit: not "out of memory".
fn past_own_maximum(desired: usize, maximum: Option<usize>) -> bool {
    maximum.is_some_and(|maximum| desired > maximum)
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if past_own_maximum(desired, maximum) {
            return Ok(false);
        }
        Ok(self.charge(desired.saturating_sub(current)))
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if past_own_maximum(desired, maximum) {
            return Ok(false);
        }
        let elements = desired.saturating_sub(current);
        Ok(self.charge(elements.saturating_mul(TABLE_ELEMENT_BYTES)))
    }
}

/// A stdout or stderr buffer that keeps the first `cap` bytes and silently
/// drops the rest (a chatty guest must not fail because of its logs).
#[derive(Clone)]
pub(crate) struct CappedLog {
    buffer: Arc<Mutex<Vec<u8>>>,
    cap: usize,
    truncated: Arc<AtomicBool>,
}

impl CappedLog {
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            buffer: Arc::default(),
            cap,
            truncated: Arc::default(),
        }
    }

    /// The text so far (lossy UTF-8), with a marker when bytes were dropped.
    pub(crate) fn text(&self) -> String {
        let buffer = self.buffer.lock().unwrap_or_else(|e| e.into_inner());
        let mut text = String::from_utf8_lossy(&buffer).into_owned();
        if self.truncated.load(Ordering::Relaxed) {
            text.push_str("\n[… output truncated]");
        }
        text
    }

    fn append(&self, bytes: &[u8]) {
        let mut buffer = self.buffer.lock().unwrap_or_else(|e| e.into_inner());
        let room = self.cap.saturating_sub(buffer.len());
        buffer.extend_from_slice(&bytes[..bytes.len().min(room)]);
        if bytes.len() > room {
            self.truncated.store(true, Ordering::Relaxed);
        }
    }

    /// Appends a line written by the host (e.g. why the invocation failed).
    pub(crate) fn host_line(&self, line: &str) {
        let mut buffer = self.buffer.lock().unwrap_or_else(|e| e.into_inner());
        if !buffer.is_empty() && !buffer.ends_with(b"\n") {
            buffer.push(b'\n');
        }
        buffer.extend_from_slice(b"[fnlab] ");
        buffer.extend_from_slice(line.as_bytes());
        buffer.push(b'\n');
    }
}

/// Where a guest's stdout or stderr goes: the log of the request its
/// instance serves now (a warm instance serves several, one after another).
#[derive(Clone)]
struct LogPipe(Arc<Mutex<CappedLog>>);

impl LogPipe {
    fn new(log: CappedLog) -> Self {
        Self(Arc::new(Mutex::new(log)))
    }

    fn point_at(&self, log: CappedLog) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = log;
    }
}

impl IsTerminal for LogPipe {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for LogPipe {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

impl AsyncWrite for LogPipe {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).append(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
