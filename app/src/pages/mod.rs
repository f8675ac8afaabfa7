//! One module per page, plus the pieces several pages share.

pub mod account;
pub mod dashboard;
pub mod landing;
pub mod not_found;
pub mod tokens;

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
