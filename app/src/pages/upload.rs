//! Deploying a `.wasm` component from the browser: the file goes to
//! `PUT /api/v1/functions/{name}/component` as raw bytes (the session
//! cookie authenticates it), and the page shows the server's verdict.

use crate::functions::{NAME_MAX_LEN, NAME_PATTERN};
use leptos::html;
use leptos::prelude::*;

/// The deploy form: a name, a file, and the result.
#[component]
pub fn UploadComponent(
    /// The function's name, when deploying a new version of a known one.
    #[prop(optional, into)]
    name: Option<String>,
) -> impl IntoView {
    let fixed_name = name.clone();
    let name_input = NodeRef::<html::Input>::new();
    let file_input = NodeRef::<html::Input>::new();
    let (status, set_status) = signal(None::<Result<String, String>>);
    let (pending, set_pending) = signal(false);
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let name = fixed_name
            .clone()
            .or_else(|| name_input.get().map(|i| i.value()))
            .unwrap_or_default();
        let file = file_input
            .get()
            .and_then(|input| input.files())
            .and_then(|files| files.get(0));
        let Some(file) = file else {
            set_status.set(Some(Err("Choose a .wasm file first.".into())));
            return;
        };
        set_pending.set(true);
        set_status.set(None);
        leptos::task::spawn_local(async move {
            let result = send(&name, file).await;
            set_pending.set(false);
            if result.is_ok() {
                let navigate = leptos_router::hooks::use_navigate();
                navigate(&format!("/functions/{name}"), Default::default());
            }
            set_status.set(Some(result));
        });
    };
    view! {
        <form class="upload" on:submit=on_submit>
            <fieldset disabled=move || pending.get()>
                <legend>{if name.is_some() { "Deploy a new version" } else { "Deploy a component" }}</legend>
                <div class="inline-form">
                    {name
                        .is_none()
                        .then(|| {
                            view! {
                                <input
                                    node_ref=name_input
                                    name="function"
                                    required
                                    maxlength=NAME_MAX_LEN
                                    pattern=NAME_PATTERN
                                    placeholder="function-name"
                                    aria-label="Function name"
                                />
                            }
                        })}
                    <input node_ref=file_input type="file" accept=".wasm,application/wasm" required aria-label="Component file" />
                    <button type="submit" class="primary">"Upload"</button>
                </div>
            </fieldset>
            {move || pending.get().then(|| view! { <p class="muted" role="status">"Uploading and compiling…"</p> })}
            {move || {
                status
                    .get()
                    .map(|result| match result {
                        Ok(message) => view! { <p class="notice" role="status">{message}</p> }.into_any(),
                        Err(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                    })
            }}
        </form>
    }
}

/// Uploads `file` as the component of `name`; the server's message on failure.
async fn send(name: &str, file: web_sys::File) -> Result<String, String> {
    let url = format!("/api/v1/functions/{name}/component");
    let (body, _) = put_file(&url, "application/wasm", &file).await?;
    Ok(format!("Version {} is live.", body["version"]))
}

/// `PUT`s `file` to `url` of the REST API as `content_type` (the session
/// cookie authenticates it): the answer's JSON body (`null` when empty)
/// and headers, or the server's error message.
#[cfg(feature = "hydrate")]
pub(crate) async fn put_file(
    url: &str,
    content_type: &str,
    file: &web_sys::File,
) -> Result<(serde_json::Value, web_sys::Headers), String> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    let failed = |e: wasm_bindgen::JsValue| format!("The upload failed: {e:?}");
    let init = web_sys::RequestInit::new();
    init.set_method("PUT");
    init.set_body(file);
    let headers = web_sys::Headers::new().map_err(failed)?;
    headers.set("content-type", content_type).map_err(failed)?;
    init.set_headers(&headers);
    let request = web_sys::Request::new_with_str_and_init(url, &init).map_err(failed)?;
    let window = web_sys::window().ok_or("no window")?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(failed)?
        .dyn_into()
        .map_err(failed)?;
    let text = JsFuture::from(response.text().map_err(failed)?)
        .await
        .map_err(failed)?
        .as_string()
        .unwrap_or_default();
    let body: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    if response.ok() {
        Ok((body, response.headers()))
    } else {
        Err(body["error"]["message"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or(text))
    }
}

/// Uploads happen in the browser only.
#[cfg(not(feature = "hydrate"))]
pub(crate) async fn put_file(
    _url: &str,
    _content_type: &str,
    _file: &web_sys::File,
) -> Result<(serde_json::Value, web_sys::Headers), String> {
    Err("uploads need JavaScript".into())
}
