//! `/tokens`: create, copy once and revoke API tokens.

use leptos::prelude::*;
use leptos_meta::Title;

use super::{RequireUser, Table, copy_to_clipboard};
use crate::format::utc_time;
use crate::tokens::{CreateToken, CreatedToken, RevokeToken, TokenRow, list_tokens};

/// The API tokens page.
#[component]
pub fn TokensPage() -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_tokens(),
    );
    view! {
        <Title text="API tokens" />
        <RequireUser>
            <div class="page-head">
                <h1>"API tokens"</h1>
            </div>
            <p class="muted">
                "Scripts call the REST API with " <code>"Authorization: Bearer <token>"</code>
                ". Each token is shown once, when you create it; revoke any you no longer use."
            </p>
            <ActionForm action=create>
                <div class="inline-form">
                    <input name="name" required maxlength="64" placeholder="Token name, e.g. laptop" aria-label="Token name" />
                    <button type="submit" class="primary">"Create token"</button>
                </div>
            </ActionForm>
            {move || {
                create
                    .value()
                    .get()
                    .map(|result| match result {
                        Ok(token) => view! { <NewToken token /> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    })
            }}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Ok(rows) if rows.is_empty() => {
                            view! { <p class="empty" data-testid="no-tokens">"No tokens yet."</p> }.into_any()
                        }
                        Ok(rows) => view! { <TokenTable rows revoke /> }.into_any(),
                        Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </RequireUser>
    }
}

/// The table of existing tokens, each with a revoke button.
#[component]
fn TokenTable(rows: Vec<TokenRow>, revoke: ServerAction<RevokeToken>) -> impl IntoView {
    view! {
        <Table testid="tokens" columns=&["Name", "Created", "Last used", ""]>
                {rows
                    .into_iter()
                    .map(|row| {
                        view! {
                            <tr>
                                <td>{row.name.clone()}</td>
                                <td>{utc_time(row.created_at)}</td>
                                <td>{row.last_used_at.map(utc_time).unwrap_or_else(|| "never".into())}</td>
                                <td class="actions">
                                    <ActionForm action=revoke>
                                        <input type="hidden" name="id" value=row.id />
                                        <button type="submit" class="danger" aria-label=format!("Revoke {}", row.name)>
                                            "Revoke"
                                        </button>
                                    </ActionForm>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </Table>
    }
}

/// The secret of a token just created, with a copy button.
#[component]
fn NewToken(token: CreatedToken) -> impl IntoView {
    let (copied, set_copied) = signal(false);
    let secret = token.token.clone();
    view! {
        <div class="notice" role="status">
            <p>
                "Token " <strong>{token.name}</strong>
                " created. Copy it now: it will not be shown again."
            </p>
            <div class="secret-row">
                <code class="secret" data-testid="new-token">{token.token}</code>
                <button
                    type="button"
                    on:click=move |_| {
                        copy_to_clipboard(&secret);
                        set_copied.set(true);
                    }
                >
                    {move || if copied.get() { "Copied" } else { "Copy" }}
                </button>
            </div>
        </div>
    }
}
