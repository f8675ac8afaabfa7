//! The function page's Schedules section: each schedule in words with its
//! next five runs and its last run, buttons to run it now, pause or
//! resume it and delete it, and a form to add one. It refreshes every
//! two seconds, so a run shows up as it happens.

use fnlab_triggers::{Schedule, ScheduleRun};
use leptos::prelude::*;

use super::{Table, ticker};
use crate::format::utc_time;
use crate::schedules::{AddSchedule, DeleteSchedule, PauseSchedule, RunSchedule, get_schedules};

/// How often the section asks for its schedules' runs.
const REFRESH: std::time::Duration = std::time::Duration::from_secs(2);

/// The actions of the section, shared by every row.
#[derive(Clone, Copy)]
struct Actions {
    pause: ServerAction<PauseSchedule>,
    run: ServerAction<RunSchedule>,
    delete: ServerAction<DeleteSchedule>,
}

/// The schedules of function `name`.
#[component]
pub fn SchedulesPanel(
    /// The function.
    name: String,
) -> impl IntoView {
    let add = ServerAction::<AddSchedule>::new();
    let actions = Actions {
        pause: ServerAction::new(),
        run: ServerAction::new(),
        delete: ServerAction::new(),
    };
    let tick = ticker(REFRESH);
    let function = name.clone();
    let schedules = Resource::new(
        move || {
            let versions = [
                add.version(),
                actions.pause.version(),
                actions.run.version(),
            ];
            (
                versions.map(|v| v.get()),
                actions.delete.version().get(),
                tick.get(),
            )
        },
        move |_| get_schedules(function.clone()),
    );
    let error = move || {
        let failed = |result: Option<Result<(), crate::error::AppError>>| result?.err();
        failed(add.value().get())
            .or_else(|| failed(actions.pause.value().get()))
            .or_else(|| failed(actions.run.value().get()))
            .or_else(|| failed(actions.delete.value().get()))
    };
    let list_name = name.clone();
    view! {
        <section class="schedules" data-testid="schedules">
            <h2>"Schedules"</h2>
            <p class="muted">
                "Run this function on a cron schedule: five fields (minute, hour, day of month, month, day of week) such as "
                <code>"*/5 * * * *"</code> ", or " <code>"@hourly"</code> ", " <code>"@daily"</code> ", "
                <code>"@weekly"</code> ". Each run is a " <code>"POST /"</code> " with " <code>"fnlab-trigger: schedule"</code>
                "; a Lambda-style handler receives an EventBridge scheduled event. Runs appear in the log below."
            </p>
            <ActionForm action=add>
                <input type="hidden" name="name" value=name.clone() />
                <div class="inline-form">
                    <input name="cron" required maxlength="120" class="mono" placeholder="*/5 * * * *"
                        aria-label="Cron expression" autocomplete="off" />
                    <input name="timezone" maxlength="64" placeholder="UTC" aria-label="Time zone"
                        title="An IANA time zone, such as Europe/Paris" autocomplete="off" />
                    <button type="submit" class="primary">"Add schedule"</button>
                </div>
            </ActionForm>
            {move || error().map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || {
                    let name = list_name.clone();
                    Suspend::new(async move {
                        match schedules.await {
                            Ok(list) if list.is_empty() => {
                                view! { <p class="empty" data-testid="no-schedules">"No schedules yet."</p> }.into_any()
                            }
                            Ok(list) => view! { <ScheduleTable name list actions /> }.into_any(),
                            Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                        }
                    })
                }}
            </Transition>
        </section>
    }
}

/// One row per schedule.
#[component]
fn ScheduleTable(name: String, list: Vec<Schedule>, actions: Actions) -> impl IntoView {
    let rows = list
        .into_iter()
        .map(|schedule| view! { <ScheduleRow name=name.clone() schedule actions /> })
        .collect_view();
    view! {
        <Table testid="schedule-list" columns=&["Schedule", "Next runs", "Last run", ""]>
            {rows}
        </Table>
    }
}

#[component]
fn ScheduleRow(name: String, schedule: Schedule, actions: Actions) -> impl IntoView {
    let state = match (&schedule.paused_reason, schedule.paused) {
        (Some(reason), _) => {
            Some(view! { <p class="error" data-role="paused">{reason.clone()}</p> }.into_any())
        }
        (None, true) => Some(view! { <p class="muted" data-role="paused">"Paused"</p> }.into_any()),
        (None, false) => None,
    };
    let next_runs = schedule
        .next_runs
        .iter()
        .map(|at| view! { <li class="mono">{at.replacen('T', " ", 1)}</li> })
        .collect_view();
    let waiting = schedule
        .run_requested
        .then(|| view! { <p class="muted">"Run asked for: starting…"</p> });
    let id = schedule.id.to_string();
    // Each form's fields are moved into it.
    let (run_name, pause_name) = (name.clone(), name.clone());
    let (run_id, pause_id, delete_id) = (id.clone(), id.clone(), id.clone());
    let (pause_label, pause_value) = if schedule.paused {
        ("Resume", "false")
    } else {
        ("Pause", "true")
    };
    view! {
        <tr data-testid="schedule" data-schedule=id>
            <td>
                <code>{schedule.cron.clone()}</code>
                <p data-role="description">{schedule.description.clone()}</p>
                {state}
            </td>
            <td><ul class="plain">{next_runs}</ul></td>
            <td data-role="last-run">{waiting}{schedule.last_run.map(|run| view! { <LastRun run /> })}</td>
            <td class="actions">
                <ActionForm action=actions.run>
                    <input type="hidden" name="name" value=run_name />
                    <input type="hidden" name="id" value=run_id />
                    <button type="submit" class="secondary">"Run now"</button>
                </ActionForm>
                <ActionForm action=actions.pause>
                    <input type="hidden" name="name" value=pause_name />
                    <input type="hidden" name="id" value=pause_id />
                    <input type="hidden" name="paused" value=pause_value />
                    <button type="submit" class="secondary">{pause_label}</button>
                </ActionForm>
                <ActionForm action=actions.delete>
                    <input type="hidden" name="name" value=name />
                    <input type="hidden" name="id" value=delete_id />
                    <button type="submit" class="danger">"Delete"</button>
                </ActionForm>
            </td>
        </tr>
    }
}

/// A run: its state, status, when it was due, attempts and error.
#[component]
fn LastRun(run: ScheduleRun) -> impl IntoView {
    let outcome = match (run.state.as_str(), run.status) {
        ("running", _) => "running".to_owned(),
        (state, Some(status)) => format!("{state} ({status})"),
        (state, None) => state.to_owned(),
    };
    let kind = if run.manual { "run now" } else { "due" };
    let attempts = (run.attempts > 1).then(|| format!(" · {} attempts", run.attempts));
    view! {
        <span class=format!("run-state {}", run.state) data-role="run-state">{outcome}</span>
        <p class="muted">
            {format!("{kind} {} · started {}", run.scheduled_time.replacen('T', " ", 1), utc_time(run.started_at))}
            {attempts}
        </p>
        {run.error.map(|error| view! { <p class="error">{error}</p> })}
    }
}
