//! Billing, metrics and the admin view in the dashboard: thin server
//! functions over `fnlab-metering`'s reports, which answer in
//! `fnlab-billing`'s plain types (the REST API answers the same).

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
    let user = ctx.require_user().await?;
    let services = &ctx.services;
    let plan = services.accounts.plan(user.id).await?;
    let plan = services.pricing.plan(plan.as_deref());
    let now = fnlab_db::now_ms();
    Ok(fnlab_metering::report::overview(
        &services.pool,
        &services.pricing.prices,
        plan,
        user.id,
        now,
    )
    .await?)
}

/// The signed-in user's quota alerts this month (for the dashboard).
#[server(prefix = "/_app", endpoint = "quota_alerts")]
pub async fn quota_alerts() -> Result<Vec<Alert>, AppError> {
    use fnlab_billing::calendar::{HOUR_MS, hour_start, month_start};
    let ctx = ServerCtx::get().await?;
    let user = ctx.require_user().await?;
    let services = &ctx.services;
    let plan = services.accounts.plan(user.id).await?;
    let now = fnlab_db::now_ms();
    let (from, to) = (month_start(now), hour_start(now) + HOUR_MS);
    let usage = fnlab_metering::totals::of_user(&services.pool, user.id, from, to).await?;
    Ok(services.pricing.plan(plan.as_deref()).alerts(&usage))
}

/// One of the signed-in user's functions' metrics over `window` (`1h`,
/// `24h` or `7d`).
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "get_metrics")]
pub async fn get_metrics(name: String, window: String) -> Result<Metrics, AppError> {
    let ctx = ServerCtx::get().await?;
    let user = ctx.require_user().await?;
    let window = fnlab_billing::report::Window::parse(&window)
        .ok_or_else(|| AppError::Invalid("Choose a window of 1h, 24h or 7d.".into()))?;
    let function = ctx.services.functions.summary(user.id, &name).await?;
    let now = fnlab_db::now_ms();
    Ok(fnlab_metering::metrics::window(&ctx.services.pool, function.id, window, now).await?)
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

/// The signed-in admin, or "not found" for anyone else.
#[cfg(feature = "ssr")]
async fn require_admin(ctx: &ServerCtx) -> Result<(), AppError> {
    let user = ctx.require_user().await?;
    if user.is_admin {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Every user's month so far, sorted by `sort` (`username`, `requests`,
/// `errors`, `gb_seconds` or `cost`); admins only.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "admin_usage")]
pub async fn admin_usage(sort: String) -> Result<AdminView, AppError> {
    use fnlab_billing::report::UserSort;
    let ctx = ServerCtx::get().await?;
    require_admin(&ctx).await?;
    let sort = UserSort::parse(&sort).unwrap_or(UserSort::Cost);
    let services = &ctx.services;
    let users = services
        .accounts
        .users_with_plans()
        .await?
        .into_iter()
        .map(|u| (u.id, u.username, u.plan))
        .collect();
    let now = fnlab_db::now_ms();
    let users =
        fnlab_metering::report::users_month(&services.pool, &services.pricing, users, now, sort)
            .await?;
    Ok(AdminView {
        month: fnlab_billing::calendar::month_label(now),
        plans: services
            .pricing
            .plans
            .all()
            .iter()
            .map(|p| p.name.clone())
            .collect(),
        users,
    })
}

/// Puts `username` on `plan`; admins only.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "set_user_plan")]
pub async fn set_user_plan(username: String, plan: String) -> Result<(), AppError> {
    let ctx = ServerCtx::get().await?;
    require_admin(&ctx).await?;
    if !ctx.services.pricing.plans.contains(&plan) {
        return Err(AppError::Invalid(format!("There is no plan {plan}.")));
    }
    ctx.services.accounts.set_plan(&username, &plan).await?;
    Ok(())
}
