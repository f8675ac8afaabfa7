//! The shapes the rest of Fnlab sees: plain data, serializable as the REST
//! API answers them.

use serde::{Deserialize, Serialize};

use crate::Diagnostic;
use fnlab_functions::Language;

/// Where a build is: queued → compiling → storing → live, or failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum BuildState {
    /// Waiting for a worker.
    Queued,
    /// The compiler is running.
    Compiling,
    /// The component is being checked, stored and made live.
    Storing,
    /// Done: its version is live.
    Live,
    /// Done: it failed, and the live version is unchanged.
    Failed,
}

impl BuildState {
    /// Its name as stored and as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Compiling => "compiling",
            Self::Storing => "storing",
            Self::Live => "live",
            Self::Failed => "failed",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        [
            Self::Queued,
            Self::Compiling,
            Self::Storing,
            Self::Live,
            Self::Failed,
        ]
        .into_iter()
        .find(|state| state.as_str() == name)
    }

    /// Whether the build is over.
    pub fn is_done(self) -> bool {
        matches!(self, Self::Live | Self::Failed)
    }
}

/// Why a build failed, as clients switch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FailureCode {
    /// The compiler rejected the source; see the diagnostics.
    CompileError,
    /// The build ran past its wall-clock limit.
    Timeout,
    /// The build ran past its memory limit.
    Memory,
    /// The component, or a file the compiler wrote, is over the size limit.
    OutputTooLarge,
    /// The compiler's output is not a runnable wasi:http component.
    InvalidComponent,
    /// Storing the component would take its owner past their plan's
    /// storage quota.
    StorageQuotaExceeded,
    /// Fnlab failed (the toolchain is missing, the disk is full, …).
    Internal,
}

impl FailureCode {
    /// Its name as stored and as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CompileError => "compile_error",
            Self::Timeout => "timeout",
            Self::Memory => "memory",
            Self::OutputTooLarge => "output_too_large",
            Self::InvalidComponent => "invalid_component",
            Self::StorageQuotaExceeded => "storage_quota_exceeded",
            Self::Internal => "internal",
        }
    }

    /// Parses a stored name (unknown names read as internal).
    pub fn parse(name: &str) -> Self {
        [
            Self::CompileError,
            Self::Timeout,
            Self::Memory,
            Self::OutputTooLarge,
            Self::InvalidComponent,
            Self::StorageQuotaExceeded,
        ]
        .into_iter()
        .find(|code| code.as_str() == name)
        .unwrap_or(Self::Internal)
    }
}

/// A failed build: why, in words for the user, and where in their source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// Machine-readable reason.
    pub code: FailureCode,
    /// What went wrong, in one sentence.
    pub message: String,
    /// Compiler messages on the user's lines (empty unless `compile_error`).
    pub diagnostics: Vec<Diagnostic>,
}

impl Failure {
    /// A failure with no diagnostics.
    pub fn new(code: FailureCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            diagnostics: Vec::new(),
        }
    }
}

/// A build as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BuildInfo {
    /// Its id.
    pub id: i64,
    /// The function it builds.
    pub function: String,
    /// The source's language.
    pub language: Language,
    /// Where it is.
    pub state: BuildState,
    /// Why it failed, when it did.
    pub error: Option<FailureSummary>,
    /// Compiler messages on the user's lines.
    pub diagnostics: Vec<Diagnostic>,
    /// What the build printed so far.
    pub log: String,
    /// The version it made live, once live.
    pub version: Option<i64>,
    /// How long the build took, once done, in milliseconds.
    pub build_ms: Option<i64>,
    /// When it was queued, ms since the Unix epoch.
    pub created_at: i64,
    /// When a worker took it.
    pub started_at: Option<i64>,
    /// When it ended.
    pub finished_at: Option<i64>,
}

/// A failure's code and message, as a build reports them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FailureSummary {
    /// Machine-readable reason.
    pub code: FailureCode,
    /// What went wrong.
    pub message: String,
}
