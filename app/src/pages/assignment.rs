//! Assignments: `/assignments/{id}` (the instructions, the checks, Start
//! or Open, and the results the viewer may see),
//! `/assignments/{id}/work/{username}` (a grid cell: the student's code
//! read-only, every version with its diff and checks, and their
//! invocations), and the Assignment section of an assignment function's
//! editor page.

use std::collections::HashSet;

use fnlab_courses::model::{Assignment, CheckResult, CheckRun, FunctionAssignment, Submission};
use leptos::prelude::*;
use leptos_meta::{Script, Title};
use leptos_router::hooks::{use_navigate, use_params_map};

use super::function::Invocations;
use super::not_found::NotFound;
use super::{RequireUser, Table};
use crate::courses::{
    AssignmentOverview as AssignmentData, StartAssignment, WorkOverview as WorkData,
    assignment_of_function, assignment_page, student_work,
};
use crate::format::utc_time;

fn id_param() -> impl Fn() -> i64 + Copy {
    let params = use_params_map();
    move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse().ok())
            .unwrap_or(0)
    }
}

/// `/assignments/{id}`.
#[component]
pub fn AssignmentPage() -> impl IntoView {
    let id = id_param();
    let page = Resource::new(id, assignment_page);
    let start = ServerAction::<StartAssignment>::new();
    Effect::new(move |_| {
        if let Some(Ok(started)) = start.value().get() {
            use_navigate()(
                &format!("/functions/{}", started.function),
                Default::default(),
            );
        }
    });
    let failed = move || start.value().get().and_then(Result::err);
    view! {
        <Title text="Assignment" />
        <RequireUser>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(page) => view! { <AssignmentView page start /> }.into_any(),
                        Err(_) => view! { <NotFound /> }.into_any(),
                    }
                })}
            </Transition>
            {move || failed().map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
        </RequireUser>
    }
}

#[component]
fn AssignmentView(page: AssignmentData, start: ServerAction<StartAssignment>) -> impl IntoView {
    let AssignmentData {
        assignment,
        course,
        instructions_html,
        results,
    } = page;
    let staff = course.course.role.staff();
    let Assignment {
        id,
        title,
        language,
        due_at,
        checks,
        ..
    } = assignment;
    let mine = (!staff).then(|| results.first().cloned()).flatten();
    let open = mine.as_ref().and_then(|m| m.function.clone());
    view! {
        <div class="page-head">
            <h1 data-testid="assignment-title">{title}</h1>
            {match open {
                Some(function) => view! { <a class="button primary" href=format!("/functions/{function}")>"Open in the editor"</a> }.into_any(),
                None => view! {
                    <ActionForm action=start>
                        <input type="hidden" name="id" value=id />
                        <button type="submit" class="primary">"Start the assignment"</button>
                    </ActionForm>
                }.into_any(),
            }}
        </div>
        <p class="muted">
            <a href=format!("/courses/{}", course.course.id)>{course.course.name.clone()}</a>
            {format!(" · {language} · due {}", utc_time(due_at))}
        </p>
        <div class="markdown" data-testid="instructions" inner_html=instructions_html></div>
        <h2>"Checks"</h2>
        <p class="muted">"Every deploy of your function runs these requests against the new version (not billed to you)."</p>
        <ul class="checks">
            {checks.into_iter().map(|c| view! {
                <li>
                    <strong>{c.name.clone()}</strong>
                    {if c.hidden && c.path.is_empty() {
                        " (hidden: only its verdict is shown)".to_owned()
                    } else {
                        format!(" — {} {}{}", c.method, c.path, if c.hidden { " (hidden from students)" } else { "" })
                    }}
                </li>
            }).collect_view()}
        </ul>
        <h2>{if staff { "Submissions" } else { "Your submission" }}</h2>
        <Table testid="results" columns=&["Student", "Score", "Version", "Submitted", "Deploys"]>
            {results.into_iter().map(|s| view! { <SubmissionRow id s /> }).collect_view()}
        </Table>
    }
}

#[component]
fn SubmissionRow(id: i64, s: Submission) -> impl IntoView {
    let score = match s.version {
        Some(_) => format!(
            "{}/{}{}",
            s.passed,
            s.total,
            if s.late { " late" } else { "" }
        ),
        None => "—".to_owned(),
    };
    view! {
        <tr>
            <td><a href=format!("/assignments/{id}/work/{}", s.username)>{s.username.clone()}</a></td>
            <td>{score}</td>
            <td>{s.version.map(|v| format!("v{v}")).unwrap_or_default()}</td>
            <td>{s.submitted_at.map(utc_time).unwrap_or_default()}</td>
            <td>{s.deploys}</td>
        </tr>
    }
}

/// `/assignments/{id}/work/{username}`.
#[component]
pub fn WorkPage() -> impl IntoView {
    let id = id_param();
    let params = use_params_map();
    let username = move || params.read().get("username").unwrap_or_default();
    let work = Resource::new(
        move || (id(), username()),
        |(id, username)| student_work(id, username),
    );
    view! {
        <Title text=move || format!("{}'s work", username()) />
        <Script src="/editor/editor.js" defer="" />
        <RequireUser>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match work.await {
                        Ok(work) => view! { <WorkView id=id() work /> }.into_any(),
                        Err(_) => view! { <NotFound /> }.into_any(),
                    }
                })}
            </Transition>
        </RequireUser>
    }
}

#[component]
fn WorkView(id: i64, work: WorkData) -> impl IntoView {
    let WorkData {
        username,
        function,
        url,
        versions,
        invocations,
    } = work;
    let head = view! {
        <div class="page-head">
            <h1>{format!("{username}'s work")}</h1>
            <a href=format!("/assignments/{id}")>"The assignment"</a>
        </div>
    };
    let Some(function) = function else {
        return view! { {head} <p class="empty">"Not started yet."</p> }.into_any();
    };
    // The newest version's code, highlighted read-only once hydrated.
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    let latest = versions
        .first()
        .and_then(|v| v.source.clone())
        .unwrap_or_default();
    let plain = latest.clone();
    let expanded = RwSignal::new(HashSet::new());
    view! {
        {head}
        <p class="muted">
            <span class="mono">{function}</span> " · "
            <a class="mono" href=url.clone().unwrap_or_default() target="_blank" rel="noopener">{url.clone().unwrap_or_default()}</a>
        </p>
        <h2>"Code (newest version)"</h2>
        <Show when=move || hydrated.get() fallback=move || view! { <pre class="source" data-testid="work-source">{plain.clone()}</pre> }>
            <div data-fnlab-source="" data-source=latest.clone() data-testid="work-source"></div>
        </Show>
        <h2>"Versions"</h2>
        {if versions.is_empty() { Some(view! { <p class="empty">"Nothing deployed yet."</p> }) } else { None }}
        {versions.into_iter().map(|v| view! {
            <details class="work-version" data-testid="work-version" open=v.submitted>
                <summary>
                    {format!("v{} · {}", v.version, utc_time(v.deployed_at))}
                    {v.checks.as_ref().map(|c| format!(" · {}/{} checks{}", c.passed, c.total, if c.late { " · late" } else { "" }))}
                    {v.submitted.then(|| view! { " " <span class="badge">"submission"</span> })}
                </summary>
                {v.checks.map(|run| view! { <CheckResults run /> })}
                {v.diff.map(|diff| view! { <h4>"Changes from the version before"</h4> <pre class="diff mono">{diff}</pre> })}
            </details>
        }).collect_view()}
        <h2>"Invocations"</h2>
        {if invocations.is_empty() {
            view! { <p class="empty">"No invocations yet."</p> }.into_any()
        } else {
            view! { <Invocations rows=invocations expanded /> }.into_any()
        }}
    }
    .into_any()
}

/// One version's checks: passed or failed, with what came back for the
/// ones the viewer may see.
#[component]
fn CheckResults(run: CheckRun) -> impl IntoView {
    view! {
        <ul class="check-results" data-testid="check-results">
            {run.results.into_iter().map(|r: CheckResult| view! {
                <li class:passed=r.passed class:failed=!r.passed>
                    {if r.passed { "✓ " } else { "✗ " }}
                    <strong>{r.name.clone()}</strong>
                    {r.hidden.then_some(" (hidden)")}
                    {(!r.failures.is_empty()).then(|| format!(": {}", r.failures.join("; ")))}
                    {r.status.map(|s| view! {
                        <div class="muted small mono">
                            {format!("{s}{}", r.ms.map(|ms| format!(" in {ms} ms")).unwrap_or_default())}
                            {r.body.clone().filter(|b| !b.is_empty()).map(|b| format!(" · {b}"))}
                        </div>
                    })}
                </li>
            }).collect_view()}
        </ul>
    }
}

/// The Assignment section of an assignment function's page: its title,
/// due date and the checks' results on the newest deployed version,
/// fetched again each time `updated` (the function's last change) moves.
/// Nothing for any other function.
#[component]
pub fn AssignmentPanel(
    /// The function.
    name: String,
    /// When the function last changed (a deploy, a rollback).
    updated: Signal<i64>,
) -> impl IntoView {
    let found = RwSignal::new(None::<FunctionAssignment>);
    Effect::new(move |_| {
        updated.track();
        let name = name.clone();
        leptos::task::spawn_local(async move {
            if let Ok(assignment) = assignment_of_function(name).await {
                found.set(assignment);
            }
        });
    });
    move || {
        found.get().map(|FunctionAssignment { assignment, course, runs }| view! {
            <section class="assignment-panel" data-testid="assignment-panel">
                <h2>"Assignment: " <a href=format!("/assignments/{}", assignment.id)>{assignment.title.clone()}</a></h2>
                <p class="muted">{format!("{course} · due {}", utc_time(assignment.due_at))}</p>
                {match runs.into_iter().next() {
                    Some(run) => view! {
                        <p data-testid="checks-score"><strong>{format!("{}/{} checks pass", run.passed, run.total)}</strong>
                            {format!(" on v{}{}", run.version, if run.late { " (deployed after the due date)" } else { "" })}</p>
                        <CheckResults run />
                    }.into_any(),
                    None => view! { <p class="muted" data-testid="checks-score">"Deploy to run the checks."</p> }.into_any(),
                }}
            </section>
        })
    }
}
