//! Presenter mode, for an instructor demoing a function on a projector:
//! the page in large type and high contrast (editor included), the
//! function's URL as a big link to copy and a QR code to scan, and only
//! the editor and the live log of requests as they arrive, so that the
//! class sees its own calls land. A switch on the function page; the
//! styles are `.presenter` in `style/main.css`.

use leptos::prelude::*;

use super::copy_to_clipboard;
#[cfg(feature = "ssr")]
use crate::error::AppError;

/// `text` (a URL) as a QR code in SVG.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "qr_code")]
pub async fn qr_code(text: String) -> Result<String, crate::error::AppError> {
    use qrcode::render::svg;
    let code = qrcode::QrCode::new(text.as_bytes())
        .map_err(|e| AppError::Invalid(format!("no QR code for this text: {e}")))?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build())
}

/// The switch, and (when on) the big URL and its QR code.
#[component]
pub fn PresenterPanel(
    /// The function's public URL.
    url: String,
    /// Whether presenter mode is on.
    on: RwSignal<bool>,
) -> impl IntoView {
    let qr = RwSignal::new(String::new());
    let (copied, set_copied) = signal(false);
    let for_qr = url.clone();
    Effect::new(move |_| {
        if on.get() && qr.with_untracked(String::is_empty) {
            let url = for_qr.clone();
            leptos::task::spawn_local(async move {
                if let Ok(svg) = qr_code(url).await {
                    qr.set(svg);
                }
            });
        }
    });
    let for_copy = url.clone();
    view! {
        <button type="button" class="secondary presenter-switch" aria-pressed=move || on.get().to_string()
            on:click=move |_| on.update(|on| *on = !*on)>
            {move || if on.get() { "Leave presenter mode" } else { "Presenter mode" }}
        </button>
        <Show when=move || on.get()>
            <section class="presenter-head" data-testid="presenter">
                <div>
                    <p class="muted">"Call this URL:"</p>
                    <a class="big-url mono" href=url.clone() target="_blank" rel="noopener" data-testid="presenter-url">{url.clone()}</a>
                    <button type="button" on:click={
                        let url = for_copy.clone();
                        move |_| { copy_to_clipboard(&url); set_copied.set(true); }
                    }>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
                    <p class="muted">"Requests appear below as they arrive."</p>
                </div>
                <div class="qr" data-testid="presenter-qr" inner_html=move || qr.get()></div>
            </section>
        </Show>
    }
}
