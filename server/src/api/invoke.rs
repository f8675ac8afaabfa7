//! Direct invoke over REST: `POST /functions/{name}/invoke` runs the
//! caller's function with a JSON payload as its event and answers with
//! what it returned, its logs, duration and cost, as `aws lambda invoke`
//! does.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use fnlab_usecases::invoke::DirectInvocation;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::error::ErrorBody;
use super::{ApiError, ApiJson, AuthUser};
use crate::{AppState, Config};

/// The `/api/v1` routes of this module.
pub fn router(config: &Config) -> OpenApiRouter<AppState> {
    let max_payload = usize::try_from(config.max_request_bytes).unwrap_or(usize::MAX);
    OpenApiRouter::new().routes(routes!(invoke).layer(DefaultBodyLimit::max(max_payload)))
}

/// How to invoke.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct InvokeQuery {
    /// `sync` (the default; Lambda's `RequestResponse` is accepted too):
    /// run now and answer with the result.
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// Invokes the caller's function with a JSON payload and waits for it.
///
/// A Lambda-style handler (`lambda_handler(event, context)` in Python,
/// `export const handler` in JavaScript, `fnlab::lambda!` in Rust)
/// receives exactly the payload as its event, and its return value is
/// `result`. Any other function receives `POST /` with the payload as its
/// body and the header `fnlab-trigger: invoke`; `result` is its body (as
/// JSON when it is JSON). Metered, billed and logged like any
/// invocation, with trigger `invoke`.
#[utoipa::path(
    post,
    path = "/functions/{name}/invoke",
    operation_id = "invoke_function",
    tag = "functions",
    security(("token" = []), ("session" = [])),
    params(("name" = String, Path, description = "The function's name."), InvokeQuery),
    request_body(description = "The event: any JSON (empty counts as `{}`).", content_type = "application/json"),
    responses(
        (status = 200, description = "The function ran (whatever status it answered: see `status`).", body = DirectInvocation),
        (status = 400, description = "The payload is not JSON (`bad_request`).", body = ErrorBody),
        (status = 404, description = "No such function of the caller's, or it has no live version (`not_found`).", body = ErrorBody),
        (status = 413, description = "The payload is larger than a function accepts (`FNLAB_MAX_REQUEST_BYTES`), as plain text."),
        (status = 422, description = "An invocation type other than `sync` (`unsupported_invocation_type`).", body = ErrorBody),
        (status = 429, description = "The caller's monthly quota is used up (`quota_exceeded`).", body = ErrorBody),
    ),
)]
async fn invoke(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(name): Path<String>,
    Query(query): Query<InvokeQuery>,
    payload: Bytes,
) -> Result<ApiJson<DirectInvocation>, ApiError> {
    match query.kind.as_deref() {
        None | Some("sync" | "RequestResponse") => {}
        Some(other) => {
            return Err(fnlab_usecases::Error::Invalid {
                field: "type",
                code: "unsupported_invocation_type",
                message: format!("unknown invocation type {other:?}: use sync"),
            }
            .into());
        }
    }
    Ok(ApiJson(
        state.fnlab.invoke_direct(&actor, &name, payload).await?,
    ))
}
