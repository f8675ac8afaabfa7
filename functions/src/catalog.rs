//! Creating, listing, deploying, rolling back and deleting functions.
//! Every query is scoped by the owner's user id, so another user's function
//! is simply not found.

use sqlx::any::AnyRow;
use sqlx::{Acquire, Row};

use crate::model::{
    CourseTie, Deployed, FunctionDetail, FunctionSummary, Limits, LiveFunction, Source, VersionInfo,
};
use crate::storage::{StorageQuota, check_version};
use crate::store::decode_language;
use crate::{FunctionError, Functions, GuestEnv, sha256_hex, validate_name};

/// A version about to be stored: its component, that component's SHA-256
/// (computed here, so the two always match), and the source it was built
/// from when it came from the editor.
#[derive(Debug, Clone)]
pub struct NewVersion<'a> {
    /// The component's bytes.
    pub component: &'a [u8],
    /// The source it was built from; `None` for an uploaded component.
    pub source: Option<&'a Source>,
    sha256: String,
}

impl<'a> NewVersion<'a> {
    /// `component`, built from `source` when it came from the editor.
    pub fn new(component: &'a [u8], source: Option<&'a Source>) -> Self {
        Self {
            component,
            source,
            sha256: sha256_hex(component),
        }
    }

    /// The component's SHA-256, hex encoded.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }
}

/// Columns of [`FunctionSummary`], in [`summary_from_row`]'s order.
const SUMMARY_COLUMNS: &str = "function_id, name, live_version, timeout_ms, memory_mb, created_at, updated_at, fresh_instances";

fn summary_from_row(row: &AnyRow) -> Result<FunctionSummary, sqlx::Error> {
    Ok(FunctionSummary {
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        live_version: row.try_get(2)?,
        limits: Limits {
            timeout_ms: row.try_get(3)?,
            memory_mb: row.try_get(4)?,
        },
        created_at: row.try_get(5)?,
        updated_at: row.try_get(6)?,
        fresh_instances: row.try_get::<i64, _>(7)? != 0,
    })
}

impl Functions {
    /// The functions of `user_id`, by name.
    pub async fn list(&self, user_id: i64) -> Result<Vec<FunctionSummary>, FunctionError> {
        let rows = sqlx::query(&format!(
            "select {SUMMARY_COLUMNS} from functions where user_id = $1 order by name"
        ))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(summary_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// One function of `user_id`, without its versions.
    pub async fn summary(
        &self,
        user_id: i64,
        name: &str,
    ) -> Result<FunctionSummary, FunctionError> {
        let row = sqlx::query(&format!(
            "select {SUMMARY_COLUMNS} from functions where user_id = $1 and name = $2"
        ))
        .bind(user_id)
        .bind(name)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(FunctionError::NotFound)?;
        Ok(summary_from_row(&row)?)
    }

    /// One function of `user_id` with its versions, newest first.
    pub async fn get(&self, user_id: i64, name: &str) -> Result<FunctionDetail, FunctionError> {
        let function = self.summary(user_id, name).await?;
        let rows: Vec<(i64, String, i64, i64, Option<String>)> = sqlx::query_as(
            "select v.version, v.sha256, a.size, v.created_at, v.language \
             from versions v join artifacts a on a.sha256 = v.sha256 \
             where v.function_id = $1 order by v.version desc",
        )
        .bind(function.id)
        .fetch_all(&self.pool)
        .await?;
        let versions = rows
            .into_iter()
            .map(|(version, sha256, size, created_at, language)| {
                Ok(VersionInfo {
                    version,
                    sha256,
                    size,
                    created_at,
                    language: decode_language(language)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?;
        Ok(FunctionDetail { function, versions })
    }

    /// Stores `version` as the next version of `name`, creating the
    /// function with `limits` when it does not exist, and makes it live.
    /// All or nothing; with a `quota`, nothing when it would take the user
    /// past it ([`FunctionError::OverQuota`]).
    pub async fn add_version(
        &self,
        user_id: i64,
        name: &str,
        version: &NewVersion<'_>,
        limits: Limits,
        quota: Option<StorageQuota>,
    ) -> Result<Deployed, FunctionError> {
        validate_name(name)?;
        let (sha256, source) = (version.sha256(), version.source);
        let now = fnlab_db::now_ms();
        let mut conn = self.pool.acquire().await?;
        let mut tx = conn.begin().await?;
        // A write first, so that SQLite takes its write lock up front and
        // concurrent deploys queue instead of failing to upgrade a read
        // lock. On PostgreSQL it locks the owner's row, so that two
        // versions of one user are counted against their quota one after
        // the other.
        sqlx::query("update users set plan = plan where user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if let Some(quota) = quota {
            check_version(&mut tx, user_id, version, quota).await?;
        }
        sqlx::query(
            "insert into functions (user_id, name, timeout_ms, memory_mb, created_at, updated_at) \
             values ($1, $2, $3, $4, $5, $5) on conflict (user_id, name) do nothing",
        )
        .bind(user_id)
        .bind(name)
        .bind(limits.timeout_ms)
        .bind(limits.memory_mb)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        // Components are stored once: a redeploy of the same bytes (or the
        // shared runtime of every JavaScript or Python version) sends none.
        // The no-op update also locks the component's row (PostgreSQL), so
        // that a collection cannot delete it before this version refers to
        // it; when there is none (never stored, or just collected), the
        // bytes go in.
        let kept = sqlx::query("update artifacts set size = size where sha256 = $1")
            .bind(sha256)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if kept == 0 {
            sqlx::query(
                "insert into artifacts (sha256, bytes, size, created_at) values ($1, $2, $3, $4) \
                 on conflict (sha256) do nothing",
            )
            .bind(sha256)
            .bind(version.component)
            .bind(i64::try_from(version.component.len()).unwrap_or(i64::MAX))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        // The update locks the function's row (PostgreSQL), so concurrent
        // deploys of one function number their versions one after another.
        let function_id: i64 = sqlx::query_scalar(
            "update functions set updated_at = $3 where user_id = $1 and name = $2 returning function_id",
        )
        .bind(user_id)
        .bind(name)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let number: i64 = sqlx::query_scalar(
            "select coalesce(max(version), 0) + 1 from versions where function_id = $1",
        )
        .bind(function_id)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "insert into versions (function_id, version, sha256, created_at, language, source) \
             values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(function_id)
        .bind(number)
        .bind(sha256)
        .bind(now)
        .bind(source.map(|s| s.language.as_str()))
        .bind(source.map(|s| s.source.as_str()))
        .execute(&mut *tx)
        .await?;
        sqlx::query("update functions set live_version = $2 where function_id = $1")
            .bind(function_id)
            .bind(number)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(user_id, name, version = number, sha256, "new version live");
        Ok(Deployed {
            function_id,
            version: number,
            sha256: sha256.to_owned(),
        })
    }

    /// Makes an earlier (or later) version of `name` live again.
    pub async fn rollback(
        &self,
        user_id: i64,
        name: &str,
        version: i64,
    ) -> Result<Deployed, FunctionError> {
        let function = self.summary(user_id, name).await?;
        let sha256: String = sqlx::query_scalar(
            "select sha256 from versions where function_id = $1 and version = $2",
        )
        .bind(function.id)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| FunctionError::NoSuchVersion {
            name: name.to_owned(),
            version,
        })?;
        sqlx::query(
            "update functions set live_version = $2, updated_at = $3 where function_id = $1",
        )
        .bind(function.id)
        .bind(version)
        .bind(fnlab_db::now_ms())
        .execute(&self.pool)
        .await?;
        tracing::info!(user_id, name, version, "rolled back");
        Ok(Deployed {
            function_id: function.id,
            version,
            sha256,
        })
    }

    /// Changes the limits of `name`, and whether each of its requests gets
    /// a fresh instance. The caller checks the limits against the server's
    /// ceilings.
    pub async fn set_limits(
        &self,
        user_id: i64,
        name: &str,
        limits: Limits,
        fresh_instances: bool,
    ) -> Result<FunctionSummary, FunctionError> {
        let updated = sqlx::query(
            "update functions set timeout_ms = $3, memory_mb = $4, updated_at = $5, \
             fresh_instances = $6 where user_id = $1 and name = $2",
        )
        .bind(user_id)
        .bind(name)
        .bind(limits.timeout_ms)
        .bind(limits.memory_mb)
        .bind(fnlab_db::now_ms())
        .bind(i64::from(fresh_instances))
        .execute(&self.pool)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(FunctionError::NotFound);
        }
        self.summary(user_id, name).await
    }

    /// Deletes `name` and its versions; returns the function's id. Its
    /// invocation records stay: they are what its owner is billed for.
    /// Its components stay until [`Functions::collect_components`] finds
    /// that no version (of another function or user) refers to them.
    pub async fn delete(&self, user_id: i64, name: &str) -> Result<i64, FunctionError> {
        let deleted: Option<i64> = sqlx::query_scalar(
            "delete from functions where user_id = $1 and name = $2 returning function_id",
        )
        .bind(user_id)
        .bind(name)
        .fetch_all(&self.pool)
        .await?
        .pop();
        let function_id = deleted.ok_or(FunctionError::NotFound)?;
        tracing::info!(user_id, name, "function deleted");
        Ok(function_id)
    }

    /// The live version of `username`'s function `name`, as the public URL
    /// `/fn/{username}/{name}` finds it; `None` when there is none. Its
    /// `env` is empty: the caller adds what [`Functions::opened_env`] opens.
    pub async fn live(
        &self,
        username: &str,
        name: &str,
    ) -> Result<Option<LiveFunction>, FunctionError> {
        self.at_version(username, name, None).await
    }

    /// Version `version` of `username`'s function `name` (`None`: the live
    /// one) as [`Functions::live`] would run it, to run it once more (an
    /// assignment's checks on a submission); `None` when there is none.
    pub async fn at_version(
        &self,
        username: &str,
        name: &str,
        version: Option<i64>,
    ) -> Result<Option<LiveFunction>, FunctionError> {
        let row = sqlx::query(
            "select f.function_id, f.user_id, f.name, v.version, v.sha256, f.timeout_ms, f.memory_mb, \
             v.language, v.source, c.course_id, c.ends_on, f.fresh_instances \
             from users u \
             join functions f on f.user_id = u.user_id and f.name = $2 \
             join versions v on v.function_id = f.function_id \
                 and v.version = coalesce($3, f.live_version) \
             left join assignments a on a.assignment_id = f.assignment_id \
             left join courses c on c.course_id = a.course_id \
             where u.username = $1",
        )
        .bind(username)
        .bind(name)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(LiveFunction {
            function_id: row.try_get(0)?,
            user_id: row.try_get(1)?,
            name: row.try_get(2)?,
            version: row.try_get(3)?,
            sha256: row.try_get(4)?,
            limits: Limits {
                timeout_ms: row.try_get(5)?,
                memory_mb: row.try_get(6)?,
            },
            source: match (decode_language(row.try_get(7)?)?, row.try_get(8)?) {
                (Some(language), Some(source)) => Some(Source { language, source }),
                _ => None,
            },
            env: GuestEnv::default(),
            course: match (row.try_get(9)?, row.try_get(10)?) {
                (Some(course_id), Some(ends_on)) => Some(CourseTie { course_id, ends_on }),
                _ => None,
            },
            fresh_instances: row.try_get::<i64, _>(11)? != 0,
        }))
    }

    /// The bytes of the component with this SHA-256.
    pub async fn component(&self, sha256: &str) -> Result<Option<Vec<u8>>, FunctionError> {
        Ok(
            sqlx::query_scalar("select bytes from artifacts where sha256 = $1")
                .bind(sha256)
                .fetch_optional(&self.pool)
                .await?,
        )
    }
}
