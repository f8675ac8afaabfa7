//! Cron schedules on a real server: the REST contract and its errors, and
//! the worker on one node and on two sharing a database. The servers allow
//! second-granular schedules (`--schedule-seconds true`) so that slots
//! fall due in seconds, not minutes; the probe answers `POST /` with the
//! trigger and event it received, and logs them.

mod common;

#[path = "../../sandbox/tests/guests/mod.rs"]
#[allow(dead_code)] // only the probe is used here
mod guests;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::{Client, Db, TestServer, upload};
use serde_json::{Value, json};

const SECONDS: [&str; 2] = ["--schedule-seconds", "true"];

/// Ann, signed up on `server`, with the probe deployed as `probe`.
async fn ann_with_probe(server: &TestServer) -> Client {
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    upload(&ann, "probe", guests::probe()).await.expect(201);
    ann
}

async fn add(client: &Client, function: &str, cron: &str) -> Value {
    client
        .post(
            &format!("/api/v1/functions/{function}/schedules"),
            json!({ "cron": cron }),
        )
        .await
        .expect(201)
}

async fn runs(client: &Client, schedule: &Value) -> Vec<Value> {
    let path = format!("/api/v1/functions/probe/schedules/{}/runs", schedule["id"]);
    let runs = client.get(&path).await.expect(200);
    runs.as_array().unwrap().clone()
}

/// Polls the schedule's runs until `done` holds of them (10 s at most).
async fn runs_until(
    client: &Client,
    schedule: &Value,
    what: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let runs = runs(client, schedule).await;
        if done(&runs) {
            return runs;
        }
        assert!(Instant::now() < deadline, "waiting for {what}: {runs:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn pause(client: &Client, schedule: &Value, paused: bool) -> Value {
    let path = format!("/api/v1/functions/probe/schedules/{}", schedule["id"]);
    let body = json!({ "paused": paused });
    let answer = client.send(reqwest::Method::PATCH, &path, Some(body));
    answer.await.expect(200)
}

/// The scheduled times of `runs`, in ms, oldest first.
fn slots(runs: &[Value]) -> Vec<i64> {
    let mut slots: Vec<i64> = runs
        .iter()
        .map(|run| {
            let time = run["scheduled_time"].as_str().unwrap();
            let time = chrono::DateTime::parse_from_rfc3339(time).unwrap();
            time.timestamp_millis()
        })
        .collect();
    slots.sort_unstable();
    slots
}

/// The function's invocations with trigger `schedule`, once its log holds
/// at least `n` invocations.
async fn scheduled_invocations(client: &Client, n: usize) -> Vec<Value> {
    let log = common::invocations(client, "probe", n).await;
    let log = log.as_array().unwrap();
    log.iter()
        .filter(|record| record["trigger"] == "schedule")
        .cloned()
        .collect()
}

async fn the_api_adds_lists_pauses_runs_and_deletes(db: Db) {
    let server =
        TestServer::start_with(db, &["--plans", "two:schedules=2", "--default-plan", "two"]).await;
    let ann = ann_with_probe(&server).await;
    let added = ann
        .post(
            "/api/v1/functions/probe/schedules",
            json!({"cron": "*/5 * * * *", "timezone": "Europe/Paris"}),
        )
        .await
        .expect(201);
    assert_eq!(added["cron"], "*/5 * * * *");
    assert_eq!(added["timezone"], "Europe/Paris");
    assert_eq!(added["description"], "Every 5 minutes (Europe/Paris)");
    assert_eq!(added["paused"], false);
    let next: Vec<&str> = added["next_runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(next.len(), 5, "{added}");
    assert!(next.iter().all(|t| t.ends_with(":00+01:00")), "{next:?}");

    // Expressions it cannot read, or that run more often than a minute.
    for (cron, reason) in [
        ("* * * * * *", "at most once a minute"),
        ("*/5 * *", "five fields"),
        ("61 * * * *", "cannot read"),
        ("0 0 31 2 *", "never runs"),
    ] {
        let message = ann
            .post("/api/v1/functions/probe/schedules", json!({"cron": cron}))
            .await
            .expect_error(422, "invalid_schedule");
        assert!(message.contains(reason), "{cron}: {message}");
    }
    let zone = json!({"cron": "@daily", "timezone": "Mars/Olympus"});
    let message = ann.post("/api/v1/functions/probe/schedules", zone).await;
    assert!(
        message
            .expect_error(422, "invalid_schedule")
            .contains("time zone")
    );

    // The plan allows two.
    let daily = add(&ann, "probe", "@daily").await;
    assert_eq!(daily["description"], "At 00:00 (UTC)");
    ann.post(
        "/api/v1/functions/probe/schedules",
        json!({"cron": "@hourly"}),
    )
    .await
    .expect_error(422, "too_many_schedules");
    let list = ann
        .get("/api/v1/functions/probe/schedules")
        .await
        .expect(200);
    assert_eq!(list.as_array().unwrap().len(), 2);

    // Pause, resume.
    let paused = pause(&ann, &added, true).await;
    assert_eq!(paused["paused"], true);
    assert_eq!(paused["next_runs"], json!([]));
    let resumed = pause(&ann, &added, false).await;
    assert_eq!(resumed["next_runs"].as_array().unwrap().len(), 5);

    // Run now: the probe hears a POST / with the schedule's event.
    let run = format!("/api/v1/functions/probe/schedules/{}/run", daily["id"]);
    ann.post(&run, json!(null)).await.expect(202);
    let done = runs_until(&ann, &daily, "the run asked for", |runs| {
        runs.first().is_some_and(|run| run["state"] == "done")
    })
    .await;
    assert_eq!(
        (done[0]["manual"].as_bool(), done[0]["status"].as_i64()),
        (Some(true), Some(200))
    );
    let log = common::invocations(&ann, "probe", 1).await;
    assert_eq!(log[0]["request_id"], done[0]["request_id"]);
    assert_eq!(
        (log[0]["trigger"].as_str(), log[0]["path"].as_str()),
        (Some("schedule"), Some("/"))
    );
    let event: Value = serde_json::from_str(
        log[0]["stdout"]
            .as_str()
            .unwrap()
            .trim()
            .strip_prefix("schedule ")
            .unwrap(),
    )
    .unwrap();
    assert_eq!(event["schedule"], daily["id"]);
    assert_eq!(
        (event["cron"].as_str(), event["manual"].as_bool()),
        (Some("@daily"), Some(true))
    );
    assert_eq!(event["scheduled_time"], done[0]["scheduled_time"]);
    let listed = ann
        .get("/api/v1/functions/probe/schedules")
        .await
        .expect(200);
    assert_eq!(listed[1]["last_run"]["request_id"], done[0]["request_id"]);

    // Another user, another function, another id: not found.
    let bob = server.client();
    bob.sign_up_and_log_in("bob").await;
    upload(&bob, "probe", guests::probe()).await.expect(201);
    let anns = format!("/api/v1/functions/probe/schedules/{}", daily["id"]);
    bob.get("/api/v1/functions/probe/schedules")
        .await
        .expect(200);
    assert_eq!(
        bob.get("/api/v1/functions/probe/schedules")
            .await
            .expect(200),
        json!([])
    );
    bob.post(&format!("{anns}/run"), json!(null))
        .await
        .expect_error(404, "not_found");
    bob.delete(&anns).await.expect_error(404, "not_found");
    ann.get("/api/v1/functions/nothing/schedules")
        .await
        .expect_error(404, "not_found");

    ann.delete(&anns).await.expect(204);
    ann.delete(&anns).await.expect_error(404, "not_found");
    ann.get(&format!("{anns}/runs"))
        .await
        .expect_error(404, "not_found");
}
both_backends!(the_api_adds_lists_pauses_runs_and_deletes);

async fn a_schedule_runs_each_slot_once(db: Db) {
    let server = TestServer::start_with(db, &SECONDS).await;
    let ann = ann_with_probe(&server).await;
    let schedule = add(&ann, "probe", "* * * * * *").await;
    runs_until(&ann, &schedule, "four runs", |runs| {
        runs.iter().filter(|run| run["state"] == "done").count() >= 4
    })
    .await;
    pause(&ann, &schedule, true).await;
    let runs = runs_until(&ann, &schedule, "every run to end", |runs| {
        runs.iter().all(|run| run["state"] == "done")
    })
    .await;
    // Each slot once, on the second (a run late by over a second stands
    // for the slot it overlapped, so a loaded machine may skip one).
    let slots = slots(&runs);
    assert!(
        slots
            .windows(2)
            .all(|pair| pair[1] > pair[0] && (pair[1] - pair[0]) % 1000 == 0),
        "{slots:?}"
    );
    assert!(
        runs.iter()
            .all(|run| run["attempts"] == 1 && run["status"] == 200)
    );
    let log = common::invocations(&ann, "probe", runs.len()).await;
    let ran: HashSet<&str> = runs
        .iter()
        .map(|r| r["request_id"].as_str().unwrap())
        .collect();
    let logged: HashSet<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["request_id"].as_str().unwrap())
        .collect();
    assert_eq!(ran, logged);
}
both_backends!(a_schedule_runs_each_slot_once);

async fn two_nodes_run_each_slot_once_between_them(db: Db) {
    let first = TestServer::start_with(db, &SECONDS).await;
    let second = first.another_node().await;
    let ann = ann_with_probe(&first).await;
    let schedule = add(&ann, "probe", "* * * * * *").await;
    runs_until(&ann, &schedule, "six runs", |runs| {
        runs.iter().filter(|run| run["state"] == "done").count() >= 6
    })
    .await;
    pause(&ann, &schedule, true).await;
    let runs = runs_until(&ann, &schedule, "every run to end", |runs| {
        runs.iter().all(|run| run["state"] == "done")
    })
    .await;
    // Every invocation is one slot's: no slot ran twice.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let invocations = scheduled_invocations(&ann, runs.len()).await;
    let times: Vec<String> = invocations
        .iter()
        .map(|record| {
            let event = record["stdout"].as_str().unwrap().trim();
            let event: Value =
                serde_json::from_str(event.strip_prefix("schedule ").unwrap()).unwrap();
            event["scheduled_time"].as_str().unwrap().to_owned()
        })
        .collect();
    let distinct: HashSet<&String> = times.iter().collect();
    assert_eq!(distinct.len(), times.len(), "a slot ran twice: {times:?}");
    assert_eq!(times.len(), runs.len(), "{runs:#?}");
    drop(second);
}
both_backends!(two_nodes_run_each_slot_once_between_them);

async fn missed_slots_run_once_after_a_restart(db: Db) {
    let mut server = TestServer::start_with(db, &SECONDS).await;
    let ann = ann_with_probe(&server).await;
    let schedule = add(&ann, "probe", "* * * * * *").await;
    runs_until(&ann, &schedule, "two runs", |runs| runs.len() >= 2).await;
    server.stop().await;
    let stopped = fnlab_db::now_ms();
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    let restarted = fnlab_db::now_ms();
    server.restart().await;
    let ann = Client {
        base: server.base.clone(),
        ..ann
    };
    let runs = runs_until(&ann, &schedule, "a run after the restart", |runs| {
        slots(runs)
            .last()
            .is_some_and(|slot| *slot > restarted - 1_000)
    })
    .await;
    // Of the three or four slots missed while it was down, only the latest
    // ran, once.
    let missed: Vec<i64> = slots(&runs)
        .into_iter()
        .filter(|slot| *slot > stopped && *slot <= restarted)
        .collect();
    assert!(missed.len() <= 1, "{missed:?} of {runs:#?}");
    let first_after = slots(&runs)
        .into_iter()
        .find(|slot| *slot > stopped)
        .unwrap();
    assert!(
        first_after >= restarted - 1_000,
        "{first_after} ran, the restart was at {restarted}"
    );
}
both_backends!(missed_slots_run_once_after_a_restart);

async fn a_schedule_past_the_quota_is_paused_with_the_reason(db: Db) {
    let flags = [
        "--plans",
        "tiny:requests=2",
        "--default-plan",
        "tiny",
        SECONDS[0],
        SECONDS[1],
    ];
    let server = TestServer::start_with(db, &flags).await;
    let ann = ann_with_probe(&server).await;
    let schedule = add(&ann, "probe", "* * * * * *").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let paused = loop {
        let list = ann
            .get("/api/v1/functions/probe/schedules")
            .await
            .expect(200);
        if list[0]["paused"] == true {
            break list[0].clone();
        }
        assert!(Instant::now() < deadline, "never paused: {list}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let reason = paused["paused_reason"].as_str().unwrap();
    assert!(reason.contains("monthly quota of 2 requests"), "{reason}");
    let runs = runs(&ann, &schedule).await;
    assert_eq!(runs[0]["state"], "failed", "{runs:#?}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(scheduled_invocations(&ann, 2).await.len(), 2);
}
both_backends!(a_schedule_past_the_quota_is_paused_with_the_reason);

/// A node killed while it runs a slot gives the slot back: the next node
/// (here the same data started again) retries it once the dead node's
/// lease lapses, and the run says it took two attempts.
#[tokio::test]
async fn a_node_killed_mid_run_gives_its_slot_back() {
    let data = tempfile::tempdir().unwrap();
    let flags = [SECONDS[0], SECONDS[1], "--trigger-lease-secs", "2"];
    let port = common::free_port();
    let mut node = common::start_binary(data.path(), port, &flags).await;
    let ann = common::client_at(port);
    ann.sign_up_and_log_in("ann").await;
    let token = ann
        .post("/api/v1/tokens", json!({"name": "t"}))
        .await
        .expect(201);
    upload(&ann, "probe", guests::probe()).await.expect(201);
    let env = json!({"vars": {"PROBE_SLEEP_MS": "2500"}});
    let answer = ann.send(
        reqwest::Method::PUT,
        "/api/v1/functions/probe/env",
        Some(env),
    );
    answer.await.expect(200);
    let schedule = add(&ann, "probe", "@yearly").await;
    let run = format!("/api/v1/functions/probe/schedules/{}/run", schedule["id"]);
    ann.post(&run, json!(null)).await.expect(202);
    runs_until(&ann, &schedule, "the run to start", |runs| {
        runs.first().is_some_and(|run| run["state"] == "running")
    })
    .await;
    node.kill().unwrap();
    node.wait().unwrap();

    let port = common::free_port();
    let mut node = common::start_binary(data.path(), port, &flags).await;
    let ann = common::client_at(port).with_token(token["token"].as_str().unwrap());
    let runs = runs_until(&ann, &schedule, "the retry to end", |runs| {
        runs.first().is_some_and(|run| run["state"] != "running")
    })
    .await;
    node.kill().unwrap();
    node.wait().unwrap();
    assert_eq!(runs.len(), 1, "{runs:#?}");
    assert_eq!(
        (runs[0]["state"].as_str(), runs[0]["attempts"].as_i64()),
        (Some("done"), Some(2))
    );
    assert_eq!(runs[0]["status"], 200);
}
