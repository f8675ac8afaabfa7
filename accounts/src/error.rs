//! The ways an account operation can fail.

/// An account operation's failure. Every variant but [`AccountError::Database`]
/// and [`AccountError::Hashing`] is the user's to fix, and its message says how.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The username breaks the naming rules.
    #[error("{0}")]
    InvalidUsername(String),
    /// The password is too short, too long or too easy to guess.
    #[error("{0}")]
    WeakPassword(String),
    /// The API token name is empty or too long.
    #[error("{0}")]
    InvalidTokenName(String),
    /// Someone already has this username.
    #[error("the username {0:?} is already taken")]
    UsernameTaken(String),
    /// The username or the password is wrong; deliberately not saying which.
    #[error("wrong username or password")]
    BadCredentials,
    /// Too many wrong passwords for this username lately.
    #[error("too many failed logins for this username; try again in {retry_after_secs} s")]
    Throttled {
        /// Seconds until the next attempt is allowed.
        retry_after_secs: u64,
    },
    /// No such thing belongs to this user.
    #[error("not found")]
    NotFound,
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Hashing a password failed (a bug or an exhausted machine).
    #[error("password hashing failed: {0}")]
    Hashing(String),
}
