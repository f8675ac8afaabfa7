//! The function page's Environment section: its variables (shown), its
//! secrets (names only, "sealed"), a form to set either, and a button to
//! remove each. A change reaches the live function within a second, with
//! no redeploy.

use fnlab_functions::Environment;
use leptos::prelude::*;

use super::Table;
use crate::environment::{RemoveEnvironment, SetEnvironment, get_environment};
use crate::format::utc_time;

/// The names a variable may have, as an HTML `pattern` (the server checks
/// the same rule, and that no name starts with `FNLAB_`).
const ENV_NAME_PATTERN: &str = "[A-Z_][A-Z0-9_]*";

/// Variables and secrets of function `name`.
#[component]
pub fn EnvironmentPanel(
    /// The function.
    name: String,
) -> impl IntoView {
    let set = ServerAction::<SetEnvironment>::new();
    let remove = ServerAction::<RemoveEnvironment>::new();
    let function = name.clone();
    let table_name = name.clone();
    let environment = Resource::new(
        move || (set.version().get(), remove.version().get()),
        move |_| get_environment(function.clone()),
    );
    let error = move || {
        let failed = |result: Option<Result<(), crate::error::AppError>>| result?.err();
        failed(set.value().get()).or_else(|| failed(remove.value().get()))
    };
    view! {
        <section class="environment" data-testid="environment">
            <h2>"Environment"</h2>
            <p class="muted">
                "Your function reads these as environment variables: "
                <code>"std::env::var"</code> " in Rust, " <code>"os.environ"</code> " in Python, "
                <code>"process.env"</code> " or the " <code>"env"</code> " argument of " <code>"fetch"</code>
                " in JavaScript. Secrets are encrypted and never shown again once saved."
            </p>
            <ActionForm action=set>
                <input type="hidden" name="name" value=name.clone() />
                <div class="inline-form">
                    <input name="key" required maxlength="128" pattern=ENV_NAME_PATTERN class="mono"
                        placeholder="NAME" aria-label="Variable name" title="Capital letters, digits and _" />
                    <input name="value" maxlength="5120" class="mono" placeholder="value" aria-label="Variable value" autocomplete="off" />
                    <label class="check"><input type="checkbox" name="secret" value="on" />" secret"</label>
                    <button type="submit" class="primary">"Set"</button>
                </div>
            </ActionForm>
            {move || error().map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || {
                    let name = table_name.clone();
                    Suspend::new(async move {
                    match environment.await {
                        Ok(env) if env.vars.is_empty() && env.secrets.is_empty() => {
                            view! { <p class="empty" data-testid="no-env">"No variables or secrets yet."</p> }.into_any()
                        }
                        Ok(env) => view! { <EnvironmentTable name env remove /> }.into_any(),
                        Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                    }
                    })
                }}
            </Transition>
        </section>
    }
}

/// One row per variable, then one per secret, each with Remove.
#[component]
fn EnvironmentTable(
    name: String,
    env: Environment,
    remove: ServerAction<RemoveEnvironment>,
) -> impl IntoView {
    let vars = env
        .vars
        .into_iter()
        .map(|(key, value)| {
            view! {
                <tr>
                    <td class="mono">{key.clone()}</td>
                    <td class="mono env-value">{value}</td>
                    <td class="muted">"variable"</td>
                    <td class="actions"><RemoveEntry name=name.clone() key remove /></td>
                </tr>
            }
        })
        .collect_view();
    let secrets = env.secrets.into_iter().map(|secret| {
        let state = if secret.readable {
            format!("secret, set {}", utc_time(secret.updated_at))
        } else {
            "secret sealed with another key: set it again".to_owned()
        };
        view! {
            <tr>
                <td class="mono">{secret.name.clone()}</td>
                <td class="muted">"•••••• (hidden)"</td>
                <td class:error=!secret.readable class:muted=secret.readable>{state}</td>
                <td class="actions"><RemoveEntry name=name.clone() key=secret.name remove /></td>
            </tr>
        }
    }).collect_view();
    view! {
        <Table testid="env" columns=&["Name", "Value", "Kind", ""]>
            {vars}
            {secrets}
        </Table>
    }
}

/// The Remove button of one variable or secret.
#[component]
fn RemoveEntry(
    name: String,
    key: String,
    remove: ServerAction<RemoveEnvironment>,
) -> impl IntoView {
    let label = format!("Remove {key}");
    view! {
        <ActionForm action=remove>
            <input type="hidden" name="name" value=name />
            <input type="hidden" name="key" value=key />
            <button type="submit" class="danger" aria-label=label>"Remove"</button>
        </ActionForm>
    }
}
