//! What a server function reaches through its request: the domain services
//! (provided as context by the server) and the caller's session.

use fnlab_accounts::Accounts;
use leptos::prelude::use_context;
use tower_sessions::Session;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::session;

/// The services and session of one server-function call.
pub struct ServerCtx {
    /// Accounts service.
    pub accounts: Accounts,
    /// The caller's session.
    pub session: Session,
}

impl ServerCtx {
    /// Gathers the context; an error (never a panic) when the server was
    /// wired without it.
    pub async fn get() -> Result<Self, AppError> {
        let accounts = use_context::<Accounts>().ok_or_else(|| {
            tracing::error!("server functions were called without the Accounts context");
            AppError::Internal
        })?;
        let session = leptos_axum::extract::<Session>().await.map_err(|e| {
            tracing::error!(error = %e, "no session layer in front of server functions");
            AppError::Internal
        })?;
        Ok(Self { accounts, session })
    }

    /// The signed-in user, if any.
    pub async fn user(&self) -> Result<Option<CurrentUser>, AppError> {
        let Some(id) = session::user_id(&self.session).await? else {
            return Ok(None);
        };
        Ok(self.accounts.user(id).await?.map(|u| CurrentUser {
            id: u.id,
            username: u.username,
        }))
    }

    /// The signed-in user, or [`AppError::Unauthorized`].
    pub async fn require_user(&self) -> Result<CurrentUser, AppError> {
        self.user().await?.ok_or(AppError::Unauthorized)
    }
}
