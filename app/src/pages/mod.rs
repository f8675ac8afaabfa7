//! One module per page, plus the pieces several pages share.

pub mod account;
pub mod admin;
pub mod assignment;
pub mod billing;
pub mod courses;
pub mod dashboard;
pub mod environment;
pub mod events;
pub mod function;
pub mod kv;
pub mod landing;
pub mod metrics;
pub mod not_found;
pub mod presenter;
pub mod schedules;
pub mod shared;
pub mod tokens;
pub mod upload;

use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::auth::Auth;

/// Renders `children` for a signed-in user; sends anyone else to the login
/// page.
#[component]
pub fn RequireUser(children: ChildrenFn) -> impl IntoView {
    let auth = Auth::get();
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    match auth.user.await {
                        Ok(Some(_)) => children().into_any(),
                        Ok(None) => view! { <Redirect path="/login" /> }.into_any(),
                        Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

/// A data table: a header row, then `children` as the body rows.
#[component]
pub fn Table(
    /// Names the table for the browser tests (`data-testid`).
    testid: &'static str,
    /// The column headings.
    columns: &'static [&'static str],
    /// Extra CSS classes.
    #[prop(optional)]
    class: &'static str,
    /// The body rows.
    children: Children,
) -> impl IntoView {
    view! {
        <table class=format!("table {class}") data-testid=testid>
            <thead>
                <tr>{columns.iter().map(|c| view! { <th>{*c}</th> }).collect_view()}</tr>
            </thead>
            <tbody>{children()}</tbody>
        </table>
    }
}

/// A counter that goes up every `period` once the page is hydrated (it
/// stays at 0 on the server): resources that read it refresh themselves.
pub fn ticker(period: std::time::Duration) -> ReadSignal<u64> {
    let (tick, set_tick) = signal(0u64);
    #[cfg(feature = "hydrate")]
    {
        if let Ok(handle) = set_interval_with_handle(move || set_tick.update(|t| *t += 1), period) {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (set_tick, period);
    tick
}

/// Puts `text` on the system clipboard (in the browser; a no-op on the server,
/// where no click ever happens).
pub(crate) fn copy_to_clipboard(text: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _promise = window().navigator().clipboard().write_text(text);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = text;
}
