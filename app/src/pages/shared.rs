//! Sharing, in two places. `/s/{user}/{function}`: a public function's
//! page, for anyone: its source highlighted and read-only, description,
//! language, forks and origin, its live URL with a console to try it, and
//! Fork for a signed-in user (the fork opens in their editor, ready to
//! deploy). And the owner's Sharing section on the function page: public
//! or not, and the description.
//!
//! The source is highlighted by `public/editor/editor.js`, which finds it
//! by `data-fnlab-source`, and so is the console.

use fnlab_functions::Shared;
use leptos::prelude::*;
use leptos_meta::{Script, Title};
use leptos_router::hooks::use_params_map;

use super::function::TestConsole;
use super::not_found::NotFound;
use crate::auth::Auth;
use crate::sharing::{ForkFunction, SetSharing, get_shared, my_sharing};

/// A public function's page.
#[component]
pub fn SharedPage() -> impl IntoView {
    let params = use_params_map();
    let param = move |name: &str| params.read().get(name).unwrap_or_default();
    let shared = Resource::new(
        move || (param("user"), param("function")),
        |(user, name)| get_shared(user, name),
    );
    view! {
        <Title text=move || format!("{}/{}", param("user"), param("function")) />
        <Script src="/editor/editor.js" defer="" />
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match shared.await {
                    Ok(shared) => view! { <SharedView shared /> }.into_any(),
                    Err(_) => view! { <NotFound /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn SharedView(shared: Shared) -> impl IntoView {
    let Shared {
        user,
        name,
        public,
        language,
        description,
        source,
        url,
        live,
        forks,
        forked_from,
    } = shared;
    let language = language.map(|l| l.as_str()).unwrap_or("component");
    let origin = forked_from.map(|from| {
        view! { " · forked from " <a href=format!("/s/{from}") data-testid="forked-from">{from.clone()}</a> }
    });
    let forks = match forks {
        1 => "1 fork".to_owned(),
        n => format!("{n} forks"),
    };
    let private = (!public).then(|| {
        view! { <p class="notice" role="status">"Only you see this page: the function is private. Make it public under Sharing on its page."</p> }
    });
    // Highlighted once hydrated (the script replaces what it mounts on,
    // which hydration must not find changed); plain until then.
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    let shown = match source {
        Some(source) => {
            let plain = source.clone();
            view! {
                <Show
                    when=move || hydrated.get()
                    fallback=move || view! { <pre class="source" data-testid="shared-source">{plain.clone()}</pre> }
                >
                    <div data-fnlab-source="" data-language=language data-source=source.clone() data-testid="shared-source"></div>
                </Show>
            }
            .into_any()
        }
        None => view! { <p class="muted">"Deployed as a component: there is no source to show or fork."</p> }.into_any(),
    };
    let try_it =
        live.then(|| view! { <TestConsole name=name.clone() url=url.clone() public=true /> });
    view! {
        <div class="page-head">
            <h1>
                <a href=format!("/s/{user}/{name}")>{format!("{user}/{name}")}</a>
                " " <span class="badge">{language}</span>
            </h1>
            <ForkForm user=user.clone() name=name.clone() />
        </div>
        {private}
        <p data-testid="shared-description">{description}</p>
        <p class="muted">
            <span data-testid="fork-count">{forks}</span>
            {origin}
        </p>
        <p>
            {if live { "Live at " } else { "Not deployed yet: " }}
            <a class="mono" href=url.clone() target="_blank" rel="noopener">{url.clone()}</a>
        </p>
        {shown}
        {try_it}
    }
}

/// Fork, for a signed-in user (a name of their choosing, the original's
/// by default); a link to log in for anyone else.
#[component]
fn ForkForm(user: String, name: String) -> impl IntoView {
    let auth = Auth::get();
    // The server sends the browser to the fork's page.
    let fork = ServerAction::<ForkFunction>::new();
    let failed = move || fork.value().get().and_then(Result::err);
    view! {
        <Transition fallback=|| ()>
            {move || {
                let (user, name) = (user.clone(), name.clone());
                Suspend::new(async move {
                    match auth.user.await {
                        Ok(Some(_)) => view! {
                            <ActionForm action=fork>
                                <div class="inline-form">
                                    <input type="hidden" name="user" value=user />
                                    <input name="new_name" value=name.clone() aria-label="Name of your fork" class="mono" />
                                    <input type="hidden" name="name" value=name />
                                    <button type="submit" class="primary">"Fork"</button>
                                </div>
                            </ActionForm>
                        }
                        .into_any(),
                        _ => view! { <a class="button" href="/login">"Log in to fork"</a> }.into_any(),
                    }
                })
            }}
        </Transition>
        {move || failed().map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
    }
}

/// The owner's Sharing section: public or private, the description, and
/// a link to the public page with its fork count.
#[component]
pub fn SharingPanel(
    /// The function.
    name: String,
) -> impl IntoView {
    let set = ServerAction::<SetSharing>::new();
    let function = name.clone();
    let shared = Resource::new(
        move || set.version().get(),
        move |_| my_sharing(function.clone()),
    );
    let failed = move || set.value().get().and_then(Result::err);
    view! {
        <section class="sharing" data-testid="sharing">
            <h2>"Sharing"</h2>
            <Transition fallback=|| ()>
                {move || {
                    let name = name.clone();
                    Suspend::new(async move {
                        shared.await.ok().map(|shared| {
                            let page = format!("/s/{}/{}", shared.user, shared.name);
                            let origin = shared.forked_from.clone().map(|from| {
                                view! { " Forked from " <a href=format!("/s/{from}")>{from.clone()}</a> "." }
                            });
                            view! {
                                <ActionForm action=set>
                                    <input type="hidden" name="name" value=name />
                                    <label class="check">
                                        <input type="checkbox" name="public" checked=shared.public />
                                        " Public: anyone can read the source and fork it"
                                    </label>
                                    <textarea name="description" rows="2" maxlength="500" aria-label="Description"
                                        placeholder="What it does, for whoever finds it">{shared.description.clone()}</textarea>
                                    <button type="submit" class="secondary">"Save sharing"</button>
                                </ActionForm>
                                <p class="muted">
                                    {shared.public.then(|| view! { "Its page: " <a href=page.clone() data-testid="public-page">{page.clone()}</a> ". " })}
                                    {format!("{} fork{}.", shared.forks, if shared.forks == 1 { "" } else { "s" })}
                                    {origin}
                                </p>
                            }
                        })
                    })
                }}
            </Transition>
            {move || failed().map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
        </section>
    }
}
