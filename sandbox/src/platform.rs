//! Requests a function makes to Fnlab itself: an outbound HTTP request to
//! `http://fnlab.internal/` never leaves the host. It reaches the
//! [`Platform`] the use cases give the sandbox, acting for the function's
//! owner (no key or secret involved), and is answered in JSON:
//!
//! - `POST /events/{function}` with a payload (at most 256 KiB of text):
//!   queues it as an event for the owner's function `function`; 202
//!   `{"event_id"}`, or `{"error": {"message"}}` with 400, 404, 413.
//!
//! Such a request counts toward the invocation's outbound requests and is
//! in its log like any other.

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use wasmtime_wasi_http::{Error, WasiBody};

use crate::keyvalue::BoxFuture;

/// The host name functions call Fnlab itself at.
pub const INTERNAL_HOST: &str = "fnlab.internal";

/// The largest payload a function may send as an event, bytes.
pub const MAX_EVENT_BYTES: usize = 256 << 10;

/// What functions may ask of Fnlab itself. Every call names the
/// function's owner.
pub trait Platform: Send + Sync + 'static {
    /// Queues `payload` as an event for `owner`'s function `function`: the
    /// event's id, or the status and message to answer with.
    fn send_event(
        &self,
        owner: i64,
        function: String,
        payload: Vec<u8>,
    ) -> BoxFuture<'_, Result<String, (u16, String)>>;
}

/// Answers `request`, a call to [`INTERNAL_HOST`] by a function of
/// `owner`, with `platform` (`None`: this sandbox serves no such calls).
pub(crate) async fn answer(
    platform: Option<&dyn Platform>,
    owner: i64,
    request: http::Request<WasiBody>,
) -> http::Response<WasiBody> {
    let (status, body) = match answer_json(platform, owner, request).await {
        Ok(event_id) => (202, format!("{{\"event_id\":\"{event_id}\"}}")),
        Err((status, message)) => (status, error_json(&message)),
    };
    let body = Full::new(Bytes::from(body))
        .map_err(|never| match never {})
        .boxed_unsync();
    let mut response = http::Response::new(body);
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap_or_default();
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

async fn answer_json(
    platform: Option<&dyn Platform>,
    owner: i64,
    request: http::Request<WasiBody>,
) -> Result<String, (u16, String)> {
    let Some(platform) = platform else {
        return Err((503, "this server takes no calls from functions".into()));
    };
    let path = request.uri().path().to_owned();
    let function = match (request.method(), path.strip_prefix("/events/")) {
        (&http::Method::POST, Some(function))
            if !function.is_empty() && !function.contains('/') =>
        {
            function.to_owned()
        }
        _ => {
            return Err((
                404,
                format!(
                    "{INTERNAL_HOST} answers POST /events/{{function}}, not {} {path}",
                    request.method()
                ),
            ));
        }
    };
    let payload = Limited::new(request.into_body(), MAX_EVENT_BYTES)
        .collect()
        .await
        .map_err(|_| {
            (
                413,
                format!("an event is at most {} KiB", MAX_EVENT_BYTES >> 10),
            )
        })?
        .to_bytes();
    platform.send_event(owner, function, payload.to_vec()).await
}

/// `{"error": {"message": …}}`, with `message` escaped as a JSON string.
fn error_json(message: &str) -> String {
    let mut escaped = String::with_capacity(message.len() + 2);
    for c in message.chars() {
        match c {
            '"' => escaped.push_str("\\\""),
            '\\' => escaped.push_str("\\\\"),
            c if u32::from(c) < 0x20 => escaped.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => escaped.push(c),
        }
    }
    format!("{{\"error\":{{\"message\":\"{escaped}\"}}}}")
}

/// The no-op end of an answered call's I/O.
pub(crate) fn done() -> Box<dyn Future<Output = Result<(), Error>> + Send> {
    Box::new(async { Ok(()) })
}
