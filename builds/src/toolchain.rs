//! Every language's toolchain on this node, behind one [`Toolchains`]:
//! what a build is given ([`BuildLimits`]) and gives back ([`Built`]).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::Language;
use crate::diagnostics::Diagnostic;
use crate::model::{Failure, FailureCode};
use crate::rust::RustToolchain;
use crate::script::ScriptToolchain;
use crate::{javascript, python};

/// Limits of one build.
#[derive(Debug, Clone, Copy)]
pub struct BuildLimits {
    /// Wall-clock time.
    pub wall: Duration,
    /// Memory of the whole build.
    pub memory_bytes: u64,
    /// Largest component it may produce (also caps every file it writes,
    /// with room for the compiler's intermediate files).
    pub component_bytes: u64,
}

impl Default for BuildLimits {
    fn default() -> Self {
        Self {
            wall: Duration::from_secs(60),
            memory_bytes: 2 << 30,
            component_bytes: 32 << 20,
        }
    }
}

/// The toolchain could not be found or prepared.
#[derive(Debug, thiserror::Error)]
#[error("the toolchain is not usable: {0}")]
pub struct ToolchainError(pub(crate) String);

/// A finished build's component.
#[derive(Debug)]
pub struct Built {
    /// The component's bytes.
    pub component: Vec<u8>,
    /// Warnings the compiler gave on the user's lines.
    pub diagnostics: Vec<Diagnostic>,
}

/// The toolchains of this node, each usable or with the reason it is not.
pub struct Toolchains {
    rust: Result<RustToolchain, String>,
    javascript: Result<ScriptToolchain, String>,
    python: Result<ScriptToolchain, String>,
}

impl Toolchains {
    /// Finds each toolchain: Rust's from `rustc`, the script languages'
    /// under `tools`; each builds under `root`.
    pub fn detect(root: &Path, tools: &Path, limits: BuildLimits) -> Self {
        Self {
            rust: found("rust", RustToolchain::detect(root.to_owned(), limits)),
            javascript: found(
                "javascript",
                ScriptToolchain::detect(&javascript::RECIPE, root, tools, limits),
            ),
            python: found(
                "python",
                ScriptToolchain::detect(&python::RECIPE, root, tools, limits),
            ),
        }
    }

    /// Each usable script runtime's component (built once per node, then
    /// read from the build directory), which the caller makes ready in its
    /// sandbox before a request or a deploy needs it.
    pub async fn runtimes(&self) -> Vec<Arc<Vec<u8>>> {
        let mut runtimes = Vec::new();
        for script in [&self.javascript, &self.python].into_iter().flatten() {
            match script.runtime().await {
                Ok(runtime) => runtimes.push(runtime),
                Err(e) => tracing::error!(error = %e, "builds will fail until this is fixed"),
            }
        }
        runtimes
    }

    /// Readies the Rust toolchain: the SDK's dependencies fetched and
    /// compiled by a warm-up build.
    pub async fn prepare_rust(&self) {
        if let Ok(rust) = &self.rust
            && let Err(e) = rust.prepare().await
        {
            tracing::error!(error = %e, "Rust builds will fail until this is fixed");
        }
    }

    /// Builds `source` in `language`, handing each log line to `on_log`.
    pub async fn build(
        &self,
        language: Language,
        source: &str,
        on_log: &mut (dyn FnMut(&str) + Send),
    ) -> Result<Built, Failure> {
        let script = match language {
            Language::Rust => {
                return match &self.rust {
                    Ok(rust) => rust.build(source, on_log).await,
                    Err(why) => Err(Failure::new(FailureCode::Internal, why.clone())),
                };
            }
            Language::JavaScript => &self.javascript,
            Language::Python => &self.python,
        };
        match script {
            Ok(script) => script.build(source, on_log).await,
            Err(why) => Err(Failure::new(FailureCode::Internal, why.clone())),
        }
    }
}

/// A toolchain, or why it is not usable (also logged).
fn found<T>(language: &str, toolchain: Result<T, ToolchainError>) -> Result<T, String> {
    toolchain.map_err(|e| {
        tracing::error!(language, error = %e, "this node cannot build it");
        e.to_string()
    })
}
