//! Sharing and forking. An owner makes a function's source public; its
//! page (`/s/{user}/{function}`) and `GET /api/v1/shared/{user}/{function}`
//! then show it to anyone, and a signed-in user forks it: the source,
//! language, description, schedules (paused until the fork is deployed)
//! and the NAMES of its variables and secrets (with empty values, never
//! the original's) are copied into a new function of theirs, which says
//! where it came from. A private function is not found by anyone but its
//! owner.

use std::collections::BTreeMap;

use fnlab_functions::{EnvChange, Forked, FunctionError, NewFork, Shared, SharedFunction};

use crate::{Actor, Error, Fnlab};

/// Why a forked schedule is paused.
const FORKED_SCHEDULE: &str = "copied by a fork: resume it once the function is deployed";

impl Fnlab {
    /// Makes the actor's function `name` public or private, with
    /// `description` when given; the function as its page shows it.
    pub async fn set_sharing(
        &self,
        actor: &Actor,
        name: &str,
        public: bool,
        description: Option<&str>,
    ) -> Result<Shared, Error> {
        let functions = &self.inner.functions;
        functions
            .set_sharing(actor.id, name, public, description)
            .await?;
        Ok(self.shown(functions.shared(&actor.username, name).await?))
    }

    /// `username`'s function `name` as its public page shows it, to
    /// `viewer` (anyone, signed in or not): not found unless it is public
    /// or the viewer owns it.
    pub async fn shared(
        &self,
        viewer: Option<&Actor>,
        username: &str,
        name: &str,
    ) -> Result<Shared, Error> {
        let function = self.visible(viewer, username, name).await?;
        Ok(self.shown(function))
    }

    /// Forks `username`'s public function `name` into the actor's account
    /// as `new_name` (the original's name by default).
    pub async fn fork(
        &self,
        actor: &Actor,
        username: &str,
        name: &str,
        new_name: Option<&str>,
    ) -> Result<Forked, Error> {
        let original = self.visible(Some(actor), username, name).await?;
        let source = original.source.as_ref().ok_or_else(|| {
            Error::invalid(
                "function",
                "no_source",
                format!(
                    "{username}/{name} was deployed as a component, without source: there is nothing to fork"
                ),
            )
        })?;
        let new_name = new_name
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or(name);
        let from = format!("{username}/{name}");
        self.check_storage(actor.id, "this source", source.source.len() as i64)
            .await?;
        let fork = NewFork {
            name: new_name,
            source,
            description: &original.description,
            from: Some((original.id, &from)),
        };
        let ceilings = self.inner.settings.ceilings;
        let functions = &self.inner.functions;
        let Some(function_id) = functions.create_fork(actor.id, &fork, ceilings).await? else {
            return Err(Error::Conflict {
                code: "function_exists",
                message: format!(
                    "you already have a function called {new_name}: give the fork another name"
                ),
            });
        };
        // All or nothing: a fork whose settings cannot be copied (past the
        // plan's schedules, say) is taken back.
        if let Err(e) = (self.copy_settings(actor, &original, new_name, function_id)).await {
            functions.delete(actor.id, new_name).await?;
            return Err(e);
        }
        Ok(Forked {
            url: self.function_url(&actor.username, new_name),
            name: new_name.to_owned(),
            forked_from: from,
        })
    }

    /// Gives fork `name` (`function_id`) of the actor the names of the
    /// original's variables and secrets, with empty values, and its
    /// schedules, paused.
    async fn copy_settings(
        &self,
        actor: &Actor,
        original: &SharedFunction,
        name: &str,
        function_id: i64,
    ) -> Result<(), Error> {
        let key = &self.inner.settings.secrets_key;
        let functions = &self.inner.functions;
        let env = functions
            .environment(original.user_id, &original.name, key)
            .await?;
        let empty = |names: Vec<String>| -> BTreeMap<String, Option<String>> {
            names
                .into_iter()
                .map(|n| (n, Some(String::new())))
                .collect()
        };
        let change = EnvChange {
            vars: empty(env.vars.into_keys().collect()),
            secrets: empty(env.secrets.into_iter().map(|s| s.name).collect()),
        };
        if !(change.vars.is_empty() && change.secrets.is_empty()) {
            functions
                .change_environment(actor.id, name, &change, key)
                .await?;
        }
        let schedules = &self.inner.schedules;
        let plan = self.inner.accounts.plan(actor.id).await?;
        let limit = self.inner.pricing.plans.get(plan.as_deref()).schedules;
        for schedule in schedules.list(original.id).await? {
            let cron = schedules.parse(&schedule.cron, Some(&schedule.timezone))?;
            let copy = schedules
                .create(actor.id, function_id, &cron, limit)
                .await?;
            schedules.pause_for(copy.id, FORKED_SCHEDULE).await?;
        }
        Ok(())
    }

    /// `username`'s function `name` if `viewer` may see it: it is public,
    /// or theirs.
    async fn visible(
        &self,
        viewer: Option<&Actor>,
        username: &str,
        name: &str,
    ) -> Result<SharedFunction, Error> {
        let function = match self.inner.functions.shared(username, name).await {
            Err(FunctionError::NotFound) => None,
            other => Some(other?),
        };
        function
            .filter(|f| f.public || viewer.is_some_and(|v| v.id == f.user_id))
            .ok_or_else(|| Error::Missing(format!("{username} shares no function {name}")))
    }

    fn shown(&self, function: SharedFunction) -> Shared {
        Shared {
            url: self.function_url(&function.user, &function.name),
            language: function.source.as_ref().map(|s| s.language),
            source: function.source.map(|s| s.source),
            user: function.user,
            name: function.name,
            public: function.public,
            description: function.description,
            live: function.live,
            forks: function.forks,
            forked_from: function.forked_from,
        }
    }
}
