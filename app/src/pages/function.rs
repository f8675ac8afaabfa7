//! `/functions/{name}`: one function: its URL, the code editor with deploy
//! progress and a test console, its variables and secrets, its cron
//! schedules and event queue, whether its source is public, versions (roll back with a click, read
//! each one's source), a component upload, and its log. Once loaded, the
//! page asks every second whether the function changed (a deploy, a
//! rollback); the log follows the live tail (server-sent events) with
//! pause, clear and a filter, and a click on an invocation expands it.
//!
//! The editor and the console are CodeMirror and plain DOM wired by
//! `public/editor/editor.js` (built from `app/editor/`), which finds the
//! markup below by its `data-` attributes. They render only once the page
//! is hydrated, outside the part that refreshes, so a refresh never
//! touches what the user is typing.

use leptos::prelude::*;
use leptos_meta::{Script, Title};
use leptos_router::hooks::use_params_map;

use super::assignment::AssignmentPanel;
use super::environment::EnvironmentPanel;
use super::events::EventsPanel;
use super::presenter::PresenterPanel;
use super::schedules::SchedulesPanel;
use super::shared::SharingPanel;
use super::upload::UploadComponent;
use super::{RequireUser, Table, ticker};
use crate::format::{bytes, micros, utc_time};
use crate::functions::{
    DeleteFunction, FunctionView, InvocationRow, PAGE_INVOCATIONS, RollbackFunction,
    SetFreshInstances, VersionRow, function_changes, get_function,
};
use fnlab_billing::money::format_picos;
use std::collections::HashSet;

/// How often the page asks what changed, in the browser.
const REFRESH: std::time::Duration = std::time::Duration::from_secs(1);

/// The function page.
#[component]
pub fn FunctionPage() -> impl IntoView {
    let params = use_params_map();
    let name = move || params.read().get("name").unwrap_or_default();
    let rollback = ServerAction::<RollbackFunction>::new();
    let delete = ServerAction::<DeleteFunction>::new();
    // The head and the editor load once per function; the details again
    // after a rollback, and then follow the changes.
    let head = Resource::new(name, get_function);
    let view_data = Resource::new(
        move || (name(), rollback.version().get()),
        |(name, _)| get_function(name),
    );
    let fallback = || view! { <p class="muted">"Loading…"</p> };
    let presenting = RwSignal::new(false);
    view! {
        <Title text=name />
        <Script src="/editor/editor.js" defer="" />
        <RequireUser>
          <div class="function-page" class:presenter=move || presenting.get()>
            <Transition fallback>
                {move || Suspend::new(async move {
                    match head.await {
                        Ok(function) => view! { <Head function delete presenting /> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
            <Transition fallback>
                {move || Suspend::new(async move {
                    view_data.await.ok().map(|function| view! { <LiveDetails function rollback /> })
                })}
            </Transition>
          </div>
        </RequireUser>
    }
}

/// The function's name and URL, the editor and the test console.
#[component]
fn Head(
    function: FunctionView,
    delete: ServerAction<DeleteFunction>,
    presenting: RwSignal<bool>,
) -> impl IntoView {
    let FunctionView { name, url, .. } = function;
    let delete_name = name.clone();
    let env_name = name.clone();
    // The editor is the browser's alone: render it once hydrated. So is
    // the Environment section: its own resource, nested in the page's,
    // made hydration fail now and then after a reload (Playwright caught
    // it), and it has nothing to show without the browser's script.
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    view! {
        <div class="page-head">
            <h1>{name.clone()}</h1>
            <ActionForm action=delete>
                <input type="hidden" name="name" value=delete_name />
                <button type="submit" class="danger">"Delete function"</button>
            </ActionForm>
        </div>
        <p>
            "Public URL: " <a class="mono" data-testid="function-url" href=url.clone() target="_blank" rel="noopener">{url.clone()}</a>
            " · " <a href=format!("/functions/{name}/metrics") data-testid="metrics-link">"Metrics"</a>
        </p>
        <Show when=move || hydrated.get() fallback=|| view! { <p class="muted">"Loading the editor…"</p> }>
            <PresenterPanel url=url.clone() on=presenting />
            <Editor name=name.clone() />
            <TestConsole name=name.clone() url=url.clone() />
            <EnvironmentPanel name=env_name.clone() />
            <SchedulesPanel name=env_name.clone() />
            <EventsPanel name=env_name.clone() />
            <SharingPanel name=env_name.clone() />
        </Show>
    }
}

/// The code editor with Save and Deploy, the build's steps, diagnostics
/// and log.
#[component]
fn Editor(name: String) -> impl IntoView {
    view! {
        <section class="editor" data-fnlab-editor="" data-function=name>
            <div class="editor-bar">
                <h2>"Source"</h2>
                <ol class="steps" aria-label="Deploy progress">
                    <li data-step="queued">"queued"</li>
                    <li data-step="compiling">"compiling"</li>
                    <li data-step="storing">"storing"</li>
                    <li data-step="live">"live"</li>
                </ol>
                <button type="button" class="secondary" data-role="save">"Saved"</button>
                <button type="button" data-role="deploy" title="Ctrl/Cmd-Enter">"Deploy"</button>
            </div>
            <div data-role="editor" data-testid="editor"></div>
            <p class="build-status" role="status" data-role="status"></p>
            <ul class="problems" data-role="problems" data-testid="problems"></ul>
            <details>
                <summary>"Build log"</summary>
                <pre class="log" data-role="log" data-testid="build-log"></pre>
            </details>
        </section>
    }
}

/// Tries the function two ways: any HTTP request to its URL, or a direct
/// invoke with a JSON event (saved test events and samples of each
/// trigger's event to start from); shows the answer and its log.
///
/// On a public page (`public`) it only sends HTTP requests to the URL, as
/// anyone may: the direct invoke and the log are the owner's.
#[component]
pub(super) fn TestConsole(
    name: String,
    url: String,
    #[prop(optional)] public: bool,
) -> impl IntoView {
    view! {
        <section class="console" data-fnlab-console="" data-function=name data-url=url data-public=public.then_some("")>
            <div class="console-bar">
                <h2>{if public { "Try it" } else { "Test" }}</h2>
                <div class="tabs" role="tablist" aria-label="Test with" hidden=public>
                    <button type="button" role="tab" data-tab="http" aria-selected="true">"HTTP request"</button>
                    <button type="button" role="tab" data-tab="event" aria-selected="false">"Event"</button>
                </div>
            </div>
            <form data-panel="http" role="tabpanel" aria-label="HTTP request">
                <div class="console-line">
                    <select name="method" aria-label="Method">
                        {["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
                            .map(|m| view! { <option value=m>{m}</option> })
                            .to_vec()}
                    </select>
                    <input name="path" value="/" aria-label="Path and query" class="mono" />
                    <button type="submit">"Send"</button>
                </div>
                <textarea name="headers" rows="2" aria-label="Request headers" placeholder="content-type: application/json"></textarea>
                <textarea name="body" rows="3" aria-label="Request body" placeholder="Request body"></textarea>
            </form>
            <form data-panel="event" role="tabpanel" aria-label="Event" hidden>
                <div class="console-line">
                    // The event list changes as events are saved: the console's
                    // script makes it here, outside what the page hydrates.
                    <span data-role="event-picker"></span>
                    <input name="event-name" aria-label="Event name" placeholder="name to save it as" class="mono" />
                    <button type="button" class="secondary" data-role="save-event">"Save event"</button>
                    <button type="button" class="secondary" data-role="delete-event">"Delete event"</button>
                    <button type="submit">"Invoke"</button>
                </div>
                <textarea name="payload" rows="8" aria-label="Event JSON" placeholder=r#"{"name": "Aditya"}"#></textarea>
                <p class="muted small">
                    "A Lambda-style handler receives this JSON as its event and its return value comes back as the result; any other function receives it as a POST to / with fnlab-trigger: invoke."
                </p>
            </form>
            <p class="mono" data-role="status" data-testid="test-status"></p>
            <pre class="mono" data-role="headers"></pre>
            <pre class="log" data-role="body" data-testid="test-body"></pre>
            <h3 hidden=public>"Logs"</h3>
            <pre class="log" data-role="logs" data-testid="test-logs" hidden=public></pre>
        </section>
    }
}

/// [`Details`] kept current (one request in flight at a time), then the
/// log, which follows by itself.
#[component]
fn LiveDetails(function: FunctionView, rollback: ServerAction<RollbackFunction>) -> impl IntoView {
    let log = LiveLog(LiveLogProps {
        name: function.name.clone(),
        rows: function.invocations.clone(),
    });
    let current = RwSignal::new(function);
    let tick = ticker(REFRESH);
    let asking = StoredValue::new(false);
    Effect::new(move |_| {
        if tick.get() == 0 || asking.get_value() {
            return;
        }
        asking.set_value(true);
        let (name, updated_at) = current.with_untracked(|f| (f.name.clone(), f.updated_at));
        leptos::task::spawn_local(async move {
            if let Ok(Some(function)) = function_changes(name, updated_at).await {
                current.set(function);
            }
            asking.set_value(false);
        });
    });
    let name = current.with_untracked(|f| f.name.clone());
    let updated = Signal::derive(move || current.with(|f| f.updated_at));
    view! {
        <AssignmentPanel name updated />
        {move || view! { <Details function=current.get() rollback /> }}
        {log}
    }
}

/// Limits, instances, versions and the upload.
#[component]
fn Details(function: FunctionView, rollback: ServerAction<RollbackFunction>) -> impl IntoView {
    let FunctionView {
        name,
        live_version,
        timeout_ms,
        memory_mb,
        fresh_instances,
        versions,
        ..
    } = function;
    view! {
        <p class="muted" data-testid="live-version">
            {format!(
                "Live version: {} · timeout {timeout_ms} ms · memory {memory_mb} MiB",
                live_version.map(|v| format!("v{v}")).unwrap_or_else(|| "none".into()),
            )}
        </p>
        <Instances name=name.clone() fresh=fresh_instances />
        <div class="function-details">
            <UploadComponent name=name.clone() />
            <h2>"Versions"</h2>
            <Versions name live_version versions rollback />
        </div>
    }
}

/// Whether warm instances serve the function's next requests, and the
/// switch to a fresh instance per request.
#[component]
fn Instances(name: String, fresh: bool) -> impl IntoView {
    let set = ServerAction::<SetFreshInstances>::new();
    let (said, button) = if fresh {
        (
            "Instances: a fresh one for every request.",
            "Reuse warm instances",
        )
    } else {
        (
            "Instances: warm. One serves this function's next requests, one at a time, for up to 1,000 requests or 60 s, so module-level state can outlive a request (JavaScript functions still get a fresh one every time: their runtime cannot answer twice).",
            "Use a fresh instance per request",
        )
    };
    view! {
        <div class="instances" data-testid="instances">
            <p class="muted small">{said}</p>
            <ActionForm action=set>
                <input type="hidden" name="name" value=name />
                <input type="hidden" name="fresh" value=(!fresh).to_string() />
                <button type="submit" class="secondary">{button}</button>
            </ActionForm>
            {move || {
                set.value()
                    .get()
                    .and_then(Result::err)
                    .map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })
            }}
        </div>
    }
}

#[component]
fn Versions(
    name: String,
    live_version: Option<i64>,
    versions: Vec<VersionRow>,
    rollback: ServerAction<RollbackFunction>,
) -> impl IntoView {
    view! {
        <Table testid="versions" columns=&["Version", "Deployed", "Size", "SHA-256", ""]>
                {versions
                    .into_iter()
                    .map(|v| {
                        let live = Some(v.version) == live_version;
                        let name = name.clone();
                        view! {
                            <tr class:live=live>
                                <td>{format!("v{}", v.version)} {live.then(|| view! { <span class="badge">"live"</span> })}</td>
                                <td>{utc_time(v.created_at)}</td>
                                <td>{bytes(v.size)}</td>
                                <td class="mono" title=v.sha256.clone()>{v.sha256[..12].to_owned()}</td>
                                <td class="actions">
                                    {v.has_source.then(|| view! {
                                        <button type="button" class="secondary" data-function=name.clone() data-version-source=v.version aria-label=format!("Source of v{}", v.version)>
                                            "Source"
                                        </button>
                                    })}
                                    {(!live)
                                        .then(|| {
                                            view! {
                                                <ActionForm action=rollback>
                                                    <input type="hidden" name="name" value=name />
                                                    <input type="hidden" name="version" value=v.version />
                                                    <button type="submit" aria-label=format!("Roll back to v{}", v.version)>
                                                        "Roll back"
                                                    </button>
                                                </ActionForm>
                                            }
                                        })}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </Table>
    }
}

/// The function's log: the latest invocations, then each one as it ends
/// (newest first, at most [`PAGE_INVOCATIONS`] kept). Paused, it holds
/// what arrives and says how much; a filter narrows what it shows by
/// text or status class (`5xx`); a click on an invocation expands it.
#[component]
fn LiveLog(name: String, rows: Vec<InvocationRow>) -> impl IntoView {
    let rows = RwSignal::new(rows);
    let held = RwSignal::new(Vec::<InvocationRow>::new());
    let paused = RwSignal::new(false);
    let skipped = RwSignal::new(0u64);
    let following = RwSignal::new(false);
    let filter = RwSignal::new(String::new());
    let expanded = RwSignal::new(HashSet::<String>::new());
    let arrived = move |row: InvocationRow| {
        if paused.get_untracked() {
            held.update(|held| held.insert(0, row));
        } else {
            rows.update(|rows| keep_latest(rows, vec![row]));
        }
    };
    follow(
        &name,
        arrived,
        move |count| skipped.update(|n| *n += count),
        following,
    );
    let resume = move || {
        let waiting = held.try_update(std::mem::take).unwrap_or_default();
        rows.update(|rows| keep_latest(rows, waiting));
        paused.set(false);
    };
    let shown = move || {
        let filter = filter.get().trim().to_lowercase();
        rows.get()
            .into_iter()
            .filter(|row| admits(row, &filter))
            .collect::<Vec<_>>()
    };
    view! {
        <div class="page-head">
            <h2>"Log"</h2>
            <div class="log-bar">
                <span class="muted" data-testid="log-state">
                    {move || if following.get() { "● live" } else { "connecting…" }}
                </span>
                <input type="search" placeholder="Filter: text, 404 or 5xx" aria-label="Filter the log"
                    prop:value=move || filter.get() on:input=move |e| filter.set(event_target_value(&e)) />
                <button type="button" class="secondary" aria-pressed=move || paused.get().to_string()
                    on:click=move |_| if paused.get_untracked() { resume() } else { paused.set(true) }>
                    {move || match (paused.get(), held.with(Vec::len)) {
                        (false, _) => "Pause".to_owned(),
                        (true, 0) => "Resume".to_owned(),
                        (true, n) => format!("Resume ({n} new)"),
                    }}
                </button>
                <button type="button" class="secondary" on:click=move |_| {
                    rows.set(Vec::new());
                    held.set(Vec::new());
                    skipped.set(0);
                }>"Clear"</button>
            </div>
        </div>
        {move || (skipped.get() > 0).then(|| view! {
            <p class="muted" data-testid="log-skipped">
                {format!("{} invocations of a burst were not shown (at most 50 a second are).", skipped.get())}
            </p>
        })}
        {move || {
            let shown = shown();
            if shown.is_empty() {
                return view! {
                    <p class="empty" data-testid="no-invocations">"No invocations yet: call the public URL and they appear here as they end."</p>
                }
                .into_any();
            }
            view! { <Invocations rows=shown expanded /> }.into_any()
        }}
    }
}

/// `rows` with `newer` (newest first) in front, cut to the page's length.
fn keep_latest(rows: &mut Vec<InvocationRow>, mut newer: Vec<InvocationRow>) {
    newer.append(rows);
    newer.truncate(usize::try_from(PAGE_INVOCATIONS).unwrap_or_default());
    *rows = newer;
}

/// Whether the log's `filter` (lowercased) shows `row`: a status class
/// (`5xx`) or code, else text in its path, logs, outcome or request id.
fn admits(row: &InvocationRow, filter: &str) -> bool {
    if filter.is_empty() {
        return true;
    }
    let status = row.status.to_string();
    if filter.len() == 3 && filter.chars().all(|c| c.is_ascii_digit() || c == 'x') {
        return filter
            .chars()
            .zip(status.chars())
            .all(|(f, s)| f == 'x' || f == s);
    }
    [
        &row.path,
        &row.stdout,
        &row.stderr,
        &row.outcome,
        &row.request_id,
    ]
    .iter()
    .any(|text| text.to_lowercase().contains(filter))
}

/// Follows the live tail of `name` in the browser: `arrived` for each
/// invocation, `skipped` with each count a burst left out, `following`
/// true while connected. The browser reconnects by itself; the stream
/// closes with the page.
#[cfg(feature = "hydrate")]
fn follow(
    name: &str,
    arrived: impl Fn(InvocationRow) + 'static,
    skipped: impl Fn(u64) + 'static,
    following: RwSignal<bool>,
) {
    use leptos::__reexports::send_wrapper::SendWrapper;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;

    let Ok(source) = web_sys::EventSource::new(&format!("/api/v1/functions/{name}/logs/tail"))
    else {
        return;
    };
    let data = |event: web_sys::Event| {
        event
            .dyn_into::<web_sys::MessageEvent>()
            .ok()
            .and_then(|message| message.data().as_string())
    };
    let on_invocation = Closure::<dyn Fn(web_sys::Event)>::new(move |event| {
        if let Some(row) = data(event).and_then(|json| serde_json::from_str(&json).ok()) {
            arrived(row);
        }
    });
    let on_skipped = Closure::<dyn Fn(web_sys::Event)>::new(move |event| {
        let count = data(event)
            .and_then(|json| serde_json::from_str::<serde_json::Value>(&json).ok())
            .and_then(|value| value["count"].as_u64());
        skipped(count.unwrap_or_default());
    });
    let on_ready = Closure::<dyn Fn(web_sys::Event)>::new(move |_| following.set(true));
    let on_error = Closure::<dyn Fn(web_sys::Event)>::new(move |_| following.set(false));
    for (name, listener) in [
        ("invocation", &on_invocation),
        ("skipped", &on_skipped),
        ("ready", &on_ready),
        ("error", &on_error),
    ] {
        let _ = source.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
    }
    let open = SendWrapper::new((source, on_invocation, on_skipped, on_ready, on_error));
    on_cleanup(move || open.take().0.close());
}

/// The log follows only in the browser.
#[cfg(not(feature = "hydrate"))]
fn follow(
    _name: &str,
    _arrived: impl Fn(InvocationRow) + 'static,
    _skipped: impl Fn(u64) + 'static,
    _following: RwSignal<bool>,
) {
}

/// The log's rows; a click on one expands or folds its details.
#[component]
pub(super) fn Invocations(
    rows: Vec<InvocationRow>,
    expanded: RwSignal<HashSet<String>>,
) -> impl IntoView {
    view! {
        <Table testid="invocations" class="invocations" columns=&["Time", "Request", "Version", "Status", "Outcome", "Duration", "CPU", "Memory", "In / out", "Cost"]>
                {rows
                    .into_iter()
                    .map(|row| {
                        let failed = row.outcome != "ok";
                        let log = format!("{}{}", row.stdout, row.stderr);
                        let id = row.request_id.clone();
                        let toggle = {
                            let id = id.clone();
                            move |_| expanded.update(|open| {
                                if !open.remove(&id) {
                                    open.insert(id.clone());
                                }
                            })
                        };
                        let open = {
                            let id = id.clone();
                            move || expanded.with(|open| open.contains(&id))
                        };
                        view! {
                            <tr class:failed=failed class="invocation" on:click=toggle title="Show or hide the details">
                                <td>{utc_time(row.started_at)}</td>
                                <td class="mono">
                                    {format!("{} {}", row.method, row.path)}
                                    {(row.trigger != "http").then(|| view! {
                                        <span class="badge" data-role="trigger">{row.trigger.clone()}</span>
                                    })}
                                </td>
                                <td>{format!("v{}", row.version)}</td>
                                <td>{row.status}</td>
                                <td>{row.outcome.clone()}</td>
                                <td>
                                    {micros(row.wall_us)}
                                    {(row.cold_start_us > 0).then(|| view! {
                                        <span class="badge cold" data-role="cold-start" title="A cold start: the program was not in memory and was made ready first (not billed)">
                                            {format!("cold +{}", micros(row.cold_start_us))}
                                        </span>
                                    })}
                                </td>
                                <td>{micros(row.cpu_us)}</td>
                                <td>{bytes(row.peak_memory_bytes)}</td>
                                <td>{format!("{} / {}", bytes(row.bytes_in), bytes(row.bytes_out))}</td>
                                <td class="num" data-testid="invocation-cost">{format_picos(row.cost_picos.into())}</td>
                            </tr>
                            {(!log.is_empty()).then(|| view! {
                                <tr class="log-row">
                                    <td colspan="10"><pre class="log">{log}</pre></td>
                                </tr>
                            })}
                            {move || open().then(|| view! {
                                <tr class="log-row" data-testid="invocation-details">
                                    <td colspan="10">
                                        <dl class="details">
                                            <dt>"Request id"</dt><dd class="mono">{row.request_id.clone()}</dd>
                                            <dt>"Trigger"</dt><dd>{row.trigger.clone()}</dd>
                                            <dt>"Request"</dt><dd class="mono">{format!("{} {}", row.method, row.path)}</dd>
                                            <dt>"Start"</dt><dd>{if row.cold_start_us > 0 {
                                                format!("cold: the program was made ready in {} before the run", micros(row.cold_start_us))
                                            } else {
                                                "warm: the program was in memory".to_owned()
                                            }}</dd>
                                            <dt>"Stdout"</dt><dd><pre class="log">{row.stdout.clone()}</pre></dd>
                                            <dt>"Stderr"</dt><dd><pre class="log">{row.stderr.clone()}</pre></dd>
                                        </dl>
                                    </td>
                                </tr>
                            })}
                        }
                    })
                    .collect_view()}
            </Table>
    }
}
