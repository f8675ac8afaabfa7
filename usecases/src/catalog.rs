//! A user's functions: the list, one function with its versions and
//! draft, the draft itself (saving creates the function), each version's
//! source, limits, rollback, delete, and the latest invocations with what
//! they cost. Every method is scoped to the actor: another user's function
//! is [`Error::NotFound`], exactly like one that does not exist.

use fnlab_builds::{TEMPLATES, Template};
use fnlab_functions::{
    Deployed, Draft, FunctionDetail, FunctionError, FunctionSummary, Language, Limits, Source,
};
use fnlab_metering::query::{Invocation, Position, Search, last_invocations, latest_invocations};
use serde::Serialize;

use crate::{Actor, Error, Fnlab};

/// A function as listed: its summary, public URL and last invocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Listed {
    /// The function.
    #[serde(flatten)]
    pub function: FunctionSummary,
    /// Its public URL.
    pub url: String,
    /// When it last ran, ms since the Unix epoch.
    pub last_invocation_at: Option<i64>,
}

/// A function with its versions, public URL and saved draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Detailed {
    /// The function and its versions, newest first.
    #[serde(flatten)]
    pub detail: FunctionDetail,
    /// Its public URL.
    pub url: String,
    /// The source saved in the editor, if any.
    pub draft: Option<Draft>,
}

/// A draft just saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SavedDraft {
    /// The function's name.
    pub name: String,
    /// The draft's language.
    pub language: Language,
    /// When it was saved, ms since the Unix epoch.
    pub saved_at: i64,
    /// The function's public URL.
    pub url: String,
    /// Whether saving created the function.
    #[serde(skip)]
    pub created: bool,
}

/// A version made live (by a deploy or a rollback).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deployment {
    /// The live version.
    pub version: i64,
    /// The function's public URL.
    pub url: String,
    /// The component it runs.
    pub sha256: String,
    /// For an assignment's function: the checks' results on this version.
    pub checks: Option<fnlab_courses::CheckRun>,
}

/// An invocation with what it cost at list price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PricedInvocation {
    /// The invocation.
    #[serde(flatten)]
    pub invocation: Invocation,
    /// Rounded to whole microdollars (usually 0: one call costs less).
    pub cost_micros: i64,
    /// In picodollars, for the log line.
    pub cost_picos: i64,
}

/// Invocations one call returns when the caller does not say.
pub const DEFAULT_INVOCATIONS: i64 = 50;
/// Most invocations one call returns.
pub const MAX_INVOCATIONS: i64 = 1_000;

impl Fnlab {
    /// The templates a new function can start from.
    pub fn templates(&self) -> &'static [Template] {
        TEMPLATES
    }

    /// The actor's functions, by name.
    pub async fn functions(&self, actor: &Actor) -> Result<Vec<Listed>, Error> {
        let functions = self.inner.functions.list(actor.id).await?;
        let last = last_invocations(&self.inner.pool, actor.id).await?;
        Ok(functions
            .into_iter()
            .map(|function| Listed {
                url: self.function_url(&actor.username, &function.name),
                last_invocation_at: last.get(&function.id).copied(),
                function,
            })
            .collect())
    }

    /// One of the actor's functions with its versions and draft.
    pub async fn function(&self, actor: &Actor, name: &str) -> Result<Detailed, Error> {
        let detail = self.inner.functions.get(actor.id, name).await?;
        let draft = self.inner.functions.draft(actor.id, name).await?;
        Ok(Detailed {
            url: self.function_url(&actor.username, name),
            detail,
            draft,
        })
    }

    /// `name` again if it changed since the caller saw it as it was at
    /// `updated_at` (a deploy, a rollback, new limits), else `None`.
    pub async fn changes(
        &self,
        actor: &Actor,
        name: &str,
        updated_at: i64,
    ) -> Result<Option<Detailed>, Error> {
        let summary = self.inner.functions.summary(actor.id, name).await?;
        if summary.updated_at == updated_at {
            return Ok(None);
        }
        Ok(Some(self.function(actor, name).await?))
    }

    /// Saves source as the draft of `name` (`language` as the API spells
    /// it), creating the function with the default limits when needed.
    pub async fn save_draft(
        &self,
        actor: &Actor,
        name: &str,
        language: &str,
        source: String,
    ) -> Result<SavedDraft, Error> {
        let language: Language =
            language
                .parse()
                .map_err(|e: fnlab_functions::UnknownLanguage| {
                    Error::invalid("language", "unsupported_language", e.to_string())
                })?;
        let created = !self.exists(actor, name).await?;
        self.store_draft(actor, name, Source { language, source }, created)
            .await
    }

    /// Creates function `name` with template `template`'s source as its
    /// draft; a conflict when the actor already has a function so named.
    pub async fn create_function(
        &self,
        actor: &Actor,
        name: &str,
        template: &str,
    ) -> Result<SavedDraft, Error> {
        let template = fnlab_builds::templates::find(template).ok_or_else(|| {
            Error::invalid(
                "template",
                "unknown_template",
                format!("there is no template {template}"),
            )
        })?;
        if self.exists(actor, name).await? {
            return Err(Error::Conflict {
                code: "function_exists",
                message: format!("you already have a function called {name}"),
            });
        }
        let source = Source {
            language: template.language,
            source: template.source.into(),
        };
        self.store_draft(actor, name, source, true).await
    }

    /// Whether the actor has a function called `name`.
    async fn exists(&self, actor: &Actor, name: &str) -> Result<bool, Error> {
        match self.inner.functions.summary(actor.id, name).await {
            Ok(_) => Ok(true),
            Err(FunctionError::NotFound) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Saves `source` as `name`'s draft (`created` says whether that makes
    /// the function), if it fits the actor's storage quota.
    async fn store_draft(
        &self,
        actor: &Actor,
        name: &str,
        source: Source,
        created: bool,
    ) -> Result<SavedDraft, Error> {
        let replaced = if created {
            None
        } else {
            self.inner.functions.draft(actor.id, name).await?
        };
        let old = replaced.map_or(0, |draft| draft.source.source.len());
        let adding = source.source.len() as i64 - old as i64;
        self.check_storage(actor.id, "this source", adding).await?;
        let draft = self
            .inner
            .functions
            .save_draft(actor.id, name, &source, self.inner.settings.ceilings)
            .await?;
        Ok(SavedDraft {
            url: self.function_url(&actor.username, name),
            name: name.to_owned(),
            language: source.language,
            saved_at: draft.saved_at,
            created,
        })
    }

    /// The saved draft of `name`; missing when it has none (an uploaded
    /// component).
    pub async fn draft(&self, actor: &Actor, name: &str) -> Result<Draft, Error> {
        self.inner
            .functions
            .draft(actor.id, name)
            .await?
            .ok_or_else(|| Error::Missing(format!("function {name} has no saved source")))
    }

    /// The source version `version` of `name` was built from; missing for
    /// an uploaded component.
    pub async fn version_source(
        &self,
        actor: &Actor,
        name: &str,
        version: i64,
    ) -> Result<Source, Error> {
        self.inner
            .functions
            .version_source(actor.id, name, version)
            .await?
            .ok_or_else(|| {
                Error::Missing(format!(
                    "version {version} of {name} was uploaded as a component: it has no source"
                ))
            })
    }

    /// Changes the limits of `name` and whether each of its requests gets
    /// a fresh instance (each one left out stays); invalid above the
    /// server's ceilings.
    pub async fn set_limits(
        &self,
        actor: &Actor,
        name: &str,
        timeout_ms: Option<i64>,
        memory_mb: Option<i64>,
        fresh_instances: Option<bool>,
    ) -> Result<FunctionSummary, Error> {
        let current = self.inner.functions.summary(actor.id, name).await?;
        let limits = Limits {
            timeout_ms: timeout_ms.unwrap_or(current.limits.timeout_ms),
            memory_mb: memory_mb.unwrap_or(current.limits.memory_mb),
        };
        self.check_limits(limits)?;
        let summary = self
            .inner
            .functions
            .set_limits(
                actor.id,
                name,
                limits,
                fresh_instances.unwrap_or(current.fresh_instances),
            )
            .await?;
        self.inner.live.forget(summary.id);
        Ok(summary)
    }

    /// Limits within the server's ceilings, or why not.
    fn check_limits(&self, limits: Limits) -> Result<(), Error> {
        let ceiling = self.inner.settings.ceilings;
        let out_of_range = |what: &str, max: i64| {
            Error::from(FunctionError::InvalidLimits(format!(
                "{what} must be between 1 and {max}"
            )))
        };
        if !(1..=ceiling.timeout_ms).contains(&limits.timeout_ms) {
            return Err(out_of_range("timeout_ms", ceiling.timeout_ms));
        }
        if !(1..=ceiling.memory_mb).contains(&limits.memory_mb) {
            return Err(out_of_range("memory_mb", ceiling.memory_mb));
        }
        Ok(())
    }

    /// Makes `version` of `name` live again.
    pub async fn rollback(
        &self,
        actor: &Actor,
        name: &str,
        version: i64,
    ) -> Result<Deployment, Error> {
        let deployed = self
            .inner
            .functions
            .rollback(actor.id, name, version)
            .await?;
        self.went_live(actor, name, deployed).await
    }

    /// What the gateway and the caller learn when `deployed` went live.
    pub(crate) async fn went_live(
        &self,
        actor: &Actor,
        name: &str,
        deployed: Deployed,
    ) -> Result<Deployment, Error> {
        self.inner.live.forget(deployed.function_id);
        Ok(Deployment {
            version: deployed.version,
            url: self.function_url(&actor.username, name),
            sha256: deployed.sha256,
            checks: self
                .version_checks(actor.id, name, deployed.version)
                .await?,
        })
    }

    /// Deletes `name` and its versions, then the components no version
    /// refers to any more (another user's may run the same bytes); its
    /// invocation records stay, for billing.
    pub async fn delete(&self, actor: &Actor, name: &str) -> Result<(), Error> {
        let function_id = self.inner.functions.delete(actor.id, name).await?;
        self.inner.live.forget(function_id);
        self.collect_components().await;
        Ok(())
    }

    /// The latest `limit` invocations of `name` (1 to [`MAX_INVOCATIONS`],
    /// default [`DEFAULT_INVOCATIONS`]) that `search` wants, newest first,
    /// with their logs and cost.
    pub async fn invocations(
        &self,
        actor: &Actor,
        name: &str,
        search: &Search,
        limit: Option<i64>,
    ) -> Result<Vec<PricedInvocation>, Error> {
        let limit = limit.unwrap_or(DEFAULT_INVOCATIONS);
        if !(1..=MAX_INVOCATIONS).contains(&limit) {
            return Err(Error::invalid(
                "limit",
                "invalid_limit",
                format!("limit must be between 1 and {MAX_INVOCATIONS}"),
            ));
        }
        let function = self.inner.functions.summary(actor.id, name).await?;
        let prices = &self.inner.pricing.prices;
        let invocations =
            latest_invocations(&self.inner.pool, actor.id, function.id, search, limit).await?;
        Ok(invocations
            .into_iter()
            .map(|invocation| {
                let usage = invocation.record.usage();
                PricedInvocation {
                    cost_micros: prices.gross_micros(&usage),
                    cost_picos: prices.gross_picos(&usage),
                    invocation,
                }
            })
            .collect())
    }

    /// [`Fnlab::invocations`], and the cursor of the next page when this
    /// one is full.
    pub async fn search_invocations(
        &self,
        actor: &Actor,
        name: &str,
        search: &Search,
        limit: Option<i64>,
    ) -> Result<(Vec<PricedInvocation>, Option<String>), Error> {
        let found = self.invocations(actor, name, search, limit).await?;
        let full = found.len() as i64 == limit.unwrap_or(DEFAULT_INVOCATIONS);
        let next = found
            .last()
            .filter(|_| full)
            .map(|last| Position::of(&last.invocation).cursor());
        Ok((found, next))
    }
}

/// A search of a function's invocations, from what a caller asked: `text`
/// in their logs or request id, `status` a code (`404`) or a class
/// (`4xx`), started in `[from, to)` (ms since the epoch), continuing after
/// `cursor`; [`Error::Invalid`] for a status or cursor it cannot read.
pub fn search(
    after: Option<i64>,
    text: Option<String>,
    status: Option<&str>,
    (from_ms, to_ms): (Option<i64>, Option<i64>),
    cursor: Option<&str>,
) -> Result<Search, Error> {
    let status = status.map(status_range).transpose()?;
    let before = cursor
        .map(|cursor| {
            Position::parse(cursor).ok_or_else(|| {
                Error::invalid(
                    "cursor",
                    "invalid_cursor",
                    "cursor must be one a previous page gave (fnlab-next-cursor)",
                )
            })
        })
        .transpose()?;
    Ok(Search {
        after,
        text: text.filter(|text| !text.is_empty()),
        status,
        from_ms,
        to_ms,
        before,
    })
}

/// The statuses a caller means by `status`: a code (`404`) as `[404, 405)`,
/// a class (`4xx`) as `[400, 500)`; [`Error::Invalid`] for anything else.
pub fn status_range(status: &str) -> Result<(i64, i64), Error> {
    let class = status
        .strip_suffix("xx")
        .and_then(|digit| digit.parse::<i64>().ok())
        .filter(|digit| (1..=5).contains(digit))
        .map(|digit| (digit * 100, digit * 100 + 100));
    let code = status
        .parse::<i64>()
        .ok()
        .filter(|code| (100..600).contains(code))
        .map(|code| (code, code + 1));
    class.or(code).ok_or_else(|| {
        Error::invalid(
            "status",
            "invalid_status",
            format!("status must be a code such as 404 or a class such as 4xx, not {status:?}"),
        )
    })
}
