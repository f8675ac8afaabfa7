//! The one error of every use case. Its variants say what went wrong in
//! the domain; the REST API and the pages each translate it once (into a
//! status and JSON, or into a sentence on the page).

use fnlab_accounts::AccountError;
use fnlab_billing::storage::format_bytes;
use fnlab_builds::{Diagnostic, FailureCode};
use fnlab_functions::FunctionError;

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No such thing, or it is not the actor's (the two look the same).
    #[error("not found")]
    NotFound,
    /// Not found, with a reason that reveals nothing about other users
    /// (such as "function echo has no version 7", to its owner).
    #[error("{0}")]
    Missing(String),
    /// An input breaks a rule; `field` names it and `code` is what clients
    /// switch on.
    #[error("{message}")]
    Invalid {
        /// The input at fault, such as `name` or `source`.
        field: &'static str,
        /// Machine-readable reason, such as `invalid_name`.
        code: &'static str,
        /// What to do about it.
        message: String,
    },
    /// An input that cannot be read at all (a date that is not a date).
    #[error("{0}")]
    Malformed(String),
    /// The thing already exists.
    #[error("{message}")]
    Conflict {
        /// Machine-readable reason.
        code: &'static str,
        /// What to do about it.
        message: String,
    },
    /// It exists, and the caller may know it, but it is closed to them now
    /// (an assignment's function once its course ended).
    #[error("{message}")]
    Closed {
        /// Machine-readable reason.
        code: &'static str,
        /// Why, and what would open it.
        message: String,
    },
    /// Nobody is signed in, or the credentials are wrong.
    #[error("{0}")]
    Unauthorized(String),
    /// Signed in, but this is not for them (the admin view). Adapters show
    /// it as "not found", so that it reveals nothing.
    #[error("not found")]
    Forbidden,
    /// Too many attempts; try again later.
    #[error("{message}")]
    Throttled {
        /// What happened.
        message: String,
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// The function's owner used up a monthly quota.
    #[error("{message}")]
    QuotaExceeded {
        /// Which quota, and until when.
        message: String,
        /// Seconds until the next month starts.
        retry_after_secs: u64,
    },
    /// Storing this would take the actor past their plan's storage quota;
    /// nothing was stored.
    #[error(
        "{what} ({}) would take your storage to {}, over {whose} {}; delete functions you no longer need to make room",
        format_bytes(*.adding),
        format_bytes(.used + .adding),
        format_bytes(*.quota)
    )]
    StorageFull {
        /// What was refused, such as "this component".
        what: &'static str,
        /// Whose quota: "your plan's", "the course's per-student".
        whose: &'static str,
        /// Bytes stored now.
        used: i64,
        /// Bytes it would add.
        adding: i64,
        /// The plan's quota, bytes.
        quota: i64,
    },
    /// A build that failed (the live version stays as it was).
    #[error("{}", .0.message)]
    BuildFailed(BuildFailure),
    /// Fnlab's fault. The detail is for the log, never for the user.
    #[error("internal error: {0}")]
    Internal(String),
}

/// A failed build, as a deploy that waited for it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildFailure {
    /// The build.
    pub build_id: i64,
    /// Why it failed.
    pub code: FailureCode,
    /// In words.
    pub message: String,
    /// Where in the user's source.
    pub diagnostics: Vec<Diagnostic>,
}

impl Error {
    /// An input breaking a rule.
    pub fn invalid(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            code,
            message: message.into(),
        }
    }

    /// The server is busy with others' work (e.g. compiling): a short
    /// wait, then the same request again.
    pub fn busy(message: impl Into<String>) -> Self {
        Self::Throttled {
            message: message.into(),
            retry_after_secs: BUSY_RETRY_SECS,
        }
    }
}

/// When a caller refused as busy is told to try again.
const BUSY_RETRY_SECS: u64 = 5;

impl From<AccountError> for Error {
    fn from(e: AccountError) -> Self {
        let message = e.to_string();
        match e {
            AccountError::InvalidUsername(_) => {
                Self::invalid("username", "invalid_username", message)
            }
            AccountError::WeakPassword(_) => Self::invalid("password", "weak_password", message),
            AccountError::InvalidTokenName(_) => Self::invalid("name", "invalid_name", message),
            AccountError::UsernameTaken(_) => Self::Conflict {
                code: "username_taken",
                message,
            },
            AccountError::BadCredentials => Self::Unauthorized(message),
            AccountError::Throttled { retry_after_secs } => Self::Throttled {
                message,
                retry_after_secs,
            },
            AccountError::NotFound => Self::NotFound,
            AccountError::Database(_) | AccountError::Hashing(_) => Self::Internal(message),
        }
    }
}

impl From<FunctionError> for Error {
    fn from(e: FunctionError) -> Self {
        let message = e.to_string();
        match e {
            FunctionError::InvalidName(_) => Self::invalid("name", "invalid_name", message),
            FunctionError::InvalidLimits(_) => Self::invalid("limits", "invalid_limits", message),
            FunctionError::InvalidEnvironment(_) => {
                Self::invalid("env", "invalid_environment", message)
            }
            FunctionError::InvalidTestEvent(_) => {
                Self::invalid("event", "invalid_test_event", message)
            }
            FunctionError::InvalidDescription(_) => {
                Self::invalid("description", "invalid_description", message)
            }
            FunctionError::SourceTooLarge(_) => {
                Self::invalid("source", "source_too_large", message)
            }
            FunctionError::NotFound => Self::NotFound,
            FunctionError::NoSuchVersion { .. } => Self::Missing(message),
            FunctionError::OverQuota {
                what,
                used,
                adding,
                quota,
            } => Self::StorageFull {
                what,
                whose: "your plan's",
                used,
                adding,
                quota,
            },
            FunctionError::Database(_) => Self::Internal(message),
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Self::Internal(format!("database: {e}"))
    }
}
