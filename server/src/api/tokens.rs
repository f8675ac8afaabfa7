//! API tokens over REST.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use fnlab_accounts::{NewToken, TokenInfo};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ErrorBody;
use super::{ApiError, ApiJson, AuthUser};
use crate::AppState;

/// The `/api/v1` routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(revoke))
}

/// A token to make.
#[derive(Deserialize, ToSchema)]
struct NewTokenRequest {
    /// What to call it (1–64 characters), such as the machine it is for.
    name: String,
}

/// Creates an API token.
///
/// The answer holds the secret, which is never shown again: Fnlab keeps
/// only its hash.
#[utoipa::path(
    post,
    path = "/tokens",
    operation_id = "create_token",
    tag = "tokens",
    security(("token" = []), ("session" = [])),
    request_body = inline(NewTokenRequest),
    responses(
        (status = 201, description = "The token, with its secret.", body = NewToken),
        (status = 422, description = "An empty or too long name (`invalid_name`).", body = ErrorBody),
    ),
)]
async fn create(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiJson(body): ApiJson<NewTokenRequest>,
) -> Result<(StatusCode, ApiJson<NewToken>), ApiError> {
    let token = state.fnlab.create_token(&actor, &body.name).await?;
    Ok((StatusCode::CREATED, ApiJson(token)))
}

/// Lists the caller's API tokens, newest first.
///
/// Never their secrets.
#[utoipa::path(
    get,
    path = "/tokens",
    operation_id = "list_tokens",
    tag = "tokens",
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = "The caller's tokens, newest first.", body = [TokenInfo])),
)]
async fn list(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
) -> Result<ApiJson<Vec<TokenInfo>>, ApiError> {
    Ok(ApiJson(state.fnlab.tokens(&actor).await?))
}

/// Revokes an API token.
///
/// Requests carrying it are refused from then on.
#[utoipa::path(
    delete,
    path = "/tokens/{id}",
    operation_id = "revoke_token",
    tag = "tokens",
    security(("token" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The token's id, from the list.")),
    responses(
        (status = 204, description = "Revoked."),
        (status = 404, description = "No such token of the caller's (`not_found`).", body = ErrorBody),
    ),
)]
async fn revoke(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state.fnlab.revoke_token(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
