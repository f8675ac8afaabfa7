//! The error every server function returns: a message fit to show the user,
//! with internal details kept in the server's log.

use leptos::prelude::{FromServerFnError, ServerFnErrorErr};
use leptos::server_fn::codec::JsonEncoding;
use serde::{Deserialize, Serialize};

/// What went wrong, in words for the person at the keyboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The request cannot be done as asked; the message says why.
    #[error("{0}")]
    Invalid(String),
    /// Nobody is signed in.
    #[error("Please log in first.")]
    Unauthorized,
    /// No such thing, or not yours.
    #[error("Not found.")]
    NotFound,
    /// Something failed on the server; the details are in its log.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The call itself failed (network, encoding).
    #[error("{0}")]
    ServerFn(ServerFnErrorErr),
}

#[cfg(feature = "ssr")]
impl AppError {
    /// The HTTP status a server function answers with when it fails so.
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Internal | Self::ServerFn(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        Self::ServerFn(value)
    }
}

#[cfg(feature = "ssr")]
impl From<fnlab_accounts::AccountError> for AppError {
    fn from(e: fnlab_accounts::AccountError) -> Self {
        use fnlab_accounts::AccountError as E;
        match e {
            E::NotFound => Self::NotFound,
            E::Database(_) | E::Hashing(_) => {
                tracing::error!(error = %e, "account operation failed");
                Self::Internal
            }
            E::InvalidUsername(_)
            | E::WeakPassword(_)
            | E::InvalidTokenName(_)
            | E::UsernameTaken(_)
            | E::BadCredentials
            | E::Throttled { .. } => Self::Invalid(capitalize(&e.to_string())),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<fnlab_functions::FunctionError> for AppError {
    fn from(e: fnlab_functions::FunctionError) -> Self {
        use fnlab_functions::FunctionError as E;
        match e {
            E::NotFound => Self::NotFound,
            E::Database(_) => {
                tracing::error!(error = %e, "function operation failed");
                Self::Internal
            }
            E::InvalidName(_) | E::InvalidLimits(_) | E::NoSuchVersion { .. } => {
                Self::Invalid(capitalize(&e.to_string()))
            }
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        tracing::error!(error = %e, "database query failed");
        Self::Internal
    }
}

#[cfg(feature = "ssr")]
impl From<tower_sessions::session::Error> for AppError {
    fn from(e: tower_sessions::session::Error) -> Self {
        tracing::error!(error = %e, "session store failed");
        Self::Internal
    }
}

/// Turns a domain message ("wrong username or password") into a sentence.
#[cfg(feature = "ssr")]
fn capitalize(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}
