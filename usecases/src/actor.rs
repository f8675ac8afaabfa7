//! Who is acting. Adapters find the user (a session's user id, an API
//! token) and ask for an [`Actor`]; every use case that is not public
//! takes one, so authorization is a parameter nobody can forget.

use fnlab_accounts::User;
use serde::Serialize;

use crate::{Error, Fnlab};

/// A signed-in user, as use cases see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    /// Their user id.
    pub id: i64,
    /// Their username (part of their functions' URLs).
    pub username: String,
    /// Whether they see everyone's usage and set plans (granted on the
    /// server with `fnlab admin grant`).
    pub is_admin: bool,
}

impl Actor {
    /// The account, as `GET /me` shows it.
    pub fn user(&self) -> User {
        User {
            id: self.id,
            username: self.username.clone(),
        }
    }
}

impl Fnlab {
    /// The actor signed in as `user_id` (from a session); `None` when the
    /// account has gone since.
    pub async fn actor(&self, user_id: i64) -> Result<Option<Actor>, Error> {
        match self.inner.accounts.user(user_id).await? {
            Some(user) => Ok(Some(self.actor_of(user).await?)),
            None => Ok(None),
        }
    }

    /// The actor an API token stands for; `None` for a revoked or
    /// mistyped token.
    pub async fn actor_for_token(&self, token: &str) -> Result<Option<Actor>, Error> {
        match self.inner.accounts.user_for_token(token).await? {
            Some(user) => Ok(Some(self.actor_of(user).await?)),
            None => Ok(None),
        }
    }

    async fn actor_of(&self, user: User) -> Result<Actor, Error> {
        Ok(Actor {
            is_admin: self.inner.accounts.is_admin(user.id).await?,
            id: user.id,
            username: user.username,
        })
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
