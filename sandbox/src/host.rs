//! What a guest can reach: the WASI context of one request. No files, no
//! environment of the host (only its program's own variables), no
//! sockets, no outgoing HTTP; stdout and stderr go to size-capped buffers
//! that end up in the invocation report.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::AsyncWrite;
use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{
    RequestOptions, WasiBody, WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView,
};

/// The state of one request's `Store`.
pub struct Host {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    hooks: NoOutgoingHttp,
    /// Enforces and measures the memory limit.
    pub(crate) limiter: MemoryLimiter,
}

impl Host {
    /// A context with nothing of the host in it, the given log buffers
    /// and the program's environment variables.
    pub(crate) fn new(
        stdout: CappedLog,
        stderr: CappedLog,
        limiter: MemoryLimiter,
        env: &[(String, String)],
    ) -> Self {
        let wasi = WasiCtx::builder()
            .envs(env)
            .stdout(stdout)
            .stderr(stderr)
            .allow_ip_name_lookup(false)
            .allow_tcp(false)
            .allow_udp(false)
            .socket_addr_check(|_, _| Box::pin(async { false }))
            .build();
        Self {
            wasi,
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            hooks: NoOutgoingHttp,
            limiter,
        }
    }
}

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

/// Refuses every outgoing HTTP request: functions get no network.
struct NoOutgoingHttp;

impl WasiHttpHooks for NoOutgoingHttp {
    fn send_request(
        &mut self,
        _request: http::Request<WasiBody>,
        _options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
    ) -> Box<
        dyn Future<
                Output = wasmtime_wasi_http::Result<(
                    http::Response<WasiBody>,
                    Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
                )>,
            > + Send,
    > {
        Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) })
    }
}

/// Linear memory limit of one instance, recording the peak it reached and
/// whether a growth was refused (so that the trap that follows is reported
/// as "out of memory").
pub(crate) struct MemoryLimiter {
    limit: usize,
    pub(crate) usage: Arc<MemoryUsage>,
}

/// What [`MemoryLimiter`] observed, readable after the store is gone.
#[derive(Default)]
pub(crate) struct MemoryUsage {
    pub(crate) peak: AtomicU64,
    pub(crate) refused: AtomicBool,
}

impl MemoryLimiter {
    pub(crate) fn new(limit: u64, usage: Arc<MemoryUsage>) -> Self {
        Self {
            limit: usize::try_from(limit).unwrap_or(usize::MAX),
            usage,
        }
    }
}

/// Most table elements one table may hold.
const MAX_TABLE_ELEMENTS: usize = 100_000;

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.limit {
            self.usage.refused.store(true, Ordering::Relaxed);
            return Ok(false);
        }
        self.usage.peak.fetch_max(desired as u64, Ordering::Relaxed);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
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

impl IsTerminal for CappedLog {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for CappedLog {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

impl AsyncWrite for CappedLog {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.append(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
