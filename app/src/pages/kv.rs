//! `/kv?store=NAME&prefix=P&cursor=C&key=K`: the user's key-value stores.
//! Tabs for the stores, a prefix filter and a page of keys (with "Next"
//! by cursor), the selected value shown for people, and forms to write
//! and delete values. Functions read and write the same stores.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{RequireUser, Table};
use crate::format::{bytes, utc_time};
use crate::kv::{
    DeleteKvValue, KeysView, PutKvValue, ValueView, get_kv_value, list_kv_keys, list_kv_stores,
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
    let changes = move || (put.version().get(), delete.version().get());
    let stores = Resource::new(changes, |_| list_kv_stores());
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
        failed(put.value().get()).or_else(|| failed(delete.value().get()))
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
                    stores.await.ok().map(|stores| view! {
                        <nav class="tabs" aria-label="Stores" data-testid="stores">
                            {stores.into_iter().map(|s| {
                                let current = s.name == store();
                                view! {
                                    <a href=format!("/kv?store={}", s.name) class:current=current>
                                        {format!("{} ({} keys, {})", s.name, s.keys, bytes(s.bytes))}
                                    </a>
                                }
                            }).collect_view()}
                        </nav>
                    })
                })}
            </Transition>
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
