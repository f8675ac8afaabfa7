//! The session cookie: signed, HttpOnly, SameSite=Lax, expiring after two
//! weeks of inactivity, stored in Fnlab's own database. Over HTTPS
//! (`FNLAB_SECURE_COOKIES`) its name carries the `__Host-` prefix, so that
//! browsers accept it only from Fnlab's own host, never set by a sibling
//! domain (a functions domain under the same site).

use std::time::Duration;

use fnlab_db::SqlSessionStore;
use tower_sessions::cookie::{Key, SameSite};
use tower_sessions::service::SignedCookie;
use tower_sessions::session_store::ExpiredDeletion;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::{AppState, StartError};

/// The cookie's name over plain HTTP.
pub const COOKIE_NAME: &str = "fnlab_session";
/// The cookie's name over HTTPS.
pub const SECURE_COOKIE_NAME: &str = "__Host-fnlab_session";

/// The session layer, with a background task that deletes expired sessions.
pub async fn layer(
    state: &AppState,
) -> Result<SessionManagerLayer<SqlSessionStore, SignedCookie>, StartError> {
    // The signing key lives in the database, so every node signs alike.
    let key = fnlab_db::secrets::get_or_create(&state.pool, "session-cookie-key").await?;
    let store = SqlSessionStore::new(state.pool.clone());
    tokio::spawn(delete_expired_hourly(store.clone()));
    Ok(SessionManagerLayer::new(store)
        .with_name(if state.config.secure_cookies {
            SECURE_COOKIE_NAME
        } else {
            COOKIE_NAME
        })
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.secure_cookies)
        .with_expiry(Expiry::OnInactivity(time::Duration::days(14)))
        .with_signed(Key::from(&key)))
}

/// Deletes expired sessions once an hour, for as long as the server runs.
async fn delete_expired_hourly(store: SqlSessionStore) {
    let mut hourly = tokio::time::interval(Duration::from_secs(3600));
    loop {
        hourly.tick().await;
        if let Err(e) = store.delete_expired().await {
            tracing::warn!(error = %e, "could not delete expired sessions; will retry");
        }
    }
}
