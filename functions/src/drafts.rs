//! Source code written in the editor: each function's saved draft (saving
//! creates the function when needed), and the source each version was
//! built from.

use crate::model::{Draft, Limits, Source};
use crate::store::decode_language;
use crate::{FunctionError, Functions, check_source, validate_name};

impl Functions {
    /// Saves `source` as the draft of `user_id`'s function `name`, creating
    /// the function (with `limits`, and no live version yet) when needed.
    /// Returns the draft as saved; a source over the size limit is refused.
    pub async fn save_draft(
        &self,
        user_id: i64,
        name: &str,
        source: &Source,
        limits: Limits,
    ) -> Result<Draft, FunctionError> {
        validate_name(name)?;
        check_source(source)?;
        let now = fnlab_db::now_ms();
        sqlx::query(
            "insert into functions (user_id, name, timeout_ms, memory_mb, created_at, updated_at, \
             language, source, source_saved_at) values ($1, $2, $3, $4, $5, $5, $6, $7, $5) \
             on conflict (user_id, name) do update set language = excluded.language, \
             source = excluded.source, source_saved_at = excluded.source_saved_at",
        )
        .bind(user_id)
        .bind(name)
        .bind(limits.timeout_ms)
        .bind(limits.memory_mb)
        .bind(now)
        .bind(source.language.as_str())
        .bind(&source.source)
        .execute(&self.pool)
        .await?;
        Ok(Draft {
            source: source.clone(),
            saved_at: now,
        })
    }

    /// The saved draft of `user_id`'s function `name`; `None` when it has
    /// never been edited (an uploaded component).
    pub async fn draft(&self, user_id: i64, name: &str) -> Result<Option<Draft>, FunctionError> {
        let row: Option<(Option<String>, Option<String>, Option<i64>)> = sqlx::query_as(
            "select language, source, source_saved_at from functions where user_id = $1 and name = $2",
        )
        .bind(user_id)
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        let (language, source, saved_at) = row.ok_or(FunctionError::NotFound)?;
        Ok(match (decode_language(language)?, source) {
            (Some(language), Some(source)) => Some(Draft {
                source: Source { language, source },
                saved_at: saved_at.unwrap_or_default(),
            }),
            _ => None,
        })
    }

    /// The source version `version` of `name` was built from; `None` for an
    /// uploaded component.
    pub async fn version_source(
        &self,
        user_id: i64,
        name: &str,
        version: i64,
    ) -> Result<Option<Source>, FunctionError> {
        let function = self.summary(user_id, name).await?;
        let row: Option<(Option<String>, Option<String>)> = sqlx::query_as(
            "select language, source from versions where function_id = $1 and version = $2",
        )
        .bind(function.id)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?;
        let (language, source) = row.ok_or_else(|| FunctionError::NoSuchVersion {
            name: name.to_owned(),
            version,
        })?;
        Ok(decode_language(language)?
            .zip(source)
            .map(|(language, source)| Source { language, source }))
    }
}
