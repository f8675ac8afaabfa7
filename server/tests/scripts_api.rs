//! JavaScript and Python functions, end to end with the real tools: every
//! template deploys (a syntax check in the bubblewrap sandbox, then the
//! language's shared componentize-js / componentize-py runtime in wasmtime)
//! and answers at its URL; syntax errors are 422 on the right line; an
//! exception is a 500 with its traceback in the log; a loop is stopped; a
//! warm instance keeps module state for its own function only.
//!
//! The first run on a machine builds both runtimes (about a minute); later
//! ones reuse them and their compiled code (`common::code_cache`).

mod common;

use common::{Client, building_server, call, deploy_source, invocations};
use reqwest::Method;
use serde_json::{Value, json};

/// The request that shows each template working, and what its answer
/// contains. A template missing here fails the test.
fn template_check(id: &str) -> (Method, &'static str, &'static str, u16, &'static str) {
    match id {
        "python-lambda" => (Method::GET, "/hi?name=Ann", "", 200, r#""path": "/hi""#),
        "python-hello-world" => (Method::GET, "/?name=Ann", "", 200, "Hello Ann!"),
        "python-json-api" => (Method::POST, "/sum", r#"{"numbers":[1,2,3.5]}"#, 200, "6.5"),
        "javascript-worker" => (Method::GET, "/?name=Ann", "", 200, "Hello, Ann!"),
        "javascript-lambda" => (Method::GET, "/hi?name=Ann", "", 200, r#""path":"/hi""#),
        "javascript-json-api" => (Method::POST, "/sum", r#"{"numbers":[1,2,3.5]}"#, 200, "6.5"),
        // Without its secret it says what to set (the relay itself is
        // tested in outbound_api.rs).
        // Both count in their owner's one default store.
        "python-visit-counter" | "javascript-visit-counter" => {
            (Method::GET, "/", "", 200, "visits: ")
        }
        "python-scheduled-job" | "javascript-scheduled-job" => {
            (Method::GET, "/", "", 200, "runs: ")
        }
        "python-queue-consumer" | "javascript-queue-consumer" => {
            (Method::GET, "/", "", 200, "total: ")
        }
        "python-word-count" | "javascript-word-count" => {
            (Method::GET, "/", "", 200, r#""word counts""#)
        }
        "python-webhook-relay" | "javascript-webhook-relay" => {
            (Method::POST, "/", "{}", 500, "Set the secret WEBHOOK_URL")
        }
        other => panic!("template {other} has no check here: add one"),
    }
}

#[tokio::test]
async fn every_script_template_deploys_and_answers() {
    let server = building_server(&[]).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    let templates = ann.get("/api/v1/templates").await.expect(200);
    let scripts: Vec<&Value> = (templates.as_array().unwrap().iter())
        .filter(|template| template["language"] != "rust")
        .collect();
    for language in ["python", "javascript"] {
        let count = scripts.iter().filter(|t| t["language"] == language).count();
        assert_eq!(count, 8, "{language} templates: {scripts:?}");
    }
    for template in &scripts {
        let id = template["id"].as_str().unwrap();
        let language = template["language"].as_str().unwrap();
        let source = template["source"].as_str().unwrap();
        let deployed = deploy_source(&ann, id, language, source).await.expect(201);
        assert_eq!(deployed["version"], 1, "{id}: {deployed}");
        let (method, path, body, status, expected) = template_check(id);
        let (got_status, got_body) = call(&ann, method, &format!("/fn/ann/{id}{path}"), body).await;
        assert_eq!(got_status, status, "{id}: {got_body}");
        assert!(got_body.contains(expected), "{id}: {got_body}");
    }
    // The scheduled jobs run from a schedule: the Python one receives an
    // EventBridge event, the JavaScript one a call of scheduled(). Both
    // count in their owner's one default store.
    for (id, runs) in [("python-scheduled-job", 1), ("javascript-scheduled-job", 2)] {
        let run = common::run_scheduled(&ann, id).await;
        assert_eq!(run["state"], "done", "{id}: {run}");
        let log = invocations(&ann, id, 2).await;
        let ran = (log.as_array().unwrap().iter()).find(|record| record["trigger"] == "schedule");
        let stdout = ran.unwrap()["stdout"].as_str().unwrap();
        assert!(stdout.starts_with(&format!("run {runs}")), "{id}: {log}");
        let (_, answer) = call(&ann, Method::GET, &format!("/fn/ann/{id}/"), "").await;
        assert!(
            answer.starts_with(&format!("runs: {runs}, last run due at: 20")),
            "{id}: {answer}"
        );
    }
    // The queue consumers add up orders sent as events (the Python one
    // receives an SQS event, the JavaScript one a call of queue()), and
    // fail on one without an amount. Both count in one store.
    for (id, total) in [
        ("python-queue-consumer", "total: 5"),
        ("javascript-queue-consumer", "total: 12"),
    ] {
        let amount = if id.starts_with("python") { 5 } else { 7 };
        let done = common::deliver_event(&ann, id, json!({ "amount": amount })).await;
        assert_eq!(done["state"], "done", "{id}: {done}");
        let failed = common::deliver_event(&ann, id, json!({ "name": "x" })).await;
        assert_eq!(failed["last_status"], 500, "{id}: {failed}");
        let (_, answer) = call(&ann, Method::GET, &format!("/fn/ann/{id}/"), "").await;
        assert_eq!(answer.trim(), total, "{id}");
    }
    // The file processors count the words of files dropped on a store
    // (each its own store), read from the S3 event of the upload. The
    // store they write to triggers one of them: their writes must not, or
    // a function could call itself forever.
    let results = json!({"trigger": "python-word-count"});
    let set = ann.send(Method::PATCH, "/api/v1/kv/wordcounts", Some(results));
    set.await.expect(200);
    for id in ["python-word-count", "javascript-word-count"] {
        let store = format!("{id}-uploads");
        let text = "The cat saw the dog.\nThe end\n";
        let dropped = common::drop_file(&ann, &store, id, "story.txt", text).await;
        assert_eq!(dropped["state"], "done", "{id}: {dropped}");
        let counts = ann.get("/api/v1/kv/wordcounts/story.txt").await.expect(200);
        assert_eq!(counts["words"], 7, "{id}: {counts}");
        assert_eq!(counts["lines"], 2, "{id}: {counts}");
        assert_eq!(counts["top"][0], json!(["the", 3]), "{id}: {counts}");
        let log = invocations(&ann, id, 2).await;
        let ran = (log.as_array().unwrap().iter()).find(|record| record["trigger"] == "file");
        let stdout = ran.unwrap()["stdout"].as_str().unwrap();
        assert!(
            stdout.contains(&format!("{store}/story.txt: 7 words, 2 lines")),
            "{id}: {log}"
        );
    }
    let events = ann.get("/api/v1/functions/python-word-count/events").await;
    assert_eq!(events.expect(200).as_array().unwrap().len(), 1);
    // The JSON APIs' error answers.
    for id in ["python-json-api", "javascript-json-api"] {
        let (status, _) = call(&ann, Method::POST, &format!("/fn/ann/{id}/sum"), "{}").await;
        assert_eq!(status, 400, "{id}");
        let (status, _) = call(&ann, Method::GET, &format!("/fn/ann/{id}/nowhere"), "").await;
        assert_eq!(status, 404, "{id}");
    }
    // print and console.log reach the invocation's log.
    for id in ["python-lambda", "javascript-lambda"] {
        let log = invocations(&ann, id, 1).await;
        let stdout = log[0]["stdout"].as_str().unwrap();
        assert!(stdout.contains("GET /hi (request "), "{id}: {log}");
    }
    // The standard modules the Python runtime preloads can be imported.
    let imports = "import statistics, uuid, hmac\n\ndef hello_world(request):\n    \
                   return str(statistics.mean([1, 2, 6])) + str(len(str(uuid.uuid4())))\n";
    deploy_source(&ann, "imports", "python", imports)
        .await
        .expect(201);
    let (status, body) = call(&ann, Method::GET, "/fn/ann/imports/", "").await;
    assert_eq!((status, body.as_str()), (200, "336"), "{body}");
    // Functions of one language share the runtime, each with its own source.
    let (_, lambda) = call(&ann, Method::GET, "/fn/ann/python-lambda/", "").await;
    assert!(lambda.contains("Hello, world!"), "{lambda}");
    let source = (ann
        .get("/api/v1/functions/javascript-worker/versions/1/source")
        .await)
        .expect(200);
    assert_eq!(source["language"], "javascript");
}

/// Deploys `source`, expecting a syntax error at `line`.
async fn expect_syntax_error(client: &Client, language: &str, source: &str, line: u64) {
    let answer = deploy_source(client, &format!("bad-{language}"), language, source).await;
    assert_eq!(answer.status, 422, "{answer:?}");
    assert_eq!(answer.body["error"]["code"], "compile_error", "{answer:?}");
    let diagnostic = &answer.body["diagnostics"][0];
    assert_eq!(diagnostic["line"], line, "{answer:?}");
    assert!(diagnostic["column"].as_u64().unwrap() >= 1, "{answer:?}");
    assert!(
        diagnostic["message"]
            .as_str()
            .unwrap()
            .contains("SyntaxError"),
        "{answer:?}"
    );
}

#[tokio::test]
async fn bad_scripts_get_clear_errors() {
    let server = building_server(&[]).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;

    expect_syntax_error(
        &ann,
        "python",
        "def lambda_handler(event, context):\n    x = 1\n    return {'body': x\n",
        3,
    )
    .await;
    expect_syntax_error(
        &ann,
        "javascript",
        "export default {\n  fetch(request) {\n    return new Response('a' +);\n  },\n};\n",
        3,
    )
    .await;
    let answer = deploy_source(
        &ann,
        "imports",
        "javascript",
        "import fs from 'fs';\nexport default {};\n",
    )
    .await;
    assert_eq!(answer.status, 422, "{answer:?}");
    assert_eq!(answer.body["diagnostics"][0]["line"], 1, "{answer:?}");

    // An exception: 500, with the traceback (and its line) in the log.
    let crashes = [
        (
            "crash",
            "python",
            "def lambda_handler(event, context):\n    return 1 / 0\n",
            "handler.py\", line 2",
        ),
        (
            "crash-js",
            "javascript",
            "export const handler = async () => {\n  throw new TypeError('no way');\n};\n",
            "TypeError: no way",
        ),
    ];
    for (name, language, source, expected) in crashes {
        deploy_source(&ann, name, language, source)
            .await
            .expect(201);
        let (status, _) = call(&ann, Method::GET, &format!("/fn/ann/{name}/"), "").await;
        assert_eq!(status, 500, "{name}");
        let log = invocations(&ann, name, 1).await;
        let stderr = log[0]["stderr"].as_str().unwrap();
        assert!(stderr.contains(expected), "{name}: {stderr}");
    }
    let log = invocations(&ann, "crash", 1).await;
    assert!(
        log[0]["stderr"]
            .as_str()
            .unwrap()
            .contains("ZeroDivisionError"),
        "{log}"
    );

    // A loop forever: stopped by the function's timeout.
    let forever = "def lambda_handler(event, context):\n    while True:\n        pass\n";
    deploy_source(&ann, "forever", "python", forever)
        .await
        .expect(201);
    ann.send(
        Method::PATCH,
        "/api/v1/functions/forever",
        Some(json!({ "timeout_ms": 1000 })),
    )
    .await
    .expect(200);
    let (status, body) = call(&ann, Method::GET, "/fn/ann/forever/", "").await;
    assert_eq!(status, 504, "{body}");
}

/// Calls `name` `times` times, one after another, and returns the bodies.
async fn answers(client: &Client, name: &str, times: usize) -> Vec<String> {
    let mut bodies = Vec::new();
    for _ in 0..times {
        let (status, body) = call(client, Method::GET, &format!("/fn/ann/{name}/"), "").await;
        assert_eq!(status, 200, "{name}: {body}");
        bodies.push(body.trim().to_owned());
    }
    bodies
}

#[tokio::test]
async fn a_warm_instance_keeps_module_state_for_its_own_function_only() {
    let server = building_server(&[]).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    let counter =
        "n = 0\n\ndef hello_world(request):\n    global n\n    n += 1\n    return str(n)\n";
    for name in ["counter", "twin"] {
        deploy_source(&ann, name, "python", counter)
            .await
            .expect(201);
    }
    // One after another, the same warm instance: the module ran once.
    assert_eq!(answers(&ann, "counter", 3).await, ["1", "2", "3"]);
    // Another function with the same source has instances of its own.
    assert_eq!(answers(&ann, "twin", 1).await, ["1"]);
    // New variables: new instances.
    let env = json!({ "vars": { "MODE": "x" }, "secrets": {} });
    let put = ann.send(Method::PUT, "/api/v1/functions/counter/env", Some(env));
    put.await.expect(200);
    assert_eq!(answers(&ann, "counter", 2).await, ["1", "2"]);

    // Asked for, a fresh instance for every request.
    let fresh = json!({ "fresh_instances": true });
    let set = ann.send(Method::PATCH, "/api/v1/functions/counter", Some(fresh));
    assert_eq!(set.await.expect(200)["fresh_instances"], true);
    assert_eq!(answers(&ann, "counter", 3).await, ["1", "1", "1"]);
    let shown = ann.get("/api/v1/functions/counter").await.expect(200);
    assert_eq!(shown["fresh_instances"], true, "{shown}");

    // componentize-js's runtime returns with its response open, so its
    // instances are never kept: every request is fresh.
    let javascript = "let n = 0;\nexport default {\n  fetch() {\n    n += 1;\n    return new Response(String(n));\n  },\n};\n";
    deploy_source(&ann, "js", "javascript", javascript)
        .await
        .expect(201);
    assert_eq!(answers(&ann, "js", 3).await, ["1", "1", "1"]);
}
