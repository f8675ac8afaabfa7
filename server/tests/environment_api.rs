//! Functions' variables and secrets, on both databases: the REST contract
//! (`GET|PUT /api/v1/functions/{name}/env`) with its limits, all-or-nothing
//! changes and 404 for another user's function; secrets sealed in the
//! database and never shown back in any answer or page; and, with real
//! builds, every language reading them as its environment, a change
//! reaching the live function with no redeploy on this node and on another.

mod common;

use std::time::{Duration, Instant};

use common::{Client, Db, TestServer, building_server_on, call, deploy_source};
use reqwest::Method;
use serde_json::{Value, json};

/// A secret value that must never come back.
const SECRET: &str = "tok-7f3a9c-never-shown";

/// Sets `vars` and `secrets` of `name`.
async fn put_env(client: &Client, name: &str, vars: Value, secrets: Value) -> common::Answer {
    let body = json!({ "vars": vars, "secrets": secrets });
    (client.send(
        Method::PUT,
        &format!("/api/v1/functions/{name}/env"),
        Some(body),
    ))
    .await
}

/// A function with a saved draft (no build needed for its configuration).
async fn function(client: &Client, name: &str) {
    let draft = json!({ "language": "javascript", "source": "export default {}" });
    let saved = (client.send(
        Method::PUT,
        &format!("/api/v1/functions/{name}"),
        Some(draft),
    ))
    .await;
    assert_eq!(saved.status, 201, "{saved:?}");
}

async fn the_env_api_seals_secrets_and_checks_limits(db: Db) {
    let server = TestServer::start(db).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    function(&ann, "relay").await;

    let empty = ann.get("/api/v1/functions/relay/env").await.expect(200);
    assert_eq!(empty, json!({ "vars": {}, "secrets": [] }));

    let set = put_env(
        &ann,
        "relay",
        json!({ "MODE": "test", "URL": "http://x" }),
        json!({ "TOKEN": SECRET }),
    );
    let env = set.await.expect(200);
    assert_eq!(env["vars"], json!({ "MODE": "test", "URL": "http://x" }));
    let secrets = env["secrets"].as_array().unwrap();
    assert_eq!(secrets.len(), 1);
    assert_eq!(secrets[0]["name"], "TOKEN");
    assert_eq!(secrets[0]["readable"], true);
    assert!(secrets[0]["updated_at"].as_i64().unwrap() > 0);
    assert!(!env.to_string().contains(SECRET), "{env}");
    assert_eq!(
        ann.get("/api/v1/functions/relay/env").await.expect(200),
        env
    );

    // Null removes; names left out stay; a variable may become a secret.
    let changed = put_env(
        &ann,
        "relay",
        json!({ "URL": null }),
        json!({ "MODE": "hidden" }),
    );
    let changed = changed.await.expect(200);
    assert_eq!(changed["vars"], json!({}));
    let names: Vec<&str> = (changed["secrets"].as_array().unwrap().iter())
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["MODE", "TOKEN"]);

    // Every rule answers 422 with the reason, and changes nothing.
    let before = ann.get("/api/v1/functions/relay/env").await.expect(200);
    let many: serde_json::Map<String, Value> =
        (0..63).map(|i| (format!("V{i}"), json!("x"))).collect();
    let refusals = [
        (json!({ "api_key": "x" }), json!({}), "not a valid name"),
        (json!({ "1A": "x" }), json!({}), "not a valid name"),
        (json!({ "FNLAB_SOURCE": "x" }), json!({}), "Fnlab's own"),
        (json!({}), json!({ "FNLAB_X": "x" }), "Fnlab's own"),
        (
            json!({ "BIG": "v".repeat(5 * 1024 + 1) }),
            json!({}),
            "the limit is 5120 bytes",
        ),
        (
            json!({ "X": "1" }),
            json!({ "X": "2" }),
            "both as a variable and as a secret",
        ),
        (
            Value::Object(many),
            json!({}),
            "at most 64 variables and secrets",
        ),
    ];
    for (vars, secrets, reason) in refusals {
        let refused = put_env(&ann, "relay", vars, secrets).await;
        let message = refused.expect_error(422, "invalid_environment");
        assert!(message.contains(reason), "{message}");
    }
    assert_eq!(
        ann.get("/api/v1/functions/relay/env").await.expect(200),
        before
    );
    // Exactly the limit is fine.
    let limit: serde_json::Map<String, Value> =
        (0..62).map(|i| (format!("V{i}"), json!("x"))).collect();
    let at_limit = put_env(&ann, "relay", Value::Object(limit), json!({})).await;
    assert_eq!(at_limit.expect(200)["vars"].as_object().unwrap().len(), 62);

    // Another user, and nobody, reach nothing.
    let bob = server.client();
    bob.sign_up_and_log_in("bob").await;
    bob.get("/api/v1/functions/relay/env")
        .await
        .expect_error(404, "not_found");
    let stolen = put_env(&bob, "relay", json!({}), json!({ "TOKEN": "bob's" })).await;
    stolen.expect_error(404, "not_found");
    server
        .client()
        .get("/api/v1/functions/relay/env")
        .await
        .expect_error(401, "unauthorized");

    // The page never holds the value (its Environment section loads once
    // hydrated; functions.spec checks that it names the secret then).
    let page = ann
        .http
        .get(format!("{}/functions/relay", ann.base))
        .send()
        .await
        .unwrap();
    let page = page.text().await.unwrap();
    assert!(
        page.contains("relay") && !page.contains(SECRET),
        "the page shows the secret"
    );

    // The database holds it sealed: no column, no page of the file, has it.
    let pool = &server.state().pool;
    /// A secret's row: name, clear value, sealed bytes, key id.
    type Row = (String, Option<String>, Option<Vec<u8>>, Option<String>);
    let rows: Vec<Row> =
        sqlx::query_as("select name, value, sealed, key_id from function_env where secret = 1")
            .fetch_all(pool)
            .await
            .unwrap();
    assert_eq!(rows.len(), 2);
    for (name, value, sealed, key_id) in rows {
        assert_eq!(value, None, "{name}");
        let sealed = sealed.expect("sealed bytes");
        assert!(!contains(&sealed, SECRET.as_bytes()), "{name} in clear");
        assert_eq!(key_id.unwrap().len(), 16);
    }
    if matches!(db, Db::Sqlite) {
        for file in ["fnlab.db", "fnlab.db-wal"] {
            let bytes = std::fs::read(server.data.path().join(file)).unwrap_or_default();
            assert!(
                !contains(&bytes, SECRET.as_bytes()),
                "{file} has the secret in clear"
            );
        }
    }
    // The key is beside the data, readable by its owner only.
    let key = server.data.path().join(fnlab_server::SECRETS_KEY_FILE);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&key).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}
both_backends!(the_env_api_seals_secrets_and_checks_limits);

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// A function in each language that answers with `GREETING`, the secret
/// `TOKEN`, and whether it can see `FNLAB_SOURCE`.
const READERS: [(&str, &str, &str); 3] = [
    (
        "rust",
        "rs-env",
        r#"
fn handle(_request: fnlab::Request) -> fnlab::Response {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let source = if std::env::var("FNLAB_SOURCE").is_ok() { "yes" } else { "no" };
    fnlab::Response::text(200, format!("{} {} {source}", var("GREETING"), var("TOKEN")))
}
fnlab::http!(handle);
"#,
    ),
    (
        "javascript",
        "js-env",
        r#"
export default {
  fetch(request, env) {
    const same = env.TOKEN === process.env.TOKEN;
    return new Response(`${env.GREETING ?? ''} ${same ? env.TOKEN ?? '' : 'differs'} ${'FNLAB_SOURCE' in process.env ? 'yes' : 'no'}`);
  },
};
"#,
    ),
    (
        "python",
        "py-env",
        r#"
import os

def hello_world(request):
    env = os.environ
    source = "yes" if "FNLAB_SOURCE" in env else "no"
    return f"{env.get('GREETING', '')} {env.get('TOKEN', '')} {source}"
"#,
    ),
];

/// Calls `path` on `client`'s server until it answers `expected`, for at
/// most `within`.
async fn answers(client: &Client, path: &str, expected: &str, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let (status, body) = call(client, Method::GET, path, "").await;
        if status == 200 && body == expected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{path}: {status} {body:?}, expected {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn every_language_reads_its_variables_and_secrets(db: Db) {
    let server = building_server_on(db, &[]).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    for (language, name, source) in READERS {
        deploy_source(&ann, name, language, source)
            .await
            .expect(201);
        let path = format!("/fn/ann/{name}/");
        answers(&ann, &path, "  no", Duration::ZERO).await;
        put_env(
            &ann,
            name,
            json!({ "GREETING": "hello" }),
            json!({ "TOKEN": SECRET }),
        )
        .await
        .expect(200);
        // At once on this node, with no redeploy.
        answers(&ann, &path, &format!("hello {SECRET} no"), Duration::ZERO).await;
    }
    if matches!(db, Db::Postgres) {
        // Another node (with the same key) sees a change within a second.
        let other = server.another_node().await;
        let visitor = other.client();
        let path = "/fn/ann/py-env/";
        answers(
            &visitor,
            path,
            &format!("hello {SECRET} no"),
            Duration::ZERO,
        )
        .await;
        put_env(&ann, "py-env", json!({ "GREETING": "bonjour" }), json!({}))
            .await
            .expect(200);
        answers(
            &visitor,
            path,
            &format!("bonjour {SECRET} no"),
            Duration::from_secs(2),
        )
        .await;
    }
}
both_backends!(every_language_reads_its_variables_and_secrets);
