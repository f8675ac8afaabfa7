//! Components turned into ready-to-instantiate programs: validated,
//! compiled once (or reloaded from the disk cache), pre-linked, and kept in
//! memory while they are used.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use wasmtime::component::Component;
use wasmtime_wasi_http::p2::bindings::ProxyPre;

use crate::cache::CacheSweep;
use crate::engine::Sandbox;
use crate::host::Host;

/// The export every function must have.
const HANDLER_EXPORT: &str = "wasi:http/incoming-handler@0.2";

/// A component ready to run: one per live version.
pub struct Program {
    /// The component's SHA-256.
    pub sha256: String,
    /// How it was made ready.
    pub source: LoadSource,
    /// Bytes of native code it holds in memory.
    pub code_bytes: usize,
    pub(crate) pre: ProxyPre<Host>,
    /// The environment variables its guests see (`wasi:cli/environment`).
    pub(crate) env: Arc<[(String, String)]>,
    /// The peak memory of its last instance, bytes (0 before the first):
    /// whether its guests are light enough to run side by side.
    pub(crate) footprint: Arc<AtomicU64>,
}

impl Program {
    /// The same compiled program, whose guests see `env` as their
    /// environment variables: the function's variables and secrets. A
    /// script runtime (JavaScript, Python) is one component for every
    /// function; each function's source reaches it this way too, so
    /// deploying a script compiles nothing.
    pub fn with_env(&self, env: Arc<[(String, String)]>) -> Arc<Program> {
        Arc::new(Program {
            sha256: self.sha256.clone(),
            source: self.source,
            code_bytes: self.code_bytes,
            pre: self.pre.clone(),
            env,
            footprint: self.footprint.clone(),
        })
    }
}

/// Where a program's native code came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadSource {
    /// Compiled from the component (the slow path).
    Compiled,
    /// Reloaded from the on-disk cache.
    DiskCache,
    /// Already in memory.
    Memory,
}

/// Why bytes cannot be run as a function. The messages are shown to users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// Not WebAssembly at all.
    #[error("this is not a WebAssembly binary (it does not start with \\0asm)")]
    NotWasm,
    /// A core module rather than a component.
    #[error(
        "this is a core WebAssembly module, not a component: build for the wasm32-wasip2 target \
         (or wrap the module with `wasm-tools component new`)"
    )]
    CoreModule,
    /// A WebAssembly binary the engine cannot compile.
    #[error("the component is invalid: {0}")]
    Invalid(String),
    /// A component without the HTTP handler export.
    #[error(
        "the component does not export wasi:http/incoming-handler@0.2.x (it exports: {0}); \
         build it for the wasi:http/proxy world"
    )]
    NoHandler(String),
    /// It imports something Fnlab does not provide.
    #[error("the component needs an import Fnlab does not provide: {0}")]
    Imports(String),
    /// Other components took every compile slot for longer than the
    /// sandbox waits; nothing is wrong with this one.
    #[error("the server is busy compiling other components; try again in a few seconds")]
    Busy,
    /// Compiling took longer than the sandbox waits.
    #[error(
        "compiling the component took longer than {} s; it goes on in the background, \
         so try again in a minute", .0.as_secs()
    )]
    TooSlow(std::time::Duration),
}

/// The programs in memory, by SHA-256, with when each was last used,
/// within a budget of native code: past it the least recently used go
/// first (requests in flight keep theirs), so ten thousand functions
/// called now and then cost the memory of the busiest only.
pub(crate) struct Programs {
    ready: Mutex<Ready>,
    /// One lock per component being loaded, so that a burst of first
    /// requests compiles it once.
    loading: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// The programs in memory and the bytes of native code they hold.
struct Ready {
    programs: HashMap<String, (Arc<Program>, Instant)>,
    code_bytes: usize,
    max_code_bytes: usize,
}

impl Ready {
    fn remove(&mut self, sha256: &str) {
        if let Some((program, _)) = self.programs.remove(sha256) {
            self.code_bytes -= program.code_bytes;
            tracing::debug!(sha256, "program evicted from memory");
        }
    }
}

impl Programs {
    /// Keeps at most `max_code_bytes` of native code (and always the
    /// program loaded last).
    pub(crate) fn new(max_code_bytes: usize) -> Self {
        Self {
            ready: Mutex::new(Ready {
                programs: HashMap::new(),
                code_bytes: 0,
                max_code_bytes,
            }),
            loading: Mutex::default(),
        }
    }

    fn ready(&self) -> std::sync::MutexGuard<'_, Ready> {
        self.ready.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn get(&self, sha256: &str) -> Option<Arc<Program>> {
        let mut ready = self.ready();
        let (program, used) = ready.programs.get_mut(sha256)?;
        *used = Instant::now();
        Some(program.clone())
    }

    /// Keeps `program`, then drops the least recently used others while
    /// the native code is over budget.
    fn insert(&self, program: Arc<Program>) {
        let mut ready = self.ready();
        let sha256 = program.sha256.clone();
        ready.remove(&sha256);
        ready.code_bytes += program.code_bytes;
        ready
            .programs
            .insert(sha256.clone(), (program, Instant::now()));
        while ready.code_bytes > ready.max_code_bytes {
            let oldest = ready
                .programs
                .iter()
                .filter(|(other, _)| **other != sha256)
                .min_by_key(|(_, (_, used))| *used)
                .map(|(other, _)| other.clone());
            let Some(oldest) = oldest else { break };
            ready.remove(&oldest);
        }
    }

    fn loading_lock(&self, sha256: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut loading = self.loading.lock().unwrap_or_else(|e| e.into_inner());
        loading.entry(sha256.to_owned()).or_default().clone()
    }

    fn done_loading(&self, sha256: &str) {
        self.loading
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(sha256);
    }

    /// The SHA-256 of every program in memory.
    fn in_memory(&self) -> HashSet<String> {
        self.ready().programs.keys().cloned().collect()
    }

    /// How many programs are in memory.
    pub(crate) fn count(&self) -> usize {
        self.ready().programs.len()
    }

    /// Bytes of native code the programs in memory hold.
    pub(crate) fn code_bytes(&self) -> usize {
        self.ready().code_bytes
    }

    /// Drops programs unused for `idle` (requests in flight keep theirs).
    pub(crate) fn evict_idle(&self, idle: Duration) {
        let mut ready = self.ready();
        let idle: Vec<String> = ready
            .programs
            .iter()
            .filter(|(_, (_, used))| used.elapsed() >= idle)
            .map(|(sha256, _)| sha256.clone())
            .collect();
        for sha256 in idle {
            ready.remove(&sha256);
        }
    }
}

/// Checks the first bytes: WebAssembly, and a component rather than a module.
fn check_header(bytes: &[u8]) -> Result<(), LoadError> {
    const MAGIC: &[u8] = b"\0asm";
    const CORE_VERSION: [u8; 4] = [1, 0, 0, 0];
    if bytes.len() < 8 || &bytes[..4] != MAGIC {
        return Err(LoadError::NotWasm);
    }
    if bytes[4..8] == CORE_VERSION {
        return Err(LoadError::CoreModule);
    }
    Ok(())
}

impl Sandbox {
    /// The program for `sha256` if it is in memory.
    pub fn ready(&self, sha256: &str) -> Option<Arc<Program>> {
        self.inner.programs.get(sha256)
    }

    /// The program for `sha256` if another load made it ready while this
    /// one waited for its turn, marked as found in memory.
    fn loaded_meanwhile(&self, sha256: &str) -> Option<Arc<Program>> {
        self.ready(sha256).map(|program| {
            Arc::new(Program {
                sha256: program.sha256.clone(),
                source: LoadSource::Memory,
                code_bytes: program.code_bytes,
                pre: program.pre.clone(),
                env: program.env.clone(),
                footprint: program.footprint.clone(),
            })
        })
    }

    /// Makes `component` (whose SHA-256 is `sha256`) ready to run:
    /// from memory, else from the disk cache, else by validating and
    /// compiling it (on a blocking thread) and caching the native code.
    pub async fn load(&self, sha256: &str, component: &[u8]) -> Result<Arc<Program>, LoadError> {
        let lock = self.inner.programs.loading_lock(sha256);
        let _loading = lock.lock().await;
        if let Some(program) = self.loaded_meanwhile(sha256) {
            return Ok(program);
        }
        let loaded = self.load_uncached(sha256, component).await;
        self.inner.programs.done_loading(sha256);
        loaded
    }

    /// Makes the program for `sha256` ready from memory or the disk cache
    /// alone, without its component: `None` when its native code is not
    /// cached (then [`Sandbox::load`] compiles the component).
    pub async fn load_cached(&self, sha256: &str) -> Option<Arc<Program>> {
        let lock = self.inner.programs.loading_lock(sha256);
        let _loading = lock.lock().await;
        if let Some(program) = self.loaded_meanwhile(sha256) {
            return Some(program);
        }
        let sandbox = self.clone();
        let owned = sha256.to_owned();
        let loaded = tokio::task::spawn_blocking(move || sandbox.prepare_from_cache(&owned))
            .await
            .ok()
            .flatten()
            .map(Arc::new);
        if let Some(program) = &loaded {
            self.inner.programs.insert(program.clone());
        }
        self.inner.programs.done_loading(sha256);
        loaded
    }

    /// Bounds the on-disk cache of native code: removes that of components
    /// not in `referenced` (what some version runs, and anything else
    /// worth keeping), unused for a month, or of another engine, then the
    /// least recently used until it fits `cache_max_bytes`. Programs in
    /// memory keep running; a removed file only costs a compilation later.
    pub async fn sweep_code_cache(
        &self,
        referenced: HashSet<String>,
    ) -> std::io::Result<CacheSweep> {
        let sandbox = self.clone();
        tokio::task::spawn_blocking(move || {
            let inner = &sandbox.inner;
            let in_memory = inner.programs.in_memory();
            inner
                .cache
                .sweep(&referenced, &in_memory, inner.config.cache_max_bytes)
        })
        .await
        .map_err(std::io::Error::other)?
    }

    async fn load_uncached(
        &self,
        sha256: &str,
        component: &[u8],
    ) -> Result<Arc<Program>, LoadError> {
        check_header(component)?;
        // Compiling takes a core for seconds: a few at a time, in turn.
        let slots = self.inner.compiles.clone();
        let wait = self.inner.config.compile_wait;
        let permit = tokio::time::timeout(wait, slots.acquire_owned())
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or(LoadError::Busy)?;
        let sandbox = self.clone();
        let (sha256, component) = (sha256.to_owned(), component.to_vec());
        // The compile keeps its slot until it is done, even when the load
        // stops waiting for it.
        let compile = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            sandbox.prepare(&sha256, &component)
        });
        let limit = self.inner.config.compile_timeout;
        let program = tokio::time::timeout(limit, compile)
            .await
            .map_err(|_| LoadError::TooSlow(limit))?
            .map_err(|e| LoadError::Invalid(format!("the compiler crashed: {e}")))??;
        let program = Arc::new(program);
        self.inner.programs.insert(program.clone());
        Ok(program)
    }

    /// Validates, compiles (or reloads) and pre-links one component.
    fn prepare(&self, sha256: &str, bytes: &[u8]) -> Result<Program, LoadError> {
        if let Some(program) = self.prepare_from_cache(sha256) {
            return Ok(program);
        }
        let started = Instant::now();
        let component = Component::new(&self.inner.engine, bytes)
            .map_err(|e| LoadError::Invalid(format!("{e:#}")))?;
        tracing::info!(sha256, elapsed = ?started.elapsed(), "component compiled");
        self.link(sha256, component, LoadSource::Compiled)
    }

    /// Reloads and pre-links the native code of `sha256` from the disk
    /// cache; `None` when it is not there (or no longer links).
    fn prepare_from_cache(&self, sha256: &str) -> Option<Program> {
        let inner = &self.inner;
        let started = Instant::now();
        let component = inner.cache.load(&inner.engine, sha256)?;
        tracing::debug!(sha256, elapsed = ?started.elapsed(), "component reloaded from the disk cache");
        self.link(sha256, component, LoadSource::DiskCache).ok()
    }

    /// Checks that `component` is a handler, pre-links it and makes its
    /// memory images; caches its native code when it was just compiled.
    fn link(
        &self,
        sha256: &str,
        component: Component,
        source: LoadSource,
    ) -> Result<Program, LoadError> {
        let inner = &self.inner;
        let exports: Vec<String> = component
            .component_type()
            .exports(&inner.engine)
            .map(|(name, _)| name.to_owned())
            .collect();
        if !exports.iter().any(|name| name.starts_with(HANDLER_EXPORT)) {
            let listed = if exports.is_empty() {
                "no interfaces".to_owned()
            } else {
                exports.join(", ")
            };
            return Err(LoadError::NoHandler(listed));
        }
        let instance_pre = inner
            .linker
            .instantiate_pre(&component)
            .map_err(|e| LoadError::Imports(format!("{e:#}")))?;
        let pre =
            ProxyPre::new(instance_pre).map_err(|e| LoadError::NoHandler(format!("{e:#}")))?;
        // The images its instances' memories start from (copy-on-write)
        // are made now, so that the first request does not wait for them.
        if let Err(e) = component.initialize_copy_on_write_image() {
            tracing::warn!(sha256, error = %format!("{e:#}"), "no memory image made in advance");
        }
        if source == LoadSource::Compiled {
            inner.cache.store(sha256, &component);
        }
        let code = component.image_range();
        Ok(Program {
            sha256: sha256.to_owned(),
            source,
            code_bytes: (code.end as usize).saturating_sub(code.start as usize),
            pre,
            env: Arc::new([]),
            footprint: Arc::default(),
        })
    }
}
