//! Sharing and forking on a real server, both databases: a private
//! function is 404 to everyone but its owner; once public anyone reads it
//! (signed in or not); a fork copies the source, language, description,
//! schedules (paused) and the names of variables and secrets but never
//! their values, records its origin and counts on the original; the
//! errors (taken name, bad name, no source, private again, anonymous).
//! With a real build: the fork deploys and answers.

mod common;

use common::{Client, Db, TestServer, building_server, call, deploy_source, upload};
use reqwest::Method;
use serde_json::{Value, json};

#[path = "../../sandbox/tests/guests/mod.rs"]
#[allow(dead_code)] // only the probe is used here
mod guests;

const SOURCE: &str =
    "export default { fetch() { return new Response(`hello from ${process.env.GREETING}`); } };\n";

async fn share(client: &Client, name: &str, body: Value) -> common::Answer {
    let path = format!("/api/v1/functions/{name}/sharing");
    client.send(Method::PUT, &path, Some(body)).await
}

async fn fork(client: &Client, original: &str, body: Value) -> common::Answer {
    let path = format!("/api/v1/shared/{original}/fork");
    client.post(&path, body).await
}

async fn a_public_function_is_read_by_anyone_and_forked_without_secrets(db: Db) {
    let server = TestServer::start(db).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    let draft = json!({ "language": "javascript", "source": SOURCE });
    let saved = ann.send(Method::PUT, "/api/v1/functions/hello", Some(draft));
    assert_eq!(saved.await.status, 201);
    let env = json!({ "vars": {"GREETING": "hi"}, "secrets": {"TOKEN": "never-copied"} });
    let set = ann.send(Method::PUT, "/api/v1/functions/hello/env", Some(env));
    set.await.expect(200);
    let daily = json!({ "cron": "@daily", "timezone": "Europe/Paris" });
    ann.post("/api/v1/functions/hello/schedules", daily)
        .await
        .expect(201);

    // Private: nobody else sees it; its owner does.
    let anyone = server.client();
    anyone
        .get("/api/v1/shared/ann/hello")
        .await
        .expect_error(404, "not_found");
    let own = ann.get("/api/v1/shared/ann/hello").await.expect(200);
    assert_eq!(own["public"], false);

    let long = "x".repeat(501);
    let refused = share(
        &ann,
        "hello",
        json!({ "public": true, "description": long }),
    );
    refused.await.expect_error(422, "invalid_description");
    let description = "Says hello with $GREETING";
    let shared = share(
        &ann,
        "hello",
        json!({ "public": true, "description": description }),
    );
    let shared = shared.await.expect(200);
    assert_eq!(
        (&shared["user"], &shared["name"], &shared["language"]),
        (&json!("ann"), &json!("hello"), &json!("javascript"))
    );
    assert_eq!(
        (&shared["source"], &shared["description"]),
        (&json!(SOURCE), &json!(description))
    );
    assert_eq!(
        (&shared["live"], &shared["forks"]),
        (&json!(false), &json!(0))
    );
    assert!(
        shared["url"].as_str().unwrap().ends_with("/fn/ann/hello/"),
        "{shared}"
    );
    assert_eq!(
        anyone.get("/api/v1/shared/ann/hello").await.expect(200),
        shared
    );
    fork(&anyone, "ann/hello", json!({}))
        .await
        .expect_error(401, "unauthorized");

    // Bob forks it: everything but the values.
    let bob = server.client();
    bob.sign_up_and_log_in("bob").await;
    let forked = fork(&bob, "ann/hello", json!({})).await.expect(201);
    assert_eq!(
        (&forked["name"], &forked["forked_from"]),
        (&json!("hello"), &json!("ann/hello"))
    );
    assert!(forked["url"].as_str().unwrap().ends_with("/fn/bob/hello/"));
    let draft = bob.get("/api/v1/functions/hello/source").await.expect(200);
    assert_eq!(
        (&draft["language"], &draft["source"]),
        (&json!("javascript"), &json!(SOURCE))
    );
    let env = bob.get("/api/v1/functions/hello/env").await.expect(200);
    assert_eq!(env["vars"], json!({"GREETING": ""}));
    assert_eq!(env["secrets"][0]["name"], "TOKEN");
    let schedules = bob
        .get("/api/v1/functions/hello/schedules")
        .await
        .expect(200);
    let schedule = &schedules[0];
    assert_eq!(
        (
            &schedule["cron"],
            &schedule["timezone"],
            &schedule["paused"]
        ),
        (&json!("@daily"), &json!("Europe/Paris"), &json!(true))
    );
    assert!(schedule["paused_reason"].as_str().unwrap().contains("fork"));
    let mine = bob.get("/api/v1/shared/bob/hello").await.expect(200);
    assert_eq!(
        (&mine["forked_from"], &mine["public"]),
        (&json!("ann/hello"), &json!(false))
    );
    // The fork is bob's and private: nobody else reads it.
    anyone
        .get("/api/v1/shared/bob/hello")
        .await
        .expect_error(404, "not_found");

    // Errors: a name bob has, a bad one; another name works.
    fork(&bob, "ann/hello", json!({}))
        .await
        .expect_error(409, "function_exists");
    fork(&bob, "ann/hello", json!({"name": "Bad Name"}))
        .await
        .expect_error(422, "invalid_name");
    let second = fork(&bob, "ann/hello", json!({"name": "hello-2"})).await;
    assert_eq!(second.expect(201)["name"], "hello-2");
    let counted = anyone.get("/api/v1/shared/ann/hello").await.expect(200);
    assert_eq!(counted["forks"], 2);

    // A component has no source to fork.
    upload(&ann, "probe", guests::probe()).await.expect(201);
    share(&ann, "probe", json!({ "public": true }))
        .await
        .expect(200);
    let component = anyone.get("/api/v1/shared/ann/probe").await.expect(200);
    assert_eq!(
        (&component["source"], &component["live"]),
        (&Value::Null, &json!(true))
    );
    fork(&bob, "ann/probe", json!({}))
        .await
        .expect_error(422, "no_source");

    // Private again: gone for everyone else, forks included.
    share(&ann, "hello", json!({ "public": false }))
        .await
        .expect(200);
    fork(&bob, "ann/hello", json!({"name": "hello-3"}))
        .await
        .expect_error(404, "not_found");
    anyone
        .get("/api/v1/shared/ann/hello")
        .await
        .expect_error(404, "not_found");
    share(&bob, "nothing", json!({ "public": true }))
        .await
        .expect_error(404, "not_found");
    // The public page answers 404 for a private function too.
    let (status, _) = call(&anyone, Method::GET, "/s/ann/hello", "").await;
    assert_eq!(status, 404);
    let (status, page) = call(&anyone, Method::GET, "/s/ann/probe", "").await;
    assert_eq!(status, 200);
    assert!(page.contains("ann/probe"), "{page}");
}
both_backends!(a_public_function_is_read_by_anyone_and_forked_without_secrets);

#[tokio::test]
async fn a_fork_deploys_and_answers() {
    let server = building_server(&[]).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    deploy_source(&ann, "hello", "javascript", SOURCE)
        .await
        .expect(201);
    share(&ann, "hello", json!({ "public": true }))
        .await
        .expect(200);
    let bob = server.client();
    bob.sign_up_and_log_in("bob").await;
    fork(&bob, "ann/hello", json!({})).await.expect(201);
    let env = json!({ "vars": {"GREETING": "bob"} });
    let set = bob.send(Method::PUT, "/api/v1/functions/hello/env", Some(env));
    set.await.expect(200);
    bob.post("/api/v1/functions/hello/deploy", json!({}))
        .await
        .expect(201);
    let (status, body) = call(&bob, Method::GET, "/fn/bob/hello/", "").await;
    assert_eq!((status, body.as_str()), (200, "hello from bob"));
}
