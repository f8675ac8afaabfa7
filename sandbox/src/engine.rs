//! The one engine every function runs in, its linker, and the ticker.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::task::AbortHandle;
use wasmtime::component::Linker;
use wasmtime::{Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::cache::DiskCache;
use crate::config::SandboxConfig;
use crate::host::Host;
use crate::invoke::Tally;
use crate::keyvalue::KeyValueBackend;
use crate::outbound::OutboundPolicy;
use crate::programs::Programs;
use crate::warm::WarmInstances;

/// The sandbox: one engine, one linker, one ticker, the ready programs and
/// the per-user concurrency limits. Cheap to clone.
#[derive(Clone)]
pub struct Sandbox {
    pub(crate) inner: Arc<Inner>,
}

/// What every clone of a [`Sandbox`] shares.
pub(crate) struct Inner {
    pub(crate) engine: Engine,
    pub(crate) linker: Linker<Host>,
    pub(crate) config: SandboxConfig,
    pub(crate) cache: DiskCache,
    pub(crate) programs: Programs,
    /// Idle instances that may serve their function again.
    pub(crate) warm: Arc<WarmInstances>,
    pub(crate) watchdog: Watchdog,
    users: Mutex<HashMap<i64, UserSlots>>,
    /// How many users have instances alive right now.
    pub(crate) active_users: Arc<AtomicUsize>,
    /// One permit per component that may compile at once.
    pub(crate) compiles: Arc<Semaphore>,
    /// The outbound policy and the TLS settings of outbound HTTPS.
    pub(crate) outbound: (Arc<OutboundPolicy>, Arc<rustls::ClientConfig>),
    /// Where guests' key-value stores live, once the embedder said.
    pub(crate) key_value: std::sync::OnceLock<Arc<dyn KeyValueBackend>>,
    /// Who answers guests' calls to Fnlab itself.
    pub(crate) platform: std::sync::OnceLock<Arc<dyn crate::platform::Platform>>,
    stop_ticker: Arc<AtomicBool>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.stop_ticker.store(true, Ordering::Relaxed);
    }
}

/// Errors creating a [`Sandbox`].
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The engine could not be configured (e.g. not enough address space
    /// for the pooling allocator).
    #[error("cannot create the WebAssembly engine: {0}")]
    Engine(String),
    /// The cache directory could not be created.
    #[error("cannot create the code cache {path}: {source}")]
    CacheDir {
        /// The directory.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl Sandbox {
    /// Creates the engine (pooling allocator sized by `config`, epoch
    /// interruption) and starts the ticker thread.
    pub fn new(config: SandboxConfig) -> Result<Self, SandboxError> {
        let engine = build_engine(&config).map_err(|e| SandboxError::Engine(format!("{e:#}")))?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)
            .and_then(|()| wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker))
            .and_then(|()| wasmtime_wasi_config::add_to_linker(&mut linker, Host::config))
            .and_then(|()| crate::keyvalue::add_to_linker(&mut linker))
            .map_err(|e| SandboxError::Engine(format!("{e:#}")))?;
        let cache = DiskCache::open(&config.cache_dir, &engine).map_err(|source| {
            SandboxError::CacheDir {
                path: config.cache_dir.clone(),
                source,
            }
        })?;
        let stop_ticker = Arc::new(AtomicBool::new(false));
        let inner = Arc::new(Inner {
            engine,
            linker,
            cache,
            programs: Programs::new(
                usize::try_from(config.max_program_bytes).unwrap_or(usize::MAX),
            ),
            warm: Arc::new(WarmInstances::new(config.max_warm_instances)),
            watchdog: Watchdog::default(),
            users: Mutex::default(),
            active_users: Arc::default(),
            compiles: Arc::new(Semaphore::new(config.max_concurrent_compiles.max(1))),
            outbound: (
                Arc::new(config.outbound.clone()),
                crate::outbound::tls_config(),
            ),
            key_value: std::sync::OnceLock::new(),
            platform: std::sync::OnceLock::new(),
            stop_ticker: stop_ticker.clone(),
            config,
        });
        spawn_ticker(Arc::downgrade(&inner), stop_ticker)?;
        Ok(Self { inner })
    }

    /// Gives guests `wasi:keyvalue` over `backend` (their owner's stores).
    /// Only the first call counts.
    pub fn use_key_value(&self, backend: Arc<dyn KeyValueBackend>) {
        let _ = self.inner.key_value.set(backend);
    }

    /// Answers guests' calls to `http://fnlab.internal/` with `platform`
    /// (see [`platform`](crate::platform)). Only the first call counts.
    pub fn use_platform(&self, platform: Arc<dyn crate::platform::Platform>) {
        let _ = self.inner.platform.set(platform);
    }

    /// The configuration it was made with.
    pub fn config(&self) -> &SandboxConfig {
        &self.inner.config
    }

    /// What the sandbox holds right now, for monitoring.
    pub fn stats(&self) -> SandboxStats {
        let instances_in_use = self
            .inner
            .engine
            .pooling_allocator_metrics()
            .map_or(0, |metrics| metrics.component_instances());
        SandboxStats {
            instances_in_use,
            instances_max: u64::from(self.inner.config.max_instances),
            warm_instances: self.inner.warm.count() as u64,
            programs_in_memory: self.inner.programs.count() as u64,
            program_bytes: self.inner.programs.code_bytes() as u64,
        }
    }

    /// The concurrency limits of `user_id`'s functions.
    pub(crate) fn user_slots(&self, user_id: i64) -> UserSlots {
        let mut users = self.inner.users.lock().unwrap_or_else(|e| e.into_inner());
        let config = &self.inner.config;
        users
            .entry(user_id)
            .or_insert_with(|| UserSlots {
                instances: Arc::new(Semaphore::new(config.max_concurrency_per_user as usize)),
                running: Arc::new(Semaphore::new(config.max_running_per_user.max(1))),
                alive: Arc::default(),
            })
            .clone()
    }
}

/// What the sandbox holds at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SandboxStats {
    /// Instances alive now.
    pub instances_in_use: u64,
    /// The most that can be alive at once (the pool's size).
    pub instances_max: u64,
    /// Of the instances alive, those idle between two requests of their
    /// function (warm).
    pub warm_instances: u64,
    /// Programs (native code ready to instantiate) kept in memory.
    pub programs_in_memory: u64,
    /// Bytes of native code those programs hold.
    pub program_bytes: u64,
}

/// What one user's functions may hold at once.
#[derive(Clone)]
pub(crate) struct UserSlots {
    /// A permit per live instance.
    pub(crate) instances: Arc<Semaphore>,
    /// A permit per instance executing on a core right now, taken only
    /// while other users have instances alive too.
    pub(crate) running: Arc<Semaphore>,
    /// This user's instances alive now.
    alive: Arc<AtomicUsize>,
}

impl UserSlots {
    /// Counts one more of this user's instances alive until the returned
    /// guard drops, and the user among `active_users` while any is.
    pub(crate) fn alive(&self, active_users: &Arc<AtomicUsize>) -> Alive {
        if self.alive.fetch_add(1, Ordering::SeqCst) == 0 {
            active_users.fetch_add(1, Ordering::SeqCst);
        }
        Alive {
            user: self.alive.clone(),
            active_users: active_users.clone(),
        }
    }
}

/// One of a user's instances, alive until dropped.
pub(crate) struct Alive {
    user: Arc<AtomicUsize>,
    active_users: Arc<AtomicUsize>,
}

impl Alive {
    /// Whether users other than this one have instances alive: only then
    /// do this user's instances take turns.
    pub(crate) fn shared(&self) -> bool {
        self.active_users.load(Ordering::Relaxed) > 1
    }
}

impl Drop for Alive {
    fn drop(&mut self) {
        if self.user.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.active_users.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// Bytes of each linear memory slot kept mapped between instances: a
/// compiled Rust function's whole memory (its stack and heap start
/// small); only slots used at once hold them.
const KEEP_RESIDENT_MEMORY: usize = 2 << 20;
/// Bytes of each table slot kept mapped between instances.
const KEEP_RESIDENT_TABLE: usize = 64 << 10;

fn build_engine(config: &SandboxConfig) -> wasmtime::Result<Engine> {
    let instances = config.max_instances;
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(instances)
        // Interpreters built with componentize-py/-js hold many core
        // instances, memories and tables per component.
        .total_core_instances(instances * 16)
        .total_memories(instances * 2)
        .total_tables(instances * 16)
        .max_core_instances_per_component(64)
        .max_memories_per_component(8)
        .max_tables_per_component(64)
        .table_elements(100_000)
        .max_core_instance_size(4 << 20)
        .max_component_instance_size(4 << 20)
        .max_memory_size(usize::try_from(config.max_memory_bytes).unwrap_or(usize::MAX));
    // A freed slot keeps the first pages of its memory and table mapped,
    // reset in place (zeroed, or copied back from the component's
    // initial image) for the next instance, instead of being given back
    // to the kernel: giving back cost every request a madvise, a TLB
    // shootdown on every core, and a page fault per page the next guest
    // touched (a quarter of the server's time serving a hello). The next
    // instance still starts from the initial image: nothing of the last
    // one's memory survives.
    // With PAGEMAP_SCAN (Linux 6.7 and later) only the pages the last
    // guest touched are reset, rather than every kept byte.
    pool.linear_memory_keep_resident(KEEP_RESIDENT_MEMORY)
        .table_keep_resident(KEEP_RESIDENT_TABLE)
        .pagemap_scan(wasmtime::Enabled::Auto);
    let mut wasm = wasmtime::Config::new();
    wasm.wasm_component_model(true)
        .epoch_interruption(true)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&wasm)
}

/// How many ticks pass between scans of the watchdog and of idle programs.
const SCAN_EVERY_TICKS: u32 = 10;

/// The ONE thread that drives time for the whole engine: it advances the
/// epoch every tick (so a running guest checks its deadline), stops
/// invocations past their deadline while they wait on I/O, and drops
/// programs left idle. It ends when the sandbox is dropped.
fn spawn_ticker(inner: Weak<Inner>, stop: Arc<AtomicBool>) -> Result<(), SandboxError> {
    let Some(tick) = inner.upgrade().map(|i| i.config.tick) else {
        return Ok(());
    };
    std::thread::Builder::new()
        .name("fnlab-sandbox-ticker".into())
        .spawn(move || {
            let mut ticks = 0u32;
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(tick);
                let Some(inner) = inner.upgrade() else { return };
                inner.engine.increment_epoch();
                ticks = ticks.wrapping_add(1);
                if ticks.is_multiple_of(SCAN_EVERY_TICKS) {
                    inner.watchdog.stop_overdue(Instant::now());
                    inner.programs.evict_idle(inner.config.idle_eviction);
                    inner.warm.expire(Instant::now());
                }
            }
        })
        .map(|_| ())
        .map_err(|e| SandboxError::Engine(format!("cannot start the ticker thread: {e}")))
}

/// Invocations in flight with their deadlines, so that the ticker can stop
/// one that is stuck waiting (on a request body, a sleep, a client that
/// does not read) rather than running wasm, where the epoch deadline
/// catches it, and can report one whose response is still unread.
#[derive(Default)]
pub(crate) struct Watchdog {
    inflight: Mutex<HashMap<u64, Watched>>,
    next_id: std::sync::atomic::AtomicU64,
}

struct Watched {
    deadline: Instant,
    task: AbortHandle,
    /// Alive while the guest or the response body holds it.
    tally: Weak<Tally>,
}

impl Watchdog {
    /// Watches `task` and `tally`: past `timeout` the task is aborted (a
    /// timeout) and the tally, if still held, cut off.
    pub(crate) fn watch(&self, task: AbortHandle, timeout: Duration, tally: &Arc<Tally>) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let watched = Watched {
            deadline: Instant::now() + timeout,
            task,
            tally: Arc::downgrade(tally),
        };
        self.inflight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, watched);
        id
    }

    fn stop_overdue(&self, now: Instant) {
        let mut inflight = self.inflight.lock().unwrap_or_else(|e| e.into_inner());
        inflight.retain(|_, watched| {
            let tally = watched.tally.upgrade();
            let finished = watched.task.is_finished();
            if finished && tally.is_none() {
                return false;
            }
            if now < watched.deadline {
                return true;
            }
            if !finished {
                if let Some(tally) = &tally {
                    tally.timed_out.store(true, Ordering::Relaxed);
                }
                watched.task.abort();
                // Looked at again once the task is gone.
                return true;
            }
            if let Some(tally) = tally {
                tally.cut_off();
            }
            false
        });
    }
}
