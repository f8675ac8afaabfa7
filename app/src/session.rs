//! Who is signed in, as recorded in the tower-sessions session. Both the
//! pages and the REST API sign users in and out through these functions.

use tower_sessions::Session;
use tower_sessions::session::Error;

/// The session key holding the signed-in user's id.
const USER_ID: &str = "user_id";

/// Signs `user_id` in. The session id is cycled first, so that an id planted
/// before login (session fixation) is worthless afterwards.
pub async fn start(session: &Session, user_id: i64) -> Result<(), Error> {
    session.cycle_id().await?;
    session.insert(USER_ID, user_id).await
}

/// The id of the signed-in user, if any.
pub async fn user_id(session: &Session) -> Result<Option<i64>, Error> {
    session.get(USER_ID).await
}

/// Signs out: deletes the session from the store and expires the cookie.
pub async fn end(session: &Session) -> Result<(), Error> {
    session.flush().await
}
