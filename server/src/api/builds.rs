//! Source from the editor over REST: save a function's draft, list the
//! templates, deploy (build the saved draft and make it live), and follow a
//! build by polling or as a live event stream. Every route is scoped to the
//! caller: another user's function or build is a plain 404.

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::{get, post};
use fnlab_builds::{BuildInfo, BuildState, Language, MAX_SOURCE_BYTES, TEMPLATES, Template};
use fnlab_functions::{Draft, FunctionError, Source};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{ApiError, ApiJson, AuthUser, BuildFailure};
use crate::AppState;

/// How often a waiting deploy or an event stream looks at its build.
const WATCH_EVERY: Duration = Duration::from_millis(100);

/// The `/api/v1` routes of this module (`PUT /functions/{name}` is routed
/// by the functions module, beside the path's other methods).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/templates", get(templates))
        .route("/functions/{name}/source", get(draft))
        .route(
            "/functions/{name}/versions/{version}/source",
            get(version_source),
        )
        .route("/functions/{name}/deploy", post(deploy))
        .route("/builds/{id}", get(build))
        .route("/builds/{id}/events", get(build_events))
}

/// `GET /templates` → 200 [{id, name, language, description, source}].
async fn templates() -> ApiJson<&'static [Template]> {
    ApiJson(TEMPLATES)
}

/// What saving a draft answers.
#[derive(Serialize)]
pub(super) struct SavedDraft {
    name: String,
    language: String,
    saved_at: i64,
    url: String,
}

/// `PUT /functions/{name}` {language, source} → 200 (201 when it created
/// the function) {name, language, saved_at, url}; 422 for an unknown
/// language, a source over the size limit or a bad name.
pub(super) async fn save_draft(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<Source>,
) -> Result<(StatusCode, ApiJson<SavedDraft>), ApiError> {
    language(&body.language)?;
    if body.source.len() > MAX_SOURCE_BYTES {
        return Err(ApiError::Unprocessable {
            code: "source_too_large",
            message: format!(
                "the source is {} KiB; the limit is {} KiB",
                body.source.len() >> 10,
                MAX_SOURCE_BYTES >> 10
            ),
        });
    }
    let existed = match state.functions.summary(user.id, &name).await {
        Ok(_) => true,
        Err(FunctionError::NotFound) => false,
        Err(e) => return Err(e.into()),
    };
    let draft = state
        .functions
        .save_draft(user.id, &name, &body, state.config.default_limits())
        .await?;
    let status = if existed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        ApiJson(SavedDraft {
            url: state.config.function_url(&user.username, &name),
            name,
            language: draft.source.language,
            saved_at: draft.saved_at,
        }),
    ))
}

/// The language named in a request, or 422 naming the ones Fnlab builds.
fn language(name: &str) -> Result<Language, ApiError> {
    Language::parse(name).ok_or_else(|| ApiError::Unprocessable {
        code: "unsupported_language",
        message: format!(
            "Fnlab cannot build {name:?}; the languages it builds are: {}",
            Language::ALL.map(Language::as_str).join(", ")
        ),
    })
}

/// `GET /functions/{name}/source` → 200 {language, source, saved_at}; 404
/// when the function has no saved source.
async fn draft(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(name): Path<String>,
) -> Result<ApiJson<Draft>, ApiError> {
    state
        .functions
        .draft(user.id, &name)
        .await?
        .map(ApiJson)
        .ok_or_else(|| ApiError::NotFoundBecause(format!("function {name} has no saved source")))
}

/// `GET /functions/{name}/versions/{version}/source` → 200 {language,
/// source}; 404 for an uploaded component.
async fn version_source(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path((name, version)): Path<(String, i64)>,
) -> Result<ApiJson<Source>, ApiError> {
    state
        .functions
        .version_source(user.id, &name, version)
        .await?
        .map(ApiJson)
        .ok_or_else(|| {
            ApiError::NotFoundBecause(format!(
                "version {version} of {name} was uploaded as a component: it has no source"
            ))
        })
}

#[derive(Deserialize)]
struct DeployQuery {
    wait: Option<bool>,
}

/// `POST /functions/{name}/deploy[?wait=false]` builds the saved source.
/// Waiting (the default): 201 {version, url, build_ms, build_id} once live;
/// 422 {error, diagnostics, build_id} when the build fails (the live
/// version stays). With `wait=false`: 202 {build_id} at once.
async fn deploy(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(name): Path<String>,
    Query(query): Query<DeployQuery>,
) -> Result<(StatusCode, ApiJson<Value>), ApiError> {
    let function = state.functions.summary(user.id, &name).await?;
    let draft = state
        .functions
        .draft(user.id, &name)
        .await?
        .ok_or_else(|| ApiError::Unprocessable {
            code: "no_source",
            message: format!(
                "function {name} has no saved source: save it first with PUT /api/v1/functions/{name}"
            ),
        })?;
    let id = state
        .builds
        .enqueue(
            user.id,
            function.id,
            language(&draft.source.language)?,
            &draft.source.source,
        )
        .await?;
    state.build_signal.queued();
    let queued = (
        StatusCode::ACCEPTED,
        ApiJson(
            json!({ "build_id": id, "state": "queued", "status_url": format!("/api/v1/builds/{id}") }),
        ),
    );
    if query.wait == Some(false) {
        return Ok(queued);
    }
    // Wait for the build's own limit, plus room for builds queued before it;
    // past that, answer as if not waiting.
    let patience = Duration::from_secs(state.config.build_timeout_secs) + Duration::from_secs(300);
    let Ok(build) = tokio::time::timeout(patience, finished(&state, user.id, id)).await else {
        return Ok(queued);
    };
    let build = build?;
    match (build.state, build.error) {
        (BuildState::Live, _) => Ok((
            StatusCode::CREATED,
            ApiJson(json!({
                "version": build.version,
                "url": state.config.function_url(&user.username, &name),
                "build_ms": build.build_ms,
                "build_id": id,
            })),
        )),
        (_, error) => {
            let error =
                error.ok_or_else(|| ApiError::Internal("a failed build has no reason".into()))?;
            Err(ApiError::BuildFailed(BuildFailure {
                build_id: id,
                code: error.code,
                message: error.message,
                diagnostics: build.diagnostics,
            }))
        }
    }
}

/// Waits until build `id` is over.
async fn finished(state: &AppState, user_id: i64, id: i64) -> Result<BuildInfo, ApiError> {
    loop {
        let build = state
            .builds
            .get(user_id, id)
            .await?
            .ok_or(ApiError::NotFound)?;
        if build.state.is_done() {
            return Ok(build);
        }
        tokio::time::sleep(WATCH_EVERY).await;
    }
}

/// A build with how many builds wait before it.
#[derive(Serialize)]
struct BuildView {
    #[serde(flatten)]
    build: BuildInfo,
    queue_position: i64,
}

/// `GET /builds/{id}` → 200 {id, function, state, error, diagnostics, log,
/// version, build_ms, queue_position, …}; 404.
async fn build(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i64>,
) -> Result<ApiJson<BuildView>, ApiError> {
    let build = state
        .builds
        .get(user.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let queue_position = match build.state {
        BuildState::Queued => state.builds.position(id).await?,
        _ => 0,
    };
    Ok(ApiJson(BuildView {
        build,
        queue_position,
    }))
}

/// `GET /builds/{id}/events` → a server-sent event stream: `state`
/// {state, queue_position} on each change, `log` {text} as the build
/// prints, and `done` with the whole build (as `GET /builds/{id}`) at the
/// end; 404.
async fn build_events(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i64>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    state
        .builds
        .get(user.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let watch = Watch {
        state,
        user_id: user.id,
        id,
        sent_state: None,
        sent_log: 0,
        over: false,
    };
    let stream = futures_util::stream::unfold(watch, |mut watch| async move {
        let events = watch.next().await?;
        Some((
            futures_util::stream::iter(events.into_iter().map(Ok)),
            watch,
        ))
    });
    Ok(Sse::new(futures_util::StreamExt::flatten(stream)).keep_alive(KeepAlive::default()))
}

/// What an event stream has sent of one build.
struct Watch {
    state: AppState,
    user_id: i64,
    id: i64,
    sent_state: Option<(BuildState, i64)>,
    sent_log: usize,
    over: bool,
}

impl Watch {
    /// The next events, waiting until there are some; `None` once the
    /// stream is over.
    async fn next(&mut self) -> Option<Vec<Event>> {
        if self.over {
            return None;
        }
        loop {
            let build = match self.state.builds.get(self.user_id, self.id).await {
                Ok(Some(build)) => build,
                Ok(None) | Err(_) => return None,
            };
            let position = match build.state {
                BuildState::Queued => self.state.builds.position(self.id).await.unwrap_or(0),
                _ => 0,
            };
            let mut events = Vec::new();
            if self.sent_state != Some((build.state, position)) {
                self.sent_state = Some((build.state, position));
                events.push(json_event(
                    "state",
                    &json!({ "state": build.state, "queue_position": position }),
                ));
            }
            if build.log.len() > self.sent_log {
                let text = build.log.get(self.sent_log..).unwrap_or_default();
                events.push(json_event("log", &json!({ "text": text })));
                self.sent_log = build.log.len();
            }
            if build.state.is_done() {
                self.over = true;
                let view = BuildView {
                    build,
                    queue_position: 0,
                };
                events.push(json_event("done", &view));
            }
            if !events.is_empty() {
                return Some(events);
            }
            tokio::time::sleep(WATCH_EVERY).await;
        }
    }
}

fn json_event(name: &str, data: &impl Serialize) -> Event {
    Event::default()
        .event(name)
        .json_data(data)
        .unwrap_or_else(|_| Event::default().event(name))
}
