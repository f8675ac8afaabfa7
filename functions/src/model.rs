//! The shapes the rest of Fnlab sees: plain data, serializable as the REST
//! API answers them.

use serde::{Deserialize, Serialize};

/// Per-function limits. The server caps them with its configured ceilings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Limits {
    /// Wall-clock time one request may take, in milliseconds.
    pub timeout_ms: i64,
    /// Linear memory one instance may grow to, in MiB (also what GB-seconds
    /// are billed on).
    pub memory_mb: i64,
}

/// A function in its owner's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FunctionSummary {
    /// Database id.
    pub id: i64,
    /// URL-safe name, unique for its owner.
    pub name: String,
    /// The version requests run, if any.
    pub live_version: Option<i64>,
    /// Its limits.
    pub limits: Limits,
    /// Creation time, ms since the Unix epoch.
    pub created_at: i64,
    /// Last change (deploy, rollback, limits), ms since the Unix epoch.
    pub updated_at: i64,
    /// Whether every request gets a fresh instance; `false` (the default):
    /// an instance may serve the function's next requests, one at a time
    /// (see the README's "What survives between two requests").
    pub fresh_instances: bool,
}

/// One immutable version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VersionInfo {
    /// 1, 2, 3… per function.
    pub version: i64,
    /// The component it runs.
    pub sha256: String,
    /// Size of the component in bytes.
    pub size: i64,
    /// When it was deployed, ms since the Unix epoch.
    pub created_at: i64,
    /// The language of the source it was built from; `None` (`null`
    /// in JSON) for an uploaded component.
    pub language: Option<Language>,
}

/// A language functions are written in: one enum from the database row to
/// the page, spelled in lowercase wherever it is stored or sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Rust, compiled by rustc for wasm32-wasip2 against Fnlab's SDK.
    Rust,
    /// JavaScript, run by the componentize-js runtime.
    JavaScript,
    /// Python, run by the componentize-py runtime.
    Python,
}

impl Language {
    /// Every language, in the order the editor offers them.
    pub const ALL: [Self; 3] = [Self::Rust, Self::JavaScript, Self::Python];

    /// Its name as stored and as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rust => "rust",
            Self::JavaScript => "javascript",
            Self::Python => "python",
        }
    }

    /// The name people read, such as `JavaScript`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Rust => "Rust",
            Self::JavaScript => "JavaScript",
            Self::Python => "Python",
        }
    }

    /// Whether a shared runtime component runs its source, rather than the
    /// source being compiled into a component of its own.
    pub fn is_script(self) -> bool {
        matches!(self, Self::JavaScript | Self::Python)
    }
}

impl std::fmt::Display for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A language name Fnlab does not know; its message lists the ones it does.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Fnlab cannot build {0:?}; the languages it builds are: rust, javascript, python")]
pub struct UnknownLanguage(pub String);

impl std::str::FromStr for Language {
    type Err = UnknownLanguage;

    fn from_str(name: &str) -> Result<Self, UnknownLanguage> {
        Self::ALL
            .into_iter()
            .find(|language| language.as_str() == name)
            .ok_or_else(|| UnknownLanguage(name.to_owned()))
    }
}

/// Source code written in the editor: a function's saved draft, or the
/// source a version was built from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Source {
    /// Its language.
    pub language: Language,
    /// The code.
    pub source: String,
}

/// A function's saved draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Draft {
    /// The source.
    #[serde(flatten)]
    pub source: Source,
    /// When it was saved, ms since the Unix epoch.
    pub saved_at: i64,
}

/// A function with all its versions, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FunctionDetail {
    /// The function itself.
    #[serde(flatten)]
    pub function: FunctionSummary,
    /// Its versions, newest first.
    pub versions: Vec<VersionInfo>,
}

/// The result of storing a new version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deployed {
    /// The function's id.
    pub function_id: i64,
    /// The new version, now live.
    pub version: i64,
    /// The component's SHA-256.
    pub sha256: String,
}

/// What the gateway needs to run a request: the live version of a function
/// found by its public URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveFunction {
    /// The function's id.
    pub function_id: i64,
    /// Its owner.
    pub user_id: i64,
    /// Its name.
    pub name: String,
    /// The live version.
    pub version: i64,
    /// The live version's component.
    pub sha256: String,
    /// Its limits.
    pub limits: Limits,
    /// The source it was built from, if any (a JavaScript or Python
    /// version's component is its language's runtime, which runs this).
    pub source: Option<Source>,
    /// The environment variables its guests see.
    pub env: GuestEnv,
    /// For a student's assignment function: its course, whose end and
    /// caps it answers within.
    pub course: Option<CourseTie>,
    /// Whether every request gets a fresh instance.
    pub fresh_instances: bool,
}

/// The course a student's assignment function belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseTie {
    /// The course's id.
    pub course_id: i64,
    /// Its last day (`YYYY-MM-DD`, UTC), after which the function stops
    /// answering.
    pub ends_on: String,
}

/// The environment variables a function's guests see: its plain variables
/// and its secrets in clear (and a script's source, for its runtime).
/// Shared, so that each request costs a reference count, not a copy. Its
/// `Debug` shows the names only, so that no log line can carry a secret.
#[derive(Clone, PartialEq, Eq)]
pub struct GuestEnv {
    vars: std::sync::Arc<[(String, String)]>,
    digest: u64,
}

impl GuestEnv {
    /// The environment made of `vars`, in this order.
    pub fn new(vars: Vec<(String, String)>) -> Self {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::hash::DefaultHasher::new();
        vars.hash(&mut hasher);
        Self {
            vars: vars.into(),
            digest: hasher.finish(),
        }
    }

    /// The variables, shared.
    pub fn vars(&self) -> &std::sync::Arc<[(String, String)]> {
        &self.vars
    }

    /// A digest of every name and value, the same within one process for
    /// the same variables: which warm instances may serve (an instance
    /// made with other variables, secrets or source may not).
    pub fn digest(&self) -> u64 {
        self.digest
    }
}

impl Default for GuestEnv {
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

impl std::fmt::Debug for GuestEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.vars.iter().map(|(name, _)| name))
            .finish()
    }
}

/// A function's configuration as its owner sees it: plain variables with
/// their values, secrets by name only (their values are never shown back).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Environment {
    /// Plain variables, by name.
    pub vars: std::collections::BTreeMap<String, String>,
    /// Secrets, by name.
    pub secrets: Vec<SecretInfo>,
}

/// A secret as its owner sees it: never its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecretInfo {
    /// Its name.
    pub name: String,
    /// When it was last set, ms since the Unix epoch.
    pub updated_at: i64,
    /// False when it was sealed with another key than this server's (the
    /// key was lost or differs between nodes): set it again.
    pub readable: bool,
}

/// A function as anyone may see it once its owner made it public.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Shared {
    /// Its owner's username.
    pub user: String,
    /// Its name.
    pub name: String,
    /// Whether it is public (only its owner sees it otherwise).
    pub public: bool,
    /// Its language; `None` for a function deployed as a component only.
    pub language: Option<Language>,
    /// What its owner says it does.
    pub description: String,
    /// The source of its live version (its saved draft while nothing is
    /// live); `None` for a component deployed without source.
    pub source: Option<String>,
    /// Its public URL.
    pub url: String,
    /// Whether the URL answers (it has a live version).
    pub live: bool,
    /// How many functions were forked from it.
    pub forks: i64,
    /// `user/function` it was forked from, if it was.
    pub forked_from: Option<String>,
}

/// What a fork answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Forked {
    /// The new function's name, in the forker's account.
    pub name: String,
    /// Its URL (it answers once deployed).
    pub url: String,
    /// `user/function` it was forked from.
    pub forked_from: String,
}
