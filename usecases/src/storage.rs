//! Collecting what nobody needs any more.
//!
//! [`Fnlab::collect_storage`] runs on every node now and then: it deletes
//! components no version refers to (deleting a function does it at once),
//! builds beyond the newest [`BUILDS_KEPT`] of functions not built since,
//! and bounds this node's code cache.
//!
//! [`BUILDS_KEPT`]: fnlab_builds::BUILDS_KEPT

use std::collections::HashSet;

use fnlab_sandbox::CacheSweep;

use crate::{Error, Fnlab};

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
