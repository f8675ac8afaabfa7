//! Accounts: sign-up and log-in (public), and the actor's API tokens.
//! Sessions are the adapters' business: they sign in the user these
//! methods return.

use fnlab_accounts::{NewToken, TokenInfo, User};

use crate::{Actor, Error, Fnlab};

impl Fnlab {
    /// Creates an account. Usernames are 2–32 lowercase letters, digits
    /// and dashes; passwords at least 10 characters.
    pub async fn sign_up(&self, username: &str, password: &str) -> Result<User, Error> {
        Ok(self.inner.accounts.sign_up(username, password).await?)
    }

    /// Checks a username and password; throttled after repeated failures.
    pub async fn log_in(&self, username: &str, password: &str) -> Result<User, Error> {
        Ok(self.inner.accounts.log_in(username, password).await?)
    }

    /// Creates an API token called `name`; its secret is shown this once.
    pub async fn create_token(&self, actor: &Actor, name: &str) -> Result<NewToken, Error> {
        Ok(self.inner.accounts.create_token(actor.id, name).await?)
    }

    /// The actor's tokens, newest first, without their secrets.
    pub async fn tokens(&self, actor: &Actor) -> Result<Vec<TokenInfo>, Error> {
        Ok(self.inner.accounts.list_tokens(actor.id).await?)
    }

    /// Revokes token `id`; not found when it is not the actor's.
    pub async fn revoke_token(&self, actor: &Actor, id: i64) -> Result<(), Error> {
        Ok(self.inner.accounts.revoke_token(actor.id, id).await?)
    }
}
