//! Who is acting. Adapters find the user (a session's user id, an API
//! token) and ask for an [`Actor`]; every use case that is not public
//! takes one, so authorization is a parameter nobody can forget.

use crate::{Error, Fnlab};

/// The acting user: a signed-in account, with whether it is an admin
/// (granted on the server with `fnlab admin grant`), read in one query.
pub type Actor = fnlab_accounts::User;

impl Fnlab {
    /// The actor signed in as `user_id` (from a session); `None` when the
    /// account has gone since.
    pub async fn actor(&self, user_id: i64) -> Result<Option<Actor>, Error> {
        Ok(self.inner.accounts.user(user_id).await?)
    }

    /// The actor an API token stands for; `None` for a revoked or
    /// mistyped token.
    pub async fn actor_for_token(&self, token: &str) -> Result<Option<Actor>, Error> {
        Ok(self.inner.accounts.user_for_token(token).await?)
    }

    /// `Ok` for an admin, [`Error::Forbidden`] for anyone else.
    pub(crate) fn require_admin(actor: &Actor) -> Result<(), Error> {
        if actor.is_admin {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }
}

/// Grants (or, with `admin` false, revokes) the admin view to `username`.
/// The operator's door, on the server's command line (`fnlab admin
/// grant`): no request over HTTP reaches it, so nobody can grant
/// themselves.
pub async fn set_admin(pool: &fnlab_db::Pool, username: &str, admin: bool) -> Result<(), Error> {
    let accounts = fnlab_accounts::Accounts::new(pool.clone());
    Ok(accounts.set_admin(username, admin).await?)
}

/// The admins' usernames, for the operator.
pub async fn admins(pool: &fnlab_db::Pool) -> Result<Vec<String>, Error> {
    Ok(fnlab_accounts::Accounts::new(pool.clone()).admins().await?)
}
