//! A function's event queue on its page: list its events, send one,
//! replay or delete one. The same use cases as
//! `/api/v1/functions/{name}/events`.

use fnlab_triggers::{EventConfig, QueuedEvent};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::ctx::ServerCtx;
use crate::error::AppError;

/// The events of `name`, newest first.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "get_events")]
pub async fn get_events(name: String) -> Result<Vec<QueuedEvent>, AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    Ok(ctx.fnlab.events(&actor, &name, None).await?)
}

/// Sends `payload` (JSON) to `name`'s queue.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "send_event")]
pub async fn send_event(name: String, payload: String) -> Result<(), AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    let payload = payload.into_bytes().into();
    ctx.fnlab.send_event(&actor, &name, payload, "api").await?;
    Ok(())
}

/// Puts dead or delivered event `id` of `name` back in the queue.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "replay_event")]
pub async fn replay_event(name: String, id: String) -> Result<(), AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    ctx.fnlab.replay_event(&actor, &name, &id).await?;
    Ok(())
}

/// Deletes event `id` of `name`.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "delete_event")]
pub async fn delete_event(name: String, id: String) -> Result<(), AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    ctx.fnlab.delete_event(&actor, &name, &id).await?;
    Ok(())
}

/// How many deliveries `name`'s events get before a dead letter.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "get_event_config")]
pub async fn get_event_config(name: String) -> Result<EventConfig, AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    Ok(ctx.fnlab.event_config(&actor, &name).await?)
}

/// Gives `name`'s events `max_attempts` deliveries before a dead letter
/// (empty: the server's setting).
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "set_event_config")]
pub async fn set_event_config(name: String, max_attempts: String) -> Result<(), AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    let max_attempts = match max_attempts.trim() {
        "" => None,
        text => Some(text.parse::<i64>().map_err(|_| {
            fnlab_usecases::Error::Malformed(format!("{text:?} is not a whole number of attempts"))
        })?),
    };
    ctx.fnlab
        .set_event_config(&actor, &name, max_attempts)
        .await?;
    Ok(())
}
