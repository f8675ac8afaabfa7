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

/// The one translation of the use cases' errors into what a page shows.
#[cfg(feature = "ssr")]
impl From<fnlab_usecases::Error> for AppError {
    fn from(e: fnlab_usecases::Error) -> Self {
        use fnlab_usecases::Error as E;
        match e {
            E::NotFound | E::Forbidden => Self::NotFound,
            E::Internal(detail) => {
                tracing::error!(error = %detail, "a use case failed");
                Self::Internal
            }
            // Wrong credentials on the log-in form are a message for the
            // form; "not signed in" is the adapter's own Unauthorized.
            E::Missing(_)
            | E::Invalid { .. }
            | E::Malformed(_)
            | E::Conflict { .. }
            | E::Closed { .. }
            | E::Unauthorized(_)
            | E::Throttled { .. }
            | E::QuotaExceeded { .. }
            | E::StorageFull { .. }
            | E::BuildFailed(_) => Self::Invalid(capitalize(&e.to_string())),
        }
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
