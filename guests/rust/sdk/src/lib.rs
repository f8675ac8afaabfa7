//! Fnlab's Rust SDK: write a function as a plain handler, get a standard
//! `wasi:http/proxy` component (one that exports
//! `wasi:http/incoming-handler`).
//!
//! ```ignore
//! fn handle(req: fnlab::Request) -> fnlab::Response {
//!     let name = req.query("name").unwrap_or_else(|| "world".into());
//!     fnlab::Response::text(200, format!("Hello, {name}!"))
//! }
//! fnlab::http!(handle);
//! ```
//!
//! A handler may return anything that implements [`IntoResponse`]: a
//! [`Response`], a `String` or `&'static str` (200, plain text), a
//! `serde_json::Value` (200, JSON), or a `Result` of one of these whose
//! error is a [`fnlab::Error`](Error) (answered with its status) or any
//! other `Display` (answered with 500 and the message).
//!
//! Or write it in the AWS Lambda shape, with an API Gateway proxy event;
//! see [`lambda`](mod@lambda):
//!
//! ```ignore
//! fn handler(event: fnlab::lambda::Event, context: fnlab::lambda::Context) -> serde_json::Value {
//!     serde_json::json!({ "statusCode": 200, "body": "hello" })
//! }
//! fnlab::lambda!(handler);
//! ```
//!
//! A function may call other services with [`fetch`] (outbound HTTP),
//! keep values between requests in its owner's stores with [`kv`], and
//! read its variables and secrets with `std::env::var`. Runs of its cron
//! schedules arrive as requests too: see [`ScheduledRun`]; and it may send
//! events to its owner's other functions with [`send_event`].
//!
//! Request bodies are read in full before the handler runs; the response is
//! written in one go after it returns. A panic in a handler aborts the
//! request (the platform answers 502).

#![deny(missing_docs)]

mod fetch;
pub mod kv;
pub mod lambda;
pub mod schedule;

pub use fetch::{Fetch, FetchError, fetch, send_event};
pub use schedule::ScheduledRun;

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// An HTTP request, with its body read in full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    /// A request made by hand, for trying a handler out: `path_and_query`
    /// is like `/items?id=3`; header names are stored in lowercase.
    pub fn new(
        method: &str,
        path_and_query: &str,
        headers: Vec<(String, String)>,
        body: impl Into<Vec<u8>>,
    ) -> Self {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        Self {
            method: method.to_owned(),
            path: if path.is_empty() {
                "/".into()
            } else {
                path.to_owned()
            },
            query: query.to_owned(),
            headers: headers
                .into_iter()
                .map(|(name, value)| (name.to_ascii_lowercase(), value))
                .collect(),
            body: body.into(),
        }
    }

    /// The method in capitals, such as `GET` or `POST`.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The path, starting with `/`, without the query string.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The raw query string, without the `?` (empty when there is none).
    pub fn query_string(&self) -> &str {
        &self.query
    }

    /// The first value of query parameter `name`, percent-decoded (`+`
    /// reads as a space); `None` when it is absent.
    pub fn query(&self, name: &str) -> Option<String> {
        query_pairs(&self.query)
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
    }

    /// Every query parameter, percent-decoded, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        query_pairs(&self.query).collect()
    }

    /// The first value of header `name`, whatever its case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Every header in order, names in lowercase.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The body's bytes (empty when there is no body).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as UTF-8 text; the error answers 400.
    pub fn text(&self) -> Result<&str, Error> {
        std::str::from_utf8(&self.body)
            .map_err(|_| Error::bad_request("the request body is not UTF-8 text"))
    }

    /// The body parsed as JSON into `T`; the error says what is wrong with
    /// the body and answers 400 when a handler returns it.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body)
            .map_err(|e| Error::bad_request(format!("invalid JSON body: {e}")))
    }
}

/// `a=1&b=x+y` → ("a", "1"), ("b", "x y"), percent-decoded.
fn query_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key), percent_decode(value))
        })
}

/// Decodes `%XX` escapes and `+`; a malformed escape is kept as it is and
/// bytes that are not UTF-8 become U+FFFD.
fn percent_decode(text: &str) -> String {
    let hex = |byte: u8| char::from(byte).to_digit(16).map(|digit| digit as u8);
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(high), Some(low)) => {
                    out.push(high << 4 | low);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An HTTP response: a status, headers and a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code, such as 200 or 404.
    pub status: u16,
    /// The headers, in order (a name may appear more than once).
    pub headers: Vec<(String, String)>,
    /// The body's bytes.
    pub body: Vec<u8>,
}

impl Response {
    /// A response with `status`, no headers and an empty body.
    pub fn new(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Plain text, as `text/plain; charset=utf-8`.
    pub fn text(status: u16, text: impl Into<String>) -> Self {
        Self::new(status)
            .header("content-type", "text/plain; charset=utf-8")
            .body(text.into())
    }

    /// An HTML page, as `text/html; charset=utf-8`.
    pub fn html(status: u16, html: impl Into<String>) -> Self {
        Self::new(status)
            .header("content-type", "text/html; charset=utf-8")
            .body(html.into())
    }

    /// `value` encoded as JSON, as `application/json` (a value that cannot
    /// be encoded gives a 500 saying why).
    pub fn json(status: u16, value: &impl Serialize) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => Self::new(status)
                .header("content-type", "application/json")
                .body(body),
            Err(e) => Self::text(500, format!("cannot encode the response as JSON: {e}")),
        }
    }

    /// Adds header `name: value` (builder style). Headers the platform
    /// forbids a function to set, such as `connection`, are left out.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Replaces the body (builder style); it accepts a `String`, a `&str`,
    /// or bytes. Set a `content-type` header to go with it.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }
}

/// An error a handler may return: answered with its status and its message
/// as plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The HTTP status it answers with.
    pub status: u16,
    /// What went wrong, sent as the response body.
    pub message: String,
}

impl Error {
    /// An error answered with `status` and `message`.
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    /// 400 Bad Request: the request itself is wrong.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, message)
    }

    /// 404 Not Found.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, message)
    }

    /// 500 Internal Server Error: the function failed.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// So `?` works on `serde_json` results in a handler returning
/// `Result<_, fnlab::Error>`: answered with 400, as such errors almost
/// always come from reading the request.
impl From<serde_json::Error> for Error {
    fn from(error: serde_json::Error) -> Self {
        Self::bad_request(format!("invalid JSON: {error}"))
    }
}

/// So `?` works on a `Result<_, String>`: answered with 500.
impl From<String> for Error {
    fn from(message: String) -> Self {
        Self::internal(message)
    }
}

/// So `?` works on a `Result<_, &str>`: answered with 500.
impl From<&str> for Error {
    fn from(message: &str) -> Self {
        Self::internal(message)
    }
}

/// What a handler may return: anything that becomes a [`Response`].
pub trait IntoResponse {
    /// The response to send.
    fn into_response(self) -> Response;
}

impl IntoResponse for Response {
    fn into_response(self) -> Response {
        self
    }
}

/// 200 with the text.
impl IntoResponse for String {
    fn into_response(self) -> Response {
        Response::text(200, self)
    }
}

/// 200 with the text.
impl IntoResponse for &'static str {
    fn into_response(self) -> Response {
        Response::text(200, self)
    }
}

/// 200 with the value as JSON.
impl IntoResponse for serde_json::Value {
    fn into_response(self) -> Response {
        Response::json(200, &self)
    }
}

/// Its status, with its message as plain text.
impl IntoResponse for Error {
    fn into_response(self) -> Response {
        Response::text(self.status, self.message)
    }
}

/// `Ok` as the value's response; `Err` as a [`fnlab::Error`](Error)'s
/// status and message, or for any other error 500 with its message. The
/// message of a 500 is also written to the function's log (stderr).
impl<T: IntoResponse, E: fmt::Display + 'static> IntoResponse for Result<T, E> {
    fn into_response(self) -> Response {
        match self {
            Ok(value) => value.into_response(),
            Err(error) => {
                let (status, message) = match (&error as &dyn std::any::Any).downcast_ref::<Error>()
                {
                    Some(error) => (error.status, error.message.clone()),
                    None => (500, error.to_string()),
                };
                if status >= 500 {
                    eprintln!("error: {message}");
                }
                Response::text(status, message)
            }
        }
    }
}

/// Exports `handler`, a `fn(fnlab::Request) -> R` where `R` implements
/// [`IntoResponse`], as the component's `wasi:http/incoming-handler`. Use
/// it once, at the top level of the crate.
#[macro_export]
macro_rules! http {
    ($handler:expr $(,)?) => {
        const _: () = {
            struct FnlabHttpHandler;
            impl $crate::__private::Guest for FnlabHttpHandler {
                fn handle(request: $crate::__private::IncomingRequest, out: $crate::__private::ResponseOutparam) {
                    $crate::__private::serve(request, out, |request| {
                        $crate::IntoResponse::into_response(($handler)(request))
                    });
                }
            }
            $crate::__private::wasi::http::proxy::export!(FnlabHttpHandler with_types_in $crate::__private::wasi);
        };
    };
}

/// What the macros expand to; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use wasi;
    pub use wasi::exports::http::incoming_handler::Guest;
    pub use wasi::http::types::{IncomingRequest, ResponseOutparam};

    use wasi::http::types::{Fields, Method, OutgoingBody, OutgoingResponse};

    use crate::{Request, Response};

    /// The most `blocking-write-and-flush` takes in one call.
    const WRITE_CHUNK: usize = 4096;

    /// Reads `incoming` in full, runs `handler`, writes its response to `out`.
    pub fn serve(
        incoming: IncomingRequest,
        out: ResponseOutparam,
        handler: impl FnOnce(Request) -> Response,
    ) {
        let request = read_request(incoming);
        write_response(out, handler(request));
    }

    fn read_request(incoming: IncomingRequest) -> Request {
        let method = match incoming.method() {
            Method::Get => "GET".to_owned(),
            Method::Head => "HEAD".to_owned(),
            Method::Post => "POST".to_owned(),
            Method::Put => "PUT".to_owned(),
            Method::Delete => "DELETE".to_owned(),
            Method::Connect => "CONNECT".to_owned(),
            Method::Options => "OPTIONS".to_owned(),
            Method::Trace => "TRACE".to_owned(),
            Method::Patch => "PATCH".to_owned(),
            Method::Other(other) => other,
        };
        let headers = incoming
            .headers()
            .entries()
            .into_iter()
            .map(|(name, value)| (name, String::from_utf8_lossy(&value).into_owned()))
            .collect();
        let path_and_query = incoming.path_with_query().unwrap_or_default();
        let mut body = Vec::new();
        if let Ok(incoming_body) = incoming.consume() {
            if let Ok(stream) = incoming_body.stream() {
                // Ends with `closed` at the end of the body (or an error).
                while let Ok(chunk) = stream.blocking_read(64 * 1024) {
                    body.extend_from_slice(&chunk);
                }
                drop(stream);
            }
            drop(incoming_body);
        }
        Request::new(&method, &path_and_query, headers, body)
    }

    fn write_response(out: ResponseOutparam, response: Response) {
        let fields = Fields::new();
        for (name, value) in &response.headers {
            // A header the host refuses (a forbidden name or an invalid
            // value) is left out rather than failing the response.
            let _ = fields.append(&name.to_ascii_lowercase(), value.as_bytes());
        }
        let outgoing = OutgoingResponse::new(fields);
        if outgoing.set_status_code(response.status).is_err() {
            let _ = outgoing.set_status_code(500);
        }
        let Ok(body) = outgoing.body() else { return };
        ResponseOutparam::set(out, Ok(outgoing));
        let Ok(stream) = body.write() else { return };
        // `blocking-write-and-flush` waits for `check-write` to allow each
        // piece, so pieces of at most 4096 bytes always fit.
        for piece in response.body.chunks(WRITE_CHUNK) {
            if stream.blocking_write_and_flush(piece).is_err() {
                // The client went away; nothing more to do.
                return;
            }
        }
        drop(stream);
        let _ = OutgoingBody::finish(body, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_are_decoded() {
        let request = Request::new(
            "GET",
            "/greet?name=Ann+Lee&city=S%C3%A3o%20Paulo&bad=%zz&end=%4",
            vec![],
            "",
        );
        assert_eq!(request.path(), "/greet");
        assert_eq!(
            request.query_string(),
            "name=Ann+Lee&city=S%C3%A3o%20Paulo&bad=%zz&end=%4"
        );
        assert_eq!(request.query("name").as_deref(), Some("Ann Lee"));
        assert_eq!(request.query("city").as_deref(), Some("São Paulo"));
        assert_eq!(request.query("bad").as_deref(), Some("%zz"));
        assert_eq!(request.query("end").as_deref(), Some("%4"));
        assert_eq!(request.query("missing"), None);
        assert_eq!(Request::new("GET", "", vec![], "").path(), "/");
    }

    #[test]
    fn headers_are_case_insensitive() {
        let request = Request::new(
            "GET",
            "/",
            vec![("Content-Type".into(), "text/plain".into())],
            "",
        );
        assert_eq!(request.header("content-type"), Some("text/plain"));
        assert_eq!(request.header("CONTENT-TYPE"), Some("text/plain"));
        assert_eq!(request.headers()[0].0, "content-type");
    }

    #[test]
    fn results_become_responses() {
        let ok: Result<Response, Error> = Ok(Response::text(201, "made"));
        assert_eq!(ok.into_response().status, 201);
        let bad: Result<Response, Error> = Err(Error::bad_request("no"));
        let response = bad.into_response();
        assert_eq!(
            (response.status, response.body.as_slice()),
            (400, b"no".as_slice())
        );
        let other: Result<String, std::num::ParseIntError> =
            "x".parse::<i32>().map(|n| n.to_string());
        assert_eq!(other.into_response().status, 500);
        let json = Request::new("POST", "/", vec![], "{")
            .json::<serde_json::Value>()
            .unwrap_err();
        assert_eq!(json.status, 400);
        assert_eq!(
            serde_json::json!({"a": 1}).into_response().body,
            br#"{"a":1}"#
        );
    }
}
