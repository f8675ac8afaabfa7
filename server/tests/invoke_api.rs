//! Direct invoke on both databases: `POST /api/v1/functions/{name}/invoke`
//! runs the textbook's Lambda handler with its payload (Python, as pasted
//! from the course notes), the same shape in JavaScript and Rust, and a
//! plain component that gets `POST /` with the payload; each run is in the
//! log with trigger `invoke`; bad payloads, unknown types, another user's
//! function and a caller who forges the trigger header are refused.

mod common;

#[allow(dead_code)] // only the probe is used here
#[path = "../../sandbox/tests/guests/mod.rs"]
mod guests;

use common::{Client, Db, building_server_on, call, deploy_source, invocations, upload};
use reqwest::Method;
use serde_json::{Value, json};

/// The handler from the course notes, unchanged.
const TEXTBOOK_PY: &str = r#"def lambda_handler(event, context):
    name = event.get("name", "World")
    return {
        "statusCode": 200,
        "body": f"Hello, {name}!"
    }
"#;

const HANDLER_JS: &str = r#"export const handler = async (event, context) => {
  console.log(`invoked as ${context.functionName}`);
  return { greeting: `Hello, ${event.name}!`, items: event.items.length };
};
"#;

const HANDLER_RS: &str = r#"use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
struct Order {
    items: Vec<u32>,
}

fn handler(order: Order, _context: fnlab::lambda::Context) -> Value {
    json!({ "total": order.items.iter().sum::<u32>() })
}
fnlab::lambda!(handler);
"#;

/// Invokes `name` with the raw `payload`; status and JSON answer.
async fn invoke(client: &Client, name: &str, payload: &str) -> (u16, Value) {
    let response = client
        .http
        .post(format!("{}/api/v1/functions/{name}/invoke", client.base))
        .header("content-type", "application/json")
        .body(payload.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn the_textbook_handler_answers_a_direct_invoke(db: Db) {
    let server = building_server_on(db, &[]).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    deploy_source(&ann, "hello-python", "python", TEXTBOOK_PY)
        .await
        .expect(201);

    let (status, answer) = invoke(&ann, "hello-python", r#"{"name": "Aditya"}"#).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["status"], 200);
    assert_eq!(
        answer["result"],
        json!({"statusCode": 200, "body": "Hello, Aditya!"})
    );
    assert!(answer["duration_ms"].as_f64().unwrap() > 0.0, "{answer}");
    assert!(answer["cost_micros"].as_f64().unwrap() > 0.0, "{answer}");
    let request_id = answer["request_id"].as_str().unwrap().to_owned();
    // No payload is the empty event, as with `aws lambda invoke`.
    let (_, answer) = invoke(&ann, "hello-python", "").await;
    assert_eq!(answer["result"]["body"], "Hello, World!");
    // The run is in the log, as an invocation like any other.
    let log = invocations(&ann, "hello-python", 2).await;
    let run = log
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["request_id"] == request_id.as_str())
        .expect("the invoke is in the log");
    assert_eq!(
        (run["trigger"].as_str(), run["method"].as_str()),
        (Some("invoke"), Some("POST"))
    );

    // At its URL the same handler still gets an API Gateway event, even
    // when the caller claims to be a direct invoke.
    let answer = ann
        .http
        .post(format!("{}/fn/ann/hello-python/", ann.base))
        .header("fnlab-trigger", "invoke")
        .body(r#"{"name": "Mallory"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.text().await.unwrap(), "Hello, World!");
    let log = invocations(&ann, "hello-python", 3).await;
    assert_eq!(log[0]["trigger"], "http");

    // JavaScript and Rust handlers get the payload too, the Rust one as
    // its own type; a payload that does not fit it is the function's 400.
    deploy_source(&ann, "js", "javascript", HANDLER_JS)
        .await
        .expect(201);
    let (_, answer) = invoke(&ann, "js", r#"{"name": "Ann", "items": [1, 2, 3]}"#).await;
    assert_eq!(
        answer["result"],
        json!({"greeting": "Hello, Ann!", "items": 3}),
        "{answer}"
    );
    assert!(
        answer["logs"].as_str().unwrap().contains("invoked as js"),
        "{answer}"
    );
    deploy_source(&ann, "rs", "rust", HANDLER_RS)
        .await
        .expect(201);
    let (_, answer) = invoke(&ann, "rs", r#"{"items": [1, 2, 3]}"#).await;
    assert_eq!(answer["result"], json!({"total": 6}), "{answer}");
    let (_, answer) = invoke(&ann, "rs", r#"{"items": "none"}"#).await;
    assert_eq!(answer["status"], 400, "{answer}");
    assert!(
        answer["result"]
            .as_str()
            .unwrap()
            .contains("does not fit the handler's event"),
        "{answer}"
    );
}
both_backends!(the_textbook_handler_answers_a_direct_invoke);

async fn a_plain_component_gets_the_payload_as_a_post(db: Db) {
    let server = common::TestServer::start(db).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    upload(&ann, "probe", guests::probe()).await.expect(201);
    let (status, answer) = invoke(&ann, "probe", r#"{"a": 1}"#).await;
    assert_eq!(status, 200, "{answer}");
    // The probe answers `/` with the trigger it was told and the body.
    assert_eq!(
        (answer["status"].as_u64(), answer["result"].as_str()),
        (Some(200), Some(r#"invoke {"a": 1}"#)),
        "{answer}"
    );
    let (_, answer) = invoke(&ann, "probe", "[1, 2]").await;
    assert_eq!(answer["result"], "invoke [1, 2]", "{answer}");
    let log = invocations(&ann, "probe", 2).await;
    assert_eq!(
        (log[0]["trigger"].as_str(), log[0]["path"].as_str()),
        (Some("invoke"), Some("/"))
    );

    // Refused before anything runs.
    let (status, answer) = invoke(&ann, "probe", "{not json").await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (400, Some("bad_request"))
    );
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("the payload is not JSON"),
        "{answer}"
    );
    let typed = ann
        .send(
            Method::POST,
            "/api/v1/functions/probe/invoke?type=DryRun",
            Some(json!({})),
        )
        .await;
    typed.expect_error(422, "unsupported_invocation_type");
    let (status, _) = invoke(&ann, "nothing", "{}").await;
    assert_eq!(status, 404);
    let bob = server.client();
    bob.sign_up_and_log_in("bob").await;
    let (status, answer) = invoke(&bob, "probe", "{}").await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    let anonymous = server.client();
    let (status, _) = invoke(&anonymous, "probe", "{}").await;
    assert_eq!(status, 401);
    let log = invocations(&ann, "probe", 2).await;
    assert_eq!(
        log.as_array().unwrap().len(),
        2,
        "refused invokes never ran"
    );
    // Still callable at its URL.
    assert_eq!(
        call(&ann, Method::GET, "/fn/ann/probe/hello", "").await,
        (200, "hello from fnlab\n".into())
    );
}
both_backends!(a_plain_component_gets_the_payload_as_a_post);

/// `PUT`s `payload` as test event `event` of `name`.
async fn save_event(client: &Client, name: &str, event: &str, payload: &str) -> common::Answer {
    let response = client
        .http
        .put(format!(
            "{}/api/v1/functions/{name}/test-events/{event}",
            client.base
        ))
        .header("content-type", "application/json")
        .body(payload.to_owned())
        .send()
        .await
        .unwrap();
    common::answer(response).await
}

async fn test_events_are_kept_as_written_ten_at_most(db: Db) {
    let server = common::TestServer::start(db).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    upload(&ann, "probe", guests::probe()).await.expect(201);
    let events = "/api/v1/functions/probe/test-events";
    assert_eq!(ann.get(events).await.expect(200), json!([]));

    let written = "{\n  \"name\": \"Aditya\"\n}";
    let saved = save_event(&ann, "probe", "aditya", written)
        .await
        .expect(200);
    assert_eq!(saved["payload"], json!({"name": "Aditya"}));
    // Kept as written: the answer's text holds the payload's own layout.
    let listed = ann
        .http
        .get(format!("{}{events}", ann.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(listed.contains(written), "{listed}");
    // Saving again replaces it.
    save_event(&ann, "probe", "aditya", "[1]").await.expect(200);
    let listed = ann.get(events).await.expect(200);
    assert_eq!(listed[0]["payload"], json!([1]));
    assert_eq!(listed.as_array().unwrap().len(), 1);

    // Limits, each with its reason.
    for (event, payload, reason) in [
        ("Bad Name", "{}", "test event name"),
        ("broken", "{oops", "a test event is JSON"),
        ("huge", &format!("\"{}\"", "x".repeat(200 << 10)), ""),
    ] {
        let answer = save_event(&ann, "probe", event, payload).await;
        if reason.is_empty() {
            answer.expect(200);
            continue;
        }
        let message = answer.expect_error(422, "invalid_test_event");
        assert!(message.contains(reason), "{message}");
    }
    let over = format!("\"{}\"", "x".repeat(300 << 10));
    let answer = save_event(&ann, "probe", "over", &over).await;
    assert_eq!(answer.status.as_u16(), 413);
    for i in 0..8 {
        save_event(&ann, "probe", &format!("e{i}"), "{}")
            .await
            .expect(200);
    }
    let message = save_event(&ann, "probe", "eleventh", "{}")
        .await
        .expect_error(422, "invalid_test_event");
    assert!(message.contains("at most 10 test events"), "{message}");
    assert_eq!(
        ann.get(events).await.expect(200).as_array().unwrap().len(),
        10
    );

    // Another user's function has none of them for that user.
    let bob = server.client();
    bob.sign_up_and_log_in("bob").await;
    bob.get(events).await.expect_error(404, "not_found");
    save_event(&bob, "probe", "mine", "{}")
        .await
        .expect_error(404, "not_found");
    bob.delete(&format!("{events}/aditya"))
        .await
        .expect_error(404, "not_found");

    ann.delete(&format!("{events}/aditya")).await.expect(204);
    ann.delete(&format!("{events}/aditya"))
        .await
        .expect_error(404, "not_found");
    assert_eq!(
        ann.get(events).await.expect(200).as_array().unwrap().len(),
        9
    );
}
both_backends!(test_events_are_kept_as_written_ten_at_most);
