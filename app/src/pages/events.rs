//! The function page's Events section: send the function an event (an
//! asynchronous invocation), and watch its queue: each event's state
//! (queued, running, retrying, done, dead), attempts, payload and last
//! error, with Replay for a dead letter and Delete, and how many attempts
//! an event gets before it is dead. It refreshes every two seconds, so
//! retries show as they happen.

use fnlab_triggers::QueuedEvent;
use leptos::prelude::*;

use super::{Table, ticker};
use crate::events::{
    DeleteEvent, ReplayEvent, SendEvent, SetEventConfig, get_event_config, get_events,
};
use crate::format::utc_time;

/// How often the section asks for the queue.
const REFRESH: std::time::Duration = std::time::Duration::from_secs(2);

/// The event queue of function `name`.
#[component]
pub fn EventsPanel(
    /// The function.
    name: String,
) -> impl IntoView {
    let send = ServerAction::<SendEvent>::new();
    let replay = ServerAction::<ReplayEvent>::new();
    let delete = ServerAction::<DeleteEvent>::new();
    let configure = ServerAction::<SetEventConfig>::new();
    let config_name = name.clone();
    let config = Resource::new(
        move || configure.version().get(),
        move |_| get_event_config(config_name.clone()),
    );
    let tick = ticker(REFRESH);
    let function = name.clone();
    let events = Resource::new(
        move || {
            let versions = [send.version(), replay.version(), delete.version()];
            (versions.map(|v| v.get()), tick.get())
        },
        move |_| get_events(function.clone()),
    );
    let error = move || {
        let failed = |result: Option<Result<(), crate::error::AppError>>| result?.err();
        failed(send.value().get())
            .or_else(|| failed(replay.value().get()))
            .or_else(|| failed(delete.value().get()))
            .or_else(|| failed(configure.value().get()))
    };
    let (list_name, configure_name) = (name.clone(), name.clone());
    view! {
        <section class="events" data-testid="events">
            <h2>"Events"</h2>
            <p class="muted">
                "Send the function an event to run later (an asynchronous invocation): it is stored, then delivered as a "
                <code>"POST /"</code> " with " <code>"fnlab-trigger: event"</code>
                " (a Lambda-style handler receives an SQS event), one at a time. A failure (a 5xx, a crash, a timeout) is retried after a growing wait, then the event is dead until you replay it."
            </p>
            <ActionForm action=send>
                <input type="hidden" name="name" value=name.clone() />
                <div class="inline-form">
                    <textarea name="payload" rows="2" class="mono" aria-label="Event payload" spellcheck="false">"{\"order\": 1}"</textarea>
                    <button type="submit" class="primary">"Queue event"</button>
                </div>
            </ActionForm>
            <ActionForm action=configure>
                <input type="hidden" name="name" value=configure_name />
                <div class="inline-form" data-testid="event-attempts">
                    <label for="max-attempts">"Attempts before a dead letter"</label>
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            let config = config.await.ok();
                            let value = config.filter(|c| !c.server_default).map(|c| c.max_attempts.to_string());
                            let default = config.map(|c| c.max_attempts.to_string()).unwrap_or_default();
                            view! {
                                <input id="max-attempts" name="max_attempts" type="number" min="1" max="10"
                                    value=value placeholder=format!("{default} (server default)") />
                            }
                        })}
                    </Transition>
                    <button type="submit" class="secondary">"Save"</button>
                </div>
            </ActionForm>
            {move || error().map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || {
                    let name = list_name.clone();
                    Suspend::new(async move {
                        match events.await {
                            Ok(list) if list.is_empty() => {
                                view! { <p class="empty" data-testid="no-events">"No events yet."</p> }.into_any()
                            }
                            Ok(list) => view! { <EventTable name list replay delete /> }.into_any(),
                            Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                        }
                    })
                }}
            </Transition>
        </section>
    }
}

#[component]
fn EventTable(
    name: String,
    list: Vec<QueuedEvent>,
    replay: ServerAction<ReplayEvent>,
    delete: ServerAction<DeleteEvent>,
) -> impl IntoView {
    let rows = list
        .into_iter()
        .map(|event| {
            let replayable = matches!(event.state.as_str(), "dead" | "done");
            let (replay_name, replay_id) = (name.clone(), event.event_id.clone());
            let (delete_name, delete_id) = (name.clone(), event.event_id.clone());
            let retry = event
                .next_attempt_at
                .map(|at| format!(" · next try {}", utc_time(at)));
            view! {
                <tr data-testid="event" data-event=event.event_id.clone()>
                    <td>{utc_time(event.created_at)}<p class="muted">{event.source.clone()}</p></td>
                    <td>
                        <span class=format!("run-state {}", event.state) data-role="event-state">{event.state.clone()}</span>
                        <p class="muted" data-role="attempts">{attempts(event.attempts)}{retry}</p>
                    </td>
                    <td><pre class="log event-payload">{event.payload.clone()}</pre></td>
                    <td class="error" data-role="last-error">{event.last_error.clone()}</td>
                    <td class="actions">
                        {replayable.then(|| view! {
                            <ActionForm action=replay>
                                <input type="hidden" name="name" value=replay_name />
                                <input type="hidden" name="id" value=replay_id />
                                <button type="submit" class="secondary">"Replay"</button>
                            </ActionForm>
                        })}
                        <ActionForm action=delete>
                            <input type="hidden" name="name" value=delete_name />
                            <input type="hidden" name="id" value=delete_id />
                            <button type="submit" class="danger">"Delete"</button>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Table testid="event-list" columns=&["Sent", "State", "Payload", "Last error", ""]>
            {rows}
        </Table>
    }
}

/// "1 attempt", "3 attempts".
fn attempts(n: i64) -> String {
    if n == 1 {
        "1 attempt".to_owned()
    } else {
        format!("{n} attempts")
    }
}
