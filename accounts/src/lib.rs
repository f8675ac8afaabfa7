//! Fnlab's user accounts: who may sign in, and with which credentials.
//!
//! No HTTP lives here: the use cases (`fnlab-usecases`) call [`Accounts`]
//! and turn its [`AccountError`]s into their own.
//!
//! With the `openapi` feature (the server's), the types the REST API
//! answers with also describe themselves for its OpenAPI document
//! (`utoipa::ToSchema`).
//!
//! # Layout
//! - [`users`]: usernames, sign-up and log-in.
//! - [`password`]: argon2id hashing off the async executor.
//! - [`throttle`]: slowing down password guessing per username.
//! - [`tokens`]: API tokens, stored only as hashes.
//! - [`plans`]: which billing plan each user is on.
//! - [`admins`]: who may see everyone's usage, granted on the server.
//! - [`error`]: what can go wrong, in words a user can act on.

#![deny(missing_docs)]

pub mod admins;
pub mod error;
pub mod password;
pub mod plans;
pub mod throttle;
pub mod tokens;
pub mod users;

use std::sync::Arc;

pub use error::AccountError;
pub use plans::UserPlan;
pub use tokens::{NewToken, TokenInfo};
pub use users::User;

use fnlab_db::Pool;
use throttle::LoginThrottle;

/// The accounts service: a cheap handle to clone into every request.
#[derive(Debug, Clone)]
pub struct Accounts {
    pool: Pool,
    throttle: Arc<LoginThrottle>,
}

impl Accounts {
    /// Accounts kept in `pool`, with the default login throttle.
    pub fn new(pool: Pool) -> Self {
        Self {
            pool,
            throttle: Arc::new(LoginThrottle::default()),
        }
    }
}
