//! Outbound HTTP: a function calling another service.
//!
//! ```ignore
//! let answer = fnlab::fetch("https://api.example.org/items")?;
//! let posted = fnlab::Fetch::post("https://hooks.example.org/x")
//!     .header("authorization", std::env::var("TOKEN").unwrap_or_default())
//!     .json(&serde_json::json!({ "text": "hi" }))
//!     .send()?;
//! ```
//!
//! The platform decides where a function may connect: never to loopback,
//! private or cloud-metadata addresses unless its operator allows them. A
//! refused or failed call is a [`FetchError`]; the invocation's log says
//! why.

use std::fmt;

use serde::Serialize;
use wasi::http::outgoing_handler;
use wasi::http::types::{Fields, Method, OutgoingBody, OutgoingRequest, Scheme};

use crate::Response;

/// GET `url`, returning the whole response.
pub fn fetch(url: &str) -> Result<Response, FetchError> {
    Fetch::get(url).send()
}

/// An outbound request, built step by step and sent with [`Fetch::send`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetch {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Fetch {
    /// A request with any method, such as `DELETE`.
    pub fn new(method: &str, url: &str) -> Self {
        Self {
            method: method.to_ascii_uppercase(),
            url: url.to_owned(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A GET request.
    pub fn get(url: &str) -> Self {
        Self::new("GET", url)
    }

    /// A POST request (set its body with [`Fetch::body`] or [`Fetch::json`]).
    pub fn post(url: &str) -> Self {
        Self::new("POST", url)
    }

    /// Adds header `name: value`.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body's bytes.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Sets the body to `value` as JSON, with its content type.
    pub fn json(self, value: &impl Serialize) -> Self {
        let body = serde_json::to_vec(value).unwrap_or_default();
        self.header("content-type", "application/json").body(body)
    }

    /// Sends the request and reads the whole response.
    pub fn send(self) -> Result<Response, FetchError> {
        let fail = |why: String| FetchError(format!("{} {}: {why}", self.method, self.url));
        let (scheme, rest) = self
            .url
            .split_once("://")
            .ok_or_else(|| fail("not an http:// or https:// URL".into()))?;
        let scheme = match scheme {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            other => return Err(fail(format!("the scheme {other} is not http or https"))),
        };
        let (authority, path) = match rest.find(['/', '?']) {
            Some(at) => (&rest[..at], rest[at..].to_owned()),
            None => (rest, "/".to_owned()),
        };
        let path = if path.starts_with('?') { format!("/{path}") } else { path };
        let fields = Fields::new();
        let mut headers = self.headers.clone();
        let has_length = headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("content-length"));
        if !self.body.is_empty() && !has_length {
            // Sent with its length rather than chunked, which some
            // receivers of webhooks refuse.
            headers.push(("content-length".into(), self.body.len().to_string()));
        }
        for (name, value) in &headers {
            fields
                .append(&name.to_ascii_lowercase(), value.as_bytes())
                .map_err(|e| fail(format!("header {name}: {e:?}")))?;
        }
        let request = OutgoingRequest::new(fields);
        let method = match self.method.as_str() {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "DELETE" => Method::Delete,
            "PATCH" => Method::Patch,
            "HEAD" => Method::Head,
            "OPTIONS" => Method::Options,
            other => Method::Other(other.to_owned()),
        };
        let invalid = |what: &str| fail(format!("invalid {what}"));
        request.set_method(&method).map_err(|()| invalid("method"))?;
        request.set_scheme(Some(&scheme)).map_err(|()| invalid("scheme"))?;
        request
            .set_authority(Some(authority))
            .map_err(|()| invalid("host"))?;
        request
            .set_path_with_query(Some(&path))
            .map_err(|()| invalid("path"))?;
        let body = request.body().map_err(|()| invalid("body"))?;
        let future =
            outgoing_handler::handle(request, None).map_err(|e| fail(format!("{e:?}")))?;
        if !self.body.is_empty() {
            let stream = body.write().map_err(|()| invalid("body"))?;
            for piece in self.body.chunks(4096) {
                stream
                    .blocking_write_and_flush(piece)
                    .map_err(|e| fail(format!("sending the body: {e:?}")))?;
            }
        }
        OutgoingBody::finish(body, None).map_err(|e| fail(format!("{e:?}")))?;
        future.subscribe().block();
        let incoming = match future.get() {
            Some(Ok(Ok(incoming))) => incoming,
            Some(Ok(Err(code))) => return Err(fail(format!("{code:?}"))),
            _ => return Err(fail("no response".into())),
        };
        let headers = incoming
            .headers()
            .entries()
            .into_iter()
            .map(|(name, value)| (name, String::from_utf8_lossy(&value).into_owned()))
            .collect();
        let mut bytes = Vec::new();
        if let Ok(body) = incoming.consume() {
            if let Ok(stream) = body.stream() {
                while let Ok(chunk) = stream.blocking_read(64 * 1024) {
                    bytes.extend_from_slice(&chunk);
                }
            }
        }
        Ok(Response {
            status: incoming.status(),
            headers,
            body: bytes,
        })
    }
}

/// Why an outbound request failed: the method, the URL and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchError(String);

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FetchError {}

/// Sends `payload` as an event to another of your functions, `function`,
/// and returns its event id; it is delivered like any event (retried,
/// then dead-lettered). The call goes to Fnlab itself
/// (`http://fnlab.internal/events/{function}`), with no key to keep.
///
/// ```ignore
/// let event_id = fnlab::send_event("consumer", r#"{"order": 42}"#)?;
/// ```
pub fn send_event(function: &str, payload: impl Into<Vec<u8>>) -> Result<String, FetchError> {
    let url = format!("http://fnlab.internal/events/{function}");
    let response = Fetch::post(&url)
        .header("content-type", "application/json")
        .body(payload)
        .send()?;
    let answer: serde_json::Value = serde_json::from_slice(&response.body).unwrap_or_default();
    match answer["event_id"].as_str() {
        Some(id) if response.status == 202 => Ok(id.to_owned()),
        _ => Err(FetchError(format!(
            "send_event {function}: {}",
            answer["error"]["message"].as_str().unwrap_or("no answer")
        ))),
    }
}
