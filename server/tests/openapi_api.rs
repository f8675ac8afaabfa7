//! The OpenAPI document against the code and the real server. Every route
//! the router serves under `/api/v1` is in the document (read from the
//! router itself, not from a list kept here), and every answer of the main
//! flows, errors included, is one the document lists for its path, method
//! and status, with a JSON body that matches its schema strictly.

mod common;

#[path = "openapi_api/contract.rs"]
mod contract;

#[path = "../../sandbox/tests/guests/mod.rs"]
#[allow(dead_code)] // only the probe is used here
mod guests;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use clap::Parser;
use common::{Client, Db, Events, TestServer, answer};
use contract::Contract;
use fnlab_server::Config;
use reqwest::Method;
use serde_json::{Value, json};

/// Sends requests as `client`, checks each answer against the document and
/// the status (and error code) it must have, and returns their bodies:
/// `METHOD path[, JSON body] => status[ code];`.
macro_rules! answers {
    ($contract:expr, $client:expr; $($method:ident $path:expr $(, $body:expr)? => $status:literal $($code:literal)?;)+) => {
        vec![$(
            expect_one($contract, $client, Method::$method, &$path, None$(.or(Some($body)))?, $status, answers!(@code $($code)?)).await,
        )+]
    };
    (@code) => { "" };
    (@code $code:literal) => { $code };
}

/// Every `/api/v1` route the router serves, as (method, path), read from
/// the router's `Debug` output: axum lists each route's path and the
/// methods it allows (HEAD comes with GET and is left out).
fn served_routes() -> BTreeSet<(String, String)> {
    let config = Config::parse_from(["fnlab"]);
    let debug = format!("{:?}", fnlab_server::api::router(&config));
    // The fallbacks (JSON 404 and 405) are routes of their own, listed after.
    let routes = debug.split("fallback_router").next().unwrap_or_default();
    let (mut paths, mut methods) = (BTreeMap::new(), BTreeMap::new());
    for entry in routes.split("RouteId(").skip(1) {
        let (id, rest) = entry.split_once("): ").expect("RouteId(n): …");
        if let Some(path) = rest.strip_prefix('"') {
            let path = path.split('"').next().unwrap_or_default();
            paths.insert(id.to_owned(), path.to_owned());
        } else if let Some((_, allowed)) = rest.split_once("allow_header: Bytes(b\"") {
            let allowed = allowed.split('"').next().unwrap_or_default();
            methods.insert(id.to_owned(), allowed.to_owned());
        }
    }
    let served: BTreeSet<(String, String)> = paths
        .iter()
        .filter(|(_, path)| path.starts_with("/api/v1/"))
        .flat_map(|(id, path)| {
            let allowed = methods.get(id).unwrap_or_else(|| {
                panic!("{path} is routed to something that is not a method router")
            });
            allowed
                .split(',')
                .filter(|method| *method != "HEAD")
                .map(|method| (method.to_owned(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        served.len() > 20,
        "could not read the routes from the router's Debug output (did axum change it?): {debug}"
    );
    served
}

#[tokio::test]
async fn every_route_the_router_serves_is_documented() {
    let server = TestServer::start(Db::Sqlite).await;
    let contract = Contract::fetch(&server.client()).await;
    let (served, documented) = (served_routes(), contract.operations());
    assert_eq!(
        served.difference(&documented).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "served but not documented"
    );
    assert_eq!(
        documented.difference(&served).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "documented but not served"
    );
}

#[tokio::test]
async fn every_answer_of_the_main_flows_matches_the_document() {
    let server = TestServer::start_with(
        Db::Sqlite,
        &["--plans", "small;big", "--default-plan", "small"],
    )
    .await;
    let ann = server.client();
    let contract = Contract::fetch(&ann).await;

    accounts(&contract, &ann).await;
    tokens(&contract, &ann).await;
    functions(&contract, &ann).await;
    drafts_and_builds(&contract, &ann).await;
    sharing_and_courses(&contract, &ann).await;
    usage_and_billing(&contract, &ann).await;
    admin(&contract, &server, &ann).await;
    endings(&contract, &ann).await;

    let page = reqwest::get(format!("{}/api/docs", server.base))
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    for (method, path) in contract.operations() {
        assert!(
            page.contains(&format!("{method}</span> <code>{path}</code>")),
            "the reference page lacks {method} {path}"
        );
    }
    assert_eq!(
        contract.unexercised(),
        BTreeSet::new(),
        "operations no request of this test exercised"
    );
}

#[tokio::test]
async fn the_answers_of_real_builds_match_the_document() {
    // Rust only: with no JavaScript and Python tools, the server leaves
    // their runtimes alone (as builds_api does).
    let server = common::building_server(&["--tools", "/nonexistent/fnlab-tools"]).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    let contract = Contract::fetch(&ann).await;
    let templates = answers!(&contract, &ann; GET "/api/v1/templates" => 200;).remove(0);
    let templates = templates.as_array().expect("a list");
    let hello = templates.iter().find(|t| t["id"] == "rust-hello");
    let hello = json!({"language": "rust", "source": hello.expect("rust-hello")["source"]});
    let broken = json!({"language": "rust", "source": "fn handle( {"});
    let (draft, deploy) = ("/api/v1/functions/hello", "/api/v1/functions/hello/deploy");
    let failed = answers!(&contract, &ann;
        PUT draft, hello => 201;
        POST deploy => 201;
        GET "/api/v1/functions/hello/versions/1/source" => 200;
        PUT draft, broken => 200;
        POST deploy => 422 "compile_error";
    )
    .pop()
    .expect("the failed deploy's answer");
    let failed_build = format!("/api/v1/builds/{}", failed["build_id"]);
    answers!(&contract, &ann; GET failed_build => 200;);

    let queued =
        answers!(&contract, &ann; POST "/api/v1/functions/hello/deploy?wait=false" => 202;);
    let build = queued[0]["status_url"]
        .as_str()
        .expect("where to follow it");
    let mut events = open_events(&contract, &ann, &format!("{build}/events")).await;
    loop {
        let (name, data) = events
            .next(Duration::from_secs(300))
            .await
            .expect("the build ends");
        match name.as_str() {
            "state" => contract.validate_component("StateEvent", &data),
            "log" => contract.validate_component("LogEvent", &data),
            "done" => break contract.validate_component("BuildStatus", &data),
            other => panic!("a build event the document does not name: {other}"),
        }
    }
}

/// Sends one request of [`answers!`] and checks its answer.
async fn expect_one(
    contract: &Contract,
    client: &Client,
    method: Method,
    path: &str,
    body: Option<Value>,
    status: u16,
    code: &str,
) -> Value {
    let answer = contract.send(client, method.clone(), path, body).await;
    let what = format!("{method} {path}: {:?}", answer.body);
    assert_eq!(answer.status.as_u16(), status, "{what}");
    if !code.is_empty() {
        assert_eq!(answer.body["error"]["code"], code, "{what}");
    }
    answer.body
}

/// Sign-up, log-in and who-am-I, and the errors of a JSON body.
async fn accounts(contract: &Contract, ann: &Client) {
    let credentials = json!({"username": "ann", "password": common::PASSWORD});
    let bad_name = json!({"username": "A B!", "password": common::PASSWORD});
    let wrong_type = json!({"username": 7, "password": common::PASSWORD});
    let wrong = json!({"username": "ann", "password": "not the password"});
    let (users, login) = ("/api/v1/users", "/api/v1/login");
    answers!(contract, ann;
        GET "/api/v1/me" => 401 "unauthorized";
        POST users, credentials.clone() => 201;
        POST users, credentials.clone() => 409 "username_taken";
        POST users, bad_name => 422 "invalid_username";
        POST users, wrong_type => 422 "invalid_body";
        POST login, wrong => 401 "unauthorized";
        POST login, credentials => 200;
        GET "/api/v1/me" => 200;
    );
    let not_json = raw(ann, Method::POST, users, "application/json", b"{".to_vec()).await;
    let answer = contract.check(&Method::POST, users, not_json);
    answer.expect_error(400, "bad_request");
    let text = raw(ann, Method::POST, users, "text/plain", b"ann".to_vec()).await;
    let answer = contract.check(&Method::POST, users, text);
    answer.expect_error(415, "unsupported_media_type");
}

/// Tokens made, used, listed and revoked; a change from another site
/// refused.
async fn tokens(contract: &Contract, ann: &Client) {
    let tokens = "/api/v1/tokens";
    let made = answers!(contract, ann;
        POST tokens, json!({"name": "laptop"}) => 201;
        POST tokens, json!({"name": ""}) => 422 "invalid_name";
        GET tokens => 200;
        DELETE "/api/v1/tokens/999999" => 404 "not_found";
    )
    .remove(0);
    let laptop = ann.with_token(made["token"].as_str().expect("the secret"));
    answers!(contract, &laptop; GET "/api/v1/me" => 200;);
    answers!(contract, ann; DELETE format!("/api/v1/tokens/{}", made["id"]) => 204;);
    answers!(contract, &laptop; GET "/api/v1/me" => 401 "unauthorized";);
    let forged = ann
        .http
        .post(format!("{}{tokens}", ann.base))
        .header("origin", "https://elsewhere.example")
        .json(&json!({"name": "forged"}))
        .send()
        .await
        .unwrap();
    let answer = contract.check(&Method::POST, tokens, answer(forged).await);
    answer.expect_error(403, "cross_site_request");
}

/// Uploading, listing, limits, invocations, rollback and the live tail.
async fn functions(contract: &Contract, ann: &Client) {
    let component = "/api/v1/functions/probe/component";
    let probe = guests::probe().to_vec();
    let wrong_type = raw(
        ann,
        Method::PUT,
        component,
        "application/octet-stream",
        probe,
    )
    .await;
    let answer = contract.check(&Method::PUT, component, wrong_type);
    answer.expect_error(415, "unsupported_media_type");
    let garbage = raw(
        ann,
        Method::PUT,
        component,
        "application/wasm",
        b"no".to_vec(),
    )
    .await;
    let answer = contract.check(&Method::PUT, component, garbage);
    answer.expect_error(422, "invalid_component");
    for _ in 0..2 {
        let uploaded = common::upload(ann, "probe", guests::probe()).await;
        contract
            .check(&Method::PUT, component, uploaded)
            .expect(201);
    }
    let probe = "/api/v1/functions/probe";
    answers!(contract, ann;
        GET "/api/v1/functions" => 200;
        GET probe => 200;
        GET "/api/v1/functions/nothing" => 404 "not_found";
        PATCH probe, json!({"memory_mb": 64}) => 200;
        PATCH probe, json!({"timeout_ms": 0}) => 422 "invalid_limits";
        PUT "/api/v1/functions/probe/env", json!({"vars": {"MODE": "a"}, "secrets": {"KEY": "b"}}) => 200;
        PUT "/api/v1/functions/probe/env", json!({"vars": {"mode": "a"}}) => 422 "invalid_environment";
        GET "/api/v1/functions/probe/env" => 200;
        GET "/api/v1/functions/nothing/env" => 404 "not_found";
        POST "/api/v1/functions/probe/invoke", json!({"name": "Ann"}) => 200;
        POST "/api/v1/functions/probe/invoke?type=DryRun", json!({}) => 422 "unsupported_invocation_type";
        POST "/api/v1/functions/probe/invoke?type=event", json!({"n": 1}) => 202;
        POST "/api/v1/functions/nothing/invoke", json!({}) => 404 "not_found";
        PUT "/api/v1/functions/probe/test-events/aditya", json!({"name": "Aditya"}) => 200;
        PUT "/api/v1/functions/probe/test-events/Bad", json!({}) => 422 "invalid_test_event";
        GET "/api/v1/functions/probe/test-events" => 200;
        DELETE "/api/v1/functions/probe/test-events/aditya" => 204;
        DELETE "/api/v1/functions/probe/test-events/aditya" => 404 "not_found";
    );
    let added = answers!(contract, ann;
        POST "/api/v1/functions/probe/schedules", json!({"cron": "*/5 * * * *", "timezone": "Europe/Paris"}) => 201;
        POST "/api/v1/functions/probe/schedules", json!({"cron": "* * * * * *"}) => 422 "invalid_schedule";
        POST "/api/v1/functions/nothing/schedules", json!({"cron": "@daily"}) => 404 "not_found";
    );
    let schedule = format!("/api/v1/functions/probe/schedules/{}", added[0]["id"]);
    answers!(contract, ann;
        GET "/api/v1/functions/probe/schedules" => 200;
        PATCH schedule, json!({"paused": true}) => 200;
        POST format!("{schedule}/run") => 202;
        GET format!("{schedule}/runs") => 200;
        DELETE schedule => 204;
        DELETE schedule => 404 "not_found";
    );
    let sent = answers!(contract, ann;
        POST "/api/v1/functions/probe/events", json!({"n": 2}) => 202;
        POST "/api/v1/functions/nothing/events", json!({}) => 404 "not_found";
        GET "/api/v1/functions/probe/events?state=sleeping" => 422 "invalid_state";
    );
    let event = format!(
        "/api/v1/functions/probe/events/{}",
        sent[0]["event_id"].as_str().unwrap()
    );
    // Once delivered, it can be replayed.
    let delivered = |done: Value| {
        done.as_array()
            .unwrap()
            .iter()
            .any(|e| e["event_id"] == sent[0]["event_id"])
    };
    while !delivered(
        ann.get("/api/v1/functions/probe/events?state=done")
            .await
            .expect(200),
    ) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    answers!(contract, ann;
        GET "/api/v1/functions/probe/events" => 200;
        GET "/api/v1/functions/probe/events?state=done" => 200;
        POST format!("{event}/replay") => 202;
        DELETE event => 204;
        DELETE event => 404 "not_found";
        POST format!("{event}/replay") => 404 "not_found";
        GET "/api/v1/functions/probe/event-config" => 200;
        PUT "/api/v1/functions/probe/event-config", json!({"max_attempts": 5}) => 200;
        PUT "/api/v1/functions/probe/event-config", json!({"max_attempts": 50}) => 422 "invalid_attempts";
        PUT "/api/v1/functions/probe/event-config", json!({"max_attempts": null}) => 200;
    );
    let value = "/api/v1/kv/default/greeting";
    let put = raw(
        ann,
        Method::PUT,
        value,
        "application/octet-stream",
        b"hi".to_vec(),
    )
    .await;
    contract.check(&Method::PUT, value, put).expect(204);
    answers!(contract, ann;
        GET "/api/v1/kv" => 200;
        GET "/api/v1/kv/default?prefix=gr" => 200;
        GET value => 200;
        GET "/api/v1/kv/nowhere" => 404 "not_found";
        PATCH "/api/v1/kv/default", json!({"trigger": "probe"}) => 200;
        PATCH "/api/v1/kv/default", json!({"trigger": "nothing"}) => 422 "invalid_trigger";
        PATCH "/api/v1/kv/default", json!({"trigger": null}) => 200;
        DELETE value => 204;
        DELETE value => 404 "not_found";
    );

    let mut tail = open_events(contract, ann, "/api/v1/functions/probe/logs/tail").await;
    contract.validate_component("Ready", &tail.expect("ready").await);
    let (status, _) = common::call(ann, Method::GET, "/fn/ann/probe/hello", "").await;
    assert_eq!(status, 200);
    contract.validate_component("TailedInvocation", &tail.expect("invocation").await);
    drop(tail);

    common::invocations(ann, "probe", 1).await;
    let page = contract
        .get(ann, "/api/v1/functions/probe/invocations?limit=1")
        .await;
    assert!(
        page.headers.contains_key("fnlab-next-cursor"),
        "a full page has a cursor"
    );
    assert_eq!(page.expect(200).as_array().map(Vec::len), Some(1));
    let rollback = "/api/v1/functions/probe/rollback";
    answers!(contract, ann;
        GET "/api/v1/functions/probe/invocations?status=abc" => 422 "invalid_status";
        GET "/api/v1/functions/probe/logs/tail?status=abc" => 422 "invalid_status";
        POST rollback, json!({"version": 1}) => 200;
        POST rollback, json!({"version": 99}) => 404 "not_found";
    );
}

/// Drafts, templates, deploys, builds and their event stream (the server
/// does not build, so a deploy stays queued).
async fn drafts_and_builds(contract: &Contract, ann: &Client) {
    let python = "def handler(event, context):\n    return 'hi'\n";
    let draft = json!({"language": "python", "source": python});
    let cobol = json!({"language": "cobol", "source": "DISPLAY 'HI'."});
    let hello = "/api/v1/functions/hello";
    let queued = answers!(contract, ann;
        POST "/api/v1/functions/hello/deploy?wait=false" => 404 "not_found";
        GET "/api/v1/templates" => 200;
        PUT hello, draft.clone() => 201;
        PUT hello, draft => 200;
        PUT hello, cobol => 422 "unsupported_language";
        GET "/api/v1/functions/hello/source" => 200;
        GET "/api/v1/functions/probe/source" => 404 "not_found";
        GET "/api/v1/functions/probe/versions/1/source" => 404 "not_found";
        POST "/api/v1/functions/probe/deploy" => 422 "no_source";
        GET "/api/v1/builds/999999" => 404 "not_found";
        GET "/api/v1/builds/999999/events" => 404 "not_found";
        POST "/api/v1/functions/hello/deploy?wait=false" => 202;
    )
    .pop()
    .expect("the deploy's answer");
    let build = queued["status_url"].as_str().expect("where to follow it");
    answers!(contract, ann; GET build => 200;);
    let mut events = open_events(contract, ann, &format!("{build}/events")).await;
    contract.validate_component("StateEvent", &events.expect("state").await);
}

/// Sharing and forking; a course, its members and an assignment.
async fn sharing_and_courses(contract: &Contract, ann: &Client) {
    let fork = "/api/v1/shared/ann/hello/fork";
    answers!(contract, ann;
        PUT "/api/v1/functions/hello/sharing", json!({"public": true, "description": "Hi"}) => 200;
        PUT "/api/v1/functions/nothing/sharing", json!({"public": true}) => 404 "not_found";
        PUT "/api/v1/functions/probe/sharing", json!({"public": true}) => 200;
        GET "/api/v1/shared/ann/hello" => 200;
        GET "/api/v1/shared/ann/nothing" => 404 "not_found";
        POST fork, json!({"name": "hello-copy"}) => 201;
        POST fork, json!({"name": "hello-copy"}) => 409 "function_exists";
        POST "/api/v1/shared/ann/probe/fork", json!({}) => 422 "no_source";
    );
    let course = json!({"name": "Course", "starts_on": "2026-09-01", "ends_on": "2026-12-20"});
    let made = answers!(contract, ann;
        POST "/api/v1/courses", course => 201;
        POST "/api/v1/courses", json!({"name": "", "starts_on": "x", "ends_on": "y"}) => 422 "invalid_course";
    )
    .remove(0);
    let (id, code) = (made["id"].as_i64().unwrap(), made["invite_code"].clone());
    let course = format!("/api/v1/courses/{id}");
    let assignment = json!({"title": "Hello", "language": "python", "due_at": 4_102_444_800_000_i64,
        "checks": [{"name": "answers", "expect": {"status": 200}}]});
    let added = answers!(contract, ann;
        GET "/api/v1/courses" => 200;
        GET course.clone() => 200;
        PATCH course.clone(), json!({"name": "Course, renamed", "caps": {"requests": 1000}}) => 200;
        GET format!("{course}/usage") => 200;
        PUT format!("{course}/members/ann"), json!({}) => 422 "invalid_body";
        PATCH course.clone(), json!({"ends_on": "2000-01-01"}) => 422 "invalid_course";
        GET "/api/v1/courses/999999" => 404 "not_found";
        POST "/api/v1/courses/join", json!({"code": code}) => 200;
        POST "/api/v1/courses/join", json!({"code": "nope"}) => 404 "not_found";
        POST format!("{course}/invite") => 200;
        GET format!("{course}/members") => 200;
        PUT format!("{course}/members"), json!({"roster": "nobody"}) => 200;
        PUT format!("{course}/members/nobody"), json!({"role": "ta"}) => 404 "not_found";
        DELETE format!("{course}/members/nobody") => 404 "not_found";
        POST format!("{course}/assignments"), json!({"title": "", "language": "python", "due_at": 0}) => 422 "invalid_course";
        POST format!("{course}/assignments"), assignment => 201;
    )
    .pop()
    .unwrap();
    let assignment = format!("/api/v1/assignments/{}", added["id"]);
    let csv = answers!(contract, ann;
        GET format!("{course}/assignments") => 200;
        GET assignment.clone() => 200;
        GET "/api/v1/assignments/999999" => 404 "not_found";
        POST format!("{assignment}/start") => 201;
        POST format!("{assignment}/start") => 200;
        GET format!("{assignment}/results") => 200;
        PUT assignment.clone(), json!({"title": "Hello again", "language": "python", "due_at": 0}) => 200;
        PUT assignment.clone(), json!({"title": "Hello", "language": "rust", "due_at": 0}) => 422 "language_fixed";
        GET format!("{assignment}/work/ann") => 404 "not_found";
        GET format!("/api/v1/functions/a{}-hello/assignment", added["id"]) => 200;
        GET "/api/v1/functions/hello/assignment" => 404 "not_found";
        GET format!("{course}/grid") => 200;
        GET format!("{course}/grades.csv") => 200;
    )
    .pop()
    .unwrap();
    assert!(
        csv.as_str().is_some_and(|csv| csv.starts_with("username,")),
        "{csv}"
    );
}

/// Usage, its CSV, billing and metrics, and unreadable periods.
async fn usage_and_billing(contract: &Contract, ann: &Client) {
    let csv = answers!(contract, ann;
        GET "/api/v1/usage.csv" => 200;
        GET "/api/v1/usage.csv?month=someday" => 400 "bad_request";
        GET "/api/v1/usage" => 200;
        GET "/api/v1/usage?from=yesterday" => 400 "bad_request";
        GET "/api/v1/billing" => 200;
        GET "/api/v1/functions/probe/metrics?window=1h" => 200;
        GET "/api/v1/functions/probe/metrics?window=2h" => 400 "bad_request";
    )
    .remove(0);
    assert!(csv.as_str().is_some_and(|csv| csv.contains(',')), "{csv}");
}

/// The admin view: hidden from users, and an admin's.
async fn admin(contract: &Contract, server: &TestServer, ann: &Client) {
    answers!(contract, ann; GET "/api/v1/admin/usage" => 404 "not_found";);
    let teacher = server.admin_client("teacher").await;
    let plan = "/api/v1/admin/users/ann/plan";
    answers!(contract, &teacher;
        GET "/api/v1/admin/usage?sort=cost" => 200;
        GET "/api/v1/admin/usage?sort=age" => 400 "bad_request";
        PUT plan, json!({"plan": "big"}) => 200;
        PUT plan, json!({"plan": "huge"}) => 422 "unknown_plan";
    );
}

/// Deleting, logging out, and paths the API does not have.
async fn endings(contract: &Contract, ann: &Client) {
    let hello = "/api/v1/functions/hello";
    answers!(contract, ann;
        DELETE hello => 204;
        DELETE hello => 404 "not_found";
        POST "/api/v1/logout" => 204;
        GET "/api/v1/me" => 401 "unauthorized";
    );
    // Not in the document, and answered as JSON all the same.
    let nothing = ann.get("/api/v1/nothing").await;
    nothing.expect_error(404, "not_found");
    let wrong_method = ann.delete("/api/v1/me").await;
    wrong_method.expect_error(405, "method_not_allowed");
}

/// Sends `bytes` as `content_type` to `method path`.
async fn raw(
    client: &Client,
    method: Method,
    path: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> common::Answer {
    let mut request = client
        .http
        .request(method, format!("{}{path}", client.base));
    if let Some(token) = &client.bearer {
        request = request.bearer_auth(token);
    }
    let response = request
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .unwrap();
    answer(response).await
}

/// Opens the event stream at `path`, checking its status and type against
/// the document.
async fn open_events(contract: &Contract, client: &Client, path: &str) -> Events {
    let mut request = client.http.get(format!("{}{path}", client.base));
    if let Some(token) = &client.bearer {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request sent");
    assert_eq!(response.status(), 200, "{path}");
    let media_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    contract.answer_schema(&Method::GET, path, 200, media_type.as_deref());
    Events::read(response)
}
