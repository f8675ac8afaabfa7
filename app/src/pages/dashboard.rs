//! `/dashboard`: the signed-in user's functions, starting a new one from a
//! template, and deploying a ready component.

use fnlab_functions::Language;
use leptos::prelude::*;
use leptos_meta::Title;

use super::billing::QuotaAlerts;
use super::upload::UploadComponent;
use super::{RequireUser, Table};
use crate::billing::quota_alerts;
use crate::format::utc_time;
use crate::functions::{
    CreateFunction, FunctionRow, NAME_MAX_LEN, NAME_PATTERN, list_functions, list_templates,
};

/// The dashboard page.
#[component]
pub fn Dashboard() -> impl IntoView {
    let functions = Resource::new(|| (), |()| list_functions());
    view! {
        <Title text="Functions" />
        <RequireUser>
            <div class="page-head">
                <h1>"Your functions"</h1>
            </div>
            <Alerts />
            <NewFunction />
            <UploadComponent />
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match functions.await {
                        Ok(rows) if rows.is_empty() => view! { <NoFunctions /> }.into_any(),
                        Ok(rows) => view! { <FunctionTable rows /> }.into_any(),
                        Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </RequireUser>
    }
}

/// Quota warnings, linking to the Billing page.
#[component]
fn Alerts() -> impl IntoView {
    let alerts = Resource::new(|| (), |()| quota_alerts());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                alerts.await.ok().filter(|a| !a.is_empty()).map(|alerts| view! {
                    <QuotaAlerts alerts />
                    <p><a href="/billing">"See usage and costs on the Billing page"</a></p>
                })
            })}
        </Transition>
    }
}

/// "New function": a name, a language and one of its templates; opens the
/// editor on it.
#[component]
fn NewFunction() -> impl IntoView {
    let create = ServerAction::<CreateFunction>::new();
    let templates = Resource::new(|| (), |()| list_templates());
    let language = RwSignal::new(Language::ALL[0]);
    let template_select = NodeRef::<leptos::html::Select>::new();
    // Another language: show its templates and pick its first.
    let choose_language = move |ev| {
        let Ok(chosen) = event_target_value(&ev).parse::<Language>() else {
            return;
        };
        let first = templates.get().and_then(Result::ok).and_then(|rows| {
            rows.into_iter()
                .find(|row| row.language == chosen)
                .map(|row| row.id)
        });
        language.set(chosen);
        if let (Some(select), Some(first)) = (template_select.get(), first) {
            select.set_value(&first);
        }
    };
    view! {
        <section class="card">
            <h2>"New function"</h2>
            <ActionForm action=create attr:class="inline-form">
                <input
                    name="name"
                    required
                    maxlength=NAME_MAX_LEN
                    pattern=NAME_PATTERN
                    placeholder="function-name"
                    aria-label="New function name"
                />
                <select aria-label="Language" on:change=choose_language>
                    {Language::ALL
                        .map(|l| view! { <option value=l.as_str()>{l.label()}</option> })
                        .collect_view()}
                </select>
                <select name="template" aria-label="Template" node_ref=template_select>
                    <Suspense>
                        {move || Suspend::new(async move {
                            templates
                                .await
                                .unwrap_or_default()
                                .into_iter()
                                .map(|t| {
                                    let other = Memo::new(move |_| language.get() != t.language);
                                    view! {
                                        <option value=t.id title=t.description hidden=other disabled=other>
                                            {t.name}
                                        </option>
                                    }
                                })
                                .collect_view()
                        })}
                    </Suspense>
                </select>
                <button type="submit">"New function"</button>
            </ActionForm>
            {move || {
                create
                    .value()
                    .get()
                    .and_then(Result::err)
                    .map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })
            }}
        </section>
    }
}

/// What an empty dashboard says.
#[component]
fn NoFunctions() -> impl IntoView {
    view! {
        <div class="empty" data-testid="functions-empty">
            <p class="big">"No functions yet."</p>
            <p class="muted">
                "Deploy a WebAssembly component above (any wasi:http/proxy component, e.g. built with "
                <code>"cargo build --target wasm32-wasip2"</code>
                "). It appears here with its public URL, live version and latest invocation."
            </p>
        </div>
    }
}

/// The list of functions.
#[component]
fn FunctionTable(rows: Vec<FunctionRow>) -> impl IntoView {
    view! {
        <Table testid="functions" columns=&["Function", "Public URL", "Live version", "Last invocation"]>
                {rows
                    .into_iter()
                    .map(|row| {
                        view! {
                            <tr>
                                <td>
                                    <a href=format!("/functions/{}", row.name)>{row.name.clone()}</a>
                                </td>
                                <td>
                                    <a class="mono" href=row.url.clone() target="_blank" rel="noopener">{row.url.clone()}</a>
                                </td>
                                <td>{row.live_version.map(|v| format!("v{v}")).unwrap_or_else(|| "none".into())}</td>
                                <td>{row.last_invocation_at.map(utc_time).unwrap_or_else(|| "never".into())}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </Table>
    }
}
