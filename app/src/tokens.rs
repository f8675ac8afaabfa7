//! API tokens: created and revoked from the tokens page, used by scripts as
//! `Authorization: Bearer <token>`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::ctx::ServerCtx;
use crate::error::AppError;

/// A token as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRow {
    /// Database id.
    pub id: i64,
    /// What the user called it.
    pub name: String,
    /// Creation time, ms since the Unix epoch.
    pub created_at: i64,
    /// Last use, ms since the Unix epoch.
    pub last_used_at: Option<i64>,
}

/// A token just created, with its secret, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    /// Database id.
    pub id: i64,
    /// What the user called it.
    pub name: String,
    /// The bearer secret.
    pub token: String,
}

/// The signed-in user's tokens, newest first.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "list_tokens")]
pub async fn list_tokens() -> Result<Vec<TokenRow>, AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    let tokens = ctx.fnlab.tokens(&actor).await?;
    Ok(tokens
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
        })
        .collect())
}

/// Creates a token called `name`.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "create_token")]
pub async fn create_token(name: String) -> Result<CreatedToken, AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    let token = ctx.fnlab.create_token(&actor, &name).await?;
    Ok(CreatedToken {
        id: token.id,
        name: token.name,
        token: token.token,
    })
}

/// Revokes token `id` of the signed-in user.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "revoke_token")]
pub async fn revoke_token(id: i64) -> Result<(), AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    ctx.fnlab.revoke_token(&actor, id).await?;
    Ok(())
}
