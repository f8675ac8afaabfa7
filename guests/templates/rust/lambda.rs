// The classic AWS Lambda shape, as in the API Gateway examples:
// `handler(event, context)` returns an object with statusCode, headers and
// body.
//
//   event.http_method   "GET", "POST", …      (httpMethod in AWS's JSON)
//   event.path          "/", "/items", …      (relative to your function's URL)
//   event.query("name") a query-string parameter (queryStringParameters)
//   event.header("x")   a request header, any case (headers)
//   event.body          the body as text, or None (body)
//   context.request_id / context.function_name
//
// Try it: open your function's URL with `?name=Ann` at the end.

use fnlab::lambda::{Context, Event};
use serde_json::{Value, json};

fn handler(event: Event, context: Context) -> Value {
    let name = event.query("name").unwrap_or("world");

    // Printed lines show up in your function's logs, as with CloudWatch.
    println!(
        "{} {} (request {:?})",
        event.http_method, event.path, context.request_id
    );

    // The response. Leave statusCode out and it is 200. `body` is sent as
    // it is when it is a string; any other JSON value is sent as JSON.
    json!({
        "statusCode": 200,
        "headers": { "content-type": "application/json" },
        "body": json!({
            "message": format!("Hello, {name}!"),
            "method": event.http_method,
            "path": event.path,
        }).to_string(),
    })
}

// Exports `handler` the way `fnlab::http!` exports a plain handler.
fnlab::lambda!(handler);
