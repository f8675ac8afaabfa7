// A router: one function, several routes, chosen by method and path.
//
//   GET  /      → a short text saying what to try
//   POST /sum   → adds up numbers: {"numbers": [1, 2, 3.5]} → {"count":3,"sum":6.5}
//   anything else → 404 Not Found
//
// Paths are relative to your function's URL: if it is
// https://…/fn/ann/calc/, then https://…/fn/ann/calc/sum is "/sum" here.
//
// Try it:
//   curl -X POST <your function URL>sum -d '{"numbers": [1, 2, 3.5]}'

use serde::{Deserialize, Serialize};

// What POST /sum expects. `Deserialize` lets serde fill it in from JSON;
// a body of another shape is answered with 400 Bad Request.
#[derive(Deserialize)]
struct SumRequest {
    numbers: Vec<f64>,
}

// What POST /sum sends back. `Serialize` lets serde turn it into JSON.
#[derive(Serialize)]
struct SumResponse {
    count: usize,
    sum: f64,
}

// `match` on the (method, path) pair: the first arm that fits is taken.
fn handle(request: fnlab::Request) -> Result<fnlab::Response, fnlab::Error> {
    match (request.method(), request.path()) {
        ("GET", "/") => Ok(fnlab::Response::text(
            200,
            "Try: POST /sum with {\"numbers\": [1, 2, 3.5]}\n",
        )),
        ("POST", "/sum") => sum(&request),
        // Any other method and path: `fnlab::Error::not_found` is answered
        // with status 404 and this message.
        (method, path) => Err(fnlab::Error::not_found(format!(
            "no route for {method} {path}\n"
        ))),
    }
}

// Each route can live in a function of its own.
fn sum(request: &fnlab::Request) -> Result<fnlab::Response, fnlab::Error> {
    // The `?` returns the 400 error at once when the body does not parse.
    let input: SumRequest = request.json()?;
    let output = SumResponse {
        count: input.numbers.len(),
        sum: input.numbers.iter().sum(),
    };
    Ok(fnlab::Response::json(200, &output))
}

fnlab::http!(handle);
