//! Storage: what a user keeps, checked against their plan's storage quota
//! before anything is stored, and the collection of what nobody needs any
//! more.
//!
//! A user's storage is what their functions store (each component their
//! versions run, once; versions' source; drafts — see
//! `fnlab_functions::storage`) plus what their builds keep (source, log and
//! diagnostics of each function's newest [`BUILDS_KEPT`] builds). Every
//! write that adds to it checks it first: an upload or a build's component
//! (and again as it is stored, so parallel uploads cannot share the same
//! room), a draft, a deploy's build.
//!
//! [`Fnlab::collect_storage`] runs on every node now and then: it deletes
//! components no version refers to (deleting a function does it at once),
//! builds beyond the newest [`BUILDS_KEPT`] of functions not built since,
//! and bounds this node's code cache.
//!
//! [`BUILDS_KEPT`]: fnlab_builds::BUILDS_KEPT

use std::collections::HashSet;

use fnlab_billing::StorageUse;
use fnlab_functions::{Growth, StorageQuota};
use fnlab_sandbox::CacheSweep;

use crate::{Actor, Error, Fnlab};

/// What one collection removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Collected {
    /// Components deleted from the database, and their bytes.
    pub components: fnlab_functions::Collected,
    /// Builds deleted (beyond the newest `BUILDS_KEPT` of a function).
    pub builds: u64,
    /// What the sweep of this node's code cache removed.
    pub code_cache: CacheSweep,
}

impl Fnlab {
    /// What the actor stores, and their plan's storage quota.
    pub async fn storage(&self, actor: &Actor) -> Result<StorageUse, Error> {
        Ok(StorageUse {
            used_bytes: self.stored_bytes(actor.id).await?,
            quota_bytes: self.storage_limit(actor.id).await?,
        })
    }

    /// The bytes `user_id` stores: their functions' and their builds'.
    pub(crate) async fn stored_bytes(&self, user_id: i64) -> Result<i64, Error> {
        let functions = self.inner.functions.stored_bytes(user_id).await?;
        Ok(functions + self.inner.builds.stored_bytes(user_id).await?)
    }

    /// `user_id`'s plan's storage quota in bytes; `None` is unlimited.
    async fn storage_limit(&self, user_id: i64) -> Result<Option<i64>, Error> {
        let plan = self.inner.accounts.plan(user_id).await?;
        Ok(self.inner.pricing.plan(plan.as_deref()).storage_bytes)
    }

    /// `user_id`'s storage quota as the functions' writes check it (what
    /// their builds keep counted in); `None` when unlimited.
    pub(crate) async fn storage_quota(&self, user_id: i64) -> Result<Option<StorageQuota>, Error> {
        let Some(quota) = self.storage_limit(user_id).await? else {
            return Ok(None);
        };
        let elsewhere = self.inner.builds.stored_bytes(user_id).await?;
        Ok(Some(StorageQuota { quota, elsewhere }))
    }

    /// [`Error::StorageFull`] when storing `adding` more bytes (`what`,
    /// such as "this source") would take `user_id` past their quota.
    pub(crate) async fn check_storage(
        &self,
        user_id: i64,
        what: &'static str,
        adding: i64,
    ) -> Result<(), Error> {
        let Some(quota) = self.storage_quota(user_id).await? else {
            return Ok(());
        };
        let used = self.inner.functions.stored_bytes(user_id).await?;
        Ok(quota.check(what, Growth { used, adding })?)
    }

    /// Deletes components no version refers to; errors are logged (the
    /// next collection tries again), since what asked for it succeeded.
    pub(crate) async fn collect_components(&self) {
        if let Err(e) = self.inner.functions.collect_components().await {
            tracing::warn!(error = %e, "cannot collect unreferenced components yet");
        }
    }

    /// Remembers the script runtimes this node prepared, whose native code
    /// the code cache keeps even before any version runs them.
    pub(crate) fn keep_runtime(&self, sha256: String) {
        let mut runtimes = self
            .inner
            .runtimes
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        runtimes.insert(sha256);
    }

    /// Deletes what nobody needs any more: components no version refers
    /// to, builds beyond each function's newest `BUILDS_KEPT`, and in
    /// this node's code cache the native code of components no version
    /// refers to, unused for a month, or beyond the cache's size (least
    /// recently used first). Any number of nodes may run it at once.
    pub async fn collect_storage(&self) -> Result<Collected, Error> {
        let (functions, builds) = (&self.inner.functions, &self.inner.builds);
        let mut expired = 0;
        for function_id in builds.crowded().await? {
            expired += builds.expire(function_id).await?;
        }
        let components = functions.collect_components().await?;
        let mut referenced: HashSet<String> = functions.referenced_components().await?;
        referenced.extend(
            (self.inner.runtimes.lock())
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .cloned(),
        );
        let code_cache = self
            .inner
            .sandbox
            .sweep_code_cache(referenced)
            .await
            .map_err(|e| Error::Internal(format!("sweeping the code cache: {e}")))?;
        Ok(Collected {
            components,
            builds: expired,
            code_cache,
        })
    }
}
