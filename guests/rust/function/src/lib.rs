// Hello world: the smallest Fnlab function.
//
// Every request to your function's URL (any method, any path below it)
// calls `handle` with the request, and the response it returns is sent
// back to the caller.

fn handle(_request: fnlab::Request) -> fnlab::Response {
    // A status code (200 = OK) and a text body; the content type is set to
    // `text/plain; charset=utf-8` for you.
    fnlab::Response::text(200, "Hello, world!\n")
}

// This line turns `handle` into a WebAssembly HTTP component: it must be
// there exactly once, naming your handler function.
fnlab::http!(handle);
