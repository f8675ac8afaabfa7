//! Source from the editor over REST: save a function's draft, list the
//! templates, deploy (build the saved draft and make it live), and follow a
//! build by polling or as a live event stream. Every route is scoped to the
//! caller: another user's function or build is a plain 404.

use std::convert::Infallible;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::{get, post};
use fnlab_builds::Template;
use fnlab_functions::{Draft, Source};
use fnlab_usecases::builds::{BuildEvent, BuildStatus, DeployOutcome};
use fnlab_usecases::catalog::SavedDraft;
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{ApiError, ApiJson, AuthUser};
use crate::AppState;

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
async fn templates(State(state): State<AppState>) -> ApiJson<&'static [Template]> {
    ApiJson(state.fnlab.templates())
}

/// A draft as sent: the language is read by the use case, so that an
/// unknown one gets its reason rather than a JSON error.
#[derive(Deserialize)]
pub(super) struct DraftRequest {
    language: String,
    source: String,
}

/// `PUT /functions/{name}` {language, source} → 200 (201 when it created
/// the function) {name, language, saved_at, url}; 422 for an unknown
/// language, a source over the size limit or a bad name.
pub(super) async fn save_draft(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<DraftRequest>,
) -> Result<(StatusCode, ApiJson<SavedDraft>), ApiError> {
    let saved = state
        .fnlab
        .save_draft(&actor, &name, &body.language, body.source)
        .await?;
    let status = if saved.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, ApiJson(saved)))
}

/// `GET /functions/{name}/source` → 200 {language, source, saved_at}; 404
/// when the function has no saved source.
async fn draft(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(name): Path<String>,
) -> Result<ApiJson<Draft>, ApiError> {
    Ok(ApiJson(state.fnlab.draft(&actor, &name).await?))
}

/// `GET /functions/{name}/versions/{version}/source` → 200 {language,
/// source}; 404 for an uploaded component.
async fn version_source(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path((name, version)): Path<(String, i64)>,
) -> Result<ApiJson<Source>, ApiError> {
    let source = state.fnlab.version_source(&actor, &name, version);
    Ok(ApiJson(source.await?))
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
    AuthUser(actor): AuthUser,
    Path(name): Path<String>,
    Query(query): Query<DeployQuery>,
) -> Result<(StatusCode, ApiJson<Value>), ApiError> {
    let wait = query.wait != Some(false);
    Ok(match state.fnlab.deploy(&actor, &name, wait).await? {
        DeployOutcome::Queued { build_id } => (
            StatusCode::ACCEPTED,
            ApiJson(json!({
                "build_id": build_id,
                "state": "queued",
                "status_url": format!("/api/v1/builds/{build_id}"),
            })),
        ),
        DeployOutcome::Live {
            build_id,
            version,
            url,
            build_ms,
        } => (
            StatusCode::CREATED,
            ApiJson(json!({
                "version": version,
                "url": url,
                "build_ms": build_ms,
                "build_id": build_id,
            })),
        ),
    })
}

/// `GET /builds/{id}` → 200 {id, function, state, error, diagnostics, log,
/// version, build_ms, queue_position, …}; 404.
async fn build(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(id): Path<i64>,
) -> Result<ApiJson<BuildStatus>, ApiError> {
    Ok(ApiJson(state.fnlab.build(&actor, id).await?))
}

/// `GET /builds/{id}/events` → a server-sent event stream: `state`
/// {state, queue_position} on each change, `log` {text} as the build
/// prints, and `done` with the whole build (as `GET /builds/{id}`) at the
/// end; 404.
async fn build_events(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(id): Path<i64>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let watch = state.fnlab.watch_build(&actor, id).await?;
    let stream = futures_util::stream::unfold(watch, |mut watch| async move {
        let events = watch.next().await?;
        Some((
            futures_util::stream::iter(events.into_iter().map(|event| Ok(sse(event)))),
            watch,
        ))
    });
    Ok(Sse::new(futures_util::StreamExt::flatten(stream)).keep_alive(KeepAlive::default()))
}

/// One build event as a server-sent event.
fn sse(event: BuildEvent) -> Event {
    match event {
        BuildEvent::State {
            state,
            queue_position,
        } => json_event(
            "state",
            &json!({ "state": state, "queue_position": queue_position }),
        ),
        BuildEvent::Log { text } => json_event("log", &json!({ "text": text })),
        BuildEvent::Done(build) => json_event("done", &build),
    }
}

/// `data` as the JSON of a server-sent event named `name`.
pub(super) fn json_event(name: &str, data: &impl Serialize) -> Event {
    Event::default()
        .event(name)
        .json_data(data)
        .unwrap_or_else(|_| Event::default().event(name))
}
