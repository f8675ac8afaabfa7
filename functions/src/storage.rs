//! The collection of components that no version refers to any more.
//!
//! Components are shared between users (they are content addressed), so
//! one is deleted only once no version refers to it, by ONE statement
//! whose `not exists` reads the versions as they are; on PostgreSQL a
//! version stored meanwhile either locked the component first (the delete
//! then fails on the versions → artifacts foreign key and is tried again
//! at the next collection) or finds it gone and stores it again.

use std::collections::HashSet;

use crate::{FunctionError, Functions};

/// What a collection deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Collected {
    /// Components deleted.
    pub components: u64,
    /// Their bytes.
    pub bytes: i64,
}

impl Functions {
    /// Deletes every component no version refers to.
    pub async fn collect_components(&self) -> Result<Collected, FunctionError> {
        let sizes: Vec<i64> = sqlx::query_scalar(
            "delete from artifacts where not exists \
             (select 1 from versions v where v.sha256 = artifacts.sha256) returning size",
        )
        .fetch_all(&self.pool)
        .await?;
        let collected = Collected {
            components: sizes.len() as u64,
            bytes: sizes.iter().sum(),
        };
        if collected.components > 0 {
            tracing::info!(
                components = collected.components,
                bytes = collected.bytes,
                "collected components no version refers to"
            );
        }
        Ok(collected)
    }

    /// The SHA-256 of every component a version refers to.
    pub async fn referenced_components(&self) -> Result<HashSet<String>, FunctionError> {
        let referenced: Vec<String> = sqlx::query_scalar("select distinct sha256 from versions")
            .fetch_all(&self.pool)
            .await?;
        Ok(referenced.into_iter().collect())
    }
}
