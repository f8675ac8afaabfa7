//! `/functions/{name}`: one function: its URL, the code editor with deploy
//! progress and a test console, versions (roll back with a click, read
//! each one's source), a component upload, and the latest invocations with
//! their logs. Once loaded, the page asks every second only for what
//! changed: the function again after a deploy or rollback, else just the
//! invocations newer than the newest it shows.
//!
//! The editor and the console are CodeMirror and plain DOM wired by
//! `public/editor/editor.js` (built from `app/editor/`), which finds the
//! markup below by its `data-` attributes. They render only once the page
//! is hydrated, outside the part that refreshes, so a refresh never
//! touches what the user is typing.

use leptos::prelude::*;
use leptos_meta::{Script, Title};
use leptos_router::hooks::use_params_map;

use super::upload::UploadComponent;
use super::{RequireUser, Table, ticker};
use crate::format::{bytes, micros, utc_time};
use crate::functions::{
    DeleteFunction, FunctionView, InvocationRow, PAGE_INVOCATIONS, RollbackFunction, VersionRow,
    function_changes, get_function,
};
use fnlab_billing::money::format_picos;

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
    view! {
        <Title text=name />
        <Script src="/editor/editor.js" defer="" />
        <RequireUser>
            <Transition fallback>
                {move || Suspend::new(async move {
                    match head.await {
                        Ok(function) => view! { <Head function delete /> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
            <Transition fallback>
                {move || Suspend::new(async move {
                    view_data.await.ok().map(|function| view! { <LiveDetails function rollback /> })
                })}
            </Transition>
        </RequireUser>
    }
}

/// The function's name and URL, the editor and the test console.
#[component]
fn Head(function: FunctionView, delete: ServerAction<DeleteFunction>) -> impl IntoView {
    let FunctionView { name, url, .. } = function;
    let delete_name = name.clone();
    // The editor is the browser's alone: render it once hydrated.
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
            <Editor name=name.clone() />
            <TestConsole name=name.clone() url=url.clone() />
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

/// Sends any request to the function and shows the answer and its log.
#[component]
fn TestConsole(name: String, url: String) -> impl IntoView {
    view! {
        <section class="console" data-fnlab-console="" data-function=name data-url=url>
            <h2>"Test"</h2>
            <form>
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
            <p class="mono" data-role="status" data-testid="test-status"></p>
            <pre class="mono" data-role="headers"></pre>
            <pre class="log" data-role="body" data-testid="test-body"></pre>
            <h3>"Logs"</h3>
            <pre class="log" data-role="logs" data-testid="test-logs"></pre>
        </section>
    }
}

/// [`Details`] kept current: each tick asks only for what changed since
/// what it shows (one request in flight at a time).
#[component]
fn LiveDetails(function: FunctionView, rollback: ServerAction<RollbackFunction>) -> impl IntoView {
    let current = RwSignal::new(function);
    let tick = ticker(REFRESH);
    let asking = StoredValue::new(false);
    Effect::new(move |_| {
        if tick.get() == 0 || asking.get_value() {
            return;
        }
        asking.set_value(true);
        let (name, updated_at, newest) = current.with_untracked(|f| {
            let newest = f.invocations.iter().map(|i| i.id).max();
            (f.name.clone(), f.updated_at, newest)
        });
        leptos::task::spawn_local(async move {
            if let Ok(changes) = function_changes(name, updated_at, newest).await {
                if let Some(function) = changes.function {
                    current.set(function);
                } else if !changes.invocations.is_empty() {
                    current.update(|f| {
                        let mut rows = changes.invocations;
                        rows.append(&mut f.invocations);
                        rows.truncate(usize::try_from(PAGE_INVOCATIONS).unwrap_or_default());
                        f.invocations = rows;
                    });
                }
            }
            asking.set_value(false);
        });
    });
    move || view! { <Details function=current.get() rollback /> }
}

/// Limits, versions and the latest invocations.
#[component]
fn Details(function: FunctionView, rollback: ServerAction<RollbackFunction>) -> impl IntoView {
    let FunctionView {
        name,
        live_version,
        timeout_ms,
        memory_mb,
        versions,
        invocations,
        ..
    } = function;
    view! {
        <p class="muted" data-testid="live-version">
            {format!(
                "Live version: {} · timeout {timeout_ms} ms · memory {memory_mb} MiB",
                live_version.map(|v| format!("v{v}")).unwrap_or_else(|| "none".into()),
            )}
        </p>
        <UploadComponent name=name.clone() />
        <h2>"Versions"</h2>
        <Versions name live_version versions rollback />
        <h2>"Latest invocations"</h2>
        <Invocations rows=invocations />
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

#[component]
fn Invocations(rows: Vec<InvocationRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! {
            <p class="empty" data-testid="no-invocations">"No invocations yet: call the public URL and they appear here."</p>
        }
        .into_any();
    }
    view! {
        <Table testid="invocations" class="invocations" columns=&["Time", "Version", "Status", "Outcome", "Duration", "CPU", "Memory", "In / out", "Cost"]>
                {rows
                    .into_iter()
                    .map(|row| {
                        let failed = row.outcome != "ok";
                        let log = format!("{}{}", row.stdout, row.stderr);
                        view! {
                            <tr class:failed=failed>
                                <td>{utc_time(row.started_at)}</td>
                                <td>{format!("v{}", row.version)}</td>
                                <td>{row.status}</td>
                                <td>{row.outcome.clone()}</td>
                                <td>{micros(row.wall_us)}</td>
                                <td>{micros(row.cpu_us)}</td>
                                <td>{bytes(row.peak_memory_bytes)}</td>
                                <td>{format!("{} / {}", bytes(row.bytes_in), bytes(row.bytes_out))}</td>
                                <td class="num" data-testid="invocation-cost">{format_picos(row.cost_picos.into())}</td>
                            </tr>
                            {(!log.is_empty()).then(|| view! {
                                <tr class="log-row">
                                    <td colspan="9"><pre class="log">{log}</pre></td>
                                </tr>
                            })}
                        }
                    })
                    .collect_view()}
            </Table>
    }
    .into_any()
}
