//! Accounts over REST: sign-up, login, logout and "who am I".

use axum::extract::State;
use axum::http::StatusCode;
use fnlab_accounts::User;
use serde::Deserialize;
use tower_sessions::Session;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ErrorBody;
use super::{ApiError, ApiJson, AuthUser};
use crate::AppState;

/// The `/api/v1` routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_up))
        .routes(routes!(log_in))
        .routes(routes!(log_out))
        .routes(routes!(me))
}

/// A username and password, for sign-up and login.
#[derive(Deserialize, ToSchema)]
struct Credentials {
    /// 2–32 lowercase letters, digits and dashes (it appears in public
    /// function URLs); trimmed and lowercased as typed.
    username: String,
    /// At least 10 characters.
    password: String,
}

/// Signs up: creates an account.
///
/// It does not log in; `POST /api/v1/login` does.
#[utoipa::path(
    post,
    path = "/users",
    operation_id = "sign_up",
    tag = "accounts",
    request_body = inline(Credentials),
    responses(
        (status = 201, description = "The new account.", body = User),
        (status = 409, description = "The username is taken (`username_taken`).", body = ErrorBody),
        (status = 422, description = "An invalid username (`invalid_username`) or a weak password (`weak_password`).", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all)]
async fn sign_up(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<(StatusCode, ApiJson<User>), ApiError> {
    let user = state.fnlab.sign_up(&body.username, &body.password).await?;
    Ok((StatusCode::CREATED, ApiJson(user)))
}

/// Logs in: checks the password and starts a session.
///
/// The answer sets a fresh session cookie. Five failures in 15 minutes
/// lock the account's log-ins for a while (429).
#[utoipa::path(
    post,
    path = "/login",
    operation_id = "log_in",
    tag = "accounts",
    request_body = inline(Credentials),
    responses(
        (status = 200, description = "The account, with a fresh session cookie.", body = User),
        (status = 401, description = "Wrong username or password (`unauthorized`).", body = ErrorBody),
        (status = 429, description = "Too many failed log-ins; `Retry-After` says when to try again (`too_many_requests`).", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all)]
async fn log_in(
    State(state): State<AppState>,
    session: Session,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<ApiJson<User>, ApiError> {
    let user = state.fnlab.log_in(&body.username, &body.password).await?;
    app::session::start(&session, user.id).await?;
    Ok(ApiJson(user))
}

/// Logs out: ends the session.
///
/// Harmless without one.
#[utoipa::path(
    post,
    path = "/logout",
    operation_id = "log_out",
    tag = "accounts",
    responses((status = 204, description = "The session, if any, is over.")),
)]
async fn log_out(session: Session) -> Result<StatusCode, ApiError> {
    app::session::end(&session).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who is calling: the account of the token or session.
#[utoipa::path(
    get,
    path = "/me",
    operation_id = "me",
    tag = "accounts",
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = "The caller's account.", body = User)),
)]
async fn me(AuthUser(actor): AuthUser) -> ApiJson<User> {
    ApiJson(actor)
}
