//! A function's variables and secrets on its page: read them (secrets by
//! name only), set one, remove one. The same use cases as
//! `GET|PUT /api/v1/functions/{name}/env`.

use fnlab_functions::Environment;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::ctx::ServerCtx;
use crate::error::AppError;

/// The variables and secret names of `name`.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "get_environment")]
pub async fn get_environment(name: String) -> Result<Environment, AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    Ok(ctx.fnlab.environment(&actor, &name).await?)
}

/// Sets variable (or, with `secret` "on", secret) `key` of `name` to
/// `value`.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "set_environment")]
pub async fn set_environment(
    name: String,
    key: String,
    value: String,
    #[server(default)] secret: Option<String>,
) -> Result<(), AppError> {
    change(name, key, Some(value), secret.is_some()).await
}

/// Removes variable or secret `key` of `name`.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "remove_environment")]
pub async fn remove_environment(name: String, key: String) -> Result<(), AppError> {
    change(name, key, None, false).await
}

/// Sets or removes one entry.
#[cfg(feature = "ssr")]
async fn change(
    name: String,
    key: String,
    value: Option<String>,
    secret: bool,
) -> Result<(), AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    let key = key.trim().to_owned();
    let mut change = fnlab_functions::EnvChange::default();
    match value {
        Some(value) if secret => {
            change.secrets.insert(key, Some(value));
        }
        Some(value) => {
            change.vars.insert(key, Some(value));
        }
        // A name is a variable or a secret, never both: removing it as
        // either removes it.
        None => {
            change.vars.insert(key, None);
        }
    }
    ctx.fnlab.change_environment(&actor, &name, &change).await?;
    Ok(())
}
