//! Functions over REST and at their public URLs, end to end: upload a real
//! wasm32-wasip2 component, call it, break it, roll it back, delete it.

mod common;

#[path = "../../sandbox/tests/guests/mod.rs"]
mod guests;

use std::time::{Duration, Instant};

use common::{Client, Db, TestServer, answer, invocations, upload};
use reqwest::Method;
use serde_json::{Value, json};

/// Calls a public function URL.
async fn call(client: &Client, method: Method, path: &str, body: &str) -> reqwest::Response {
    client
        .http
        .request(method, format!("{}{path}", client.base))
        .header("x-probe", "abc")
        .header("cookie", "fnlab_session=stolen")
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

async fn upload_call_and_read_the_log(db: Db) {
    let server = TestServer::start(db).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;

    let deployed = upload(&ann, "probe", guests::probe()).await.expect(201);
    assert_eq!(deployed["version"], 1);
    assert_eq!(deployed["sha256"], guests::probe_sha());
    let url = deployed["url"].as_str().unwrap();
    assert!(url.ends_with("/fn/ann/probe/"), "{url}");

    let response = call(&ann, Method::POST, "/fn/ann/probe/echo?q=1", "hello").await;
    assert_eq!(response.status(), 200);
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.starts_with("sandbox") && !csp.contains("allow-same-origin"),
        "{csp}"
    );
    let request_id = response.headers()["fnlab-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let text = response.text().await.unwrap();
    assert_eq!(
        text, "Method::Post /echo?q=1 x-probe=abc cookie= body=hello",
        "cookies never reach a function"
    );

    // A guest-level 404 passes through as it is.
    assert_eq!(
        call(&ann, Method::GET, "/fn/ann/probe/nowhere", "")
            .await
            .status(),
        404
    );
    let logged = call(&ann, Method::GET, "/fn/ann/probe/log", "").await;
    assert_eq!(logged.status(), 201);

    let log = invocations(&ann, "probe", 3).await;
    let newest = &log[0];
    assert_eq!(newest["stdout"], "a line on stdout\n");
    assert_eq!(
        (newest["status"].as_i64(), newest["outcome"].as_str()),
        (Some(201), Some("ok"))
    );
    let echo = &log[2];
    assert_eq!(echo["request_id"], request_id);
    assert_eq!(
        (echo["bytes_in"].as_i64(), echo["bytes_out"].as_i64()),
        (Some(5), Some(text.len() as i64))
    );
    assert!(
        echo["wall_us"].as_i64().unwrap() > 0 && echo["cpu_us"].as_i64().unwrap() > 0,
        "{echo}"
    );
    assert!(echo["peak_memory_bytes"].as_i64().unwrap() > 0, "{echo}");
    assert_eq!(echo["version"], 1);
    assert_eq!(
        ann.get("/api/v1/functions/probe/invocations?limit=1")
            .await
            .expect(200)
            .as_array()
            .unwrap()
            .len(),
        1
    );
    ann.get("/api/v1/functions/probe/invocations?limit=0")
        .await
        .expect_error(422, "invalid_limit");

    let listed = ann.get("/api/v1/functions").await.expect(200);
    assert_eq!(listed[0]["name"], "probe");
    assert_eq!(listed[0]["live_version"], 1);
    assert!(
        listed[0]["last_invocation_at"].as_i64().is_some(),
        "{listed}"
    );
}
both_backends!(upload_call_and_read_the_log);

async fn versions_rollback_limits_and_delete(db: Db) {
    let server = TestServer::start(db).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    upload(&ann, "probe", guests::probe()).await.expect(201);
    let second = upload(&ann, "probe", guests::probe()).await.expect(201);
    assert_eq!(second["version"], 2);

    let detail = ann.get("/api/v1/functions/probe").await.expect(200);
    assert_eq!(detail["live_version"], 2);
    assert_eq!(detail["versions"].as_array().unwrap().len(), 2);
    assert_eq!(
        detail["limits"],
        json!({"timeout_ms": 10000, "memory_mb": 128})
    );

    let back = ann
        .post("/api/v1/functions/probe/rollback", json!({"version": 1}))
        .await
        .expect(200);
    assert_eq!(back["version"], 1);
    assert_eq!(
        ann.get("/api/v1/functions/probe").await.expect(200)["live_version"],
        1
    );
    let missing = ann
        .post("/api/v1/functions/probe/rollback", json!({"version": 9}))
        .await;
    assert!(
        missing
            .expect_error(404, "not_found")
            .contains("no version 9")
    );

    let patch = |body: Value| ann.send(Method::PATCH, "/api/v1/functions/probe", Some(body));
    patch(json!({"timeout_ms": 600_000}))
        .await
        .expect_error(422, "invalid_limits");
    assert_eq!(
        patch(json!({"timeout_ms": 500})).await.expect(200)["limits"]["timeout_ms"],
        500
    );
    let started = Instant::now();
    let stuck = call(&ann, Method::GET, "/fn/ann/probe/loop", "").await;
    assert_eq!(stuck.status(), 504);
    assert!(stuck.text().await.unwrap().contains("500 ms timeout"));
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(invocations(&ann, "probe", 1).await[0]["outcome"], "timeout");

    ann.delete("/api/v1/functions/probe").await.expect(204);
    assert_eq!(
        call(&ann, Method::GET, "/fn/ann/probe/hello", "")
            .await
            .status(),
        404
    );
    ann.get("/api/v1/functions/probe")
        .await
        .expect_error(404, "not_found");
}
both_backends!(versions_rollback_limits_and_delete);

#[tokio::test]
async fn bad_components_are_refused_with_the_reason() {
    let server = TestServer::start(Db::Sqlite).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;

    let not_wasm = ann
        .http
        .put(format!("{}/api/v1/functions/f/component", ann.base))
        .body("x")
        .send()
        .await
        .unwrap();
    answer(not_wasm)
        .await
        .expect_error(415, "unsupported_media_type");
    let garbage = upload(&ann, "f", b"definitely not wasm")
        .await
        .expect_error(422, "invalid_component");
    assert!(garbage.contains("not a WebAssembly binary"), "{garbage}");
    let core = upload(&ann, "f", b"\0asm\x01\0\0\0")
        .await
        .expect_error(422, "invalid_component");
    assert!(core.contains("core WebAssembly module"), "{core}");
    upload(&ann, "Bad_Name", guests::probe())
        .await
        .expect_error(422, "invalid_name");
    assert_eq!(
        ann.get("/api/v1/functions").await.expect(200),
        json!([]),
        "nothing was stored"
    );
    let anonymous = server.client();
    upload(&anonymous, "f", guests::probe())
        .await
        .expect_error(401, "unauthorized");
}

#[tokio::test]
async fn another_users_functions_are_404() {
    let server = TestServer::start(Db::Sqlite).await;
    let (ann, bob) = (server.client(), server.client());
    ann.sign_up_and_log_in("ann").await;
    bob.sign_up_and_log_in("bob").await;
    upload(&ann, "probe", guests::probe()).await.expect(201);

    bob.get("/api/v1/functions/probe")
        .await
        .expect_error(404, "not_found");
    bob.get("/api/v1/functions/probe/invocations")
        .await
        .expect_error(404, "not_found");
    bob.post("/api/v1/functions/probe/rollback", json!({"version": 1}))
        .await
        .expect_error(404, "not_found");
    bob.delete("/api/v1/functions/probe")
        .await
        .expect_error(404, "not_found");
    assert_eq!(bob.get("/api/v1/functions").await.expect(200), json!([]));
    // Anyone may call the public URL, though.
    assert_eq!(
        call(&bob, Method::GET, "/fn/ann/probe/hello", "")
            .await
            .status(),
        200
    );
    assert_eq!(
        call(&bob, Method::GET, "/fn/nobody/probe/hello", "")
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn oversized_requests_are_413_unbilled_and_every_run_is_recorded_across_a_restart() {
    // One client calls 20 at once: no per-client cap, to reach the owner's.
    let flags = [
        "--max-request-bytes",
        "1024",
        "--max-fn-requests-per-client",
        "0",
    ];
    let mut server = TestServer::start_with(Db::Sqlite, &flags).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    upload(&ann, "probe", guests::probe()).await.expect(201);

    // Refused before any instance runs: not an invocation, not billed.
    let big = call(&ann, Method::POST, "/fn/ann/probe/count", &"x".repeat(4096)).await;
    answer(big).await.expect_error(413, "request_too_large");
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let ann = ann.clone();
            tokio::spawn(async move {
                call(&ann, Method::GET, "/fn/ann/probe/hello", "")
                    .await
                    .status()
            })
        })
        .collect();
    // 20 at once is over the 16 a user may run: the rest get 429, and
    // every one of them is an invocation all the same.
    for task in calls {
        assert!(matches!(task.await.unwrap().as_u16(), 200 | 429));
    }
    // A graceful stop writes every record before the process would exit.
    server.restart().await;
    let ann = Client {
        base: server.base.clone(),
        ..ann
    };
    let log = ann
        .get("/api/v1/functions/probe/invocations?limit=100")
        .await
        .expect(200);
    assert_eq!(log.as_array().unwrap().len(), 20, "{log}");
}
