//! Fnlab's sandbox: runs WebAssembly components that export
//! `wasi:http/incoming-handler` (the `wasi:http/proxy` world), one `Store`
//! per request (fresh, or warm from the same function's last request), with limits, captured logs and a report per
//! invocation. No web framework here: requests and responses are plain
//! `http` types, so the server's gateway only routes and records.
//!
//! One [`Sandbox`] holds one `wasmtime::Engine` (pooling allocator, epoch
//! interruption) and ONE ticker thread that advances the epoch and stops
//! overdue invocations for the whole engine: no timer per request.
//!
//! # Layout
//! - [`config`]: limits and sizes, with their defaults.
//! - [`engine`]: the engine, the linker and the ticker.
//! - [`programs`]: validating and compiling components, the in-memory set
//!   of ready programs and the on-disk cache of native code (`cache`,
//!   bounded by the sweep in [`Sandbox::sweep_code_cache`]).
//! - [`host`]: what a guest can reach (no files, no host environment, no
//!   sockets) and the captured stdout/stderr.
//! - [`invoke`]: running one request.
//! - [`keyvalue`]: `wasi:keyvalue` over the embedder's stores.
//! - [`outbound`]: outbound HTTP, guarded: the operator's policy, the
//!   addresses functions may not reach, and the calls' log lines.
//! - [`platform`]: calls to Fnlab itself (`http://fnlab.internal/`),
//!   answered in the host, such as sending an event to another function.
//! - [`report`]: what one invocation measured and how it ended.
//! - [`warm`]: instances kept between two requests of their function, and
//!   the policy that bounds them.

#![deny(missing_docs)]

pub mod config;
pub mod engine;
pub mod host;
pub mod invoke;
pub mod keyvalue;
pub mod outbound;
pub mod platform;
pub mod programs;
pub mod report;
pub mod warm;

mod cache;

pub use cache::CacheSweep;
pub use config::{FunctionLimits, SandboxConfig};
pub use engine::{Sandbox, SandboxStats};
pub use invoke::{Invocation, ResponseBody};
pub use keyvalue::{BoxFuture, KeyValueBackend, KeysFrom, KvFailure};
pub use outbound::{AllowedHost, OutboundMode, OutboundPolicy};
pub use platform::Platform;
pub use programs::{LoadError, LoadSource, Program};
pub use report::{InvocationReport, Outcome};
pub use warm::WarmKey;
