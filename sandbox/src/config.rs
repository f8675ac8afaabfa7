//! The sandbox's configuration: server-wide sizes and ceilings, and the
//! limits of one function.

use std::path::PathBuf;
use std::time::Duration;

use crate::outbound::OutboundPolicy;

/// Server-wide settings of the sandbox.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Where native code compiled from components is cached.
    pub cache_dir: PathBuf,
    /// Most bytes of native code a sweep leaves in `cache_dir`.
    pub cache_max_bytes: u64,
    /// Most instances alive at once across all users (pooling allocator size).
    pub max_instances: u32,
    /// Most bytes of linear memory and tables one instance may have, all
    /// of them together (the ceiling of every function's memory limit).
    pub max_memory_bytes: u64,
    /// Largest request body a function accepts, bytes.
    pub max_request_bytes: u64,
    /// Largest response body a function may send, bytes.
    pub max_response_bytes: u64,
    /// Most instances one user may run at once.
    pub max_concurrency_per_user: u32,
    /// Most instances kept idle between two requests of their function
    /// (see [`warm`](crate::warm)), node-wide; 0 makes every instance
    /// fresh. They hold pool slots and memory, so keep it well below
    /// `max_instances`.
    pub max_warm_instances: usize,
    /// Most of one user's instances that execute on a core at the same
    /// moment while other users have instances alive; the others wait
    /// their turn (an instance waiting on I/O holds none), so one user's
    /// busy functions leave cores to others. A user alone on the node
    /// uses every core with guests of small memory.
    pub max_running_per_user: usize,
    /// Most bytes of stdout, and of stderr, kept per invocation.
    pub max_log_bytes: usize,
    /// How often the ticker advances the epoch (the granularity of timeouts
    /// and of yielding a busy guest to other requests).
    pub tick: Duration,
    /// Ready programs unused for this long are dropped from memory.
    pub idle_eviction: Duration,
    /// Most bytes of native code kept in memory; past it the least
    /// recently used programs are dropped (reloaded from the disk cache
    /// when called again: a cold start).
    pub max_program_bytes: u64,
    /// Most components compiled at once (compiling takes a core each).
    pub max_concurrent_compiles: usize,
    /// How long a component waits for its turn to compile before the
    /// load is refused as busy.
    pub compile_wait: Duration,
    /// How long a load waits for its compile; past it the load is refused
    /// (the compile finishes in the background, into the code cache).
    pub compile_timeout: Duration,
    /// Who functions may call with outbound HTTP: nobody by default.
    pub outbound: OutboundPolicy,
    /// Most key-value operations one invocation may make.
    pub max_kv_ops: u64,
}

impl SandboxConfig {
    /// Defaults for everything but the cache directory.
    pub fn new(cache_dir: PathBuf) -> Self {
        Self {
            cache_dir,
            cache_max_bytes: 2 << 30,
            max_instances: 256,
            max_memory_bytes: 128 << 20,
            max_request_bytes: 6 << 20,
            max_response_bytes: 6 << 20,
            max_concurrency_per_user: 16,
            max_warm_instances: 32,
            max_running_per_user: half_the_cores(),
            max_log_bytes: 64 << 10,
            tick: Duration::from_millis(10),
            idle_eviction: Duration::from_secs(600),
            max_program_bytes: 256 << 20,
            max_concurrent_compiles: half_the_cores(),
            compile_wait: Duration::from_secs(30),
            compile_timeout: Duration::from_secs(60),
            outbound: OutboundPolicy::off(),
            max_kv_ops: 1000,
        }
    }
}

/// Half of this machine's cores, at least one.
fn half_the_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |cores| (cores.get() / 2).max(1))
}

/// The limits of one function, within the [`SandboxConfig`] ceilings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FunctionLimits {
    /// Wall-clock time one request may take.
    pub timeout: Duration,
    /// Most bytes of linear memory and tables, all of the instance's
    /// together.
    pub memory_bytes: u64,
}
