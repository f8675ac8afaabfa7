//! `/`: what Fnlab is and who it is for.

use leptos::prelude::*;

use crate::auth::Auth;

/// The landing page.
#[component]
pub fn Landing() -> impl IntoView {
    let auth = Auth::get();
    view! {
        <section class="hero">
            <h1>"Write a function. Press Deploy. Get a URL."</h1>
            <p class="lead">
                "Fnlab is a self-hosted serverless lab: write a function in your browser, "
                "deploy it in seconds, and every request runs it in a fresh WebAssembly sandbox. "
                "You see its logs, its latency and what it costs."
            </p>
            <div class="cta">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match auth.user.await {
                            Ok(Some(_)) => {
                                view! {
                                    <a class="button primary" href="/dashboard">
                                        "Go to your functions"
                                    </a>
                                }
                                    .into_any()
                            }
                            _ => {
                                view! {
                                    <a class="button primary" href="/signup">
                                        "Create an account"
                                    </a>
                                    <a class="button" href="/login">
                                        "Log in"
                                    </a>
                                }
                                    .into_any()
                            }
                        }
                    })}
                </Transition>
            </div>
        </section>
        <section class="features">
            <article>
                <h2>"For students"</h2>
                <p>
                    "Nothing to install: the classic handler(event, context) from the textbooks, "
                    "with real logs, versions and a billing view like the big clouds."
                </p>
            </article>
            <article>
                <h2>"For hobbyists"</h2>
                <p>
                    "Webhooks and small JSON APIs that stay up and cheap, "
                    "as standard wasi:http components that run anywhere."
                </p>
            </article>
            <article>
                <h2>"For instructors"</h2>
                <p>"Fast deploys for live demos, and a usage view per student."</p>
            </article>
        </section>
    }
}
