//! Who is calling: the [`AuthUser`] extractor. Handlers that take it cannot
//! run for an anonymous caller, so authorization cannot be forgotten; those
//! that serve anyone take `Option<AuthUser>` (a bad token is still 401).

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use fnlab_usecases::Actor;
use tower_sessions::Session;

use super::ApiError;
use crate::AppState;

/// The authenticated caller: by `Authorization: Bearer <token>` when the
/// header is present (a bad token is 401 even with a session), else by the
/// session cookie.
#[derive(Debug, Clone)]
pub struct AuthUser(pub Actor);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(header) = parts.headers.get(AUTHORIZATION) {
            let token = header
                .to_str()
                .ok()
                .and_then(|value| value.strip_prefix("Bearer "))
                .ok_or_else(|| {
                    ApiError::Unauthorized("the Authorization header must be Bearer <token>".into())
                })?;
            return match state.fnlab.actor_for_token(token.trim()).await? {
                Some(actor) => Ok(Self(actor)),
                None => Err(ApiError::Unauthorized(
                    "the API token is not valid (revoked or mistyped?)".into(),
                )),
            };
        }
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, why)| ApiError::Internal(format!("session layer missing: {why}")))?;
        let Some(user_id) = app::session::user_id(&session).await? else {
            return Err(ApiError::unauthorized());
        };
        // The account may have gone since the session was made.
        state
            .fnlab
            .actor(user_id)
            .await?
            .map(Self)
            .ok_or_else(ApiError::unauthorized)
    }
}

impl OptionalFromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, ApiError> {
        match <Self as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(user) => Ok(Some(user)),
            // No credentials at all: anonymous.
            Err(ApiError::Unauthorized(_)) if !parts.headers.contains_key(AUTHORIZATION) => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}
