//! A function's cron schedules on its page: list them, add one, pause or
//! resume, run now, delete. The same use cases as
//! `/api/v1/functions/{name}/schedules`.

use fnlab_triggers::Schedule;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::ctx::ServerCtx;
use crate::error::AppError;

/// The schedules of `name`, oldest first.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "get_schedules")]
pub async fn get_schedules(name: String) -> Result<Vec<Schedule>, AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    Ok(ctx.fnlab.schedules(&actor, &name).await?)
}

/// Adds schedule `cron` in `timezone` (UTC when empty) to `name`.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "add_schedule")]
pub async fn add_schedule(
    name: String,
    cron: String,
    #[server(default)] timezone: Option<String>,
) -> Result<(), AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    let new = fnlab_usecases::schedules::NewSchedule {
        cron,
        timezone: timezone.filter(|zone| !zone.trim().is_empty()),
    };
    ctx.fnlab.add_schedule(&actor, &name, &new).await?;
    Ok(())
}

/// Pauses (`paused` "true") or resumes schedule `id` of `name`.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "pause_schedule")]
pub async fn pause_schedule(name: String, id: i64, paused: String) -> Result<(), AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    let paused = paused == "true";
    ctx.fnlab
        .set_schedule_paused(&actor, &name, id, paused)
        .await?;
    Ok(())
}

/// Runs schedule `id` of `name` once, now.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "run_schedule")]
pub async fn run_schedule(name: String, id: i64) -> Result<(), AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    ctx.fnlab.run_schedule_now(&actor, &name, id).await?;
    Ok(())
}

/// Deletes schedule `id` of `name`.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "delete_schedule")]
pub async fn delete_schedule(name: String, id: i64) -> Result<(), AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    ctx.fnlab.delete_schedule(&actor, &name, id).await?;
    Ok(())
}
