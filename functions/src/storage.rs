//! What a user's functions store, checked against a storage quota, and the
//! collection of components that no version refers to any more.
//!
//! A user's functions store, in bytes:
//! - each component their versions run, counted ONCE however many of
//!   their versions run it, except a JavaScript or Python version's: its
//!   component is its language's runtime, Fnlab's own and shared by every
//!   such function, not the user's;
//! - the source of each version built in the editor;
//! - each function's saved draft.
//!
//! (Builds' source and logs count too; `fnlab-builds` counts them, and the
//! caller passes them in as [`StorageQuota::elsewhere`].)
//!
//! A new version is checked twice: once before the component is even
//! compiled, so an upload past the quota costs nothing, and again inside
//! the transaction that stores it, after locking the owner's row, so that
//! parallel uploads of one user are counted one after the other and cannot
//! each fit into the same room.
//!
//! Components are shared between users (they are content addressed), so
//! one is deleted only once no version refers to it, by ONE statement
//! whose `not exists` reads the versions as they are; on PostgreSQL a
//! version stored meanwhile either locked the component first (the delete
//! then fails on the versions → artifacts foreign key and is tried again
//! at the next collection) or finds it gone and stores it again.

use std::collections::HashSet;

use sqlx::AnyConnection;

use crate::catalog::NewVersion;
use crate::{FunctionError, Functions, Language};

/// What a new version, draft or build adds to what its owner stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Growth {
    /// Bytes the user's functions store now.
    pub used: i64,
    /// Bytes the write adds (0 or less adds nothing).
    pub adding: i64,
}

/// A user's storage quota, as a write checks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorageQuota {
    /// The plan's quota, bytes.
    pub quota: i64,
    /// What the user stores outside the functions (builds), bytes.
    pub elsewhere: i64,
}

impl StorageQuota {
    /// `Err` when `growth` would take the user past the quota; a write
    /// that adds nothing always passes (a redeploy of a component the user
    /// already stores, after their plan shrank). `what` names the write in
    /// the error, such as "this component".
    pub fn check(&self, what: &'static str, growth: Growth) -> Result<(), FunctionError> {
        let used = growth.used.saturating_add(self.elsewhere);
        if growth.adding > 0 && used.saturating_add(growth.adding) > self.quota {
            return Err(FunctionError::OverQuota {
                what,
                used,
                adding: growth.adding,
                quota: self.quota,
            });
        }
        Ok(())
    }
}

/// What a collection deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Collected {
    /// Components deleted.
    pub components: u64,
    /// Their bytes.
    pub bytes: i64,
}

/// The versions whose component counts as their owner's: every version but
/// a script language's, whose component is the shared runtime. For a
/// query that names the versions `v`.
fn counted_versions() -> String {
    let scripts: Vec<String> = Language::ALL
        .into_iter()
        .filter(|language| language.is_script())
        .map(|language| format!("'{}'", language.as_str()))
        .collect();
    format!(
        "(v.language is null or v.language not in ({}))",
        scripts.join(", ")
    )
}

/// The bytes `user_id`'s functions store.
async fn used(conn: &mut AnyConnection, user_id: i64) -> Result<i64, sqlx::Error> {
    // Each sum is cast: PostgreSQL sums bigints into numerics.
    sqlx::query_scalar(&format!(
        "select cast(coalesce((select sum(a.size) from artifacts a where a.sha256 in \
           (select v.sha256 from versions v join functions f on f.function_id = v.function_id \
            where f.user_id = $1 and {counted})), 0) \
         + coalesce((select sum(octet_length(v.source)) from versions v \
            join functions f on f.function_id = v.function_id where f.user_id = $1), 0) \
         + coalesce((select sum(octet_length(f.source)) from functions f where f.user_id = $1), 0) \
         as bigint)",
        counted = counted_versions()
    ))
    .bind(user_id)
    .fetch_one(conn)
    .await
}

/// Whether a version of `user_id`'s whose component counts as theirs runs
/// component `sha256` (so a new one adds nothing).
async fn stores(conn: &mut AnyConnection, user_id: i64, sha256: &str) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar(&format!(
        "select 1 from versions v join functions f on f.function_id = v.function_id \
         where f.user_id = $1 and v.sha256 = $2 and {} limit 1",
        counted_versions()
    ))
    .bind(user_id)
    .bind(sha256)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// Refuses `version` as a new version of `user_id`'s when it would take
/// them past `quota`.
pub(crate) async fn check_version(
    conn: &mut AnyConnection,
    user_id: i64,
    version: &NewVersion<'_>,
    quota: StorageQuota,
) -> Result<(), FunctionError> {
    let used = used(&mut *conn, user_id).await?;
    let stored =
        !version.counts_component() || stores(&mut *conn, user_id, version.sha256()).await?;
    let adding = version.added_bytes(stored);
    quota.check("this component", Growth { used, adding })
}

impl NewVersion<'_> {
    /// Whether its component counts toward its owner's storage (a
    /// script's is its language's shared runtime, which does not).
    fn counts_component(&self) -> bool {
        self.source.is_none_or(|s| !s.language.is_script())
    }

    /// The bytes it adds to its owner's storage: its source, and its
    /// component when that counts and is not `component_stored` already.
    pub fn added_bytes(&self, component_stored: bool) -> i64 {
        let component = if self.counts_component() && !component_stored {
            self.component.len()
        } else {
            0
        };
        let source = self.source.map_or(0, |s| s.source.len());
        i64::try_from(component + source).unwrap_or(i64::MAX)
    }
}

impl Functions {
    /// The bytes `user_id`'s functions store.
    pub async fn stored_bytes(&self, user_id: i64) -> Result<i64, FunctionError> {
        let mut conn = self.pool.acquire().await?;
        Ok(used(&mut conn, user_id).await?)
    }

    /// The bytes `user_id`'s functions for the assignments of course
    /// `course_id` store, counted as for the storage quota.
    pub async fn course_bytes(&self, user_id: i64, course_id: i64) -> Result<i64, FunctionError> {
        Ok(sqlx::query_scalar(&format!(
            "select cast(coalesce((select sum(a.size) from artifacts a where a.sha256 in \
               (select v.sha256 from versions v join functions f on f.function_id = v.function_id \
                where f.user_id = $1 and {counted} and {of_course})), 0) \
             + coalesce((select sum(octet_length(v.source)) from versions v \
                join functions f on f.function_id = v.function_id where f.user_id = $1 and {of_course}), 0) \
             as bigint)",
            counted = counted_versions(),
            of_course = "f.assignment_id in (select assignment_id from assignments where course_id = $2)",
        ))
        .bind(user_id)
        .bind(course_id)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Refuses `version` as a new version of `user_id`'s when it would take
    /// them past `quota`: the check before anything is compiled or stored
    /// ([`Functions::add_version`] checks again as it stores).
    pub async fn check_version(
        &self,
        user_id: i64,
        version: &NewVersion<'_>,
        quota: StorageQuota,
    ) -> Result<(), FunctionError> {
        let mut conn = self.pool.acquire().await?;
        check_version(&mut conn, user_id, version, quota).await
    }

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
