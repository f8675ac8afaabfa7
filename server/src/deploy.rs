//! Making a component live: validate and compile it in the sandbox first,
//! then store it and its new version in one transaction, then forget the
//! cached live version so the next request runs it.

use axum::body::Bytes;
use fnlab_functions::{Deployed, Source, sha256_hex};

use crate::AppState;
use crate::api::ApiError;

/// Deploys `component` (built from `source` when it came from the editor)
/// as the next version of `user_id`'s function `name` (created when
/// needed). A component that is not a wasi:http proxy is 422
/// `invalid_component` with the reason, and nothing is stored.
pub async fn deploy_component(
    state: &AppState,
    user_id: i64,
    username: &str,
    name: &str,
    component: Bytes,
    source: Option<&Source>,
) -> Result<Deployed, ApiError> {
    let sha256 = sha256_hex(&component);
    state
        .gateway
        .sandbox()
        .load(&sha256, &component)
        .await
        .map_err(|e| ApiError::Unprocessable {
            code: "invalid_component",
            message: e.to_string(),
        })?;
    let deployed = state
        .functions
        .add_version(
            user_id,
            name,
            &component,
            &sha256,
            source,
            state.config.default_limits(),
        )
        .await?;
    state.gateway.forget(username, name);
    Ok(deployed)
}
