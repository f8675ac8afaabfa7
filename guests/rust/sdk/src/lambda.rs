//! The AWS Lambda shape: `handler(event, context)` with an API Gateway
//! proxy event, returning `{"statusCode", "headers", "body"}`, as in the
//! examples people learn serverless from.
//!
//! ```ignore
//! use fnlab::lambda::{Context, Event};
//!
//! fn handler(event: Event, _context: Context) -> serde_json::Value {
//!     let name = event.query("name").unwrap_or("world");
//!     serde_json::json!({
//!         "statusCode": 200,
//!         "headers": { "content-type": "text/plain" },
//!         "body": format!("Hello, {name}!"),
//!     })
//! }
//! fnlab::lambda!(handler);
//! ```
//!
//! The handler may return any `Serialize` value (a `serde_json::Value`, an
//! [`Output`], a struct of your own); [`response`] says how it is read.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::{Error, Request, Response, ScheduledRun};

/// The request as an API Gateway (REST API) proxy event. It serializes with
/// AWS's field names (`httpMethod`, `queryStringParameters`, …), and
/// deserializes from AWS's sample events too (fields it does not know are
/// ignored, missing ones are empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Event {
    /// The method in capitals, such as `GET`.
    pub http_method: String,
    /// The path, starting with `/`, without the query string.
    pub path: String,
    /// Query parameters, percent-decoded (the last value of a repeated
    /// one), or `None` when the URL has no query string.
    pub query_string_parameters: Option<BTreeMap<String, String>>,
    /// Every value of each query parameter, or `None` without any.
    pub multi_value_query_string_parameters: Option<BTreeMap<String, Vec<String>>>,
    /// Headers, names in lowercase (the last value of a repeated one).
    #[serde(deserialize_with = "null_as_empty")]
    pub headers: BTreeMap<String, String>,
    /// Every value of each header, names in lowercase.
    #[serde(deserialize_with = "null_as_empty")]
    pub multi_value_headers: BTreeMap<String, Vec<String>>,
    /// The body as text (base64 when it is not UTF-8), or `None` when the
    /// request has none.
    pub body: Option<String>,
    /// Whether `body` is base64-encoded.
    pub is_base64_encoded: bool,
}

/// Reads `null` as an empty map, as AWS sends `"headers": null`.
fn null_as_empty<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

impl Event {
    /// The event of `request`.
    pub fn from_request(request: &Request) -> Self {
        let mut query = BTreeMap::<String, String>::new();
        let mut multi_query = BTreeMap::<String, Vec<String>>::new();
        for (name, value) in request.query_pairs() {
            multi_query
                .entry(name.clone())
                .or_default()
                .push(value.clone());
            query.insert(name, value);
        }
        let mut headers = BTreeMap::<String, String>::new();
        let mut multi_headers = BTreeMap::<String, Vec<String>>::new();
        for (name, value) in request.headers() {
            multi_headers
                .entry(name.clone())
                .or_default()
                .push(value.clone());
            headers.insert(name.clone(), value.clone());
        }
        let (body, is_base64_encoded) = match (request.body().is_empty(), request.text()) {
            (true, _) => (None, false),
            (false, Ok(text)) => (Some(text.to_owned()), false),
            (false, Err(_)) => (Some(base64_encode(request.body())), true),
        };
        Self {
            http_method: request.method().to_owned(),
            path: request.path().to_owned(),
            query_string_parameters: (!query.is_empty()).then_some(query),
            multi_value_query_string_parameters: (!multi_query.is_empty()).then_some(multi_query),
            headers,
            multi_value_headers: multi_headers,
            body,
            is_base64_encoded,
        }
    }

    /// The method in capitals, such as `GET`.
    pub fn method(&self) -> &str {
        &self.http_method
    }

    /// The path, starting with `/`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Query parameter `name`, or `None` when it is absent.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query_string_parameters
            .as_ref()?
            .get(name)
            .map(String::as_str)
    }

    /// Header `name`, whatever its case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The body's bytes, base64-decoded if need be (empty without a body).
    pub fn body_bytes(&self) -> Vec<u8> {
        match &self.body {
            None => Vec::new(),
            Some(body) if self.is_base64_encoded => base64_decode(body),
            Some(body) => body.clone().into_bytes(),
        }
    }

    /// The body parsed as JSON into `T`; the error answers 400.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body_bytes())
            .map_err(|e| Error::bad_request(format!("invalid JSON body: {e}")))
    }
}

/// About this invocation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Context {
    /// The request's id (from the `fnlab-request-id` header the platform
    /// sets; empty without it).
    pub request_id: String,
    /// The function's name (from the `fnlab-function` header the platform
    /// sets; empty without it).
    pub function_name: String,
}

impl Context {
    /// The context of `request`.
    pub fn from_request(request: &Request) -> Self {
        Self {
            request_id: request
                .header("fnlab-request-id")
                .unwrap_or_default()
                .to_owned(),
            function_name: request
                .header("fnlab-function")
                .unwrap_or_default()
                .to_owned(),
        }
    }
}

/// A typed result, for those who prefer it to a JSON value: serializes as
/// `{"statusCode", "headers", "body"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    /// The status code (0 reads as 200).
    pub status_code: u16,
    /// The headers.
    pub headers: BTreeMap<String, String>,
    /// The body.
    pub body: String,
}

impl Output {
    /// Plain text, as `text/plain; charset=utf-8`.
    pub fn text(status_code: u16, body: impl Into<String>) -> Self {
        let headers = BTreeMap::from([(
            "content-type".to_owned(),
            "text/plain; charset=utf-8".to_owned(),
        )]);
        Self {
            status_code,
            headers,
            body: body.into(),
        }
    }

    /// `value` encoded as JSON, as `application/json`.
    pub fn json(status_code: u16, value: &impl Serialize) -> Self {
        match serde_json::to_string(value) {
            Ok(body) => {
                let headers =
                    BTreeMap::from([("content-type".to_owned(), "application/json".to_owned())]);
                Self {
                    status_code,
                    headers,
                    body,
                }
            }
            Err(e) => Self::text(500, format!("cannot encode the response as JSON: {e}")),
        }
    }
}

/// A run of a cron schedule as the EventBridge event Lambda receives from
/// a scheduled rule (`source` `aws.events`, `detail-type` `Scheduled
/// Event`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScheduledEvent {
    /// Always `0`.
    pub version: String,
    /// The invocation's request id.
    pub id: String,
    /// Always `Scheduled Event`.
    #[serde(rename = "detail-type")]
    pub detail_type: String,
    /// Always `aws.events`.
    pub source: String,
    /// Empty.
    pub account: String,
    /// The time the run was due, RFC 3339 in UTC.
    pub time: String,
    /// Always `fnlab`.
    pub region: String,
    /// The schedule, as `fnlab:schedule/{function}/{id}`.
    pub resources: Vec<String>,
    /// Empty.
    pub detail: BTreeMap<String, String>,
}

impl ScheduledEvent {
    /// The event of `run`, delivered in the invocation of `context`.
    pub fn new(run: &ScheduledRun, context: &Context) -> Self {
        Self {
            version: "0".into(),
            id: context.request_id.clone(),
            detail_type: "Scheduled Event".into(),
            source: "aws.events".into(),
            account: String::new(),
            time: run.scheduled_time.clone(),
            region: "fnlab".into(),
            resources: vec![format!(
                "fnlab:schedule/{}/{}",
                context.function_name, run.schedule
            )],
            detail: BTreeMap::new(),
        }
    }
}

/// A delivery from the function's event queue as the SQS event Lambda
/// receives, with one record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SqsEvent {
    /// The one message.
    #[serde(rename = "Records")]
    pub records: Vec<SqsMessage>,
}

/// One message of an [`SqsEvent`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SqsMessage {
    /// The event's id.
    pub message_id: String,
    /// The event's id again.
    pub receipt_handle: String,
    /// The payload, as sent.
    pub body: String,
    /// `ApproximateReceiveCount` (the attempt, from 1), `SentTimestamp`
    /// (ms), `SenderId`, `ApproximateFirstReceiveTimestamp`.
    pub attributes: BTreeMap<String, String>,
    /// Empty.
    pub message_attributes: BTreeMap<String, String>,
    /// Empty.
    pub md5_of_body: String,
    /// Always `aws:sqs`.
    pub event_source: String,
    /// The queue, as `fnlab:queue/{function}`.
    #[serde(rename = "eventSourceARN")]
    pub event_source_arn: String,
    /// Always `fnlab`.
    pub aws_region: String,
}

impl SqsEvent {
    /// The event of the delivery `request` is, in the invocation of
    /// `context`.
    pub fn new(request: &Request, context: &Context) -> Self {
        let header = |name| request.header(name).unwrap_or_default().to_owned();
        let (id, sent) = (header("fnlab-event-id"), header("fnlab-event-time"));
        let attempt = request.header("fnlab-attempt").unwrap_or("1").to_owned();
        let attributes = BTreeMap::from([
            ("ApproximateReceiveCount".to_owned(), attempt),
            ("SentTimestamp".to_owned(), sent.clone()),
            ("SenderId".to_owned(), "fnlab".to_owned()),
            ("ApproximateFirstReceiveTimestamp".to_owned(), sent),
        ]);
        Self {
            records: vec![SqsMessage {
                message_id: id.clone(),
                receipt_handle: id,
                body: String::from_utf8_lossy(request.body()).into_owned(),
                attributes,
                event_source: "aws:sqs".into(),
                event_source_arn: format!("fnlab:queue/{}", context.function_name),
                aws_region: "fnlab".into(),
                ..SqsMessage::default()
            }],
        }
    }
}

/// An upload to a store that triggers the function, as the S3 event
/// Lambda receives (`eventName` `ObjectCreated:Put`). Read the file with
/// `fnlab::kv::open(&record.s3.bucket.name)?.get(&record.s3.object.key)`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct S3Event {
    /// The one upload.
    #[serde(rename = "Records")]
    pub records: Vec<S3Record>,
}

/// One upload of an [`S3Event`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct S3Record {
    /// `ObjectCreated:Put`.
    pub event_name: String,
    /// When it was uploaded (RFC 3339).
    pub event_time: String,
    /// Always `aws:s3`.
    pub event_source: String,
    /// The store and the file.
    pub s3: S3Entity,
}

/// What an [`S3Record`] is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct S3Entity {
    /// The store.
    pub bucket: S3Bucket,
    /// The file.
    pub object: S3Object,
}

/// The store an upload went to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct S3Bucket {
    /// The store's name.
    pub name: String,
}

/// The file uploaded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct S3Object {
    /// Its key in the store, as written (S3 would URL-encode it).
    pub key: String,
    /// Its size, bytes.
    pub size: u64,
}

/// Turns what a Lambda-style handler returned into a response.
///
/// An object with any of `statusCode`, `headers`, `multiValueHeaders`,
/// `body` or `isBase64Encoded` is read as API Gateway reads it: a missing
/// (or zero) `statusCode` means 200, a string `body` is sent as it is
/// (base64-decoded when `isBase64Encoded` is true), any other `body` is
/// sent as JSON. Anything else is the body itself: a string as plain text,
/// any other value as JSON. Without a `content-type` header, a text body
/// gets `text/plain; charset=utf-8` and a JSON one `application/json`.
pub fn response(output: impl Serialize) -> Response {
    const TEXT: &str = "text/plain; charset=utf-8";
    const JSON: &str = "application/json";
    let value = match serde_json::to_value(output) {
        Ok(value) => value,
        Err(e) => return Response::text(500, format!("cannot encode the handler's result: {e}")),
    };
    let proxy_keys = [
        "statusCode",
        "headers",
        "multiValueHeaders",
        "body",
        "isBase64Encoded",
    ];
    let object = match value {
        serde_json::Value::Object(object)
            if proxy_keys.iter().any(|key| object.contains_key(*key)) =>
        {
            object
        }
        serde_json::Value::Null => return Response::new(200),
        serde_json::Value::String(text) => return Response::text(200, text),
        other => return Response::json(200, &other),
    };
    let status = match object.get("statusCode") {
        Some(serde_json::Value::Number(number)) => {
            number.as_u64().and_then(|n| u16::try_from(n).ok())
        }
        Some(serde_json::Value::String(text)) => text.trim().parse().ok(),
        None | Some(serde_json::Value::Null) => Some(200),
        Some(_) => None,
    };
    let status = match status {
        Some(0) => 200,
        Some(status) => status,
        None => {
            return Response::text(
                500,
                "the handler returned a statusCode that is not a number",
            );
        }
    };
    let mut response = Response::new(status);
    let header_value = |value: &serde_json::Value| match value {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    if let Some(headers) = object.get("headers").and_then(serde_json::Value::as_object) {
        for (name, value) in headers {
            response = response.header(name.clone(), header_value(value));
        }
    }
    if let Some(headers) = object
        .get("multiValueHeaders")
        .and_then(serde_json::Value::as_object)
    {
        for (name, values) in headers {
            for value in values.as_array().into_iter().flatten() {
                response = response.header(name.clone(), header_value(value));
            }
        }
    }
    let base64 = object
        .get("isBase64Encoded")
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    let (body, default_type) = match object.get("body") {
        None | Some(serde_json::Value::Null) => (Vec::new(), TEXT),
        Some(serde_json::Value::String(text)) if base64 => {
            (base64_decode(text), "application/octet-stream")
        }
        Some(serde_json::Value::String(text)) => (text.clone().into_bytes(), TEXT),
        Some(other) => (other.to_string().into_bytes(), JSON),
    };
    let has_type = response
        .headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
    if !has_type && !body.is_empty() {
        response = response.header("content-type", default_type);
    }
    response.body(body)
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(BASE64[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard or URL-safe base64, skipping padding, whitespace and
/// anything else outside the alphabet.
fn base64_decode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut bits, mut count) = (0u32, 0);
    for byte in text.bytes() {
        let value = match byte {
            b'-' => 62,
            b'_' => 63,
            _ => match BASE64.iter().position(|&c| c == byte) {
                Some(value) => value as u32,
                None => continue,
            },
        };
        bits = bits << 6 | value;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    out
}

/// Runs a Lambda-style `handler` for `request`. On a direct invoke (the
/// request says `fnlab-trigger: invoke`) the event is the JSON payload
/// itself, read as the handler's event type (an [`Event`], a
/// `serde_json::Value`, a struct of your own; 400 when it does not fit),
/// and the return value is sent back as JSON; on a run of a cron schedule
/// the event is a [`ScheduledEvent`], on a delivery from the event
/// queue an [`SqsEvent`], and on an upload to a store that triggers the
/// function (`fnlab-trigger: file`) the [`S3Event`] as sent, read the same
/// way. Otherwise the
/// event is the request as an API Gateway [`Event`] (read as the handler's
/// type through JSON) and [`response`] says how the return value is sent.
pub fn serve<E, R>(request: &Request, handler: impl FnOnce(E, Context) -> R) -> Response
where
    E: serde::de::DeserializeOwned,
    R: Serialize,
{
    let context = Context::from_request(request);
    let event = match request.header("fnlab-trigger") {
        Some("invoke" | "file") => match request.body().trim_ascii() {
            [] => serde_json::from_slice(b"{}"),
            payload => serde_json::from_slice(payload),
        },
        Some("schedule") => {
            let run = ScheduledRun::from_request(request).unwrap_or_default();
            serde_json::to_value(ScheduledEvent::new(&run, &context)).and_then(serde_json::from_value)
        }
        Some("event") => {
            serde_json::to_value(SqsEvent::new(request, &context)).and_then(serde_json::from_value)
        }
        _ => {
            return match serde_json::to_value(Event::from_request(request)).and_then(serde_json::from_value) {
                Ok(event) => response(handler(event, context)),
                Err(e) => Response::text(500, format!("the request does not fit the handler's event: {e}")),
            };
        }
    };
    match event {
        Ok(event) => Response::json(200, &handler(event, context)),
        Err(e) => Response::text(400, format!("the payload does not fit the handler's event: {e}")),
    }
}

/// Exports `handler`, a `fn(E, fnlab::lambda::Context) -> impl Serialize`
/// where `E` is an [`Event`](crate::lambda::Event) or any other type that
/// deserializes from JSON, as the component's
/// `wasi:http/incoming-handler`; see [`lambda::serve`](crate::lambda::serve)
/// for what the handler receives and how its result is sent. Use it once,
/// at the top level of the crate.
#[macro_export]
macro_rules! lambda {
    ($handler:expr $(,)?) => {
        $crate::http!(|request: $crate::Request| -> $crate::Response {
            $crate::lambda::serve(&request, $handler)
        });
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_look_like_api_gateway() {
        let request = Request::new(
            "POST",
            "/items?a=1&a=2&b=x%20y",
            vec![
                ("Content-Type".into(), "application/json".into()),
                ("fnlab-request-id".into(), "r1".into()),
            ],
            r#"{"n":1}"#,
        );
        let event = Event::from_request(&request);
        let value = serde_json::to_value(&event).unwrap();
        assert_eq!(value["httpMethod"], "POST");
        assert_eq!(
            value["queryStringParameters"],
            json!({"a": "2", "b": "x y"})
        );
        assert_eq!(
            value["multiValueQueryStringParameters"]["a"],
            json!(["1", "2"])
        );
        assert_eq!(value["headers"]["content-type"], "application/json");
        assert_eq!(value["isBase64Encoded"], false);
        assert_eq!(event.json::<serde_json::Value>().unwrap(), json!({"n": 1}));
        assert_eq!(Context::from_request(&request).request_id, "r1");
        assert_eq!(Context::from_request(&request).function_name, "");
        let empty = Event::from_request(&Request::new("GET", "/", vec![], ""));
        assert_eq!(
            serde_json::to_value(&empty).unwrap()["queryStringParameters"],
            json!(null)
        );
        assert_eq!(serde_json::to_value(&empty).unwrap()["body"], json!(null));

        let binary = Event::from_request(&Request::new("POST", "/", vec![], vec![0xff, 0, 1, 2]));
        assert!(binary.is_base64_encoded);
        assert_eq!(binary.body.as_deref(), Some("/wABAg=="));
        assert_eq!(binary.body_bytes(), vec![0xff, 0, 1, 2]);

        let aws: Event = serde_json::from_value(
            json!({"httpMethod": "GET", "path": "/", "headers": null, "requestContext": {}}),
        )
        .unwrap();
        assert_eq!(aws.method(), "GET");
        assert!(aws.headers.is_empty());
    }

    #[test]
    fn scheduled_runs_arrive_as_eventbridge_events() {
        let request = Request::new(
            "POST",
            "/",
            vec![
                ("fnlab-trigger".into(), "schedule".into()),
                ("fnlab-request-id".into(), "r9".into()),
                ("fnlab-function".into(), "tick".into()),
            ],
            r#"{"schedule":4,"cron":"@hourly","timezone":"UTC","scheduled_time":"2026-12-05T10:00:00Z","manual":false,"attempt":1}"#,
        );
        let run = ScheduledRun::from_request(&request).unwrap();
        assert_eq!((run.schedule, run.attempt), (4, 1));
        let answer = serve(&request, |event: serde_json::Value, _| event);
        let event: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
        assert_eq!(
            event,
            json!({
                "version": "0", "id": "r9", "detail-type": "Scheduled Event",
                "source": "aws.events", "account": "", "time": "2026-12-05T10:00:00Z",
                "region": "fnlab", "resources": ["fnlab:schedule/tick/4"], "detail": {},
            })
        );
        let typed = serve(&request, |event: ScheduledEvent, _| event.time);
        assert_eq!(typed.body, br#""2026-12-05T10:00:00Z""#);
        let plain = Request::new("GET", "/", vec![], "");
        assert_eq!(ScheduledRun::from_request(&plain), None);
    }

    #[test]
    fn queued_events_arrive_as_sqs_events() {
        let request = Request::new(
            "POST",
            "/",
            vec![
                ("fnlab-trigger".into(), "event".into()),
                ("fnlab-function".into(), "consumer".into()),
                ("fnlab-event-id".into(), "e1".into()),
                ("fnlab-attempt".into(), "2".into()),
                ("fnlab-event-time".into(), "1796465250000".into()),
            ],
            r#"{"order":7}"#,
        );
        let answer = serve(&request, |event: SqsEvent, _| {
            let message = &event.records[0];
            (message.body.clone(), message.attributes["ApproximateReceiveCount"].clone())
        });
        assert_eq!(answer.body, br#"["{\"order\":7}","2"]"#);
        let raw = serve(&request, |event: serde_json::Value, _| event);
        let raw: serde_json::Value = serde_json::from_slice(&raw.body).unwrap();
        assert_eq!(raw["Records"][0]["eventSourceARN"], "fnlab:queue/consumer");
        assert_eq!(raw["Records"][0]["messageId"], "e1");
    }

    #[test]
    fn outputs_become_responses() {
        let plain = response(json!({"statusCode": 201, "headers": {"x-a": "b"}, "body": "made"}));
        assert_eq!(plain.status, 201);
        assert_eq!(plain.body, b"made");
        assert!(plain.headers.contains(&("x-a".into(), "b".into())));
        assert!(
            plain
                .headers
                .contains(&("content-type".into(), "text/plain; charset=utf-8".into()))
        );

        let no_status = response(json!({"body": {"ok": true}}));
        assert_eq!(
            (no_status.status, no_status.body.as_slice()),
            (200, br#"{"ok":true}"#.as_slice())
        );
        assert!(
            no_status
                .headers
                .contains(&("content-type".into(), "application/json".into()))
        );

        let bare = response(json!({"message": "hi"}));
        assert_eq!(
            (bare.status, bare.body.as_slice()),
            (200, br#"{"message":"hi"}"#.as_slice())
        );

        let typed = response(Output::text(404, "nope"));
        assert_eq!(
            (typed.status, typed.body.as_slice()),
            (404, b"nope".as_slice())
        );

        let binary =
            response(json!({"statusCode": "200", "isBase64Encoded": true, "body": "/wABAg=="}));
        assert_eq!(binary.body, vec![0xff, 0, 1, 2]);

        let multi = response(json!({"statusCode": 202, "multiValueHeaders": {"x-m": ["1", "2"]}}));
        assert_eq!(multi.status, 202);
        assert_eq!(
            multi.headers,
            vec![("x-m".into(), "1".into()), ("x-m".into(), "2".into())]
        );

        assert_eq!(response("hi").body, b"hi");
        assert_eq!(response(json!({"statusCode": true})).status, 500);
    }
}
