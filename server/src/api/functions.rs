//! Functions over REST: list, inspect, upload a component, roll back,
//! change limits, delete, and read the latest invocations. Every route is
//! scoped to the caller: another user's function is a plain 404.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use fnlab_functions::FunctionSummary;
use fnlab_usecases::catalog::{Deployment, Detailed, Listed, PricedInvocation};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::error::{ErrorBody, StorageFullBody};
use super::{ApiError, ApiJson, AuthUser};
use crate::{AppState, Config};

/// The `/api/v1` routes of this module (`PUT /functions/{name}`, saving a
/// draft, is the builds module's handler, listed here beside the path's
/// other methods).
pub fn router(config: &Config) -> OpenApiRouter<AppState> {
    let max_component = usize::try_from(config.max_component_bytes).unwrap_or(usize::MAX);
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(
            detail,
            super::builds::save_draft,
            set_limits,
            remove
        ))
        .routes(routes!(upload).layer(DefaultBodyLimit::max(max_component)))
        .routes(routes!(rollback))
        .routes(routes!(invocations))
}

/// Lists the caller's functions, by name.
#[utoipa::path(
    get,
    path = "/functions",
    operation_id = "list_functions",
    tag = "functions",
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = "The caller's functions, by name.", body = [Listed])),
)]
async fn list(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
) -> Result<ApiJson<Vec<Listed>>, ApiError> {
    Ok(ApiJson(state.fnlab.functions(&actor).await?))
}

/// One function: its limits, versions (newest first), URL and saved draft.
#[utoipa::path(
    get,
    path = "/functions/{name}",
    operation_id = "get_function",
    tag = "functions",
    security(("token" = []), ("session" = [])),
    params(("name" = String, Path, description = "The function's name.")),
    responses(
        (status = 200, description = "The function.", body = Detailed),
        (status = 404, description = "No such function of the caller's (`not_found`).", body = ErrorBody),
    ),
)]
async fn detail(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(name): Path<String>,
) -> Result<ApiJson<Detailed>, ApiError> {
    Ok(ApiJson(state.fnlab.function(&actor, &name).await?))
}

/// Deploys a component: uploads a `wasi:http/proxy` component as the
/// function's new live version, creating the function if need be.
///
/// The component is validated and compiled before it is stored.
#[utoipa::path(
    put,
    path = "/functions/{name}/component",
    operation_id = "upload_component",
    tag = "functions",
    security(("token" = []), ("session" = [])),
    params(("name" = String, Path, description = "The function's name: lowercase letters, digits and dashes.")),
    request_body(description = "The component's bytes.", content_type = "application/wasm"),
    responses(
        (status = 201, description = "The new version, now live.", body = Deployment),
        (
            status = 413,
            description = "Storing it would take the caller past their storage quota (`storage_quota_exceeded`); or, as plain text, it is larger than the server takes (`FNLAB_MAX_COMPONENT_BYTES`).",
            content((StorageFullBody = "application/json"), (String = "text/plain")),
        ),
        (status = 415, description = "Not sent as `Content-Type: application/wasm` (`unsupported_media_type`).", body = ErrorBody),
        (status = 422, description = "Not a `wasi:http/proxy` component (`invalid_component`, with the reason), or a bad name (`invalid_name`).", body = ErrorBody),
    ),
)]
async fn upload(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, ApiJson<Deployment>), ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if content_type.map(|v| v.split(';').next().unwrap_or_default().trim())
        != Some("application/wasm")
    {
        return Err(ApiError::UnsupportedMediaType(
            "send the component's bytes with Content-Type: application/wasm".into(),
        ));
    }
    let deployed = state.fnlab.deploy_component(&actor, &name, &body).await?;
    Ok((StatusCode::CREATED, ApiJson(deployed)))
}

/// A version to make live again.
#[derive(Deserialize, ToSchema)]
struct RollbackRequest {
    /// One of the function's versions.
    version: i64,
}

/// Rolls back: makes an earlier version live again.
#[utoipa::path(
    post,
    path = "/functions/{name}/rollback",
    operation_id = "rollback",
    tag = "functions",
    security(("token" = []), ("session" = [])),
    params(("name" = String, Path, description = "The function's name.")),
    request_body = inline(RollbackRequest),
    responses(
        (status = 200, description = "The version now live.", body = Deployment),
        (status = 404, description = "No such function of the caller's, or no such version (`not_found`).", body = ErrorBody),
    ),
)]
async fn rollback(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<RollbackRequest>,
) -> Result<ApiJson<Deployment>, ApiError> {
    Ok(ApiJson(
        state.fnlab.rollback(&actor, &name, body.version).await?,
    ))
}

/// New limits and instance policy; what is left out stays as it is.
#[derive(Deserialize, ToSchema)]
struct LimitsRequest {
    /// Wall-clock time one request may take, in milliseconds.
    timeout_ms: Option<i64>,
    /// Memory one instance may grow to, in MiB (what GB-seconds bill on).
    memory_mb: Option<i64>,
    /// `true`: every request gets a fresh instance; `false`: an instance
    /// may serve the function's next requests, one at a time.
    fresh_instances: Option<bool>,
}

/// Changes a function's limits, or whether each request gets a fresh
/// instance.
#[utoipa::path(
    patch,
    path = "/functions/{name}",
    operation_id = "set_limits",
    tag = "functions",
    security(("token" = []), ("session" = [])),
    params(("name" = String, Path, description = "The function's name.")),
    request_body = inline(LimitsRequest),
    responses(
        (status = 200, description = "The function with its new limits.", body = FunctionSummary),
        (status = 404, description = "No such function of the caller's (`not_found`).", body = ErrorBody),
        (status = 422, description = "A limit below 1 or above the server's ceiling (`invalid_limits`).", body = ErrorBody),
    ),
)]
async fn set_limits(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<LimitsRequest>,
) -> Result<ApiJson<FunctionSummary>, ApiError> {
    let limits = state.fnlab.set_limits(
        &actor,
        &name,
        body.timeout_ms,
        body.memory_mb,
        body.fresh_instances,
    );
    Ok(ApiJson(limits.await?))
}

/// Deletes a function.
///
/// Its invocation records stay, for billing; its components go once no
/// version of anyone's runs them.
#[utoipa::path(
    delete,
    path = "/functions/{name}",
    operation_id = "delete_function",
    tag = "functions",
    security(("token" = []), ("session" = [])),
    params(("name" = String, Path, description = "The function's name.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "No such function of the caller's (`not_found`).", body = ErrorBody),
    ),
)]
async fn remove(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.fnlab.delete(&actor, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which invocations: the latest page, or what a search finds.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct InvocationsQuery {
    /// How many, newest first: 50 by default, at most 1000.
    limit: Option<i64>,
    /// Only those newer than the invocation of this id.
    after: Option<i64>,
    /// Text in stdout or stderr (any case), or a request id.
    q: Option<String>,
    /// A status (`404`) or a class (`4xx`).
    status: Option<String>,
    /// Only those started at or after this time, ms since the epoch.
    from: Option<i64>,
    /// Only those started before this time, ms since the epoch.
    to: Option<i64>,
    /// Where the previous page ended: its `fnlab-next-cursor` header.
    cursor: Option<String>,
}

/// The header that carries the cursor of the next page of invocations.
pub const NEXT_CURSOR_HEADER: &str = "fnlab-next-cursor";

/// Lists or searches a function's invocations, newest first, with their
/// logs and what each cost.
///
/// A full page carries the `fnlab-next-cursor` header, which `cursor=`
/// continues from, with no gaps or repeats.
#[utoipa::path(
    get,
    path = "/functions/{name}/invocations",
    operation_id = "list_invocations",
    tag = "functions",
    security(("token" = []), ("session" = [])),
    params(("name" = String, Path, description = "The function's name."), InvocationsQuery),
    responses(
        (
            status = 200,
            description = "The invocations, newest first.",
            body = [PricedInvocation],
            headers(("fnlab-next-cursor" = String, description = "On a full page: the `cursor` of the next one.")),
        ),
        (status = 404, description = "No such function of the caller's (`not_found`).", body = ErrorBody),
        (status = 422, description = "A `status` or `cursor` it cannot read (`invalid_status`, `invalid_cursor`).", body = ErrorBody),
    ),
)]
async fn invocations(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(name): Path<String>,
    Query(query): Query<InvocationsQuery>,
) -> Result<(HeaderMap, ApiJson<Vec<PricedInvocation>>), ApiError> {
    let search = fnlab_usecases::catalog::search(
        query.after,
        query.q,
        query.status.as_deref(),
        (query.from, query.to),
        query.cursor.as_deref(),
    )?;
    let (found, next) = state
        .fnlab
        .search_invocations(&actor, &name, &search, query.limit)
        .await?;
    let mut headers = HeaderMap::new();
    if let Some(next) = next.and_then(|cursor| header::HeaderValue::from_str(&cursor).ok()) {
        headers.insert(NEXT_CURSOR_HEADER, next);
    }
    Ok((headers, ApiJson(found)))
}
