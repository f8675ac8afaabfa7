//! Functions over REST: list, inspect, upload a component, roll back,
//! change limits, delete, and read the latest invocations. Every route is
//! scoped to the caller: another user's function is a plain 404.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post, put};
use fnlab_functions::{Draft, FunctionDetail, FunctionError, FunctionSummary, Limits};
use fnlab_metering::query::{Invocation, latest_invocations};
use serde::{Deserialize, Serialize};

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

/// A function as listed: its summary, public URL and last invocation.
#[derive(Serialize)]
struct FunctionView {
    #[serde(flatten)]
    function: FunctionSummary,
    url: String,
    last_invocation_at: Option<i64>,
}

/// A function with its versions, URL and saved source.
#[derive(Serialize)]
struct FunctionDetailView {
    #[serde(flatten)]
    detail: FunctionDetail,
    url: String,
    draft: Option<Draft>,
}

/// What a deploy or rollback answers.
#[derive(Serialize)]
struct DeployedView {
    version: i64,
    url: String,
    sha256: String,
}

/// `GET /functions` → 200 [{id, name, url, live_version, limits, …}], by name.
async fn list(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<ApiJson<Vec<FunctionView>>, ApiError> {
    let functions = state.functions.list(user.id).await?;
    let last = fnlab_metering::query::last_invocations(&state.pool, user.id).await?;
    Ok(ApiJson(
        functions
            .into_iter()
            .map(|function| FunctionView {
                url: state.config.function_url(&user.username, &function.name),
                last_invocation_at: last.get(&function.id).copied(),
                function,
            })
            .collect(),
    ))
}

/// `GET /functions/{name}` → 200 {…, versions, url, draft}; 404.
async fn detail(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(name): Path<String>,
) -> Result<ApiJson<FunctionDetailView>, ApiError> {
    let detail = state.functions.get(user.id, &name).await?;
    let url = state.config.function_url(&user.username, &name);
    let draft = state.functions.draft(user.id, &name).await?;
    Ok(ApiJson(FunctionDetailView { detail, url, draft }))
}

/// `PUT /functions/{name}/component` with `application/wasm` bytes → 201
/// {version, url, sha256}: validated, compiled, stored and made live.
async fn upload(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, ApiJson<DeployedView>), ApiError> {
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
    fnlab_functions::validate_name(&name)?;
    let deployed =
        crate::deploy::deploy_component(&state, user.id, &user.username, &name, body, None).await?;
    let url = state.config.function_url(&user.username, &name);
    Ok((
        StatusCode::CREATED,
        ApiJson(DeployedView {
            version: deployed.version,
            url,
            sha256: deployed.sha256,
        }),
    ))
}

#[derive(Deserialize)]
struct RollbackRequest {
    version: i64,
}

/// `POST /functions/{name}/rollback` {version} → 200 {version, url, sha256};
/// 404 for an unknown function or version.
async fn rollback(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<RollbackRequest>,
) -> Result<ApiJson<DeployedView>, ApiError> {
    let deployed = state
        .functions
        .rollback(user.id, &name, body.version)
        .await?;
    state.gateway.forget(&user.username, &name);
    let url = state.config.function_url(&user.username, &name);
    Ok(ApiJson(DeployedView {
        version: deployed.version,
        url,
        sha256: deployed.sha256,
    }))
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
    AuthUser(user): AuthUser,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<LimitsRequest>,
) -> Result<ApiJson<FunctionSummary>, ApiError> {
    let current = state.functions.summary(user.id, &name).await?.limits;
    let limits = Limits {
        timeout_ms: body.timeout_ms.unwrap_or(current.timeout_ms),
        memory_mb: body.memory_mb.unwrap_or(current.memory_mb),
    };
    state
        .config
        .check_limits(limits)
        .map_err(FunctionError::InvalidLimits)?;
    let summary = state.functions.set_limits(user.id, &name, limits).await?;
    state.gateway.forget(&user.username, &name);
    Ok(ApiJson(summary))
}

/// `DELETE /functions/{name}` → 204; 404.
async fn remove(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.functions.delete(user.id, &name).await?;
    state.gateway.forget(&user.username, &name);
    Ok(StatusCode::NO_CONTENT)
}

/// An invocation as listed: its record and what it cost at list price.
#[derive(Serialize)]
struct InvocationView {
    #[serde(flatten)]
    invocation: Invocation,
    /// Rounded to whole microdollars (usually 0: one call costs less).
    cost_micros: i64,
    /// In picodollars, for the log line.
    cost_picos: i64,
}

#[derive(Deserialize)]
struct InvocationsQuery {
    limit: Option<i64>,
}

/// Most invocations one call returns.
const MAX_INVOCATIONS: i64 = 1_000;

/// `GET /functions/{name}/invocations?limit=N` → 200 the latest N (default
/// 50, at most 1000), newest first, with their logs and cost.
async fn invocations(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(name): Path<String>,
    Query(query): Query<InvocationsQuery>,
) -> Result<ApiJson<Vec<InvocationView>>, ApiError> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=MAX_INVOCATIONS).contains(&limit) {
        return Err(ApiError::Unprocessable {
            code: "invalid_limit",
            message: format!("limit must be between 1 and {MAX_INVOCATIONS}"),
        });
    }
    let function = state.functions.summary(user.id, &name).await?;
    let prices = &state.pricing.prices;
    let invocations = latest_invocations(&state.pool, user.id, function.id, limit).await?;
    Ok(ApiJson(
        invocations
            .into_iter()
            .map(|invocation| {
                let usage = invocation.record.usage();
                InvocationView {
                    cost_micros: prices.gross_micros(&usage),
                    cost_picos: prices.gross_picos(&usage),
                    invocation,
                }
            })
            .collect(),
    ))
}
