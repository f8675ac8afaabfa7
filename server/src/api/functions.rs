//! Functions over REST: list, inspect, upload a component, roll back,
//! change limits, delete, and read the latest invocations. Every route is
//! scoped to the caller: another user's function is a plain 404.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post, put};
use fnlab_functions::FunctionSummary;
use fnlab_usecases::catalog::{Deployment, Detailed, Listed, PricedInvocation};
use serde::Deserialize;

use super::{ApiError, ApiJson, AuthUser};
use crate::{AppState, Config};

/// The `/api/v1` routes of this module.
pub fn router(config: &Config) -> Router<AppState> {
    let max_component = usize::try_from(config.max_component_bytes).unwrap_or(usize::MAX);
    Router::new()
        .route("/functions", get(list))
        .route(
            "/functions/{name}",
            get(detail)
                .put(super::builds::save_draft)
                .patch(set_limits)
                .delete(remove),
        )
        .route(
            "/functions/{name}/component",
            put(upload).layer(DefaultBodyLimit::max(max_component)),
        )
        .route("/functions/{name}/rollback", post(rollback))
        .route("/functions/{name}/invocations", get(invocations))
}

/// `GET /functions` → 200 [{id, name, url, live_version, limits, …}], by name.
async fn list(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
) -> Result<ApiJson<Vec<Listed>>, ApiError> {
    Ok(ApiJson(state.fnlab.functions(&actor).await?))
}

/// `GET /functions/{name}` → 200 {…, versions, url, draft}; 404.
async fn detail(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(name): Path<String>,
) -> Result<ApiJson<Detailed>, ApiError> {
    Ok(ApiJson(state.fnlab.function(&actor, &name).await?))
}

/// `PUT /functions/{name}/component` with `application/wasm` bytes → 201
/// {version, url, sha256}: validated, compiled, stored and made live.
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

#[derive(Deserialize)]
struct RollbackRequest {
    version: i64,
}

/// `POST /functions/{name}/rollback` {version} → 200 {version, url, sha256};
/// 404 for an unknown function or version.
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

#[derive(Deserialize)]
struct LimitsRequest {
    timeout_ms: Option<i64>,
    memory_mb: Option<i64>,
}

/// `PATCH /functions/{name}` {timeout_ms?, memory_mb?} → 200 the function;
/// 422 above the server's ceilings.
async fn set_limits(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<LimitsRequest>,
) -> Result<ApiJson<FunctionSummary>, ApiError> {
    let limits = state
        .fnlab
        .set_limits(&actor, &name, body.timeout_ms, body.memory_mb);
    Ok(ApiJson(limits.await?))
}

/// `DELETE /functions/{name}` → 204; 404.
async fn remove(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.fnlab.delete(&actor, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct InvocationsQuery {
    limit: Option<i64>,
    after: Option<i64>,
    q: Option<String>,
    status: Option<String>,
    from: Option<i64>,
    to: Option<i64>,
    cursor: Option<String>,
}

/// The header that carries the cursor of the next page of invocations.
pub const NEXT_CURSOR_HEADER: &str = "fnlab-next-cursor";

/// `GET /functions/{name}/invocations?limit=N&after=ID&q=&status=&from=&to=&cursor=`
/// → 200 the latest N (default 50, at most 1000), newest first, with
/// their logs and cost; with `after`, only those newer than invocation
/// `ID`. Search: `q` text in stdout, stderr or the request id, `status`
/// a code (`404`) or a class (`4xx`), `from`/`to` ms since the epoch. A
/// full page carries `fnlab-next-cursor`, which `cursor=` continues from.
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
