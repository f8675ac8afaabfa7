//! A function's log, live: `GET /functions/{name}/logs/tail` streams its
//! invocations as they end, on any node (server-sent events).

use std::convert::Infallible;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use fnlab_usecases::tail::{TailEvent, TailFilter};
use futures_util::Stream;
use serde::Deserialize;
use serde_json::json;

use super::builds::json_event;
use super::{ApiError, AuthUser};
use crate::AppState;

/// The `/api/v1` routes of this module.
pub fn router() -> Router<AppState> {
    Router::new().route("/functions/{name}/logs/tail", get(tail))
}

#[derive(Deserialize)]
struct TailQuery {
    status: Option<String>,
    outcome: Option<String>,
    q: Option<String>,
}

/// `GET /functions/{name}/logs/tail?status=&outcome=&q=` → a server-sent
/// event stream: `ready` {function} once it follows, then `invocation`
/// {request_id, started_at, trigger, method, path, status, outcome,
/// wall_us, cpu_us, peak_memory_bytes, cost_micros, stdout, stderr, …}
/// for each invocation that ends from then on, on any node, and
/// `skipped` {count} when a burst was sampled (at most 50 shown a
/// second). Filters: `status` a code (`404`) or a class (`5xx`),
/// `outcome` (`ok`, `timeout`, `trap`…), `q` text in the logs, path or
/// request id. 404 for a function that is not the caller's; 422 for a
/// status it cannot read; 429 past 16 open tails.
async fn tail(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(name): Path<String>,
    Query(query): Query<TailQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let filter = TailFilter {
        status: query
            .status
            .as_deref()
            .map(fnlab_usecases::catalog::status_range)
            .transpose()?,
        outcome: query.outcome.filter(|outcome| !outcome.is_empty()),
        text: query.q.filter(|text| !text.is_empty()),
    };
    let tail = state.fnlab.tail(&actor, &name, filter).await?;
    let ready = json_event("ready", &json!({ "function": name }));
    let events = futures_util::stream::unfold(tail, |mut tail| async move {
        let event = match tail.next().await {
            TailEvent::Invocation(invocation) => json_event("invocation", &invocation),
            TailEvent::Skipped(count) => json_event("skipped", &json!({ "count": count })),
        };
        Some((Ok(event), tail))
    });
    let ready = futures_util::stream::iter([Ok::<_, Infallible>(ready)]);
    let stream = futures_util::StreamExt::chain(ready, events);
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
