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
    /// Whether they see everyone's usage and set plans (`FNLAB_ADMIN`).
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
        let user = self.inner.accounts.user(user_id).await?;
        Ok(user.map(|user| self.actor_of(user)))
    }

    /// The actor an API token stands for; `None` for a revoked or
    /// mistyped token.
    pub async fn actor_for_token(&self, token: &str) -> Result<Option<Actor>, Error> {
        let user = self.inner.accounts.user_for_token(token).await?;
        Ok(user.map(|user| self.actor_of(user)))
    }

    fn actor_of(&self, user: User) -> Actor {
        let admins = &self.inner.settings.admins;
        Actor {
            is_admin: admins.iter().any(|admin| admin.trim() == user.username),
            id: user.id,
            username: user.username,
        }
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
