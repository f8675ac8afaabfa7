//! API tokens over REST.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, post};
use fnlab_accounts::{NewToken, TokenInfo};
use serde::Deserialize;

use super::{ApiError, ApiJson, AuthUser};
use crate::AppState;

/// The `/api/v1` routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tokens", post(create).get(list))
        .route("/tokens/{id}", delete(revoke))
}

#[derive(Deserialize)]
struct NewTokenRequest {
    name: String,
}

/// `POST /tokens` {name} → 201 {id, name, token}; the secret is never shown again.
async fn create(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiJson(body): ApiJson<NewTokenRequest>,
) -> Result<(StatusCode, ApiJson<NewToken>), ApiError> {
    let token = state.fnlab.create_token(&actor, &body.name).await?;
    Ok((StatusCode::CREATED, ApiJson(token)))
}

/// `GET /tokens` → 200 [{id, name, created_at, last_used_at}], newest first.
async fn list(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
) -> Result<ApiJson<Vec<TokenInfo>>, ApiError> {
    Ok(ApiJson(state.fnlab.tokens(&actor).await?))
}

/// `DELETE /tokens/{id}` → 204; 404 when missing or someone else's.
async fn revoke(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state.fnlab.revoke_token(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
