//! A function's configuration: reading it (secrets by name only) and
//! changing it. A change reaches this node's next request at once (the
//! live version is forgotten) and every other node's within
//! [`LIVE_TTL`](crate::live::LIVE_TTL), with no redeploy.

use fnlab_functions::{EnvChange, Environment};

use crate::{Actor, Error, Fnlab};

impl Fnlab {
    /// The variables and secret names of the actor's function `name`.
    pub async fn environment(&self, actor: &Actor, name: &str) -> Result<Environment, Error> {
        let key = &self.inner.settings.secrets_key;
        Ok(self
            .inner
            .functions
            .environment(actor.id, name, key)
            .await?)
    }

    /// Sets and removes variables and secrets of the actor's function
    /// `name`, all or nothing; returns its configuration then.
    pub async fn change_environment(
        &self,
        actor: &Actor,
        name: &str,
        change: &EnvChange,
    ) -> Result<Environment, Error> {
        let key = &self.inner.settings.secrets_key;
        let (function_id, environment) = self
            .inner
            .functions
            .change_environment(actor.id, name, change, key)
            .await?;
        self.inner.live.forget(function_id);
        Ok(environment)
    }
}
