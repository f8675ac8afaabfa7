//! `/kv?store=NAME&prefix=P&cursor=C&key=K`: the user's key-value stores.
//! Tabs for the stores, a prefix filter and a page of keys (with "Next"
//! by cursor), the selected value shown for people, and forms to write
//! and delete values. Functions read and write the same stores. A store
//! can run one of the user's functions on each upload (a file drop):
//! files dropped on the page (or chosen) are uploaded through
//! `PUT /api/v1/kv/{store}/{key}`, each queuing that function's event.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{RequireUser, Table};
use crate::format::{bytes, utc_time};
use crate::functions::list_functions;
use crate::kv::{
    DeleteKvValue, KeysView, PutKvValue, SetKvTrigger, ValueView, get_kv_value, list_kv_keys,
    list_kv_stores,
};

/// The key-value stores page.
#[component]
pub fn KvPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).unwrap_or_default();
    let store = move || {
        Some(param("store"))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "default".into())
    };
    let put = ServerAction::<PutKvValue>::new();
    let delete = ServerAction::<DeleteKvValue>::new();
    let set_trigger = ServerAction::<SetKvTrigger>::new();
    let (uploads, set_uploads) = signal(0_u32);
    let changes = move || {
        let versions = (put.version().get(), delete.version().get());
        (versions, set_trigger.version().get(), uploads.get())
    };
    let stores = Resource::new(changes, |_| list_kv_stores());
    let functions = Resource::new(|| (), |_| list_functions());
    let keys = Resource::new(
        move || (store(), param("prefix"), param("cursor"), changes()),
        |(store, prefix, cursor, _)| {
            list_kv_keys(store, prefix, Some(cursor).filter(|c| !c.is_empty()))
        },
    );
    let value = Resource::new(
        move || (store(), param("key"), changes()),
        |(store, key, _)| async move {
            if key.is_empty() {
                return None;
            }
            Some(get_kv_value(store, key).await)
        },
    );
    let error = move || {
        let failed = |result: Option<Result<(), crate::error::AppError>>| result?.err();
        (failed(put.value().get()).or_else(|| failed(delete.value().get())))
            .or_else(|| failed(set_trigger.value().get()))
    };
    view! {
        <Title text="Key-value stores" />
        <RequireUser>
            <div class="page-head">
                <h1>"Key-value stores"</h1>
            </div>
            <p class="muted">
                "What your functions keep between requests: " <code>"kv.get(key)"</code> " / "
                <code>"kv.set(key, value)"</code> " in JavaScript, " <code>"fnlab.kv"</code>
                " in Python, " <code>"wasi:keyvalue"</code> " in any component. Keys up to 512 bytes, values up to 1 MiB."
            </p>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let functions: Vec<String> = (functions.await.into_iter().flatten())
                        .map(|f| f.name)
                        .collect();
                    stores.await.ok().map(|stores| view! {
                        <nav class="tabs" aria-label="Stores" data-testid="stores">
                            {stores.iter().map(|s| {
                                let current = s.name == store();
                                view! {
                                    <a href=format!("/kv?store={}", s.name) class:current=current>
                                        {format!("{} ({} keys, {})", s.name, s.keys, bytes(s.bytes))}
                                    </a>
                                }
                            }).collect_view()}
                        </nav>
                        <TriggerForm
                            store=store()
                            current=stores.iter().find(|s| s.name == store()).and_then(|s| s.trigger.clone())
                            functions
                            action=set_trigger
                        />
                    })
                })}
            </Transition>
            <FileDrop store=Signal::derive(store) uploaded=move || set_uploads.update(|n| *n += 1) />
            <form method="get" action="/kv" class="inline-form">
                <input type="hidden" name="store" value=store />
                <input name="prefix" value=move || param("prefix") placeholder="Key prefix" aria-label="Key prefix" class="mono" />
                <button type="submit" class="secondary">"Filter"</button>
            </form>
            {move || error().map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match keys.await {
                        Ok(page) => view! { <KeyList store=store() prefix=param("prefix") page /> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match value.await {
                        Some(Ok(Some(value))) => view! { <Value store=store() value delete /> }.into_any(),
                        Some(Ok(None)) => view! { <p class="muted">{format!("No key {:?} in this store.", param("key"))}</p> }.into_any(),
                        Some(Err(e)) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                        None => ().into_any(),
                    }
                })}
            </Transition>
            <ActionForm action=put>
                <fieldset>
                    <legend>"Write a value"</legend>
                    <input type="hidden" name="store" value=store />
                    <input name="key" required maxlength="512" placeholder="key" aria-label="Key" class="mono" value=move || param("key") />
                    <textarea name="value" rows="3" aria-label="Value" class="mono" placeholder="value (text or JSON)"></textarea>
                    <button type="submit" class="primary">"Save"</button>
                </fieldset>
            </ActionForm>
        </RequireUser>
    }
}

/// Which of the user's functions (`functions`) each upload to `store`
/// runs.
#[component]
fn TriggerForm(
    store: String,
    current: Option<String>,
    functions: Vec<String>,
    action: ServerAction<SetKvTrigger>,
) -> impl IntoView {
    let label = format!("Uploads to {store} run");
    let chosen = current.clone().unwrap_or_default();
    let options = functions
        .into_iter()
        .map(|name| {
            let selected = name == chosen;
            view! { <option value=name.clone() selected=selected>{name.clone()}</option> }
        })
        .collect_view();
    view! {
        <ActionForm action>
            <fieldset class="inline-form" data-testid="store-trigger">
                <legend>{label.clone()}</legend>
                <input type="hidden" name="store" value=store />
                <select name="function" aria-label=label>
                    <option value="" selected=chosen.is_empty()>"No function"</option>
                    {options}
                </select>
                <button type="submit" class="secondary">"Set trigger"</button>
            </fieldset>
            <p class="muted">
                {match current {
                    Some(function) => format!("Each upload queues an S3-style event (ObjectCreated:Put) for {function}; its deliveries are under Events on its page."),
                    None => "Pick a function to run it on each file uploaded here, with an S3-style event.".to_owned(),
                }}
            </p>
        </ActionForm>
    }
}

/// Uploads files dropped on it (or chosen) to `store`, each under its
/// file name, and says what became of each.
#[component]
fn FileDrop(
    store: Signal<String>,
    uploaded: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let (over, set_over) = signal(false);
    let (results, set_results) = signal(Vec::<Result<String, String>>::new());
    let upload = move |files: Option<web_sys::FileList>| {
        let Some(files) = files else { return };
        let files: Vec<web_sys::File> = (0..files.length()).filter_map(|i| files.get(i)).collect();
        set_results.set(Vec::new());
        let store = store.get_untracked();
        leptos::task::spawn_local(async move {
            for file in files {
                let result = upload_one(&store, &file).await;
                set_results.update(|all| all.push(result));
            }
            uploaded();
        });
    };
    view! {
        <label
            class="drop-zone"
            class:over=over
            data-testid="drop-zone"
            on:dragover=move |ev: leptos::ev::DragEvent| {
                ev.prevent_default();
                set_over.set(true);
            }
            on:dragleave=move |_| set_over.set(false)
            on:drop=move |ev: leptos::ev::DragEvent| {
                ev.prevent_default();
                set_over.set(false);
                upload(ev.data_transfer().and_then(|data| data.files()));
            }
        >
            {move || format!("Drop files here to upload them to {} (at most 1 MiB each), or choose them", store.get())}
            <input
                type="file"
                multiple
                aria-label="Files to upload"
                on:change=move |ev| {
                    let input: web_sys::HtmlInputElement = event_target(&ev);
                    upload(input.files());
                }
            />
        </label>
        <ul class="uploads" data-testid="uploads">
            {move || results.get().into_iter().map(|result| match result {
                Ok(line) => view! { <li class="notice" role="status">{line}</li> }.into_any(),
                Err(line) => view! { <li class="error" role="alert">{line}</li> }.into_any(),
            }).collect_view()}
        </ul>
    }
}

/// Uploads `file` to `store` under its name: what happened, for people.
async fn upload_one(store: &str, file: &web_sys::File) -> Result<String, String> {
    let name = file.name();
    let content_type = Some(file.type_()).filter(|t| !t.is_empty());
    let url = format!("/api/v1/kv/{}/{}", enc(store), enc(&name));
    let content_type = content_type
        .as_deref()
        .unwrap_or("application/octet-stream");
    match super::upload::put_file(&url, content_type, file).await {
        Ok((_, headers)) => {
            let event = headers.get(EVENT_ID_HEADER).ok().flatten();
            let size = bytes(file.size() as i64);
            Ok(match event {
                Some(id) => format!("Uploaded {name} ({size}); queued event {id}."),
                None => format!("Uploaded {name} ({size})."),
            })
        }
        Err(message) => Err(format!("{name}: {message}")),
    }
}

/// The response header naming the event an upload queued.
const EVENT_ID_HEADER: &str = "fnlab-event-id";

/// A page of keys, each a link to its value, and "Next" when there is more.
#[component]
fn KeyList(store: String, prefix: String, page: KeysView) -> impl IntoView {
    if page.keys.is_empty() {
        return view! { <p class="empty" data-testid="no-keys">"No keys here yet."</p> }.into_any();
    }
    let link = |key: &str| {
        format!(
            "/kv?store={}&prefix={}&key={}",
            enc(&store),
            enc(&prefix),
            enc(key)
        )
    };
    let rows = (page.keys.iter())
        .map(|k| {
            view! {
                <tr>
                    <td class="mono"><a href=link(&k.key)>{k.key.clone()}</a></td>
                    <td>{bytes(k.size)}</td>
                    <td>{utc_time(k.updated_at)}</td>
                </tr>
            }
        })
        .collect_view();
    let next = page.cursor.map(|cursor| {
        let href = format!(
            "/kv?store={}&prefix={}&cursor={}",
            enc(&store),
            enc(&prefix),
            enc(&cursor)
        );
        view! { <a href=href>"Next page"</a> }
    });
    view! {
        <Table testid="keys" columns=&["Key", "Size", "Written"]>
            {rows}
        </Table>
        {next}
    }
    .into_any()
}

/// One value: JSON pretty-printed, text as it is, else size and hex.
#[component]
fn Value(store: String, value: ValueView, delete: ServerAction<DeleteKvValue>) -> impl IntoView {
    let shown = match (&value.text, value.json) {
        (Some(text), true) => {
            view! { <pre class="log" data-testid="kv-value">{text.clone()}</pre> }.into_any()
        }
        (Some(text), false) => {
            view! { <pre class="log" data-testid="kv-value">{text.clone()}</pre> }.into_any()
        }
        (None, _) => view! {
            <p data-testid="kv-value">{format!("Binary, {} bytes. First bytes:", value.size)}</p>
            <pre class="log mono">{value.hex.clone()}</pre>
        }
        .into_any(),
    };
    let label = format!("Delete {}", value.key);
    view! {
        <section class="kv-value">
            <h2 class="mono">{value.key.clone()}</h2>
            <p class="muted">{format!("{} bytes{}", value.size, if value.json { ", JSON" } else { "" })}</p>
            {shown}
            <ActionForm action=delete>
                <input type="hidden" name="store" value=store />
                <input type="hidden" name="key" value=value.key.clone() />
                <button type="submit" class="danger" aria-label=label>"Delete"</button>
            </ActionForm>
        </section>
    }
}

/// `text` percent-encoded for a query string.
fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
