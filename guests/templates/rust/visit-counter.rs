// A visit counter: every request adds one to the number kept under
// "visits" in your default key-value store, which outlives the request
// (a global would not: instances come and go). `fnlab::kv::open(name)`
// gives a store with get, set, delete, exists, keys and increment.
// Browse your stores under Key-value stores in the menu.
//
// Try it: open your function's URL a few times; /reset starts again.

fn handle(request: fnlab::Request) -> Result<String, fnlab::kv::KvError> {
    let store = fnlab::kv::open("default")?;
    if request.path() == "/reset" {
        store.delete("visits")?;
        return Ok("The counter is back to 0.\n".into());
    }
    let visits = store.increment("visits", 1)?;
    Ok(format!("visits: {visits}\n"))
}

fnlab::http!(handle);
