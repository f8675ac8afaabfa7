//! Billing, metrics and the admin view in the dashboard: thin server
//! functions over the use cases, which answer in `fnlab-billing`'s plain
//! types (the REST API answers the same).

use fnlab_billing::Alert;
use fnlab_billing::report::{Metrics, Overview, UserLine};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::ctx::ServerCtx;
use crate::error::AppError;

/// The signed-in user's Billing page: the month so far, projection, free
/// tier, alerts, days and statements.
#[server(prefix = "/_app", endpoint = "get_billing")]
pub async fn get_billing() -> Result<Overview, AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    Ok(ctx.fnlab.billing(&actor).await?)
}

/// The signed-in user's quota alerts this month (for the dashboard).
#[server(prefix = "/_app", endpoint = "quota_alerts")]
pub async fn quota_alerts() -> Result<Vec<Alert>, AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    Ok(ctx.fnlab.quota_alerts(&actor).await?)
}

/// One of the signed-in user's functions' metrics over `window` (`1h`,
/// `24h` or `7d`), of the invocations started by `trigger` only (empty:
/// all of them).
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "get_metrics")]
pub async fn get_metrics(
    name: String,
    window: String,
    trigger: String,
) -> Result<Metrics, AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    let metrics = ctx
        .fnlab
        .metrics(&actor, &name, Some(&window), Some(&trigger));
    Ok(metrics.await?)
}

/// What the admin page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminView {
    /// `2026-11`.
    pub month: String,
    /// The plans a user can be put on.
    pub plans: Vec<String>,
    /// Every user's month.
    pub users: Vec<UserLine>,
}

/// Every user's month so far, sorted by `sort` (`username`, `requests`,
/// `errors`, `gb_seconds` or `cost`); admins only.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "admin_usage")]
pub async fn admin_usage(sort: String) -> Result<AdminView, AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    let usage = ctx.fnlab.admin_usage(&actor, None, Some(&sort)).await?;
    Ok(AdminView {
        month: usage.month,
        plans: usage.plans,
        users: usage.users,
    })
}

/// Puts `username` on `plan`; admins only.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "set_user_plan")]
pub async fn set_user_plan(username: String, plan: String) -> Result<(), AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    ctx.fnlab.set_plan(&actor, &username, &plan).await?;
    Ok(())
}
