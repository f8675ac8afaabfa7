//! Accounts over REST: sign-up, login, logout and "who am I".

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use fnlab_accounts::User;
use serde::Deserialize;
use tower_sessions::Session;

use super::{ApiError, ApiJson, AuthUser};
use crate::AppState;

/// The `/api/v1` routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", post(sign_up))
        .route("/login", post(log_in))
        .route("/logout", post(log_out))
        .route("/me", get(me))
}

/// A username and password, for sign-up and login.
#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

/// `POST /users` → 201 {id, username}; 409 taken; 422 invalid or weak.
#[tracing::instrument(skip_all)]
async fn sign_up(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<(StatusCode, ApiJson<User>), ApiError> {
    let user = state.fnlab.sign_up(&body.username, &body.password).await?;
    Ok((StatusCode::CREATED, ApiJson(user)))
}

/// `POST /login` → 200 {id, username, is_admin} with a fresh session cookie; 401 wrong.
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

/// `POST /logout` → 204; ends the session (harmless without one).
async fn log_out(session: Session) -> Result<StatusCode, ApiError> {
    app::session::end(&session).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /me` → 200 {id, username, is_admin}; 401 without valid credentials.
async fn me(AuthUser(actor): AuthUser) -> ApiJson<User> {
    ApiJson(actor)
}
