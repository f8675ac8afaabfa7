//! Public functions and forks: an owner makes a function's source public
//! (with a description); anyone then reads it by its owner's username and
//! its name, and a signed-in user copies it into their own account as a
//! fork that remembers where it came from.

use sqlx::Row;

use crate::model::{Limits, Source};
use crate::store::decode_language;
use crate::{FunctionError, Functions, check_source, validate_name};

/// Longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 500;

/// A function as its public page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedFunction {
    /// Its id.
    pub id: i64,
    /// Its owner's id.
    pub user_id: i64,
    /// Its owner's username.
    pub user: String,
    /// Its name.
    pub name: String,
    /// Whether its owner made it public.
    pub public: bool,
    /// What its owner says it does.
    pub description: String,
    /// The source of its live version, or its saved draft when nothing
    /// is live; `None` for a function deployed as a component only.
    pub source: Option<Source>,
    /// Whether it has a live version (its URL answers).
    pub live: bool,
    /// How many functions were forked from it.
    pub forks: i64,
    /// `user/function` it was forked from, if it was.
    pub forked_from: Option<String>,
}

/// A new fork: what it copies from its original.
#[derive(Debug, Clone)]
pub struct NewFork<'a> {
    /// The fork's name in its owner's account.
    pub name: &'a str,
    /// The original's source, as the fork's draft.
    pub source: &'a Source,
    /// The original's description.
    pub description: &'a str,
    /// The original, and its name as `user/function`; `None` for a copy
    /// of something else (an assignment's starter code).
    pub from: Option<(i64, &'a str)>,
}

impl Functions {
    /// Makes `user_id`'s function `name` public or private, with
    /// `description` when given (else the one it has).
    pub async fn set_sharing(
        &self,
        user_id: i64,
        name: &str,
        public: bool,
        description: Option<&str>,
    ) -> Result<(), FunctionError> {
        if let Some(text) = description {
            check_description(text)?;
        }
        let changed = sqlx::query(
            "update functions set public = $3, description = coalesce($4, description) \
             where user_id = $1 and name = $2",
        )
        .bind(user_id)
        .bind(name)
        .bind(i64::from(public))
        .bind(description)
        .execute(&self.pool)
        .await?;
        if changed.rows_affected() == 0 {
            return Err(FunctionError::NotFound);
        }
        Ok(())
    }

    /// Function `name` of user `username`, public or not (the caller
    /// decides who may see a private one).
    pub async fn shared(
        &self,
        username: &str,
        name: &str,
    ) -> Result<SharedFunction, FunctionError> {
        let row = sqlx::query(
            "select f.function_id, f.user_id, u.username, f.name, f.public, f.description, \
                    f.live_version, f.forked_from, \
                    coalesce(v.language, f.language), coalesce(v.source, f.source), \
                    (select count(*) from functions c where c.forked_from_id = f.function_id) \
             from functions f join users u on u.user_id = f.user_id \
             left join versions v on v.function_id = f.function_id and v.version = f.live_version \
             where u.username = $1 and f.name = $2",
        )
        .bind(username)
        .bind(name)
        .fetch_all(&self.pool)
        .await?
        .pop()
        .ok_or(FunctionError::NotFound)?;
        let language = decode_language(row.try_get(8)?)?;
        let source: Option<String> = row.try_get(9)?;
        Ok(SharedFunction {
            id: row.try_get(0)?,
            user_id: row.try_get(1)?,
            user: row.try_get(2)?,
            name: row.try_get(3)?,
            public: row.try_get::<i64, _>(4)? != 0,
            description: row.try_get(5)?,
            live: row.try_get::<Option<i64>, _>(6)?.is_some(),
            forked_from: row.try_get(7)?,
            source: language
                .zip(source)
                .map(|(language, source)| Source { language, source }),
            forks: row.try_get(10)?,
        })
    }

    /// Creates `user_id`'s function `fork.name` (with `limits`, and no live
    /// version yet) as a fork; its id. `None` when the user already has a
    /// function of that name: nothing is changed then.
    pub async fn create_fork(
        &self,
        user_id: i64,
        fork: &NewFork<'_>,
        limits: Limits,
    ) -> Result<Option<i64>, FunctionError> {
        validate_name(fork.name)?;
        check_source(fork.source)?;
        let now = fnlab_db::now_ms();
        let created: Option<i64> = sqlx::query_scalar(
            "insert into functions (user_id, name, timeout_ms, memory_mb, created_at, updated_at, \
             language, source, source_saved_at, description, forked_from_id, forked_from) \
             values ($1, $2, $3, $4, $5, $5, $6, $7, $5, $8, $9, $10) \
             on conflict (user_id, name) do nothing returning function_id",
        )
        .bind(user_id)
        .bind(fork.name)
        .bind(limits.timeout_ms)
        .bind(limits.memory_mb)
        .bind(now)
        .bind(fork.source.language.as_str())
        .bind(&fork.source.source)
        .bind(fork.description)
        .bind(fork.from.map(|(id, _)| id))
        .bind(fork.from.map(|(_, name)| name))
        .fetch_all(&self.pool)
        .await?
        .pop();
        Ok(created)
    }
}

/// A description within [`MAX_DESCRIPTION_CHARS`].
fn check_description(text: &str) -> Result<(), FunctionError> {
    let chars = text.chars().count();
    if chars > MAX_DESCRIPTION_CHARS {
        return Err(FunctionError::InvalidDescription(format!(
            "a description is at most {MAX_DESCRIPTION_CHARS} characters; this one is {chars}"
        )));
    }
    Ok(())
}
