//! What a server function reaches through its request: the use cases
//! (provided as context by the server) and the caller's session.

use fnlab_usecases::{Actor, Fnlab};
use leptos::prelude::use_context;
use tower_sessions::Session;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::session;

/// The use cases and session of one server-function call.
pub struct ServerCtx {
    /// Every use case.
    pub fnlab: Fnlab,
    /// The caller's session.
    pub session: Session,
}

impl ServerCtx {
    /// Gathers the context; an error (never a panic) when the server was
    /// wired without it.
    pub async fn get() -> Result<Self, AppError> {
        let fnlab = use_context::<Fnlab>().ok_or_else(|| {
            tracing::error!("server functions were called without the use cases in context");
            AppError::Internal
        })?;
        let session = leptos_axum::extract::<Session>().await.map_err(|e| {
            tracing::error!(error = %e, "no session layer in front of server functions");
            AppError::Internal
        })?;
        Ok(Self { fnlab, session })
    }

    /// The signed-in user, if any.
    pub async fn actor(&self) -> Result<Option<Actor>, AppError> {
        let Some(id) = session::user_id(&self.session).await? else {
            return Ok(None);
        };
        Ok(self.fnlab.actor(id).await?)
    }

    /// The signed-in user, or [`AppError::Unauthorized`].
    pub async fn require_actor(&self) -> Result<Actor, AppError> {
        self.actor().await?.ok_or(AppError::Unauthorized)
    }

    /// The signed-in user as the pages see them, if any.
    pub async fn user(&self) -> Result<Option<CurrentUser>, AppError> {
        Ok(self.actor().await?.map(|actor| CurrentUser {
            id: actor.id,
            username: actor.username,
            is_admin: actor.is_admin,
        }))
    }
}
