//! Sign-up, log-in and log-out, and the signed-in user that the header and
//! every protected page read.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::{ctx::ServerCtx, session};

/// The signed-in user as the pages see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    /// Database id.
    pub id: i64,
    /// Lowercase username.
    pub username: String,
    /// Whether they may see everyone's usage (`fnlab admin grant`).
    pub is_admin: bool,
}

/// Who is signed in, or `None`.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "signed_in_user")]
pub async fn signed_in_user() -> Result<Option<CurrentUser>, AppError> {
    ServerCtx::get().await?.user().await
}

/// Creates an account, signs it in and goes to the dashboard.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "sign_up")]
pub async fn sign_up(username: String, password: String) -> Result<(), AppError> {
    let ctx = ServerCtx::get().await?;
    let user = ctx.fnlab.sign_up(&username, &password).await?;
    session::start(&ctx.session, user.id).await?;
    leptos_axum::redirect("/dashboard");
    Ok(())
}

/// Signs in and goes to the dashboard.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "log_in")]
pub async fn log_in(username: String, password: String) -> Result<(), AppError> {
    let ctx = ServerCtx::get().await?;
    let user = ctx.fnlab.log_in(&username, &password).await?;
    session::start(&ctx.session, user.id).await?;
    leptos_axum::redirect("/dashboard");
    Ok(())
}

/// Signs out and goes to the landing page.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "log_out")]
pub async fn log_out() -> Result<(), AppError> {
    let ctx = ServerCtx::get().await?;
    session::end(&ctx.session).await?;
    leptos_axum::redirect("/");
    Ok(())
}

/// The account actions and the signed-in user, shared through context so
/// that the header updates as soon as someone signs in or out.
#[derive(Clone, Copy)]
pub struct Auth {
    /// Sign-up form action.
    pub sign_up: ServerAction<SignUp>,
    /// Log-in form action.
    pub log_in: ServerAction<LogIn>,
    /// Log-out form action.
    pub log_out: ServerAction<LogOut>,
    /// The signed-in user, refetched after each of the actions above.
    pub user: Resource<Result<Option<CurrentUser>, AppError>>,
}

impl Auth {
    /// Creates the actions and the user resource and provides them.
    pub fn provide() -> Self {
        let sign_up = ServerAction::<SignUp>::new();
        let log_in = ServerAction::<LogIn>::new();
        let log_out = ServerAction::<LogOut>::new();
        let user = Resource::new(
            move || {
                (
                    sign_up.version().get(),
                    log_in.version().get(),
                    log_out.version().get(),
                )
            },
            |_| signed_in_user(),
        );
        let auth = Self {
            sign_up,
            log_in,
            log_out,
            user,
        };
        provide_context(auth);
        auth
    }

    /// The shared instance.
    pub fn get() -> Self {
        expect_context::<Self>()
    }
}
