//! `invoke NAME`: a request to the function's public URL, as anyone on the
//! internet would send it. The API token stays out of it: the function
//! sees every header, and would see the token. With `--payload`, a direct
//! invoke through `POST /api/v1/functions/{name}/invoke` instead.

use std::io::Write;

use reqwest::Method;
use reqwest::header::{HeaderName, HeaderValue};
use serde_json::json;

use super::Context;
use crate::api::{Function, function_path, parse, transport};
use crate::args::InvokeArgs;
use crate::error::{Error, Result};

/// The header that names an invocation in the function's logs.
const REQUEST_ID: &str = "fnlab-request-id";

/// Calls the function; its body goes to standard output, its status and
/// request id to standard error.
pub async fn run(context: &mut Context<'_, '_>, args: InvokeArgs) -> Result<()> {
    if let Some(payload) = &args.payload {
        return direct(context, &args.name, payload).await;
    }
    let api = context.api()?;
    let function: Function = parse(&api.get(&function_path(&args.name)).await?)?;
    let url = format!(
        "{}/{}",
        function.url.trim_end_matches('/'),
        args.path.trim_start_matches('/')
    );
    let body = match &args.data {
        Some(data) => Some(body(context, data)?),
        None => None,
    };
    let method = match (&args.method, &body) {
        (Some(method), _) => Method::from_bytes(method.to_uppercase().as_bytes())
            .map_err(|_| Error::Usage(format!("{method:?} is not an HTTP method")))?,
        (None, Some(_)) => Method::POST,
        (None, None) => Method::GET,
    };
    let mut request = api.http().request(method, &url);
    for header in &args.headers {
        let (name, value) = header_of(header)?;
        request = request.header(name, value);
    }
    if let Some(body) = body {
        request = request.body(body);
    }
    let response = request.send().await.map_err(|e| transport(&url, e))?;
    let status = response.status();
    let request_id = (response.headers().get(REQUEST_ID))
        .and_then(|id| id.to_str().ok())
        .unwrap_or("none")
        .to_owned();
    let answer = response.bytes().await.map_err(|e| transport(&url, e))?;

    if context.json() {
        let text = String::from_utf8_lossy(&answer);
        let summary = json!({ "status": status.as_u16(), "request_id": request_id, "body": text });
        context.out_json(&summary)?;
    } else {
        context.note(format_args!("{status} ({REQUEST_ID}: {request_id})"));
        let stdout = &mut context.console.stdout;
        let written = stdout
            .write_all(&answer)
            .and_then(|()| match answer.last() {
                Some(b'\n') | None => Ok(()),
                // The prompt after it should start on a line of its own.
                Some(_) => stdout.write_all(b"\n"),
            });
        written.map_err(Error::file("standard output"))?;
    }
    if status.is_server_error() {
        return Err(Error::FunctionFailed(status));
    }
    Ok(())
}

/// Invokes the function with the JSON event `payload` (text, `@file` or
/// `@-`): the result goes to standard output as JSON, the status, request
/// id, duration, cost and logs to standard error.
async fn direct(context: &mut Context<'_, '_>, name: &str, payload: &str) -> Result<()> {
    let api = context.api()?;
    let payload = body(context, payload)?;
    let request = (api.request(Method::POST, &format!("{}/invoke", function_path(name))))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(payload);
    let answer = api.json(request).await?;
    let status = answer["status"].as_u64().unwrap_or_default();
    if context.json() {
        context.out_json(&answer)?;
    } else {
        let logs = answer["logs"].as_str().unwrap_or_default();
        if !logs.is_empty() {
            context.note(logs.trim_end());
        }
        context.note(format_args!(
            "{status} ({REQUEST_ID}: {}) in {:.1} ms, ${:.9} at list price",
            answer["request_id"].as_str().unwrap_or("none"),
            answer["duration_ms"].as_f64().unwrap_or_default(),
            answer["cost_micros"].as_f64().unwrap_or_default() / 1e6,
        ));
        let result = serde_json::to_string_pretty(&answer["result"]).unwrap_or_default();
        writeln!(context.console.stdout, "{result}").map_err(Error::file("standard output"))?;
    }
    match reqwest::StatusCode::from_u16(u16::try_from(status).unwrap_or(500)) {
        Ok(status) if status.is_server_error() => Err(Error::FunctionFailed(status)),
        _ => Ok(()),
    }
}

/// The body `--data` gives: text, `@file`, or `@-` for standard input.
fn body(context: &mut Context<'_, '_>, data: &str) -> Result<Vec<u8>> {
    match data.strip_prefix('@') {
        Some("-") => {
            let mut bytes = Vec::new();
            (context.console.stdin.read_to_end(&mut bytes))
                .map_err(Error::file("standard input"))?;
            Ok(bytes)
        }
        Some(file) => {
            let file = context.local(file);
            std::fs::read(&file).map_err(Error::file(file))
        }
        None => Ok(data.as_bytes().to_vec()),
    }
}

/// A `-H 'name: value'` header.
fn header_of(header: &str) -> Result<(HeaderName, HeaderValue)> {
    let bad = || Error::Usage(format!("{header:?} is not a header: write 'name: value'"));
    let (name, value) = header.split_once(':').ok_or_else(bad)?;
    let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| bad())?;
    let value = HeaderValue::from_str(value.trim()).map_err(|_| bad())?;
    Ok((name, value))
}
