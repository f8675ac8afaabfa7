//! Making a component live, from an upload or from a build: check it fits
//! the owner's storage quota, validate and compile it in the sandbox, then
//! store it and its new version in one transaction (checking the quota
//! again), then forget the cached live version so the next request runs
//! it. A component that is not a wasi:http proxy is [`Error::Invalid`]
//! with the reason, one past the quota [`Error::StorageFull`] with the
//! figures, and either way nothing is stored. A student's assignment
//! function then has its checks run on the new version.

use fnlab_functions::{Deployed, NewVersion, Source, validate_name};
use fnlab_sandbox::LoadError;

use crate::catalog::Deployment;
use crate::{Actor, Error, Fnlab};

impl Fnlab {
    /// Deploys an uploaded component as the next version of the actor's
    /// function `name` (created when needed).
    pub async fn deploy_component(
        &self,
        actor: &Actor,
        name: &str,
        component: &[u8],
    ) -> Result<Deployment, Error> {
        validate_name(name)?;
        let deployed = self
            .store_component(actor.id, name, component, None)
            .await?;
        self.went_live(actor, name, deployed).await
    }

    /// Checks `component` (built from `source` when it came from the
    /// editor) and stores it as the next version of `user_id`'s `name`.
    pub(crate) async fn store_component(
        &self,
        user_id: i64,
        name: &str,
        component: &[u8],
        source: Option<&Source>,
    ) -> Result<Deployed, Error> {
        let version = NewVersion::new(component, source);
        let functions = &self.inner.functions;
        let quota = self.storage_quota(user_id).await?;
        if let Some(quota) = quota {
            // Before compiling: past the quota, an upload costs nothing.
            functions.check_version(user_id, &version, quota).await?;
        }
        match functions.id_of(user_id, name).await {
            Ok(function_id) => {
                (self.check_course_storage(user_id, function_id, &version)).await?;
            }
            // A new function is no assignment's yet.
            Err(fnlab_functions::FunctionError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
        self.inner
            .sandbox
            .load(version.sha256(), component)
            .await
            .map_err(|e| match e {
                LoadError::Busy | LoadError::TooSlow(_) => Error::busy(e.to_string()),
                e => Error::invalid("component", "invalid_component", e.to_string()),
            })?;
        let ceilings = self.inner.settings.ceilings;
        let deployed = functions
            .add_version(user_id, name, &version, ceilings, quota)
            .await?;
        self.inner.live.forget(deployed.function_id);
        self.check_assignment(user_id, name, &deployed).await;
        Ok(deployed)
    }

    /// Runs the checks of the assignment the function is tied to, if any,
    /// on the version just deployed. A failure to run them is logged: the
    /// deploy stands.
    async fn check_assignment(&self, user_id: i64, name: &str, deployed: &Deployed) {
        let checked = async {
            let Some(owner) = self.inner.accounts.user(user_id).await? else {
                return Ok(None);
            };
            self.run_checks(
                &owner.username,
                name,
                deployed.function_id,
                deployed.version,
            )
            .await
        };
        if let Err(e) = checked.await {
            tracing::warn!(function = name, version = deployed.version, error = %e, "cannot run the assignment's checks");
        }
    }
}
