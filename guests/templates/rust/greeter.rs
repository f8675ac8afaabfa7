// Query-string greeter: `?name=Ann` answers "Hello, Ann!".
//
// Try it: open your function's URL with `?name=Ann` at the end, or with
// `?name=Ann%20Lee` (%20 is a space in a URL, and so is `+`).

fn handle(request: fnlab::Request) -> fnlab::Response {
    // `query("name")` gives `Some(value)` when the URL has `name=…` in its
    // query string (already decoded), and `None` when it has not; then
    // `unwrap_or_else` supplies a default.
    let name = request.query("name").unwrap_or_else(|| "world".to_string());

    // Ignore surrounding spaces, and treat `?name=` like no name at all.
    let name = name.trim();
    let name = if name.is_empty() { "world" } else { name };

    // `format!` builds a String; `{name}` is replaced by the variable.
    fnlab::Response::text(200, format!("Hello, {name}!\n"))
}

fnlab::http!(handle);
