//! Functions in the dashboard: the list, one function's versions and
//! latest invocations (and then only what changed), rollback, delete and
//! creating one from a template. Uploading a component goes through the
//! REST API (`PUT /api/v1/functions/{name}/component`) from the browser,
//! since it sends raw bytes.

use fnlab_functions::Language;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::ctx::ServerCtx;
use crate::error::AppError;

/// The naming rule for function names, as an HTML `pattern` (they appear
/// in public URLs; the server checks the same rule).
pub const NAME_PATTERN: &str = "[a-z][a-z0-9\\-]*";
/// Longest function name, for `maxlength`.
pub const NAME_MAX_LEN: &str = "48";

/// A function in the dashboard's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionRow {
    /// Its name.
    pub name: String,
    /// Its public URL.
    pub url: String,
    /// The version requests run.
    pub live_version: Option<i64>,
    /// When it last ran, ms since the Unix epoch.
    pub last_invocation_at: Option<i64>,
}

/// One version of a function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionRow {
    /// Its number.
    pub version: i64,
    /// The component's SHA-256.
    pub sha256: String,
    /// The component's size in bytes.
    pub size: i64,
    /// When it was deployed.
    pub created_at: i64,
    /// Whether it was built from source in the editor.
    pub has_source: bool,
}

/// One invocation with its log: read from the database, or as the live
/// tail (`/api/v1/functions/{name}/logs/tail`) sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvocationRow {
    /// Unique per request.
    pub request_id: String,
    /// What started it (`http`).
    pub trigger: String,
    /// The request's method.
    pub method: String,
    /// The path the guest saw.
    pub path: String,
    /// Start, ms since the Unix epoch.
    pub started_at: i64,
    /// The version that ran.
    pub version: i64,
    /// HTTP status sent.
    pub status: i64,
    /// `ok` or what went wrong.
    pub outcome: String,
    /// Wall-clock duration, µs.
    pub wall_us: i64,
    /// CPU time, µs.
    pub cpu_us: i64,
    /// Peak linear memory, bytes.
    pub peak_memory_bytes: i64,
    /// Request body bytes.
    pub bytes_in: i64,
    /// Response body bytes.
    pub bytes_out: i64,
    /// What it cost at list price, picodollars.
    pub cost_picos: i64,
    /// Captured stdout.
    pub stdout: String,
    /// Captured stderr.
    pub stderr: String,
    /// A cold start: how long the program took to be made ready before
    /// the run, µs (0: a warm start).
    #[serde(default)]
    pub cold_start_us: i64,
}

/// Everything the function page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionView {
    /// Its name.
    pub name: String,
    /// Its public URL.
    pub url: String,
    /// The version requests run.
    pub live_version: Option<i64>,
    /// Wall-clock limit, ms.
    pub timeout_ms: i64,
    /// Memory limit, MiB.
    pub memory_mb: i64,
    /// Whether every request gets a fresh instance (else warm ones serve
    /// the function's next requests).
    pub fresh_instances: bool,
    /// Versions, newest first.
    pub versions: Vec<VersionRow>,
    /// Last change (deploy, rollback, limits), ms since the Unix epoch:
    /// what [`function_changes`] compares.
    pub updated_at: i64,
    /// Latest invocations, newest first.
    pub invocations: Vec<InvocationRow>,
}

/// How many invocations the function page shows.
pub const PAGE_INVOCATIONS: i64 = 25;

/// The signed-in user's functions.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "list_functions")]
pub async fn list_functions() -> Result<Vec<FunctionRow>, AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    let functions = ctx.fnlab.functions(&actor).await?;
    Ok(functions
        .into_iter()
        .map(|listed| FunctionRow {
            url: listed.url,
            last_invocation_at: listed.last_invocation_at,
            live_version: listed.function.live_version,
            name: listed.function.name,
        })
        .collect())
}

/// One function of the signed-in user, with versions and latest invocations.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "get_function")]
pub async fn get_function(name: String) -> Result<FunctionView, AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    let detailed = ctx.fnlab.function(&actor, &name).await?;
    function_view(&ctx, &actor, detailed).await
}

/// Function `name` again if it changed since the page saw it as of
/// `updated_at` (a deploy, a rollback, new limits), else `None`. Its log
/// follows the live tail instead.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "function_changes")]
pub async fn function_changes(
    name: String,
    updated_at: i64,
) -> Result<Option<FunctionView>, AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    match ctx.fnlab.changes(&actor, &name, updated_at).await? {
        Some(detailed) => Ok(Some(function_view(&ctx, &actor, detailed).await?)),
        None => Ok(None),
    }
}

/// The page's view of `detailed`, with its latest invocations.
#[cfg(feature = "ssr")]
async fn function_view(
    ctx: &ServerCtx,
    actor: &fnlab_usecases::Actor,
    detailed: fnlab_usecases::catalog::Detailed,
) -> Result<FunctionView, AppError> {
    let f = detailed.detail.function;
    let invocations = ctx
        .fnlab
        .invocations(actor, &f.name, &Default::default(), Some(PAGE_INVOCATIONS))
        .await?;
    Ok(FunctionView {
        url: detailed.url,
        name: f.name,
        live_version: f.live_version,
        timeout_ms: f.limits.timeout_ms,
        memory_mb: f.limits.memory_mb,
        fresh_instances: f.fresh_instances,
        updated_at: f.updated_at,
        versions: detailed
            .detail
            .versions
            .into_iter()
            .map(|v| VersionRow {
                version: v.version,
                sha256: v.sha256,
                size: v.size,
                created_at: v.created_at,
                has_source: v.language.is_some(),
            })
            .collect(),
        invocations: invocations.into_iter().map(invocation_row).collect(),
    })
}

#[cfg(feature = "ssr")]
pub(crate) fn invocation_row(priced: fnlab_usecases::catalog::PricedInvocation) -> InvocationRow {
    let r = priced.invocation.record;
    InvocationRow {
        cost_picos: priced.cost_picos,
        request_id: r.request_id,
        trigger: r.trigger,
        method: r.method,
        path: r.path,
        started_at: r.started_at,
        version: r.version,
        status: r.status,
        outcome: r.outcome,
        wall_us: r.wall_us,
        cpu_us: r.cpu_us,
        peak_memory_bytes: r.peak_memory_bytes,
        bytes_in: r.bytes_in,
        bytes_out: r.bytes_out,
        stdout: r.stdout,
        stderr: r.stderr,
        cold_start_us: r.cold_start_us,
    }
}

/// Makes `version` of `name` live again.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "rollback_function")]
pub async fn rollback_function(name: String, version: i64) -> Result<(), AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    ctx.fnlab.rollback(&actor, &name, version).await?;
    Ok(())
}

/// Gives every request of `name` a fresh instance (`fresh`), or lets an
/// instance serve its next requests.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "set_fresh_instances")]
pub async fn set_fresh_instances(name: String, fresh: bool) -> Result<(), AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    ctx.fnlab
        .set_limits(&actor, &name, None, None, Some(fresh))
        .await?;
    Ok(())
}

/// Deletes `name` and goes back to the dashboard.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "delete_function")]
pub async fn delete_function(name: String) -> Result<(), AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    ctx.fnlab.delete(&actor, &name).await?;
    leptos_axum::redirect("/dashboard");
    Ok(())
}

/// A template in the "New function" picker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateRow {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its language.
    pub language: Language,
    /// What it shows.
    pub description: String,
}

/// The templates a new function can start from.
#[server(prefix = "/_app", endpoint = "list_templates")]
pub async fn list_templates() -> Result<Vec<TemplateRow>, AppError> {
    let ctx = ServerCtx::get().await?;
    Ok(ctx
        .fnlab
        .templates()
        .iter()
        .map(|t| TemplateRow {
            id: t.id.into(),
            name: t.name.into(),
            language: t.language,
            description: t.description.into(),
        })
        .collect())
}

/// Creates function `name` with a template's source as its draft, and opens
/// it in the editor.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "create_function")]
pub async fn create_function(name: String, template: String) -> Result<(), AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    ctx.fnlab.create_function(&actor, &name, &template).await?;
    leptos_axum::redirect(&format!("/functions/{name}"));
    Ok(())
}
