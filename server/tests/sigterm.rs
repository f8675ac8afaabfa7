//! SIGTERM under load: the real `fnlab` binary is stopped while requests
//! pour in, then started again on the same data. Every request that got an
//! answer from the function is billed exactly once; none is billed twice.

mod common;

#[path = "../../sandbox/tests/guests/mod.rs"]
#[allow(dead_code)] // only the probe is used here
mod guests;

use std::collections::HashSet;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::answer;
use serde_json::json;

#[tokio::test]
async fn every_answered_request_is_billed_once_across_a_sigterm() {
    let data = tempfile::tempdir().unwrap();
    let port = common::free_port();
    let mut server = common::start_binary(data.path(), port, &[]).await;
    let ann = common::client_at(port);
    ann.sign_up_and_log_in("ann").await;
    let token = ann
        .post("/api/v1/tokens", json!({"name": "t"}))
        .await
        .expect(201)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let upload = ann
        .http
        .put(format!("{}/api/v1/functions/probe/component", ann.base))
        .header("content-type", "application/wasm")
        .body(guests::probe().to_vec())
        .send()
        .await
        .unwrap();
    answer(upload).await.expect(201);

    // Eight callers hammer the function until the server is gone; every
    // answer the function gave carries its request id.
    let answered: Arc<Mutex<Vec<String>>> = Arc::default();
    let callers: Vec<_> = (0..8)
        .map(|_| {
            let answered = answered.clone();
            let url = format!("http://127.0.0.1:{port}/fn/ann/probe/hello");
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                let mut failures = 0;
                while failures < 20 {
                    match http.get(&url).send().await {
                        Ok(response) if response.status() == 200 => {
                            let id = response.headers()["fnlab-request-id"]
                                .to_str()
                                .unwrap()
                                .to_owned();
                            if response.bytes().await.is_ok() {
                                answered.lock().unwrap().push(id);
                            }
                        }
                        Ok(_) => {}
                        Err(_) => {
                            failures += 1;
                            tokio::time::sleep(Duration::from_millis(10)).await;
                        }
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(700)).await;
    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    for caller in callers {
        caller.await.unwrap();
    }
    let status = tokio::task::spawn_blocking(move || server.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "fnlab exited with {status}");
    let answered = answered.lock().unwrap().clone();
    assert!(
        answered.len() > 50,
        "the load was too light: {}",
        answered.len()
    );

    // Started again on the same data: the usage is exactly the answers.
    let mut server = common::start_binary(data.path(), port, &[]).await;
    let ann = ann.with_token(&token);
    let usage = ann.get("/api/v1/usage").await.expect(200);
    let _ = server.kill();
    let _ = server.wait();
    let db = fnlab_db::open(
        &format!("sqlite://{}", data.path().join("fnlab.db").display()),
        1,
    )
    .await
    .unwrap();
    let recorded: Vec<String> = sqlx::query_scalar("select request_id from invocations")
        .fetch_all(&db)
        .await
        .unwrap();
    let unique: HashSet<&String> = recorded.iter().collect();
    assert_eq!(
        unique.len(),
        recorded.len(),
        "a request id was recorded twice"
    );
    for id in &answered {
        assert!(unique.contains(id), "answered request {id} was not billed");
    }
    assert_eq!(usage["requests"], answered.len() as i64, "{usage}");
}
