//! Usage, billing, metrics and quotas end to end: a real server, a real
//! component, real concurrent requests, and every number checked against
//! the invocation records it was computed from.

mod common;

#[path = "../../sandbox/tests/guests/mod.rs"]
#[allow(dead_code)] // only the probe is used here
mod guests;

use std::time::{Duration, Instant};

use common::{Client, Db, TestServer, answer};
use futures_util::StreamExt;
use serde_json::{Value, json};

/// Uploads the probe component as `name`.
async fn deploy_probe(client: &Client, name: &str) {
    common::upload(client, name, guests::probe())
        .await
        .expect(201);
}

/// Calls `/fn/{user}/{name}{path}` and returns the status.
async fn call(client: &Client, user: &str, name: &str, path: &str) -> u16 {
    client
        .http
        .get(format!("{}/fn/{user}/{name}{path}", client.base))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Polls `/api/v1/usage` until it counts `requests`, within 2 s (the
/// promise: a finished invocation shows up within 2 seconds).
async fn usage_with(client: &Client, requests: i64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let usage = client.get("/api/v1/usage").await.expect(200);
        if usage["requests"] == requests {
            return usage;
        }
        assert!(
            Instant::now() < deadline,
            "want {requests} requests: {usage}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The billed MiB-ms of the invocation records: Σ ⌈wall ms⌉ × memory.
fn billed_mb_ms(invocations: &Value) -> i64 {
    invocations
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let ms = (i["wall_us"].as_i64().unwrap() + 999) / 1000;
            ms.max(1) * i["memory_mb"].as_i64().unwrap()
        })
        .sum()
}

async fn concurrent_requests_are_billed_exactly_once(db: Db) {
    let server = TestServer::start(db).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    deploy_probe(&ann, "probe").await;
    ann.send(
        reqwest::Method::PATCH,
        "/api/v1/functions/probe",
        Some(json!({"memory_mb": 64})),
    )
    .await
    .expect(200);

    const N: i64 = 64;
    let calls = (0..N).map(|i| {
        let ann = ann.clone();
        async move {
            call(
                &ann,
                "ann",
                "probe",
                if i % 8 == 0 { "/slow" } else { "/hello" },
            )
            .await
        }
    });
    let statuses = futures_util::future::join_all(calls).await;
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 429),
        "{statuses:?}"
    );
    let answered = statuses.iter().filter(|s| **s == 200).count() as i64;
    assert!(answered > 0);

    let usage = usage_with(&ann, answered).await;
    let invocations = ann
        .get("/api/v1/functions/probe/invocations?limit=1000")
        .await
        .expect(200);
    let billed: Vec<&Value> = invocations
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["outcome"] != "too_many_requests")
        .collect();
    assert_eq!(billed.len() as i64, answered);
    let mb_ms = billed_mb_ms(&Value::Array(billed.iter().map(|i| (*i).clone()).collect()));
    assert_eq!(
        usage["gb_seconds"].as_f64().unwrap(),
        mb_ms as f64 / 1_024_000.0
    );
    assert_eq!(usage["functions"][0]["name"], "probe");
    assert_eq!(usage["functions"][0]["requests"], answered);
    assert_eq!(usage["errors"], 0);
    let first_billed = &billed[0];
    assert!(
        first_billed["cost_picos"].as_i64().unwrap() > 0,
        "{first_billed}"
    );

    // The same totals for an explicit period holding today.
    let restarted = usage.clone();
    let today = &restarted["from"];
    let explicit = ann
        .get(&format!("/api/v1/usage?from={}", today.as_str().unwrap()))
        .await
        .expect(200);
    assert_eq!(explicit["requests"], answered);

    // Metrics count the same invocations.
    let metrics = ann
        .get("/api/v1/functions/probe/metrics?window=1h")
        .await
        .expect(200);
    assert_eq!(metrics["invocations"], answered);
    assert_eq!(metrics["series"].as_array().unwrap().len(), 60);
    assert!(metrics["p99_ms"].as_f64().unwrap() >= metrics["p50_ms"].as_f64().unwrap());
    for window in ["24h", "7d"] {
        let metrics = ann
            .get(&format!("/api/v1/functions/probe/metrics?window={window}"))
            .await
            .expect(200);
        assert_eq!(metrics["invocations"], answered, "{window}");
    }
    ann.get("/api/v1/functions/probe/metrics?window=2h")
        .await
        .expect_error(400, "bad_request");
    ann.get("/api/v1/usage?from=yesterday")
        .await
        .expect_error(400, "bad_request");
    ann.get("/api/v1/usage?from=2026-11-02&to=2026-11-01")
        .await
        .expect_error(400, "bad_request");
}
both_backends!(concurrent_requests_are_billed_exactly_once);

/// `ann`'s client on `node`, once ann's probe answers there (a deploy
/// reaches the other nodes within a second).
async fn reached(ann: &Client, node: &TestServer) -> Client {
    let on_node = Client {
        base: node.base.clone(),
        ..ann.clone()
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while call(&on_node, "ann", "probe", "/hello").await != 200 {
        assert!(
            Instant::now() < deadline,
            "the deploy never reached {}",
            node.base
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    on_node
}

async fn two_nodes_bill_every_invocation_once(db: Db) {
    let a = TestServer::start(db).await;
    let b = a.another_node().await;
    let ann = a.client();
    ann.sign_up_and_log_in("ann").await;
    deploy_probe(&ann, "probe").await;
    // The calls until the deploy reaches node b answer 404, not billed.
    let on_b = reached(&ann, &b).await;

    // Both nodes' writers add to the same hourly row at once.
    let calls = (0..96).map(|i| {
        let node = if i % 2 == 0 {
            ann.clone()
        } else {
            on_b.clone()
        };
        async move { call(&node, "ann", "probe", "/hello").await }
    });
    let statuses = futures_util::future::join_all(calls).await;
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 429),
        "{statuses:?}"
    );
    let answered = 1 + statuses.iter().filter(|s| **s == 200).count() as i64;
    let usage = usage_with(&ann, answered).await;
    let metrics = ann
        .get("/api/v1/functions/probe/metrics?window=24h")
        .await
        .expect(200);
    assert_eq!(metrics["invocations"], answered);

    // Every answered call is in one latency histogram, once.
    let pool = fnlab_db::open(&a.database_url, 1).await.unwrap();
    let texts: Vec<String> = sqlx::query_scalar("select latency from usage_hourly")
        .fetch_all(&pool)
        .await
        .unwrap();
    let counted: i64 = texts
        .iter()
        .map(|text| fnlab_metering::histogram::Latency::decode(text).count())
        .sum();
    assert_eq!(counted, answered, "{usage}");
}
both_backends!(two_nodes_bill_every_invocation_once);

async fn quotas_and_the_free_tier(db: Db) {
    // $1 per request, nothing per GB-second, two free requests a month,
    // and a plan capped at four requests.
    let server = TestServer::start_with(
        db,
        &[
            "--price-per-million-requests",
            "1000000",
            "--price-per-gb-second",
            "0",
            "--free-requests",
            "2",
            "--plans",
            "tiny:requests=4;big",
            "--default-plan",
            "tiny",
        ],
    )
    .await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    deploy_probe(&ann, "probe").await;
    for _ in 0..3 {
        assert_eq!(call(&ann, "ann", "probe", "/hello").await, 200);
    }
    let usage = usage_with(&ann, 3).await;
    assert_eq!(usage["gross_micros"], 3_000_000);
    assert_eq!(usage["free_tier"]["used"]["requests"], 2);
    assert_eq!(usage["free_tier"]["credit_micros"], 2_000_000);
    assert_eq!(usage["cost_micros"], 1_000_000, "the free tier comes first");
    assert_eq!(usage["functions"][0]["cost_micros"], 3_000_000);

    let billing = ann.get("/api/v1/billing").await.expect(200);
    assert_eq!(billing["plan"], "tiny");
    assert_eq!(billing["alerts"][0]["level"], 75);
    assert_eq!(billing["month_to_date"]["cost_micros"], 1_000_000);
    let days = billing["days"].as_array().unwrap();
    assert_eq!(
        days.iter()
            .map(|d| d["cost_micros"].as_i64().unwrap())
            .sum::<i64>(),
        1_000_000
    );

    // The fourth call reaches the cap; the fifth is refused, saying why.
    assert_eq!(call(&ann, "ann", "probe", "/hello").await, 200);
    let refused = ann
        .http
        .get(format!("{}/fn/ann/probe/hello", ann.base))
        .send()
        .await
        .unwrap();
    assert!(refused.headers().contains_key("retry-after"));
    let message = answer(refused).await.expect_error(429, "quota_exceeded");
    assert!(message.contains("monthly quota of 4 requests"), "{message}");
    usage_with(&ann, 4).await;
    let billing = ann.get("/api/v1/billing").await.expect(200);
    assert_eq!(billing["alerts"][0]["level"], 100);

    // The instructor sees the class and lifts the cap; the function
    // answers again within the quota refresh.
    let teacher = server.admin_client("teacher").await;
    ann.get("/api/v1/admin/usage")
        .await
        .expect_error(404, "not_found");
    let class = teacher
        .get("/api/v1/admin/usage?sort=requests")
        .await
        .expect(200);
    assert_eq!(class["users"][0]["username"], "ann");
    assert_eq!(class["users"][0]["requests"], 4);
    assert_eq!(class["users"][0]["cost_micros"], 2_000_000);
    assert_eq!(class["users"][0]["alert_level"], 100);
    teacher
        .send(
            reqwest::Method::PUT,
            "/api/v1/admin/users/ann/plan",
            Some(json!({"plan": "gold"})),
        )
        .await
        .expect_error(422, "unknown_plan");
    teacher
        .send(
            reqwest::Method::PUT,
            "/api/v1/admin/users/nobody/plan",
            Some(json!({"plan": "big"})),
        )
        .await
        .expect_error(404, "not_found");
    teacher
        .send(
            reqwest::Method::PUT,
            "/api/v1/admin/users/ann/plan",
            Some(json!({"plan": "big"})),
        )
        .await
        .expect(200);
    let deadline = Instant::now() + Duration::from_secs(10);
    while call(&ann, "ann", "probe", "/hello").await != 200 {
        assert!(Instant::now() < deadline, "the new plan never took effect");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The month as CSV: lines at list price, the credit, the total.
    usage_with(&ann, 5).await;
    let csv = ann.get("/api/v1/usage.csv").await.expect(200);
    let csv = csv.as_str().unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("date,function,requests"), "{csv}");
    assert!(lines[1].contains(",probe,5,0,"), "{csv}");
    assert!(
        lines[2].contains("(free tier),,,,,,-2000000,-2.000000"),
        "{csv}"
    );
    assert!(lines[3].contains("(total),5,0,"), "{csv}");
    assert!(lines[3].ends_with(",3000000,3.000000"), "{csv}");
}
both_backends!(quotas_and_the_free_tier);

/// The attack on reused ids: Alice calls her newest function 7 times and
/// deletes it; Bob's next function, called 3 times, must report 3 (not
/// inherit Alice's id and with it her metrics), and Alice's bill keeps her
/// 7. The same for a revoked token's id.
async fn a_deleted_functions_id_and_usage_never_pass_to_another(db: Db) {
    let server = TestServer::start(db).await;
    let (alice, bob) = (server.client(), server.client());
    alice.sign_up_and_log_in("alice").await;
    bob.sign_up_and_log_in("bob").await;
    deploy_probe(&alice, "mine").await;
    for _ in 0..7 {
        assert_eq!(call(&alice, "alice", "mine", "/hello").await, 200);
    }
    usage_with(&alice, 7).await;
    let listed = alice.get("/api/v1/functions").await.expect(200);
    let alices_id = listed[0]["id"].as_i64().unwrap();
    alice.delete("/api/v1/functions/mine").await.expect(204);

    deploy_probe(&bob, "fresh").await;
    for _ in 0..3 {
        assert_eq!(call(&bob, "bob", "fresh", "/hello").await, 200);
    }
    usage_with(&bob, 3).await;
    let listed = bob.get("/api/v1/functions").await.expect(200);
    assert_ne!(listed[0]["id"].as_i64().unwrap(), alices_id, "a reused id");
    let metrics = bob.get("/api/v1/functions/fresh/metrics").await.expect(200);
    assert_eq!(metrics["invocations"], 3);
    let metrics = bob.get("/api/v1/functions/fresh/metrics?window=24h").await;
    assert_eq!(metrics.expect(200)["invocations"], 3);
    let invocations = bob.get("/api/v1/functions/fresh/invocations").await;
    assert_eq!(invocations.expect(200).as_array().unwrap().len(), 3);
    let usage = usage_with(&bob, 3).await;
    assert_eq!(usage["functions"][0]["requests"], 3);
    let usage = usage_with(&alice, 7).await;
    assert_eq!(usage["functions"][0]["name"], "mine", "{usage}");

    let first = alice
        .post("/api/v1/tokens", json!({"name": "a"}))
        .await
        .expect(201);
    alice
        .delete(&format!("/api/v1/tokens/{}", first["id"]))
        .await
        .expect(204);
    let second = alice
        .post("/api/v1/tokens", json!({"name": "b"}))
        .await
        .expect(201);
    assert_ne!(first["id"], second["id"], "a reused token id");
}
both_backends!(a_deleted_functions_id_and_usage_never_pass_to_another);

#[tokio::test]
async fn another_users_usage_and_metrics_stay_hidden() {
    let server = TestServer::start(Db::Sqlite).await;
    let (ann, bob) = (server.client(), server.client());
    ann.sign_up_and_log_in("ann").await;
    bob.sign_up_and_log_in("bob").await;
    deploy_probe(&ann, "probe").await;
    assert_eq!(call(&ann, "ann", "probe", "/hello").await, 200);
    usage_with(&ann, 1).await;

    for path in [
        "/api/v1/functions/probe/metrics",
        "/api/v1/functions/probe/invocations",
        "/api/v1/admin/usage",
    ] {
        bob.get(path).await.expect_error(404, "not_found");
    }
    let usage = bob.get("/api/v1/usage").await.expect(200);
    assert_eq!(
        (
            usage["requests"].as_i64(),
            usage["functions"].as_array().map(Vec::len)
        ),
        (Some(0), Some(0))
    );
    let stranger = server.client();
    stranger
        .get("/api/v1/usage")
        .await
        .expect_error(401, "unauthorized");
    stranger
        .get("/api/v1/billing")
        .await
        .expect_error(401, "unauthorized");
}

/// The stuck shutdown: an event stream of a build that never ends (this
/// server does not build) stays open while the server stops. It still
/// stops within its grace period, and the call served before is billed.
#[tokio::test]
async fn shutdown_cuts_open_event_streams_and_still_bills() {
    let mut server = TestServer::start_with(Db::Sqlite, &["--shutdown-grace-secs", "1"]).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    deploy_probe(&ann, "probe").await;
    assert_eq!(call(&ann, "ann", "probe", "/hello").await, 200);
    let source = json!({"language": "python", "source": "def handler(e, c): return 1"});
    ann.send(
        reqwest::Method::PUT,
        "/api/v1/functions/waits",
        Some(source),
    )
    .await
    .expect(201);
    let build = ann
        .post("/api/v1/functions/waits/deploy?wait=false", Value::Null)
        .await
        .expect(202)["build_id"]
        .clone();
    let stream = ann
        .http
        .get(format!("{}/api/v1/builds/{build}/events", ann.base))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);

    let stopped = tokio::time::timeout(Duration::from_secs(20), server.stop()).await;
    assert!(stopped.is_ok(), "the server waited for the event stream");
    drop(stream);
    server.restart().await;
    let ann = server.client();
    let credentials = json!({"username": "ann", "password": common::PASSWORD});
    ann.post("/api/v1/login", credentials).await.expect(200);
    usage_with(&ann, 1).await;
}

/// A restarted node has no program in memory: its first call to a
/// function is a cold start (reloaded from the disk cache), marked in the
/// log with how long it waited, and the metrics count it apart from the
/// warm calls around it.
async fn a_restart_makes_the_next_call_a_cold_start(db: Db) {
    let mut server = TestServer::start(db).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    deploy_probe(&ann, "probe").await;
    // The upload made the program ready: the first call is warm.
    assert_eq!(call(&ann, "ann", "probe", "/hello").await, 200);
    common::invocations(&ann, "probe", 1).await;

    server.restart().await;
    let ann = server.client();
    let credentials = json!({"username": "ann", "password": common::PASSWORD});
    ann.post("/api/v1/login", credentials).await.expect(200);
    for _ in 0..2 {
        assert_eq!(call(&ann, "ann", "probe", "/hello").await, 200);
    }
    let log = common::invocations(&ann, "probe", 3).await;
    let cold: Vec<i64> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["cold_start_us"].as_i64().unwrap())
        .collect();
    // Newest first: warm after the restart's cold start, warm before it.
    assert!(cold[0] == 0 && cold[1] > 0 && cold[2] == 0, "{log}");

    let metrics = ann
        .get("/api/v1/functions/probe/metrics?window=1h")
        .await
        .expect(200);
    let starts = &metrics["starts"];
    assert_eq!(
        (starts["cold"].as_i64(), starts["warm"].as_i64()),
        (Some(1), Some(2)),
        "{metrics}"
    );
    let ms = |field: &str| {
        starts[field]
            .as_f64()
            .unwrap_or_else(|| panic!("{field}: {starts}"))
    };
    assert!(ms("load_p50_ms") > 0.0, "{starts}");
    assert!(ms("cold_p50_ms") >= ms("load_p50_ms"), "{starts}");
    assert!(ms("warm_p99_ms") > 0.0, "{starts}");
    // Of another trigger only, none started at all.
    let scheduled = ann
        .get("/api/v1/functions/probe/metrics?window=1h&trigger=schedule")
        .await
        .expect(200);
    assert_eq!(scheduled["starts"]["cold"], 0, "{scheduled}");
    assert_eq!(scheduled["starts"]["warm"], 0, "{scheduled}");
    assert_eq!(
        scheduled["starts"]["cold_p50_ms"],
        Value::Null,
        "{scheduled}"
    );
}
both_backends!(a_restart_makes_the_next_call_a_cold_start);

/// The ids of one page of `/invocations` with `query`, and its next cursor.
async fn page(client: &Client, query: &str) -> (Vec<i64>, Option<String>) {
    let url = format!("/api/v1/functions/probe/invocations?{query}");
    let answer = client.get(&url).await;
    let next = answer
        .headers
        .get("fnlab-next-cursor")
        .map(|cursor| cursor.to_str().unwrap().to_owned());
    let body = answer.expect(200);
    let ids = body.as_array().unwrap().iter();
    (ids.map(|i| i["id"].as_i64().unwrap()).collect(), next)
}

/// Search the retained invocations by text, status and time, and page
/// through them by cursor: every one exactly once, newest first, even as
/// new ones arrive between pages.
async fn invocations_are_searched_and_paged_by_cursor(db: Db) {
    let server = TestServer::start(db).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    deploy_probe(&ann, "probe").await;
    for path in [
        "/log", "/hello", "/log", "/nope", "/hello", "/panic", "/log", "/hello", "/nope", "/hello",
    ] {
        call(&ann, "ann", "probe", path).await;
    }
    let all = common::invocations(&ann, "probe", 10).await;
    let count = |query: &str| {
        let ann = ann.clone();
        let query = query.to_owned();
        async move { page(&ann, &format!("limit=100&{query}")).await.0.len() }
    };
    assert_eq!(count("q=deliberate%20panic").await, 1);
    assert_eq!(
        count("q=A%20LINE%20ON%20STDOUT").await,
        3,
        "case-insensitive"
    );
    assert_eq!(count("q=100%25_%5C").await, 0, "% _ and \\ are literal");
    assert_eq!(count("status=4xx").await, 2);
    assert_eq!(count("status=201").await, 3);
    assert_eq!(count("status=5xx&q=panic").await, 1);
    let request_id = all[0]["request_id"].as_str().unwrap();
    assert_eq!(count(&format!("q={request_id}")).await, 1);
    let started: Vec<i64> = (all.as_array().unwrap().iter())
        .map(|i| i["started_at"].as_i64().unwrap())
        .collect();
    let (newest, oldest) = (started[0], started[9]);
    assert_eq!(count(&format!("from={}", newest + 1)).await, 0);
    assert_eq!(count(&format!("from={oldest}&to={}", newest + 1)).await, 10);

    // Pages of 3: 3, 3, 3, 1, while two more arrive after the first.
    let (mut seen, mut next) = page(&ann, "limit=3").await;
    call(&ann, "ann", "probe", "/hello").await;
    call(&ann, "ann", "probe", "/hello").await;
    while let Some(cursor) = next {
        let (ids, after) = page(&ann, &format!("limit=3&cursor={cursor}")).await;
        seen.extend(ids);
        next = after;
    }
    let expected: Vec<i64> = (all.as_array().unwrap().iter())
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert_eq!(seen, expected, "every invocation once, newest first");

    let bad = ann
        .get("/api/v1/functions/probe/invocations?status=teapot")
        .await;
    bad.expect_error(422, "invalid_status");
    let bad = ann
        .get("/api/v1/functions/probe/invocations?cursor=x")
        .await;
    bad.expect_error(422, "invalid_cursor");
}

both_backends!(invocations_are_searched_and_paged_by_cursor);

/// Opens `ann`'s tail of `probe` with `query` and waits until it follows.
async fn tail(client: &Client, query: &str) -> common::Events {
    let path = format!("/api/v1/functions/probe/logs/tail{query}");
    let mut events = common::Events::open(client, &path).await;
    assert_eq!(events.expect("ready").await["function"], "probe");
    events
}

async fn the_tail_shows_invocations_as_they_end_with_filters(db: Db) {
    let server = TestServer::start(db).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    deploy_probe(&ann, "probe").await;
    let mut everything = tail(&ann, "").await;
    let mut errors = tail(&ann, "?status=5xx").await;
    let mut texts = tail(&ann, "?q=ON%20STDOUT&outcome=ok").await;
    for path in ["/log", "/hello", "/panic?x=1"] {
        call(&ann, "ann", "probe", path).await;
    }
    let log = everything.expect("invocation").await;
    assert_eq!(
        (
            &log["trigger"],
            &log["method"],
            &log["path"],
            &log["status"]
        ),
        (&json!("http"), &json!("GET"), &json!("/log"), &json!(201))
    );
    assert_eq!(log["stdout"], "a line on stdout\n");
    assert_eq!(log["stderr"], "a line on stderr\n");
    for field in [
        "request_id",
        "started_at",
        "wall_us",
        "cpu_us",
        "peak_memory_bytes",
        "cost_picos",
    ] {
        assert!(!log[field].is_null(), "{field} in {log}");
    }
    assert_eq!(everything.expect("invocation").await["path"], "/hello");
    let panic = everything.expect("invocation").await;
    assert_eq!(
        (&panic["path"], &panic["outcome"]),
        (&json!("/panic?x=1"), &json!("trap"))
    );
    assert_eq!(
        errors.expect("invocation").await["request_id"],
        panic["request_id"]
    );
    assert_eq!(
        texts.expect("invocation").await["request_id"],
        log["request_id"]
    );
    for filtered in [&mut errors, &mut texts] {
        assert!(filtered.next(Duration::from_millis(300)).await.is_none());
    }
    // The same invocations are stored with what was asked.
    let stored = common::invocations(&ann, "probe", 3).await;
    assert_eq!(stored[0]["path"], "/panic?x=1");
    assert_eq!(stored[2]["method"], "GET");

    // Another user cannot tail ann's function; a bad filter is refused.
    let bob = server.client();
    bob.sign_up_and_log_in("bob").await;
    bob.get("/api/v1/functions/probe/logs/tail")
        .await
        .expect(404);
    ann.get("/api/v1/functions/probe/logs/tail?status=teapot")
        .await
        .expect_error(422, "invalid_status");
    server
        .client()
        .get("/api/v1/functions/probe/logs/tail")
        .await
        .expect(401);
}
both_backends!(the_tail_shows_invocations_as_they_end_with_filters);

/// A burst reaches a tail sampled, with every invocation left out
/// counted; a tail nobody reads holds up no call.
async fn a_burst_is_sampled_and_an_unread_tail_slows_nothing(db: Db) {
    let server = TestServer::start(db).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    deploy_probe(&ann, "probe").await;
    let mut unread = tail(&ann, "").await;
    const BURST: usize = 300;
    let calls = (0..BURST).map(|_| call(&ann, "ann", "probe", "/hello"));
    let statuses: Vec<u16> = futures_util::stream::iter(calls)
        .buffer_unordered(16)
        .collect()
        .await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    // Only now is the tail read: every invocation is shown or counted.
    let (mut shown, mut skipped) = (0, 0);
    while shown + skipped < BURST as u64 {
        match unread.next(Duration::from_secs(3)).await {
            Some((name, _)) if name == "invocation" => shown += 1,
            Some((name, data)) if name == "skipped" => skipped += data["count"].as_u64().unwrap(),
            other => panic!("after {shown} shown and {skipped} skipped: {other:?}"),
        }
    }
    assert_eq!(shown + skipped, BURST as u64);
    assert!(skipped > 0, "a burst of {BURST} is sampled");
}
both_backends!(a_burst_is_sampled_and_an_unread_tail_slows_nothing);

/// A tail on one node shows the invocations another node serves (nodes
/// share PostgreSQL; a SQLite file has one node).
#[tokio::test]
async fn the_tail_shows_invocations_of_every_node() {
    if common::postgres_admin_url().is_none() {
        return;
    }
    let a = TestServer::start(Db::Postgres).await;
    let b = a.another_node().await;
    let ann = a.client();
    ann.sign_up_and_log_in("ann").await;
    deploy_probe(&ann, "probe").await;
    let on_b = reached(&ann, &b).await;
    // Those calls ended before the tails open: let their batch go by.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut on_a = tail(&ann, "").await;
    let mut also_on_b = tail(&on_b, "").await;
    call(&on_b, "ann", "probe", "/log").await;
    let seen = on_a.expect("invocation").await;
    assert_eq!(seen["path"], "/log", "served by b, seen on a");
    assert_eq!(
        also_on_b.expect("invocation").await["request_id"],
        seen["request_id"]
    );
    call(&ann, "ann", "probe", "/hello").await;
    assert_eq!(
        also_on_b.expect("invocation").await["path"],
        "/hello",
        "served by a, seen on b"
    );
    // Each node shows each invocation once.
    assert_eq!(on_a.expect("invocation").await["path"], "/hello");
    assert!(on_a.next(Duration::from_millis(500)).await.is_none());
    assert!(also_on_b.next(Duration::from_millis(500)).await.is_none());
}

/// The series of `scrape` named `name` whose labels include `labels`.
fn sample(scrape: &prometheus_parse::Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    let found = scrape
        .samples
        .iter()
        .find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)));
    match found.map(|s| &s.value) {
        Some(prometheus_parse::Value::Counter(v) | prometheus_parse::Value::Gauge(v)) => *v,
        Some(prometheus_parse::Value::Untyped(v)) => *v,
        other => panic!("{name}{labels:?}: {other:?}"),
    }
}

/// `/metrics` parses as Prometheus text, counts what happened, and is
/// refused to anonymous callers and to users who are not admins.
#[tokio::test]
async fn metrics_are_for_the_operator_only() {
    let server = TestServer::start(Db::Sqlite).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    deploy_probe(&ann, "probe").await;
    for path in ["/hello", "/hello", "/panic"] {
        call(&ann, "ann", "probe", path).await;
    }
    let anonymous = server.client();
    anonymous
        .get("/metrics")
        .await
        .expect_error(401, "unauthorized");
    ann.get("/metrics").await.expect_error(404, "not_found");

    let teacher = server.admin_client("teacher").await;
    let created = teacher
        .post("/api/v1/tokens", json!({"name": "prometheus"}))
        .await;
    let token = created.expect(201)["token"].as_str().unwrap().to_owned();
    let scraper = anonymous.with_token(&token);
    // Invocations are counted once their report is in.
    let deadline = Instant::now() + Duration::from_secs(5);
    let scrape = loop {
        let response = scraper
            .http
            .get(format!("{}/metrics", server.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let kind = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(kind.starts_with("application/openmetrics-text"), "{kind}");
        let text = response.text().await.unwrap();
        let scrape =
            prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).unwrap();
        let ok = [("status_class", "2xx"), ("outcome", "ok")];
        if sample(&scrape, "fnlab_invocations_total", &ok) == 2.0 {
            break scrape;
        }
        assert!(Instant::now() < deadline, "{text}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let trapped = [("status_class", "5xx"), ("outcome", "trap")];
    assert_eq!(sample(&scrape, "fnlab_invocations_total", &trapped), 1.0);
    assert_eq!(
        sample(&scrape, "fnlab_invocation_duration_seconds_count", &[]),
        3.0
    );
    assert_eq!(sample(&scrape, "fnlab_instances_max", &[]), 256.0);
    assert!(sample(&scrape, "fnlab_programs_in_memory", &[]) >= 1.0);
    let loaded: f64 = ["memory", "disk", "compiled"]
        .iter()
        .filter(|from| {
            scrape
                .samples
                .iter()
                .any(|s| s.labels.get("from") == Some(**from))
        })
        .map(|from| sample(&scrape, "fnlab_programs_loaded_total", &[("from", from)]))
        .sum();
    assert_eq!(loaded, 3.0, "one program per call");
    assert_eq!(sample(&scrape, "fnlab_builds_queued", &[]), 0.0);
    assert!(sample(&scrape, "fnlab_db_connections_max", &[]) >= 2.0);
    assert!(sample(&scrape, "fnlab_db_connections", &[("state", "idle")]) >= 0.0);

    // An allowed address needs no token.
    let open = TestServer::start_with(Db::Sqlite, &["--metrics-from", "127.0.0.1"]).await;
    let response = open
        .client()
        .http
        .get(format!("{}/metrics", open.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("fnlab_instances_in_use")
    );
}
