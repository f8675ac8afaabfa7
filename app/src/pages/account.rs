//! The sign-up and log-in pages.

use leptos::prelude::*;
use leptos::server::ServerActionError;
use leptos::server_fn::ServerFn;
use leptos::server_fn::error::ServerFnUrlError;
use leptos_meta::Title;

use crate::auth::Auth;
use crate::error::AppError;

/// The last error of the form's action `S`, as text to show under the form.
/// Posted without JavaScript, the form comes back to this page with its
/// error in the URL (`?__path=&__err=`), which shows until the next try.
fn action_error<S>(action: ServerAction<S>) -> Signal<Option<String>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    let returned = use_context::<ServerActionError>()
        .filter(|returned| returned.path() == S::PATH)
        .map(|returned| ServerFnUrlError::<AppError>::decode_err(returned.err()).to_string());
    Signal::derive(move || {
        action.value().with(|last| match last {
            Some(result) => result.as_ref().err().map(ToString::to_string),
            None => returned.clone(),
        })
    })
}

/// Username and password inputs with the form's error and submit button.
#[component]
fn CredentialsFields(
    /// `current-password` or `new-password`, for password managers.
    password_autocomplete: &'static str,
    /// Text of the submit button.
    submit: &'static str,
    /// The action's last error.
    error: Signal<Option<String>>,
    /// Whether the action is running.
    pending: Signal<bool>,
) -> impl IntoView {
    view! {
        <label>
            "Username"
            <input
                name="username"
                autocomplete="username"
                required
                autocapitalize="none"
                spellcheck="false"
                maxlength="32"
            />
        </label>
        <label>
            "Password"
            <input
                name="password"
                type="password"
                autocomplete=password_autocomplete
                required
                maxlength="256"
            />
        </label>
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        <button type="submit" class="primary" disabled=move || pending.get()>
            {submit}
        </button>
    }
}

/// `/signup`: create an account.
#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = Auth::get().sign_up;
    view! {
        <Title text="Sign up" />
        <section class="card narrow">
            <h1>"Create your account"</h1>
            <p class="muted">
                "Your username is part of your functions' public URLs: lowercase letters, digits and dashes."
            </p>
            <ActionForm action>
                <div class="form">
                    <CredentialsFields
                        password_autocomplete="new-password"
                        submit="Sign up"
                        error=action_error(action)
                        pending=action.pending().into()
                    />
                    <p class="muted small">"Passwords need at least 10 characters."</p>
                </div>
            </ActionForm>
            <p>"Already have an account? " <a href="/login">"Log in"</a></p>
        </section>
    }
}

/// `/login`: sign in.
#[component]
pub fn LogInPage() -> impl IntoView {
    let action = Auth::get().log_in;
    view! {
        <Title text="Log in" />
        <section class="card narrow">
            <h1>"Log in"</h1>
            <ActionForm action>
                <div class="form">
                    <CredentialsFields
                        password_autocomplete="current-password"
                        submit="Log in"
                        error=action_error(action)
                        pending=action.pending().into()
                    />
                </div>
            </ActionForm>
            <p>"New to Fnlab? " <a href="/signup">"Create an account"</a></p>
        </section>
    }
}
