//! Fnlab's build service: turns the source a user writes in the browser
//! editor into a standard wasi:http/proxy component.
//!
//! Builds are jobs in the database ([`queue`]): a deploy enqueues one, and
//! whichever server node is free claims it, so a restart loses nothing and
//! several nodes share the work. The compiler runs on untrusted source, so
//! every build runs inside an OS sandbox ([`jail`]: bubblewrap namespaces,
//! no network, no host files or environment, with wall-clock, memory and
//! output limits). [`rust`] keeps a prepared crate whose dependencies stay
//! compiled, so a warm build only compiles the user's own file, and maps
//! rustc's messages to the user's lines ([`diagnostics`]). JavaScript and
//! Python ([`script`]) share one runtime component per language, built
//! once per node; a deploy checks the source's syntax and the runtime runs
//! it.
//!
//! No HTTP here, and no deploying: the server's worker hands the component
//! to the same path an uploaded one takes.
//!
//! Without its default `service` feature the crate is only [`model`],
//! [`diagnostics`] and [`templates`]: the shapes the REST API sends, for
//! its clients (the command-line client reads build states and
//! diagnostics with these very types).
//!
//! With the `openapi` feature (the server's), the types the REST API
//! answers with also describe themselves for its OpenAPI document
//! (`utoipa::ToSchema`).
//!
//! # Layout
//! - [`model`]: build states and what a build looks like.
//! - [`queue`]: enqueue, claim, report progress, finish, read back.
//! - [`templates`]: the functions a user can start from.
//! - [`jail`]: running a command inside the sandbox, with limits.
//! - `cgroup`: the kernel limits of one run (cgroup v1 or v2).
//! - [`toolchain`]: every language's toolchain behind one type.
//! - [`rust`]: the Rust toolchain: the prepared crate and one build.
//! - [`script`]: the JavaScript and Python runtimes and syntax checks,
//!   with their recipes in `javascript` and `python`.
//! - [`diagnostics`]: compiler messages as editor markers.

#![deny(missing_docs)]

pub mod diagnostics;
#[cfg(feature = "service")]
pub mod jail;
pub mod model;
#[cfg(feature = "service")]
pub mod queue;
#[cfg(feature = "service")]
pub mod rust;
#[cfg(feature = "service")]
pub mod script;
pub mod templates;
#[cfg(feature = "service")]
pub mod toolchain;

#[cfg(feature = "service")]
mod cgroup;
#[cfg(feature = "service")]
mod javascript;
#[cfg(feature = "service")]
mod python;
#[cfg(feature = "service")]
mod root;

pub use diagnostics::Diagnostic;
pub use fnlab_functions::{Language, MAX_SOURCE_BYTES};
pub use model::{BuildInfo, BuildState, Failure, FailureCode};
#[cfg(feature = "service")]
pub use queue::{BUILDS_KEPT, BuildProgress, Builds, ClaimedBuild, Enqueued, MAX_PENDING_PER_USER};
pub use templates::{TEMPLATES, Template};
#[cfg(feature = "service")]
pub use toolchain::{BuildLimits, Built, Toolchains};
