//! What a server function reaches through its request: the domain services
//! (provided as context by the server) and the caller's session.

use fnlab_accounts::Accounts;
use fnlab_functions::Functions;
use leptos::prelude::use_context;
use tower_sessions::Session;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::session;

/// What the server provides to every server function, as one context.
#[derive(Clone)]
pub struct Services {
    /// Accounts service.
    pub accounts: Accounts,
    /// Functions service.
    pub functions: Functions,
    /// The database, for reading usage records.
    pub pool: fnlab_db::Pool,
    /// The origin that serves function URLs, without a trailing slash.
    pub functions_base: String,
    /// The limits a new function gets.
    pub default_limits: fnlab_functions::Limits,
    /// The price sheet and plans.
    pub pricing: std::sync::Arc<fnlab_billing::Pricing>,
    /// Usernames of the admins.
    pub admins: std::sync::Arc<Vec<String>>,
    /// Tells the gateway that `(username, function)` changed its live
    /// version (rollback, delete), so the next request runs the new one.
    pub live_changed: LiveChanged,
}

/// The gateway's "forget what you cached for this function" hook.
pub type LiveChanged = std::sync::Arc<dyn Fn(&str, &str) + Send + Sync>;

/// The services and session of one server-function call.
pub struct ServerCtx {
    /// The domain services.
    pub services: Services,
    /// The caller's session.
    pub session: Session,
}

impl ServerCtx {
    /// Gathers the context; an error (never a panic) when the server was
    /// wired without it.
    pub async fn get() -> Result<Self, AppError> {
        let services = use_context::<Services>().ok_or_else(|| {
            tracing::error!("server functions were called without the Services context");
            AppError::Internal
        })?;
        let session = leptos_axum::extract::<Session>().await.map_err(|e| {
            tracing::error!(error = %e, "no session layer in front of server functions");
            AppError::Internal
        })?;
        Ok(Self { services, session })
    }

    /// The signed-in user, if any.
    pub async fn user(&self) -> Result<Option<CurrentUser>, AppError> {
        let Some(id) = session::user_id(&self.session).await? else {
            return Ok(None);
        };
        Ok(self.services.accounts.user(id).await?.map(|u| CurrentUser {
            is_admin: self.services.admins.iter().any(|a| a.trim() == u.username),
            id: u.id,
            username: u.username,
        }))
    }

    /// The signed-in user, or [`AppError::Unauthorized`].
    pub async fn require_user(&self) -> Result<CurrentUser, AppError> {
        self.user().await?.ok_or(AppError::Unauthorized)
    }
}
