//! A function's variables and secrets over REST. Secrets are write-only:
//! the answer names them and says when they changed, never their values.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use fnlab_functions::{EnvChange, Environment};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ErrorBody;
use super::{ApiError, ApiJson, AuthUser};
use crate::AppState;

/// The `/api/v1` routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_env, put_env))
}

/// A function's variables (with their values) and secrets (names only).
#[utoipa::path(
    get,
    path = "/functions/{name}/env",
    operation_id = "get_env",
    tag = "functions",
    security(("token" = []), ("session" = [])),
    params(("name" = String, Path, description = "The function's name.")),
    responses(
        (status = 200, description = "Its variables and secrets.", body = Environment),
        (status = 404, description = "No such function of the caller's (`not_found`).", body = ErrorBody),
    ),
)]
async fn get_env(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(name): Path<String>,
) -> Result<ApiJson<Environment>, ApiError> {
    Ok(ApiJson(state.fnlab.environment(&actor, &name).await?))
}

/// Variables and secrets to set (a name set to null is removed); names
/// left out stay as they are.
#[derive(Deserialize, ToSchema)]
struct EnvRequest {
    /// Plain variables, shown back.
    #[serde(default)]
    vars: BTreeMap<String, Option<String>>,
    /// Secrets, sealed and never shown back.
    #[serde(default)]
    secrets: BTreeMap<String, Option<String>>,
}

/// Sets or removes a function's variables and secrets, all or nothing.
///
/// Names are `[A-Z_][A-Z0-9_]*` (not starting with `FNLAB_`), at most 64
/// per function, values at most 5 KiB. Every node runs the function with
/// them within a second, with no redeploy.
#[utoipa::path(
    put,
    path = "/functions/{name}/env",
    operation_id = "put_env",
    tag = "functions",
    security(("token" = []), ("session" = [])),
    params(("name" = String, Path, description = "The function's name.")),
    request_body = inline(EnvRequest),
    responses(
        (status = 200, description = "Its variables and secrets now.", body = Environment),
        (status = 404, description = "No such function of the caller's (`not_found`).", body = ErrorBody),
        (status = 422, description = "A name, value or count beyond the limits (`invalid_environment`).", body = ErrorBody),
    ),
)]
async fn put_env(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<EnvRequest>,
) -> Result<ApiJson<Environment>, ApiError> {
    let change = EnvChange {
        vars: body.vars,
        secrets: body.secrets,
    };
    Ok(ApiJson(
        state
            .fnlab
            .change_environment(&actor, &name, &change)
            .await?,
    ))
}
