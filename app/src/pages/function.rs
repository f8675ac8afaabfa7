//! `/functions/{name}`: one function: its URL, versions (roll back with a
//! click), a new version upload, and the latest invocations with their
//! logs, refreshed every few seconds.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::upload::UploadComponent;
use super::{RequireUser, Table};
use crate::format::{bytes, micros, utc_time};
use crate::functions::{
    DeleteFunction, FunctionView, InvocationRow, RollbackFunction, VersionRow, get_function,
};

/// How often the page refreshes its invocations, in the browser.
#[cfg(feature = "hydrate")]
const REFRESH: std::time::Duration = std::time::Duration::from_secs(2);

/// The function page.
#[component]
pub fn FunctionPage() -> impl IntoView {
    let params = use_params_map();
    let name = move || params.read().get("name").unwrap_or_default();
    let rollback = ServerAction::<RollbackFunction>::new();
    let delete = ServerAction::<DeleteFunction>::new();
    let (tick, set_tick) = signal(0u64);
    #[cfg(feature = "hydrate")]
    {
        if let Ok(handle) = set_interval_with_handle(move || set_tick.update(|t| *t += 1), REFRESH)
        {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = set_tick;
    let view_data = Resource::new(
        move || (name(), rollback.version().get(), tick.get()),
        |(name, _, _)| get_function(name),
    );
    view! {
        <Title text=name />
        <RequireUser>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match view_data.await {
                        Ok(function) => view! { <Function function rollback delete /> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </RequireUser>
    }
}

#[component]
fn Function(
    function: FunctionView,
    rollback: ServerAction<RollbackFunction>,
    delete: ServerAction<DeleteFunction>,
) -> impl IntoView {
    let FunctionView {
        name,
        url,
        live_version,
        timeout_ms,
        memory_mb,
        versions,
        invocations,
    } = function;
    let delete_name = name.clone();
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
        </p>
        <p class="muted">
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
        <Table testid="invocations" class="invocations" columns=&["Time", "Version", "Status", "Outcome", "Duration", "CPU", "Memory", "In / out"]>
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
                            </tr>
                            {(!log.is_empty()).then(|| view! {
                                <tr class="log-row">
                                    <td colspan="8"><pre class="log">{log}</pre></td>
                                </tr>
                            })}
                        }
                    })
                    .collect_view()}
            </Table>
    }
    .into_any()
}
