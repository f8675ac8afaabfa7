//! A wasi:http component with one route per behaviour the sandbox must
//! handle: answering, echoing, logging, and every way of misbehaving.

use wasi::exports::http::incoming_handler::Guest;
use wasi::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingRequest, OutgoingResponse, ResponseOutparam, Scheme,
};

struct Probe;

/// `wasi:config/store`, as wasmtime-wasi-config 48 serves it.
#[cfg(feature = "config")]
mod config {
    wit_bindgen::generate!({
        inline: "
            package wasi:config@0.2.0-rc.1;
            interface store {
                variant error { upstream(string), io(string) }
                get: func(key: string) -> result<option<string>, error>;
                get-all: func() -> result<list<tuple<string, string>>, error>;
            }
            world probe-config { import store; }
        ",
    });
    pub use self::wasi::config::store::{get, get_all};
}

wasi::http::proxy::export!(Probe);

impl Guest for Probe {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        let path = request.path_with_query().unwrap_or_default();
        let (route, query) = path.split_once('?').unwrap_or((&path, ""));
        let number = |default: u64| query.split('=').nth(1).and_then(|n| n.parse().ok()).unwrap_or(default);
        match route {
            "/" => {
                // What a trigger other than a URL sends (`POST /`): logged
                // and answered as "TRIGGER EVENT", after PROBE_SLEEP_MS;
                // with PROBE_FAIL set, with a 500.
                let sleep = std::env::var("PROBE_SLEEP_MS").ok().and_then(|ms| ms.parse::<u64>().ok());
                if let Some(ms) = sleep {
                    wasi::clocks::monotonic_clock::subscribe_duration(ms * 1_000_000).block();
                }
                let trigger = request.headers().get(&"fnlab-trigger".to_string());
                let trigger = trigger.first().map(|v| String::from_utf8_lossy(v).into_owned()).unwrap_or_default();
                let body = read_body(&request);
                let text = format!("{trigger} {}", String::from_utf8_lossy(&body));
                println!("{text}");
                let status = if std::env::var("PROBE_FAIL").is_ok() { 500 } else { 200 };
                respond(out, status, &[text.as_bytes()]);
            }
            "/hello" => respond(out, 200, &[b"hello from fnlab\n"]),
            "/echo" => {
                let method = format!("{:?}", request.method());
                let header = |name: &str| {
                    let values = request.headers().get(&name.to_string());
                    values.first().map(|v| String::from_utf8_lossy(v).into_owned()).unwrap_or_default()
                };
                let (probe, cookie) = (header("x-probe"), header("cookie"));
                let body = read_body(&request);
                let text = format!("{method} {path} x-probe={probe} cookie={cookie} body={}", String::from_utf8_lossy(&body));
                respond(out, 200, &[text.as_bytes()]);
            }
            "/remember" => {
                // `/remember?v=N`: keeps N in a static (the data image) and
                // in a page grown now (zeroed memory), and answers what
                // both held before: "0 0" unless an earlier instance's
                // memory survived.
                static KEPT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
                let before = KEPT.swap(number(1), std::sync::atomic::Ordering::Relaxed);
                let page = core::arch::wasm32::memory_grow(0, 1);
                let at = (page * 65536) as *mut u64;
                // SAFETY: the page was just grown for this code alone.
                let left = unsafe { at.read_volatile() };
                unsafe { at.write_volatile(number(1)) };
                respond(out, 200, &[format!("{before} {left}").as_bytes()]);
            }
            "/count" => {
                let body = read_body(&request);
                respond(out, 200, &[body.len().to_string().as_bytes()]);
            }
            "/var" => {
                // `/var?name=KEY`: the value of one environment variable.
                let name = query.strip_prefix("name=").unwrap_or_default();
                match std::env::var(name) {
                    Ok(value) => respond(out, 200, &[name.as_bytes(), b"=", value.as_bytes()]),
                    Err(_) => respond(out, 404, &[name.as_bytes(), b" is not set"]),
                }
            }
            #[cfg(feature = "config")]
            "/config" => {
                // `/config?name=KEY`: the value wasi:config/store gives for
                // KEY, and how many values it holds in all.
                let name = query.strip_prefix("name=").unwrap_or_default();
                let all = config::get_all().map(|all| all.len()).unwrap_or_default();
                match config::get(name) {
                    Ok(Some(value)) => respond(out, 200, &[format!("{name}={value} of {all}").as_bytes()]),
                    Ok(None) => respond(out, 404, &[format!("{name} is not set ({all} set)").as_bytes()]),
                    Err(error) => respond(out, 500, &[format!("{error:?}").as_bytes()]),
                }
            }
            "/log" => {
                println!("a line on stdout");
                eprintln!("a line on stderr");
                respond(out, 201, &[b"logged"]);
            }
            "/spam" => {
                let line = "x".repeat(1023);
                for _ in 0..number(1024) {
                    println!("{line}");
                }
                respond(out, 200, &[b"spammed"]);
            }
            "/loop" => {
                let mut n: u64 = 0;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            "/slow" => {
                wasi::clocks::monotonic_clock::subscribe_duration(number(100) * 1_000_000).block();
                respond(out, 200, &[b"slept"]);
            }
            "/alloc" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "/panic" => panic!("deliberate panic"),
            "/recurse" => {
                let depth = recurse(std::hint::black_box(1));
                respond(out, 200, &[depth.to_string().as_bytes()]);
            }
            "/big" => {
                let chunk = vec![b'b'; 4096];
                let chunks: Vec<&[u8]> = (0..number(16)).map(|_| chunk.as_slice()).collect();
                respond(out, 200, &chunks);
            }
            "/env" => {
                let vars = std::env::vars().count();
                let root = std::fs::read_dir("/").map(|d| d.count()).map_err(|e| e.to_string());
                let request = OutgoingRequest::new(Fields::new());
                // The cloud metadata address: refused whatever the policy.
                let _ = request.set_scheme(Some(&Scheme::Http));
                let _ = request.set_authority(Some("169.254.169.254"));
                let _ = request.set_path_with_query(Some("/"));
                let outgoing = wasi::http::outgoing_handler::handle(request, None);
                let network = match outgoing {
                    Err(e) => format!("{e:?}"),
                    Ok(future) => {
                        future.subscribe().block();
                        format!("{:?}", future.get())
                    }
                };
                let text = format!("vars={vars} root={root:?} network={network}");
                respond(out, 200, &[text.as_bytes()]);
            }
            "/fetch" => {
                // `/fetch?n=N&url=http://host:port/path`: N outbound GETs
                // (1 by default); answers with the last one's status and
                // body, or the error the host gave.
                let count = query.split('&').find_map(|p| p.strip_prefix("n=")).and_then(|n| n.parse().ok()).unwrap_or(1);
                let url = query.split('&').find_map(|p| p.strip_prefix("url=")).unwrap_or_default();
                let mut answer = String::new();
                for _ in 0..count {
                    answer = fetch(url);
                }
                respond(out, 200, &[answer.as_bytes()]);
            }
            "/send" => {
                // `/send?to=NAME`: sends the body as an event to the
                // owner's function NAME through Fnlab itself; answers with
                // Fnlab's status and answer.
                let to = query.strip_prefix("to=").unwrap_or_default();
                let body = read_body(&request);
                let answer = send("POST", &format!("http://fnlab.internal/events/{to}"), &body);
                respond(out, 200, &[answer.as_bytes()]);
            }
            "/silent" => drop(out),
            "/unfinished" => {
                // Answers "partial" and returns with its response body
                // still open, kept in a static, as componentize-js's
                // runtime leaves it.
                static OPEN: std::sync::Mutex<Vec<OutgoingBody>> = std::sync::Mutex::new(Vec::new());
                let response = OutgoingResponse::new(Fields::new());
                let body = response.body().expect("body taken once");
                ResponseOutparam::set(out, Ok(response));
                let stream = body.write().expect("stream taken once");
                let _ = stream.blocking_write_and_flush(b"partial");
                drop(stream);
                OPEN.lock().unwrap().push(body);
            }
            "/headers" => {
                // Answers with every `x-respond-NAME: VALUE` request header
                // as a `NAME: VALUE` response header.
                let headers = Fields::new();
                for (name, value) in request.headers().entries() {
                    if let Some(name) = name.strip_prefix("x-respond-") {
                        let _ = headers.append(&name.to_string(), &value);
                    }
                }
                let response = OutgoingResponse::new(headers);
                let body = response.body().expect("body");
                ResponseOutparam::set(out, Ok(response));
                OutgoingBody::finish(body, None).expect("finish");
            }
            _ => respond(out, 404, &[b"no such probe\n"]),
        }
    }
}

/// A GET of `url` (`http[s]://authority/path`): "STATUS BODY", or the
/// error code.
fn fetch(url: &str) -> String {
    send("GET", url, &[])
}

/// A request of `method` with `body` to `url`: "STATUS BODY", or the error
/// code.
fn send(method: &str, url: &str, body: &[u8]) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    let (authority, path) = rest.split_once('/').map_or((rest, "/".to_owned()), |(a, p)| (a, format!("/{p}")));
    let request = OutgoingRequest::new(Fields::new());
    let scheme = if scheme == "https" { Scheme::Https } else { Scheme::Http };
    let _ = request.set_scheme(Some(&scheme));
    let _ = request.set_authority(Some(authority));
    let _ = request.set_path_with_query(Some(&path));
    if method == "POST" {
        let _ = request.set_method(&wasi::http::types::Method::Post);
    }
    let outgoing = request.body().expect("body taken once");
    let future = match wasi::http::outgoing_handler::handle(request, None) {
        Ok(future) => future,
        Err(e) => return format!("error {e:?}"),
    };
    {
        let stream = outgoing.write().expect("stream taken once");
        for chunk in body.chunks(4096) {
            let _ = stream.blocking_write_and_flush(chunk);
        }
    }
    let _ = OutgoingBody::finish(outgoing, None);
    future.subscribe().block();
    match future.get() {
        Some(Ok(Ok(response))) => {
            let status = response.status();
            let body = response.consume().expect("body taken once");
            let stream = body.stream().expect("stream taken once");
            let mut bytes = Vec::new();
            while let Ok(chunk) = stream.blocking_read(64 * 1024) {
                bytes.extend_from_slice(&chunk);
            }
            format!("{status} {}", String::from_utf8_lossy(&bytes))
        }
        Some(Ok(Err(e))) => format!("error {e:?}"),
        other => format!("error {other:?}"),
    }
}

/// Recurses until the engine's stack runs out. The call goes through a
/// function pointer so the compiler cannot turn it into a loop.
fn recurse(n: u64) -> u64 {
    let next: fn(u64) -> u64 = std::hint::black_box(recurse);
    if n == 0 { 0 } else { next(n + 1) ^ n }
}

fn read_body(request: &IncomingRequest) -> Vec<u8> {
    let body = request.consume().expect("body taken once");
    let stream = body.stream().expect("stream taken once");
    let mut bytes = Vec::new();
    while let Ok(chunk) = stream.blocking_read(64 * 1024) {
        bytes.extend_from_slice(&chunk);
    }
    bytes
}

fn respond(out: ResponseOutparam, status: u16, chunks: &[&[u8]]) {
    let response = OutgoingResponse::new(Fields::new());
    response.set_status_code(status).expect("valid status");
    let body = response.body().expect("body taken once");
    ResponseOutparam::set(out, Ok(response));
    let stream = body.write().expect("stream taken once");
    for chunk in chunks {
        for piece in chunk.chunks(4096) {
            if stream.blocking_write_and_flush(piece).is_err() {
                return;
            }
        }
    }
    drop(stream);
    let _ = OutgoingBody::finish(body, None);
}
