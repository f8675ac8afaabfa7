//! The event queue on a real server: events sent over the API, with
//! `?type=event` and to the public URL are stored, then delivered once
//! each when nothing fails; a failing consumer is retried with backoff and
//! dead-lettered, and a replay succeeds once it is fixed; events survive a
//! restart. The probe answers `POST /` with the trigger and the event it
//! received (and logs them), or 500 while its `PROBE_FAIL` is set.

mod common;

#[path = "../../sandbox/tests/guests/mod.rs"]
#[allow(dead_code)] // only the probe is used here
mod guests;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::{Client, Db, TestServer, upload};
use reqwest::Method;
use serde_json::{Value, json};

/// Retries 300 ms, then 600 ms after a failure; three attempts.
const FAST_RETRIES: [&str; 4] = ["--event-backoff-ms", "300", "--event-attempts", "3"];

async fn ann_with_probe(server: &TestServer) -> Client {
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    upload(&ann, "probe", guests::probe()).await.expect(201);
    ann
}

async fn send(client: &Client, payload: Value) -> String {
    let sent = client.post("/api/v1/functions/probe/events", payload).await;
    sent.expect(202)["event_id"].as_str().unwrap().to_owned()
}

async fn events(client: &Client) -> Vec<Value> {
    let list = client
        .get("/api/v1/functions/probe/events")
        .await
        .expect(200);
    list.as_array().unwrap().clone()
}

/// Polls the queue until `done` holds of its events (15 s at most).
async fn events_until(client: &Client, what: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let events = events(client).await;
        if done(&events) {
            return events;
        }
        assert!(Instant::now() < deadline, "waiting for {what}: {events:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn set_env(client: &Client, vars: Value) {
    let env = json!({ "vars": vars });
    let answer = client.send(Method::PUT, "/api/v1/functions/probe/env", Some(env));
    answer.await.expect(200);
    // Every node reads a change within a second.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
}

fn all_in(events: &[Value], state: &str) -> bool {
    !events.is_empty() && events.iter().all(|event| event["state"] == state)
}

async fn each_event_is_delivered_once_when_nothing_fails(db: Db) {
    let server = TestServer::start(db).await;
    let ann = ann_with_probe(&server).await;
    let mut sent = Vec::new();
    for n in 0..20 {
        sent.push(send(&ann, json!({ "n": n })).await);
    }
    let invoked = ann
        .post(
            "/api/v1/functions/probe/invoke?type=event",
            json!({"n": 20}),
        )
        .await
        .expect(202);
    sent.push(invoked["event_id"].as_str().unwrap().to_owned());
    // The public URL, as Lambda's asynchronous invoke: 202 at once.
    let url = ann
        .http
        .post(format!("{}/fn/ann/probe/", ann.base))
        .header("fnlab-invocation-type", "event")
        .body("plain text from the URL")
        .send()
        .await
        .unwrap();
    let url = common::answer(url).await.expect(202);
    sent.push(url["event_id"].as_str().unwrap().to_owned());

    let events = events_until(&ann, "every event delivered", |events| {
        events.len() == 22 && all_in(events, "done")
    })
    .await;
    assert!(
        events.iter().all(|event| event["attempts"] == 1),
        "{events:#?}"
    );
    let sources: HashSet<&str> = events
        .iter()
        .map(|e| e["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, HashSet::from(["api", "invoke", "url"]));

    // Each delivery is one invocation, with trigger `event`, in the order
    // they were sent (one at a time per function).
    let log = common::invocations(&ann, "probe", 22).await;
    let mut log: Vec<&Value> = log.as_array().unwrap().iter().collect();
    log.sort_by_key(|record| record["started_at"].as_i64());
    assert_eq!(log.len(), 22, "a delivery ran twice: {log:#?}");
    let delivered: Vec<String> = log
        .iter()
        .map(|record| {
            assert_eq!(record["trigger"], "event");
            let stdout = record["stdout"].as_str().unwrap().trim();
            stdout.strip_prefix("event ").unwrap().to_owned()
        })
        .collect();
    let mut expected: Vec<String> = (0..=20).map(|n| json!({ "n": n }).to_string()).collect();
    expected.push("plain text from the URL".into());
    assert_eq!(delivered, expected);
    let request_ids: HashSet<&str> = events
        .iter()
        .map(|e| e["request_id"].as_str().unwrap())
        .collect();
    assert_eq!(request_ids.len(), 22);
    assert_eq!(events.len(), sent.len());
}
both_backends!(each_event_is_delivered_once_when_nothing_fails);

async fn a_failing_consumer_is_retried_then_dead_lettered_and_replayed(db: Db) {
    let server = TestServer::start_with(db, &FAST_RETRIES).await;
    let ann = ann_with_probe(&server).await;
    set_env(&ann, json!({ "PROBE_FAIL": "1" })).await;
    let id = send(&ann, json!({ "order": 7 })).await;
    let dead = events_until(&ann, "the event to die", |events| all_in(events, "dead")).await;
    assert_eq!(dead[0]["event_id"], id.as_str());
    assert_eq!(dead[0]["attempts"], 3);
    assert_eq!(dead[0]["last_status"], 500);
    assert_eq!(dead[0]["last_error"], "the function answered 500");
    let listed = ann
        .get("/api/v1/functions/probe/events?state=dead")
        .await
        .expect(200);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    // Three deliveries, each after a longer wait than the one before.
    let log = common::invocations(&ann, "probe", 3).await;
    let mut starts: Vec<i64> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["started_at"].as_i64().unwrap())
        .collect();
    starts.sort_unstable();
    let (first, second) = (starts[1] - starts[0], starts[2] - starts[1]);
    assert!(
        first >= 300 && second >= 600 && second > first,
        "waits {first} ms, {second} ms"
    );

    // Fixed, replayed: delivered.
    set_env(&ann, json!({ "PROBE_FAIL": null })).await;
    let replay = format!("/api/v1/functions/probe/events/{id}/replay");
    ann.post(&replay, json!(null)).await.expect(202);
    let done = events_until(&ann, "the replay", |events| all_in(events, "done")).await;
    assert_eq!(
        (
            done[0]["attempts"].as_i64(),
            done[0]["last_status"].as_i64()
        ),
        (Some(1), Some(200))
    );

    // Another user sees none of it.
    let bob = server.client();
    bob.sign_up_and_log_in("bob").await;
    bob.post(&replay, json!(null))
        .await
        .expect_error(404, "not_found");
    bob.get("/api/v1/functions/probe/events")
        .await
        .expect_error(404, "not_found");
}
both_backends!(a_failing_consumer_is_retried_then_dead_lettered_and_replayed);

async fn events_survive_a_restart(db: Db) {
    // A node that delivers nothing: the events wait in the database.
    let mut server = TestServer::start_with(db, &["--triggers", "false"]).await;
    let ann = ann_with_probe(&server).await;
    let id = send(&ann, json!({ "kept": true })).await;
    let pending = format!("/api/v1/functions/probe/events/{id}/replay");
    ann.post(&pending, json!(null))
        .await
        .expect_error(409, "event_pending");
    assert_eq!(events(&ann).await[0]["state"], "queued");
    server.restart_with(&[]).await;
    let ann = Client {
        base: server.base.clone(),
        ..ann
    };
    let done = events_until(&ann, "the delivery after the restart", |events| {
        all_in(events, "done")
    })
    .await;
    assert_eq!(done[0]["event_id"], id.as_str());
}
both_backends!(events_survive_a_restart);

async fn a_function_sends_events_to_its_owners_functions_only(db: Db) {
    let server = TestServer::start(db).await;
    let ann = ann_with_probe(&server).await;
    upload(&ann, "target", guests::probe()).await.expect(201);
    // The probe posts its body to http://fnlab.internal/events/{to}.
    let send = |client: &Client, to: &str| {
        let path = format!("/fn/ann/probe/send?to={to}");
        let client = client.clone();
        async move { common::call(&client, Method::POST, &path, r#"{"from": "probe"}"#).await }
    };
    let (status, answer) = send(&ann, "target").await;
    assert_eq!(status, 200);
    assert!(answer.starts_with(r#"202 {"event_id":""#), "{answer}");
    let deadline = Instant::now() + Duration::from_secs(10);
    let delivered = loop {
        let list = ann.get("/api/v1/functions/target/events").await.expect(200);
        if list[0]["state"] == "done" {
            break list[0].clone();
        }
        assert!(Instant::now() < deadline, "never delivered: {list}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        (delivered["source"].as_str(), delivered["payload"].as_str()),
        (Some("function"), Some(r#"{"from": "probe"}"#))
    );
    // The call is in the sender's log, and counts as an outbound request.
    let log = common::invocations(&ann, "probe", 1).await;
    let stderr = log[0]["stderr"].as_str().unwrap();
    assert!(
        stderr.contains("outbound POST fnlab.internal/events/target → 202"),
        "{stderr}"
    );
    assert_eq!(log[0]["outbound_requests"], 1, "{log}");

    // Not to a function its owner does not have, nor to anyone else's.
    let (_, answer) = send(&ann, "nothing").await;
    assert!(
        answer.starts_with("404 ") && answer.contains("you have no function nothing"),
        "{answer}"
    );
    let bob = server.client();
    bob.sign_up_and_log_in("bob").await;
    upload(&bob, "probe", guests::probe()).await.expect(201);
    let (_, answer) = common::call(&bob, Method::POST, "/fn/bob/probe/send?to=target", "{}").await;
    assert!(answer.starts_with("404 "), "{answer}");
    let (_, answer) = common::call(
        &ann,
        Method::POST,
        "/fn/ann/probe/fetch?url=http://fnlab.internal/other",
        "",
    )
    .await;
    assert!(
        answer.starts_with("404 ") && answer.contains("answers POST /events/{function}"),
        "{answer}"
    );
    assert_eq!(
        ann.get("/api/v1/functions/target/events")
            .await
            .expect(200)
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
both_backends!(a_function_sends_events_to_its_owners_functions_only);

async fn uploads_to_a_bucket_run_its_function_with_an_s3_event(db: Db) {
    let server = TestServer::start_with(db, &FAST_RETRIES).await;
    let ann = ann_with_probe(&server).await;
    let bucket = |trigger: Value| {
        let ann = ann.clone();
        async move {
            (ann.send(
                Method::PATCH,
                "/api/v1/kv/uploads",
                Some(json!({ "trigger": trigger })),
            ))
            .await
        }
    };
    // Without a trigger an upload is only a write.
    let put = |key: &str, body: Vec<u8>| {
        let request = (ann.http).put(format!("{}/api/v1/kv/uploads/{key}", ann.base));
        async move {
            common::answer(
                request
                    .header("content-type", "image/png")
                    .body(body)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    let plain = put("before.txt", b"x".to_vec()).await;
    assert!(plain.headers.get("fnlab-event-id").is_none());
    plain.expect(204);
    bucket(json!("nothing"))
        .await
        .expect_error(422, "invalid_trigger");

    let store = bucket(json!("probe")).await.expect(200);
    assert_eq!(
        (store["name"].as_str(), store["trigger"].as_str()),
        (Some("uploads"), Some("probe"))
    );
    let dropped = common::drop_file(&ann, "uploads", "probe", "notes/a b.txt", "hello there").await;
    assert_eq!(
        (dropped["state"].as_str(), dropped["source"].as_str()),
        (Some("done"), Some("file"))
    );
    // The probe answers and logs "TRIGGER BODY": the body is the S3 event.
    let log = common::invocations(&ann, "probe", 1).await;
    let stdout = log[0]["stdout"].as_str().unwrap();
    assert_eq!(log[0]["trigger"], "file", "{log}");
    let event: Value = serde_json::from_str(stdout.trim().strip_prefix("file ").unwrap()).unwrap();
    let record = &event["Records"][0];
    assert_eq!(record["eventName"], "ObjectCreated:Put");
    assert_eq!(record["eventSource"], "aws:s3");
    assert_eq!(record["s3"]["bucket"]["name"], "uploads");
    assert_eq!(record["s3"]["object"]["key"], "notes/a b.txt");
    assert_eq!(record["s3"]["object"]["size"], 11);
    // Metrics by trigger count it apart from the rest.
    let metrics = |trigger: &str| {
        let (ann, path) = (
            ann.clone(),
            format!("/api/v1/functions/probe/metrics?trigger={trigger}"),
        );
        async move { ann.get(&path).await }
    };
    let files = metrics("file").await.expect(200);
    assert_eq!(
        (files["trigger"].as_str(), files["invocations"].as_i64()),
        (Some("file"), Some(1))
    );
    assert_eq!(metrics("http").await.expect(200)["invocations"], 0);
    assert_eq!(metrics("").await.expect(200)["invocations"], 1);
    metrics("ftp").await.expect_error(422, "invalid_trigger");

    // Oversized: refused, nothing queued.
    let big = put("big.bin", vec![0; fnlab_kv::MAX_VALUE_BYTES + 1]).await;
    assert_eq!(big.status, 413, "{:?}", big.body);
    assert_eq!(events(&ann).await.len(), 1);

    // A function's own retry setting: one attempt, then a dead letter.
    let config = "/api/v1/functions/probe/event-config";
    let default = ann.get(config).await.expect(200);
    assert_eq!(default, json!({"max_attempts": 3, "server_default": true}));
    let set = |n: Value| ann.send(Method::PUT, config, Some(json!({ "max_attempts": n })));
    set(json!(11)).await.expect_error(422, "invalid_attempts");
    set(json!(0)).await.expect_error(422, "invalid_attempts");
    assert_eq!(
        set(json!(1)).await.expect(200),
        json!({"max_attempts": 1, "server_default": false})
    );
    set_env(&ann, json!({ "PROBE_FAIL": "1" })).await;
    let dead = common::drop_file(&ann, "uploads", "probe", "fails.txt", "x").await;
    assert_eq!(
        (dead["state"].as_str(), dead["attempts"].as_i64()),
        (Some("dead"), Some(1)),
        "{dead}"
    );
    assert_eq!(set(Value::Null).await.expect(200), default);

    // Another user can neither trigger ann's function nor see her settings.
    let bob = server.client();
    bob.sign_up_and_log_in("bob").await;
    let theirs = bob.send(
        Method::PATCH,
        "/api/v1/kv/uploads",
        Some(json!({"trigger": "probe"})),
    );
    theirs.await.expect_error(422, "invalid_trigger");
    bob.get(config).await.expect_error(404, "not_found");
    // Deleting the function leaves the store, untriggered.
    ann.delete("/api/v1/functions/probe").await.expect(204);
    let stores = ann.get("/api/v1/kv").await.expect(200);
    let uploads = (stores.as_array().unwrap().iter())
        .find(|s| s["name"] == "uploads")
        .unwrap();
    assert_eq!(
        (uploads["keys"].as_i64(), &uploads["trigger"]),
        (Some(3), &Value::Null)
    );
}
both_backends!(uploads_to_a_bucket_run_its_function_with_an_s3_event);
