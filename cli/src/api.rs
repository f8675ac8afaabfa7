//! The REST client: one [`Api`] per run, bound to a server and (once
//! logged in) an API token. Answers come back as the server's JSON
//! ([`Value`]), so `--json` can print them unchanged; [`parse`] reads the
//! few fields a command shows into the shapes below. Every error the API
//! sends is `{"error": {"code", "message"}}` and becomes [`Error::Api`]
//! with the server's own message.

use std::time::Duration;

use fnlab_builds::{BuildState, Diagnostic, Language};
use reqwest::{Method, RequestBuilder, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::events::EventStream;

/// How long to wait for a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an ordinary request may take, answer included (uploads of a
/// large component too). Event streams have no limit.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(300);

/// A server's API, as one user.
pub struct Api {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Api {
    /// The API of the server at `base` (`https://host[:port]`), sending
    /// `token` as `Authorization: Bearer` when there is one. The client
    /// keeps cookies, which only the login's session uses.
    pub fn new(base: &str, token: Option<String>) -> Result<Self> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("fnlab-cli/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(CONNECT_TIMEOUT)
            .cookie_store(true)
            .build()
            .map_err(|e| Error::Usage(format!("cannot make an HTTP client: {e}")))?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            token,
        })
    }

    /// The HTTP client, for requests outside the API (a function's URL),
    /// which must not carry the token.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// A request to the API path `path` (`/api/v1/…`).
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let request = self.http.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    /// `GET path` → its JSON.
    pub async fn get(&self, path: &str) -> Result<Value> {
        self.json(self.request(Method::GET, path)).await
    }

    /// `method path` with a JSON body → its JSON (`Null` when empty).
    pub async fn send(&self, method: Method, path: &str, body: &Value) -> Result<Value> {
        self.json(self.request(method, path).json(body)).await
    }

    /// Sends `request` and reads its JSON answer, or the API's error.
    pub async fn json(&self, request: RequestBuilder) -> Result<Value> {
        let response = checked(request.timeout(REQUEST_TIMEOUT)).await?;
        let url = response.url().to_string();
        let bytes = response.bytes().await.map_err(|e| transport(&url, e))?;
        if bytes.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&bytes).map_err(|e| Error::NotFnlab {
            url,
            reason: format!("the answer is not JSON ({e})"),
        })
    }

    /// Sends `request` and reads its answer as server-sent events.
    pub async fn events(&self, request: RequestBuilder) -> Result<EventStream> {
        let response = checked(request.header("accept", "text/event-stream")).await?;
        Ok(EventStream::new(response))
    }
}

/// Sends `request`; an error status becomes the API's error.
async fn checked(request: RequestBuilder) -> Result<Response> {
    let response = request.send().await.map_err(|e| {
        let url = e.url().map(ToString::to_string).unwrap_or_default();
        transport(&url, e)
    })?;
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let url = response.url().to_string();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    match (
        body["error"]["code"].as_str(),
        body["error"]["message"].as_str(),
    ) {
        (Some(code), Some(message)) => Err(Error::Api {
            status: status.as_u16(),
            code: code.to_owned(),
            message: message.to_owned(),
        }),
        _ => Err(Error::NotFnlab {
            url,
            reason: format!("it answered {status} without an API error"),
        }),
    }
}

/// A failure of HTTP itself: no connection, a timeout, a cut answer.
pub fn transport(url: &str, e: reqwest::Error) -> Error {
    if e.is_builder() {
        return Error::Usage(format!("{url} is not a URL this program can call: {e}"));
    }
    // The innermost cause says the most ("Connection refused").
    let mut reason = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        reason = cause.to_string();
        source = cause.source();
    }
    Error::Unreachable {
        url: url.to_owned(),
        reason,
    }
}

/// The API path of the function `name` (`/api/v1/functions/{name}`),
/// escaped: a name with a `/` or `?` must not reach another route.
pub fn function_path(name: &str) -> String {
    let mut path = String::from("/api/v1/functions/");
    for byte in name.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                path.push(char::from(byte));
            }
            _ => path.push_str(&format!("%{byte:02X}")),
        }
    }
    path
}

/// Reads `value` (an answer of the server's) as `T`.
pub fn parse<T: DeserializeOwned>(value: &Value) -> Result<T> {
    T::deserialize(value).map_err(|e| Error::NotFnlab {
        url: "the server".into(),
        reason: format!("unexpected answer ({e}): {value}"),
    })
}

/// `GET /templates`: a starting point for a new function.
#[derive(Debug, Deserialize)]
pub struct Template {
    /// Such as `javascript-worker`.
    pub id: String,
    /// The name the editor's picker shows.
    pub name: String,
    /// Its language.
    pub language: Language,
    /// The source to start from.
    pub source: String,
}

/// `PUT /functions/{name}`: a saved draft.
#[derive(Debug, Deserialize)]
pub struct SavedDraft {
    /// The function's public URL.
    pub url: String,
}

/// `POST /functions/{name}/deploy?wait=false`: a build on its way.
#[derive(Debug, Deserialize)]
pub struct Queued {
    /// Follow it at `/builds/{build_id}/events`.
    pub build_id: i64,
}

/// The `state` event of a build's stream.
#[derive(Debug, Deserialize)]
pub struct StateChange {
    /// The new state.
    pub state: BuildState,
    /// Builds ahead of it while queued.
    pub queue_position: Option<i64>,
}

/// `GET /builds/{id}`, and the `done` event of its stream.
#[derive(Debug, Deserialize)]
pub struct Build {
    /// Live or failed, once done.
    pub state: BuildState,
    /// Why it failed.
    pub error: Option<BuildError>,
    /// Compiler messages on the source's lines.
    pub diagnostics: Vec<Diagnostic>,
    /// The version it made live.
    pub version: Option<i64>,
    /// How long it took, in milliseconds.
    pub build_ms: Option<i64>,
}

/// A failed build's reason.
#[derive(Debug, Deserialize)]
pub struct BuildError {
    /// What went wrong, in one sentence.
    pub message: String,
}

/// `PUT …/component` and `POST …/rollback`: the version now live.
#[derive(Debug, Deserialize)]
pub struct Deployment {
    /// Its number.
    pub version: i64,
    /// The function's public URL.
    pub url: String,
}

/// `GET /functions` (one row) and `GET /functions/{name}`.
#[derive(Debug, Deserialize)]
pub struct Function {
    /// Its name.
    pub name: String,
    /// The version requests run.
    pub live_version: Option<i64>,
    /// Its public URL.
    pub url: String,
    /// When it last ran, ms since the Unix epoch (in the list only).
    #[serde(default)]
    pub last_invocation_at: Option<i64>,
}

/// An invocation with its log: `GET …/invocations` (one row), or the live
/// tail's `invocation` event, which also says what was asked.
#[derive(Debug, Deserialize)]
pub struct Invocation {
    /// Also the `fnlab-request-id` header the caller got.
    pub request_id: String,
    /// Start, ms since the Unix epoch.
    pub started_at: i64,
    /// The request's method, where the server records it.
    #[serde(default)]
    pub method: Option<String>,
    /// The path the function saw, where the server records it.
    #[serde(default)]
    pub path: Option<String>,
    /// The HTTP status sent.
    pub status: i64,
    /// `ok`, or what went wrong (`timeout`, `trap`…).
    pub outcome: String,
    /// Wall-clock time, µs.
    pub wall_us: i64,
    /// What the function printed.
    pub stdout: String,
    /// What it printed to stderr, and the host's reason when it failed.
    pub stderr: String,
}
