//! Key-value stores on both databases: the REST contract (`/api/v1/kv`)
//! with its limits and the plan's quota, 404 for another user's store;
//! and, with real builds, Rust, JavaScript and Python functions sharing their
//! owner's store through `wasi:keyvalue` (and not another user's), a
//! value written through one node read through another at once, and the
//! limit on operations per invocation; the operations billed.

mod common;

use common::{Client, Db, TestServer, building_server_on, call, deploy_source, invocations};
use reqwest::Method;
use serde_json::json;

/// Sends `body` as raw bytes with `method` to `path`.
async fn raw(client: &Client, method: Method, path: &str, body: Vec<u8>) -> (u16, Vec<u8>) {
    let response = (client
        .http
        .request(method, format!("{}{path}", client.base)))
    .header("content-type", "application/octet-stream")
    .body(body)
    .send()
    .await
    .unwrap();
    let status = response.status().as_u16();
    (status, response.bytes().await.unwrap().to_vec())
}

/// Writes the text `body` at `path`.
async fn put(client: &Client, path: &str, body: &str) -> (u16, Vec<u8>) {
    raw(client, Method::PUT, path, body.as_bytes().to_vec()).await
}

async fn the_kv_api_reads_writes_pages_and_keeps_to_the_quota(db: Db) {
    let server =
        TestServer::start_with(db, &["--plans", "free:kv_mb=1", "--default-plan", "free"]).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    let stores = ann.get("/api/v1/kv").await.expect(200);
    assert_eq!(
        stores,
        json!([{ "name": "default", "keys": 0, "bytes": 0, "trigger": null }])
    );

    assert_eq!(
        put(&ann, "/api/v1/kv/default/greeting", "hello").await.0,
        204
    );
    assert_eq!(put(&ann, "/api/v1/kv/default/green", "tea").await.0, 204);
    assert_eq!(put(&ann, "/api/v1/kv/default/other", "x").await.0, 204);
    assert_eq!(put(&ann, "/api/v1/kv/notes/a%2Fb", "slash").await.0, 204);
    let (status, value) = raw(&ann, Method::GET, "/api/v1/kv/default/greeting", vec![]).await;
    assert_eq!((status, value.as_slice()), (200, &b"hello"[..]));
    let (status, value) = raw(&ann, Method::GET, "/api/v1/kv/notes/a%2Fb", vec![]).await;
    assert_eq!((status, value.as_slice()), (200, &b"slash"[..]));

    // Paged by prefix and cursor, in key order.
    let page = ann
        .get("/api/v1/kv/default?prefix=gre&limit=1")
        .await
        .expect(200);
    assert_eq!(page["keys"][0]["key"], "green");
    assert_eq!(page["keys"][0]["size"], 3);
    let cursor = page["cursor"].as_str().unwrap();
    let next = ann
        .get(&format!(
            "/api/v1/kv/default?prefix=gre&limit=1&cursor={cursor}"
        ))
        .await
        .expect(200);
    assert_eq!(next["keys"][0]["key"], "greeting");
    assert_eq!(next["cursor"], json!(null));
    let stores = ann.get("/api/v1/kv").await.expect(200);
    assert_eq!(stores[0]["name"], "default");
    assert_eq!(stores[0]["keys"], 3);
    assert_eq!(stores[0]["bytes"], 8 + 5 + 5 + 3 + 5 + 1);
    assert_eq!(stores[1]["name"], "notes");

    // Deleted once; errors say what is wrong.
    assert_eq!(
        raw(&ann, Method::DELETE, "/api/v1/kv/default/other", vec![])
            .await
            .0,
        204
    );
    ann.delete("/api/v1/kv/default/other")
        .await
        .expect_error(404, "not_found");
    ann.get("/api/v1/kv/default/other")
        .await
        .expect_error(404, "not_found");
    ann.get("/api/v1/kv/nowhere")
        .await
        .expect_error(404, "not_found");
    let answer = ann
        .send(Method::PUT, "/api/v1/kv/Bad%20Name/k", Some(json!("x")))
        .await;
    answer.expect_error(422, "invalid_name");
    let long = format!("/api/v1/kv/default/{}", "k".repeat(513));
    assert_eq!(put(&ann, &long, "x").await.0, 422);
    // A value of the plan's whole quota (1 MiB) does not fit beside the rest.
    let (status, body) = raw(
        &ann,
        Method::PUT,
        "/api/v1/kv/default/big",
        vec![7; 1 << 20],
    )
    .await;
    assert_eq!(status, 413, "{}", String::from_utf8_lossy(&body));
    assert!(String::from_utf8_lossy(&body).contains("storage_quota_exceeded"));
    let (status, _) = raw(
        &ann,
        Method::PUT,
        "/api/v1/kv/default/huge",
        vec![7; (1 << 20) + 2],
    )
    .await;
    assert_eq!(status, 413);

    // Another user, and nobody, reach none of it.
    let bob = server.client();
    bob.sign_up_and_log_in("bob").await;
    bob.get("/api/v1/kv/default/greeting")
        .await
        .expect_error(404, "not_found");
    bob.get("/api/v1/kv/notes")
        .await
        .expect_error(404, "not_found");
    assert_eq!(bob.get("/api/v1/kv").await.expect(200)[0]["keys"], 0);
    server
        .client()
        .get("/api/v1/kv")
        .await
        .expect_error(401, "unauthorized");
}
both_backends!(the_kv_api_reads_writes_pages_and_keeps_to_the_quota);

const COUNTER_JS: &str =
    "export default { fetch() { return new Response(`visits: ${kv.increment('visits')}`); } };";
const COUNTER_PY: &str =
    "import fnlab\n\ndef main(request):\n    return f\"visits: {fnlab.kv.increment('visits')}\"\n";
const COUNTER_RS: &str = "fn handle(_: fnlab::Request) -> Result<String, fnlab::kv::KvError> {\n    let store = fnlab::kv::open(\"default\")?;\n    Ok(format!(\"visits: {}\", store.increment(\"visits\", 1)?))\n}\nfnlab::http!(handle);\n";
const GREEDY_JS: &str = "export default { fetch() { for (let i = 0; i < 1001; i++) kv.increment('n'); return new Response('done'); } };";

async fn functions_share_their_owners_store_on_every_node(db: Db) {
    // No key-value writes free, so that the three below cost money.
    let server = building_server_on(db, &["--free-kv-writes", "0"]).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    deploy_source(&ann, "js", "javascript", COUNTER_JS)
        .await
        .expect(201);
    deploy_source(&ann, "py", "python", COUNTER_PY)
        .await
        .expect(201);
    deploy_source(&ann, "rs", "rust", COUNTER_RS)
        .await
        .expect(201);
    assert_eq!(
        call(&ann, Method::GET, "/fn/ann/js/", "").await,
        (200, "visits: 1".into())
    );
    assert_eq!(
        call(&ann, Method::GET, "/fn/ann/rs/", "").await,
        (200, "visits: 2".into())
    );
    assert_eq!(
        call(&ann, Method::GET, "/fn/ann/py/", "").await,
        (200, "visits: 3".into())
    );
    let (_, value) = raw(&ann, Method::GET, "/api/v1/kv/default/visits", vec![]).await;
    assert_eq!(value, b"3");
    // Each invocation's record counts what it did with the store.
    let log = invocations(&ann, "py", 1).await;
    assert_eq!(
        (log[0]["kv_reads"].as_i64(), log[0]["kv_writes"].as_i64()),
        (Some(0), Some(1))
    );
    // Billed at $5.00 per million writes: 3 writes are 15 µ$, the rest of
    // the usage is in the free tier.
    let usage = ann.get("/api/v1/usage").await.expect(200);
    assert_eq!(
        (usage["kv_reads"].as_i64(), usage["kv_writes"].as_i64()),
        (Some(0), Some(3))
    );
    assert_eq!(usage["cost_micros"], 15, "{usage}");
    assert_eq!(usage["free_tier"]["included"]["kv_writes"], 0);
    let rs = usage["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "rs");
    assert_eq!(rs.unwrap()["kv_writes"], 1, "{usage}");

    // Bob's function counts in Bob's store.
    let bob = server.client();
    bob.sign_up_and_log_in("bob").await;
    deploy_source(&bob, "js", "javascript", COUNTER_JS)
        .await
        .expect(201);
    assert_eq!(
        call(&bob, Method::GET, "/fn/bob/js/", "").await,
        (200, "visits: 1".into())
    );

    // The limit of operations per invocation, named in the log.
    deploy_source(&ann, "greedy", "javascript", GREEDY_JS)
        .await
        .expect(201);
    let (status, _) = call(&ann, Method::GET, "/fn/ann/greedy/", "").await;
    assert_eq!(status, 500);
    let log = invocations(&ann, "greedy", 1).await;
    let stderr = log[0]["stderr"].as_str().unwrap();
    assert!(
        stderr.contains("more than 1000 key-value operations"),
        "{stderr}"
    );

    // Concurrent increments, on PostgreSQL through two nodes at once,
    // each see a number of their own: none lost, none counted twice.
    let mut visitors = vec![ann.clone()];
    let mut visits = 3;
    let _other = if matches!(db, Db::Postgres) {
        // Written through this node, read through another at once.
        let other = server.another_node().await;
        let visitor = other.client();
        assert_eq!(
            call(&visitor, Method::GET, "/fn/ann/py/", "").await,
            (200, "visits: 4".into())
        );
        assert_eq!(
            call(&ann, Method::GET, "/fn/ann/js/", "").await,
            (200, "visits: 5".into())
        );
        visits = 5;
        visitors.push(visitor);
        Some(other)
    } else {
        None
    };
    let calls = (0..24).map(|i| {
        let client = visitors[i % visitors.len()].clone();
        let path = ["/fn/ann/js/", "/fn/ann/rs/"][i % 2];
        async move { call(&client, Method::GET, path, "").await }
    });
    let mut seen: Vec<u64> = futures_util::future::join_all(calls)
        .await
        .into_iter()
        .map(|(status, body)| {
            assert_eq!(status, 200, "{body}");
            body.trim_start_matches("visits: ").parse().unwrap()
        })
        .collect();
    seen.sort_unstable();
    assert_eq!(seen, (visits + 1..=visits + 24).collect::<Vec<_>>());
}
both_backends!(functions_share_their_owners_store_on_every_node);
