//! A function's log, live: `GET /functions/{name}/logs/tail` streams its
//! invocations as they end, on any node (server-sent events).

use std::convert::Infallible;

use axum::extract::{Path, Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use fnlab_usecases::tail::{TailEvent, TailFilter};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::builds::json_event;
use super::error::ErrorBody;
use super::{ApiError, AuthUser};
use crate::AppState;

/// The `/api/v1` routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(tail))
}

/// Which invocations to show.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct TailQuery {
    /// A status (`404`) or a class (`5xx`).
    status: Option<String>,
    /// An outcome: `ok`, `timeout`, `trap`…
    outcome: Option<String>,
    /// Text in the logs, the path or the request id.
    q: Option<String>,
}

/// The data of the `ready` event: the tail follows the function.
#[derive(Serialize, ToSchema)]
pub(super) struct Ready {
    /// The function's name.
    function: String,
}

/// The data of a `skipped` event: a burst was sampled.
#[derive(Serialize, ToSchema)]
pub(super) struct Skipped {
    /// How many invocations were left out.
    count: u64,
}

/// Follows a function's log live, as server-sent events.
///
/// `ready` ([Ready]) once it follows, then `invocation`
/// ([TailedInvocation]) for each invocation that ends from then on, on any
/// node, and `skipped` ([Skipped]) when a burst was sampled (at most 50
/// shown a second).
#[utoipa::path(
    get,
    path = "/functions/{name}/logs/tail",
    operation_id = "tail_log",
    tag = "functions",
    security(("token" = []), ("session" = [])),
    params(("name" = String, Path, description = "The function's name."), TailQuery),
    responses(
        (status = 200, description = "The event stream: `ready`, then `invocation` and `skipped`.", content_type = "text/event-stream", body = String),
        (status = 404, description = "No such function of the caller's (`not_found`).", body = ErrorBody),
        (status = 422, description = "A `status` it cannot read (`invalid_status`).", body = ErrorBody),
        (status = 429, description = "Past 16 open tails (`too_many_requests`).", body = ErrorBody),
    ),
)]
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
    let ready = json_event("ready", &Ready { function: name });
    let events = futures_util::stream::unfold(tail, |mut tail| async move {
        let event = match tail.next().await {
            TailEvent::Invocation(invocation) => json_event("invocation", &invocation),
            TailEvent::Skipped(count) => json_event("skipped", &Skipped { count }),
        };
        Some((Ok(event), tail))
    });
    let ready = futures_util::stream::iter([Ok::<_, Infallible>(ready)]);
    let stream = futures_util::StreamExt::chain(ready, events);
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
