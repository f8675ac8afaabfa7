// JSON echo: reads a JSON body and sends it back, wrapped in an object.
//
// Try it:
//   curl -X POST <your function URL> -H 'content-type: application/json' \
//        -d '{"hello": "world"}'
// answers {"you_sent":{"hello":"world"}}. A body that is not valid JSON
// gets a 400 Bad Request that says what is wrong with it.

use serde_json::{Value, json};

// This handler returns a `Result`: `Ok(response)` is sent as it is, and an
// `Err(fnlab::Error)` becomes a response with the error's status code and
// message.
fn handle(request: fnlab::Request) -> Result<fnlab::Response, fnlab::Error> {
    // `request.json()` parses the body. A `Value` holds any JSON; use your
    // own `#[derive(serde::Deserialize)]` struct to insist on a shape.
    // The `?` means: if parsing failed, return that error (a 400) now.
    let body: Value = request.json()?;

    // Anything printed shows up in your function's logs.
    println!("echoing {} bytes of JSON", request.body().len());

    // `json!` builds a JSON value; `Response::json` sends it with the
    // `application/json` content type.
    Ok(fnlab::Response::json(200, &json!({ "you_sent": body })))
}

fnlab::http!(handle);
