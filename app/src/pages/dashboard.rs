//! `/dashboard`: the signed-in user's functions.

use leptos::prelude::*;
use leptos_meta::Title;

use super::RequireUser;

/// The dashboard page.
#[component]
pub fn Dashboard() -> impl IntoView {
    view! {
        <Title text="Functions" />
        <RequireUser>
            <div class="page-head">
                <h1>"Your functions"</h1>
            </div>
            <div class="empty" data-testid="functions-empty">
                <p class="big">"No functions yet."</p>
                <p class="muted">
                    "Functions you deploy appear here, each with its public URL, live version and latest invocation."
                </p>
            </div>
        </RequireUser>
    }
}
