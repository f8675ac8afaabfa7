//! Sharing in the dashboard: a function's public view, making it public
//! or private, and forking a public function. The same use cases as
//! `/api/v1/shared/…` and `/api/v1/functions/{name}/sharing`.

use fnlab_functions::{Forked, Shared};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::ctx::ServerCtx;
use crate::error::AppError;

/// `user`'s function `name` as its public page shows it (a private one
/// only to its owner).
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "get_shared")]
pub async fn get_shared(user: String, name: String) -> Result<Shared, AppError> {
    let ctx = ServerCtx::get().await?;
    let viewer = ctx.actor().await?;
    Ok(ctx.fnlab.shared(viewer.as_ref(), &user, &name).await?)
}

/// Makes the signed-in user's function `name` public (`public` is
/// `"on"`, as a checkbox sends it) or private, with `description`.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "set_sharing")]
pub async fn set_sharing(
    name: String,
    #[server(default)] public: Option<String>,
    description: String,
) -> Result<(), AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    let public = public.is_some();
    let sharing = ctx
        .fnlab
        .set_sharing(&actor, &name, public, Some(&description));
    sharing.await?;
    Ok(())
}

/// Forks `user`'s public function `name` into the signed-in user's
/// account as `new_name` (empty: the same name), and goes to its page.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "fork_function")]
pub async fn fork_function(
    user: String,
    name: String,
    new_name: String,
) -> Result<Forked, AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    let forked = ctx
        .fnlab
        .fork(&actor, &user, &name, Some(&new_name))
        .await?;
    // Also where a form posted before the page ran its script lands.
    leptos_axum::redirect(&format!("/functions/{}", forked.name));
    Ok(forked)
}

/// The signed-in user's function `name` as its public page shows it.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "my_sharing")]
pub async fn my_sharing(name: String) -> Result<Shared, AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    Ok(ctx
        .fnlab
        .shared(Some(&actor), &actor.username, &name)
        .await?)
}
