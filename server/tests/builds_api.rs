//! Building source from the editor, end to end: save a draft, deploy it
//! (rustc in the bubblewrap sandbox, for real), call the public URL; compile
//! errors on the user's lines; escapes from the build sandbox refused;
//! builds that loop or eat memory stopped at their limits.

mod common;

use common::{Client, TestServer, building_server, call, deploy_source};
use reqwest::Method;
use serde_json::{Value, json};

/// A server that builds Rust only: with no JavaScript and Python tools it
/// leaves their runtimes (tests/scripts_api.rs) alone, so that preparing
/// them does not take the CPU from these tests' builds.
async fn rust_server(extra: &[&str]) -> TestServer {
    let mut flags = vec!["--tools", "/nonexistent/fnlab-tools"];
    flags.extend_from_slice(extra);
    building_server(&flags).await
}

/// Saves Rust `source` as `name`'s draft and deploys it, waiting.
async fn deploy(client: &Client, name: &str, source: &str) -> common::Answer {
    deploy_source(client, name, "rust", source).await
}

/// The request that shows each template working, and what its answer
/// contains. A template missing here fails the test.
fn template_check(id: &str) -> (Method, &'static str, &'static str, u16, &'static str) {
    match id {
        "rust-hello" => (Method::GET, "/", "", 200, "Hello"),
        "rust-json-echo" => (Method::POST, "/", r#"{"a":[1,2]}"#, 200, r#""a""#),
        "rust-greeter" => (Method::GET, "/?name=Ann", "", 200, "Ann"),
        "rust-router" => (Method::GET, "/nowhere", "", 404, ""),
        "rust-lambda" => (Method::GET, "/?name=Ann", "", 200, "Ann"),
        // Without its secret it says what to set (the relay itself is
        // tested in outbound_api.rs).
        "rust-visit-counter" => (Method::GET, "/", "", 200, "visits: 1"),
        "rust-webhook-relay" => (Method::POST, "/", "{}", 500, "Set the secret WEBHOOK_URL"),
        "rust-scheduled-job" => (Method::GET, "/", "", 200, "runs: 0"),
        "rust-queue-consumer" => (Method::GET, "/", "", 200, "total: 0"),
        "rust-word-count" => (Method::GET, "/", "", 200, r#"{"word counts":{}}"#),
        other => panic!("template {other} has no check here: add one"),
    }
}

#[tokio::test]
async fn every_template_deploys_and_answers() {
    let server = rust_server(&[]).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    let templates = ann.get("/api/v1/templates").await.expect(200);
    // The JavaScript and Python templates: tests/scripts_api.rs.
    let templates: Vec<&Value> = (templates.as_array().unwrap().iter())
        .filter(|template| template["language"] == "rust")
        .collect();
    assert!(templates.len() >= 5, "{templates:?}");
    for template in &templates {
        let id = template["id"].as_str().unwrap();
        assert!(!template["description"].as_str().unwrap().is_empty());
        let name = id.trim_start_matches("rust-");
        let deployed = deploy(&ann, name, template["source"].as_str().unwrap())
            .await
            .expect(201);
        assert_eq!(deployed["version"], 1, "{id}: {deployed}");
        assert!(deployed["build_ms"].as_i64().unwrap() > 0);
        assert!(
            deployed["url"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/fn/ann/{name}/"))
        );
        let (method, path, body, status, expected) = template_check(id);
        let (got_status, got_body) =
            call(&ann, method, &format!("/fn/ann/{name}{path}"), body).await;
        assert_eq!(got_status, status, "{id}: {got_body}");
        assert!(got_body.contains(expected), "{id}: {got_body}");
    }
    // The scheduled job counts a run of its schedule.
    let run = common::run_scheduled(&ann, "scheduled-job").await;
    assert_eq!(
        (run["state"].as_str(), run["status"].as_i64()),
        (Some("done"), Some(200)),
        "{run}"
    );
    let (_, answer) = call(&ann, Method::GET, "/fn/ann/scheduled-job/", "").await;
    assert!(
        answer.starts_with("runs: 1, last run due at: 20"),
        "{answer}"
    );
    // The queue consumer adds up an order sent as an event, and fails on
    // one without an amount.
    let done = common::deliver_event(&ann, "queue-consumer", json!({"amount": 5})).await;
    assert_eq!(
        (done["state"].as_str(), done["last_status"].as_i64()),
        (Some("done"), Some(200)),
        "{done}"
    );
    let failed = common::deliver_event(&ann, "queue-consumer", json!({"name": "x"})).await;
    assert_eq!(failed["last_status"], 500, "{failed}");
    let (_, answer) = call(&ann, Method::GET, "/fn/ann/queue-consumer/", "").await;
    assert_eq!(answer, "total: 5\n");
    // The file processor counts the words of a file dropped on a store.
    let dropped = common::drop_file(
        &ann,
        "uploads",
        "word-count",
        "poem.txt",
        "To be, or not\nto be",
    )
    .await;
    assert_eq!(dropped["state"], "done", "{dropped}");
    let counts = ann.get("/api/v1/kv/wordcounts/poem.txt").await.expect(200);
    assert_eq!(
        counts,
        json!({"lines": 2, "words": 6, "top": [["be", 2], ["to", 2], ["not", 1], ["or", 1]]})
    );
    let (_, answer) = call(&ann, Method::GET, "/fn/ann/word-count/", "").await;
    assert_eq!(answer, r#"{"word counts":{"poem.txt":6}}"#);
    // The router's two routes, and the echo refusing bad JSON.
    let (status, _) = call(&ann, Method::GET, "/fn/ann/router/", "").await;
    assert_eq!(status, 200);
    let (status, _) = call(&ann, Method::POST, "/fn/ann/json-echo/", "{not json").await;
    assert_eq!(status, 400);
    // Each version remembers its source.
    let source = ann
        .get("/api/v1/functions/hello/versions/1/source")
        .await
        .expect(200);
    assert_eq!(source["language"], "rust");
    assert_eq!(source["source"], templates[0]["source"]);
}

const HELLO: &str = r#"fn handle(_req: fnlab::Request) -> fnlab::Response {
    fnlab::Response::text(200, "version one")
}
fnlab::http!(handle);
"#;

#[tokio::test]
async fn compile_errors_land_on_the_users_lines_and_keep_the_live_version() {
    let server = rust_server(&[]).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    deploy(&ann, "f", HELLO).await.expect(201);

    // A syntax error on line 2.
    let syntax = "fn handle(_req: fnlab::Request) -> fnlab::Response {\n    let x = ;\n    fnlab::Response::text(200, \"x\")\n}\nfnlab::http!(handle);\n";
    let failed = deploy(&ann, "f", syntax).await;
    assert_eq!(failed.status, 422, "{failed:?}");
    let body = failed.body;
    assert_eq!(body["error"]["code"], "compile_error");
    let first = &body["diagnostics"][0];
    assert_eq!(first["line"], 2, "{body}");
    assert_eq!(first["severity"], "error");

    // A type error on line 3.
    let types = "fn handle(_req: fnlab::Request) -> fnlab::Response {\n    let n: u32 = 1;\n    let s: String = n;\n    fnlab::Response::text(200, s)\n}\nfnlab::http!(handle);\n";
    let failed = deploy(&ann, "f", types).await;
    assert_eq!(failed.status, 422);
    let diagnostics = failed.body["diagnostics"].as_array().unwrap().clone();
    let error = diagnostics
        .iter()
        .find(|d| d["severity"] == "error")
        .expect("an error");
    assert_eq!(error["line"], 3, "{diagnostics:?}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("mismatched types")
    );
    assert!(error["column"].as_u64().unwrap() >= 1);

    // The live version is still the first.
    let function = ann.get("/api/v1/functions/f").await.expect(200);
    assert_eq!(function["live_version"], 1);
    assert_eq!(
        call(&ann, Method::GET, "/fn/ann/f/", "").await,
        (200, "version one".into())
    );

    // The failed build is there to read, log included.
    let build_id = failed.body["build_id"].as_i64().unwrap();
    let build = ann
        .get(&format!("/api/v1/builds/{build_id}"))
        .await
        .expect(200);
    assert_eq!(build["state"], "failed");
    assert!(build["log"].as_str().unwrap().contains("mismatched types"));

    // A build that goes live keeps the compiler's warnings, on their lines.
    let warned = deploy(&ann, "f", &format!("fn unused() {{}}\n{HELLO}"))
        .await
        .expect(201);
    let build = ann
        .get(&format!("/api/v1/builds/{}", warned["build_id"]))
        .await
        .expect(200);
    assert_eq!(build["state"], "live");
    assert_eq!(build["diagnostics"][0]["severity"], "warning", "{build}");
    assert_eq!(build["diagnostics"][0]["line"], 1);
}

#[tokio::test]
async fn deploying_without_waiting_reports_progress_and_builds_are_private() {
    let server = rust_server(&[]).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    // A source never built before: the shared build root would otherwise
    // find the crate fresh when the last build was the same, and compile
    // nothing.
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let source = format!("{HELLO}// {nonce}\n");
    ann.send(
        Method::PUT,
        "/api/v1/functions/f",
        Some(json!({ "language": "rust", "source": source })),
    )
    .await
    .expect(201);
    let queued = ann
        .post("/api/v1/functions/f/deploy?wait=false", json!({}))
        .await
        .expect(202);
    let id = queued["build_id"].as_i64().unwrap();

    // The event stream ends with the whole build, live.
    let events = ann
        .http
        .get(format!("{}/api/v1/builds/{id}/events", ann.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(events.contains("event: state"), "{events}");
    assert!(events.contains("event: done"), "{events}");
    let build = ann.get(&format!("/api/v1/builds/{id}")).await.expect(200);
    assert_eq!(build["state"], "live", "{build}");
    assert_eq!(build["version"], 1);
    assert!(
        build["log"]
            .as_str()
            .unwrap()
            .contains("Compiling function"),
        "{build}"
    );

    // Another user sees none of it.
    let bob = server.client();
    bob.sign_up_and_log_in("bob").await;
    bob.get(&format!("/api/v1/builds/{id}"))
        .await
        .expect_error(404, "not_found");
    bob.get(&format!("/api/v1/builds/{id}/events"))
        .await
        .expect_error(404, "not_found");
    bob.post("/api/v1/functions/f/deploy", json!({}))
        .await
        .expect_error(404, "not_found");
    bob.get("/api/v1/functions/f/source")
        .await
        .expect_error(404, "not_found");

    // Bad drafts.
    ann.send(
        Method::PUT,
        "/api/v1/functions/f",
        Some(json!({ "language": "cobol", "source": "x" })),
    )
    .await
    .expect_error(422, "unsupported_language");
    let huge = "x".repeat(fnlab_builds::MAX_SOURCE_BYTES + 1);
    ann.send(
        Method::PUT,
        "/api/v1/functions/f",
        Some(json!({ "language": "rust", "source": huge })),
    )
    .await
    .expect_error(422, "source_too_large");
    ann.send(
        Method::PUT,
        "/api/v1/functions/Bad_Name",
        Some(json!({ "language": "rust", "source": HELLO })),
    )
    .await
    .expect_error(422, "invalid_name");
    // A function uploaded as a component has nothing to build.
    let draft = ann.get("/api/v1/functions/f/source").await.expect(200);
    assert_eq!(draft["source"], source);
}

/// Source that tries to get out of the build sandbox, and what the
/// compiler must answer.
const ESCAPES: &[(&str, &str)] = &[
    (
        r#"const X: &str = include_str!("/etc/passwd");"#,
        "couldn't read",
    ),
    (
        r#"const X: &[u8] = include_bytes!("/root/.bashrc");"#,
        "couldn't read",
    ),
    // Set in the server's own environment by rustup's cargo (checked below).
    (
        r#"const X: &str = env!("RUSTUP_TOOLCHAIN");"#,
        "not defined at compile time",
    ),
    (
        r#"const _: () = assert!(option_env!("RUSTUP_HOME").is_none(), "the host environment leaked");"#,
        "OK",
    ),
    (r#"#[path = "/etc/hostname"] mod stolen;"#, "couldn't read"),
    ("mod sibling;", "file not found for module"),
    (
        r#"const X: &[u8] = include_bytes!("/build/target/wasm32-wasip2/release/function.wasm");"#,
        "couldn't read",
    ),
];

#[tokio::test]
async fn the_build_sandbox_refuses_every_escape() {
    assert!(
        std::env::var_os("RUSTUP_TOOLCHAIN").is_some() && std::env::var_os("RUSTUP_HOME").is_some(),
        "run the tests through rustup's cargo: the environment test needs its variables"
    );
    let server = rust_server(&[]).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    deploy(&ann, "f", HELLO).await.expect(201);
    for (attempt, expected) in ESCAPES {
        let source = format!("{attempt}\n{HELLO}");
        let answer = deploy(&ann, "f", &source).await;
        if *expected == "OK" {
            assert_eq!(answer.status, 201, "{attempt}: {answer:?}");
            continue;
        }
        assert_eq!(answer.status, 422, "{attempt}: {answer:?}");
        let messages: Vec<&str> = answer.body["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["message"].as_str().unwrap())
            .collect();
        assert!(
            messages.iter().any(|m| m.contains(expected)),
            "{attempt}: expected {expected:?} in {messages:?}"
        );
        assert_eq!(answer.body["diagnostics"][0]["line"], 1, "{attempt}");
    }
}

#[tokio::test]
async fn builds_that_loop_or_eat_memory_are_stopped_at_their_limits() {
    let server = rust_server(&["--build-timeout-secs", "8", "--build-memory-mb", "768"]).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;

    let spin = format!(
        "#![allow(long_running_const_eval)]\nconst fn spin() -> u64 {{ let mut i = 0u64; loop {{ i = i.wrapping_add(1); if i == 0 {{ return i; }} }} }}\nconst SPIN: u64 = spin();\n{HELLO}"
    );
    let failed = deploy(&ann, "spin", &spin).await;
    assert_eq!(failed.status, 422, "{failed:?}");
    assert_eq!(failed.body["error"]["code"], "timeout", "{:?}", failed.body);
    assert!(
        failed.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("8 s")
    );

    let hog = format!(
        "#![allow(long_running_const_eval)]\nstatic BIG: [u8; 1 << 30] = [7; 1 << 30];\n{HELLO}"
    );
    let failed = deploy(&ann, "hog", &hog).await;
    assert_eq!(failed.status, 422, "{failed:?}");
    assert_eq!(failed.body["error"]["code"], "memory", "{:?}", failed.body);

    // The sandbox is still fine afterwards.
    let deployed: Value = deploy(&ann, "fine", HELLO).await.expect(201);
    assert_eq!(deployed["version"], 1);
}

/// The build flood: one user queues deploy after deploy. A redeploy of a
/// function whose build still waits replaces it (same build id), and past
/// three pending builds the user is told to wait (429) while nothing more
/// is queued. (This server does not build, so every build stays queued.)
#[tokio::test]
async fn a_users_pending_builds_are_capped() {
    let server = TestServer::start(common::Db::Sqlite).await;
    let client = server.client();
    client.sign_up_and_log_in("ann").await;
    let source = json!({"language": "python", "source": "def handler(e, c): return 1"});
    let mut ids = Vec::new();
    for name in ["f1", "f2", "f3", "f4"] {
        let path = format!("/api/v1/functions/{name}");
        client
            .send(Method::PUT, &path, Some(source.clone()))
            .await
            .expect(201);
    }
    for name in ["f1", "f2", "f3"] {
        let path = format!("/api/v1/functions/{name}/deploy?wait=false");
        ids.push(client.post(&path, Value::Null).await.expect(202)["build_id"].clone());
    }
    let again = client
        .post("/api/v1/functions/f1/deploy?wait=false", Value::Null)
        .await
        .expect(202);
    assert_eq!(again["build_id"], ids[0], "the waiting build was replaced");
    let refused = client
        .post("/api/v1/functions/f4/deploy?wait=false", Value::Null)
        .await;
    assert!(refused.headers.contains_key("retry-after"));
    let message = refused.expect_error(429, "too_many_requests");
    assert!(message.contains("3 builds queued or running"), "{message}");
}

/// One user may follow only so many builds at once: each event stream
/// holds a connection and wakes on every build's news. Another user is
/// unaffected, and a closed stream frees its place.
#[tokio::test]
async fn a_users_build_streams_are_capped() {
    let server = TestServer::start(common::Db::Sqlite).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    let source = json!({"language": "python", "source": "def handler(e, c): return 1"});
    ann.send(Method::PUT, "/api/v1/functions/f", Some(source.clone()))
        .await
        .expect(201);
    // No node builds here: the build stays queued, its streams open.
    let queued = ann
        .post("/api/v1/functions/f/deploy?wait=false", Value::Null)
        .await
        .expect(202);
    let events = format!(
        "{}/api/v1/builds/{}/events",
        server.base, queued["build_id"]
    );
    let mut open = Vec::new();
    for _ in 0..fnlab_usecases::builds::MAX_WATCHES_PER_USER {
        let stream = ann.http.get(&events).send().await.unwrap();
        assert_eq!(stream.status(), 200);
        open.push(stream);
    }
    let refused = common::answer(ann.http.get(&events).send().await.unwrap()).await;
    let message = refused.expect_error(429, "too_many_requests");
    assert!(message.contains("following"), "{message}");

    let bob = server.client();
    bob.sign_up_and_log_in("bob").await;
    bob.send(Method::PUT, "/api/v1/functions/g", Some(source))
        .await
        .expect(201);
    let bobs = bob
        .post("/api/v1/functions/g/deploy?wait=false", Value::Null)
        .await
        .expect(202);
    let bobs_events = format!("{}/api/v1/builds/{}/events", server.base, bobs["build_id"]);
    assert_eq!(
        bob.http.get(&bobs_events).send().await.unwrap().status(),
        200
    );

    drop(open.pop());
    // The server notices the closed stream at its next write or poll.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let again = ann.http.get(&events).send().await.unwrap();
        if again.status() == 200 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the closed stream was never freed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// A build whose component would take its owner past their storage quota
/// fails with the figures, and the live version stays.
#[tokio::test]
async fn a_build_past_the_storage_quota_fails_and_keeps_the_live_version() {
    const QUOTA: i64 = 1 << 20;
    let server = rust_server(&["--plans", "tiny:storage_mb=1", "--default-plan", "tiny"]).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    deploy(&ann, "f", HELLO).await.expect(201);

    // Drafts fill the quota but for a few KiB: less than a component.
    let used = |billing: Value| billing["storage"]["used_bytes"].as_i64().unwrap();
    let mut room = QUOTA - 8192 - used(ann.get("/api/v1/billing").await.expect(200));
    for filler in 0.. {
        if room <= 0 {
            break;
        }
        let size = room.min(fnlab_builds::MAX_SOURCE_BYTES as i64);
        let draft = json!({ "language": "python", "source": "#".repeat(size as usize) });
        let path = format!("/api/v1/functions/filler{filler}");
        ann.send(Method::PUT, &path, Some(draft)).await.expect(201);
        room -= size;
    }

    let two = HELLO.replace("version one", "version two");
    let failed = deploy(&ann, "f", &two).await;
    let message = failed.expect_error(422, "storage_quota_exceeded");
    assert!(
        message.starts_with("this component (") && message.contains("over your plan's 1.0 MiB"),
        "{message}"
    );
    assert_eq!(
        call(&ann, Method::GET, "/fn/ann/f/", "").await,
        (200, "version one".into())
    );
    let stored = used(ann.get("/api/v1/billing").await.expect(200));
    assert!(stored <= QUOTA, "{stored} stored");
}
