//! The HTML shell, the router and the header with the user menu.

use leptos::prelude::*;
use leptos_meta::{Link, MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::auth::Auth;
use crate::pages::{
    account::{LogInPage, SignUpPage},
    admin::AdminPage,
    assignment::{AssignmentPage, WorkPage},
    billing::BillingPage,
    courses::{CoursePage, CoursesPage, JoinPage},
    dashboard::Dashboard,
    function::FunctionPage,
    kv::KvPage,
    landing::Landing,
    metrics::MetricsPage,
    not_found::NotFound,
    shared::SharedPage,
    tokens::TokensPage,
};

/// The document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The whole UI: header, then the page the URL names.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    Auth::provide();
    view! {
        <Stylesheet id="leptos" href="/pkg/fnlab.css" />
        <Link rel="icon" href="/favicon.ico" />
        <Title formatter=|page: String| {
            if page.is_empty() { "Fnlab".to_owned() } else { format!("{page} · Fnlab") }
        } />
        <Router>
            <Header />
            <main class="page">
                <Routes fallback=NotFound>
                    <Route path=path!("") view=Landing ssr=SsrMode::Async />
                    <Route path=path!("signup") view=SignUpPage ssr=SsrMode::Async />
                    <Route path=path!("login") view=LogInPage ssr=SsrMode::Async />
                    // Pages behind a login render whole before sending, so a
                    // signed-out visitor gets a real redirect to the login page.
                    <Route path=path!("dashboard") view=Dashboard ssr=SsrMode::Async />
                    <Route path=path!("tokens") view=TokensPage ssr=SsrMode::Async />
                    <Route path=path!("kv") view=KvPage ssr=SsrMode::Async />
                    <Route path=path!("functions/:name") view=FunctionPage ssr=SsrMode::Async />
                    <Route path=path!("functions/:name/metrics") view=MetricsPage ssr=SsrMode::Async />
                    <Route path=path!("billing") view=BillingPage ssr=SsrMode::Async />
                    <Route path=path!("admin") view=AdminPage ssr=SsrMode::Async />
                    <Route path=path!("s/:user/:function") view=SharedPage ssr=SsrMode::Async />
                    <Route path=path!("courses") view=CoursesPage ssr=SsrMode::Async />
                    <Route path=path!("courses/:id") view=CoursePage ssr=SsrMode::Async />
                    <Route path=path!("join/:code") view=JoinPage ssr=SsrMode::Async />
                    <Route path=path!("assignments/:id") view=AssignmentPage ssr=SsrMode::Async />
                    <Route path=path!("assignments/:id/work/:username") view=WorkPage ssr=SsrMode::Async />
                </Routes>
            </main>
        </Router>
    }
}

/// The top bar: brand, and either the user menu or the ways in.
#[component]
fn Header() -> impl IntoView {
    let auth = Auth::get();
    view! {
        <header class="topbar">
            <a class="brand" href="/">
                <span class="brand-mark">"λ"</span>
                "Fnlab"
            </a>
            <nav class="topnav">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match auth.user.await {
                            Ok(Some(user)) => {
                                view! {
                                    <a href="/dashboard">"Functions"</a>
                                    <a href="/courses">"Courses"</a>
                                    <a href="/billing">"Billing"</a>
                                    {user.is_admin.then(|| view! { <a href="/admin">"Admin"</a> })}
                                    <details class="user-menu">
                                        <summary data-testid="user-menu">{user.username}</summary>
                                        <div class="menu">
                                            <a href="/dashboard">"Dashboard"</a>
                                            <a href="/kv">"Key-value stores"</a>
                                            <a href="/tokens">"API tokens"</a>
                                            <a href="/api/docs" rel="external">
                                                "API reference"
                                            </a>
                                            <ActionForm action=auth.log_out>
                                                <button type="submit" class="link">
                                                    "Log out"
                                                </button>
                                            </ActionForm>
                                        </div>
                                    </details>
                                }
                                    .into_any()
                            }
                            _ => {
                                view! {
                                    <a href="/login">"Log in"</a>
                                    <a class="button" href="/signup">
                                        "Sign up"
                                    </a>
                                }
                                    .into_any()
                            }
                        }
                    })}
                </Transition>
            </nav>
        </header>
    }
}
