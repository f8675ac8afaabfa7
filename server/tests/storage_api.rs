//! The storage quota and the collection of storage, attacked on a real
//! server: a user on a plan with a 1 MiB storage quota uploads components
//! (the probe with a custom section of padding, so each is another
//! component) until refused, alone and all at once; deleting functions
//! gives the room back and deletes the components nobody runs any more,
//! and the sweep removes their cached native code.

mod common;

#[path = "../../sandbox/tests/guests/mod.rs"]
mod guests;

use common::{Client, Db, TestServer, call, upload};
use fnlab_billing::storage::format_bytes;
use reqwest::Method;
use serde_json::json;

/// The quota of the `tiny` plan the tests' users are on.
const QUOTA: i64 = 1 << 20;

/// A server whose users are on a plan that may store 1 MiB.
async fn tiny_plan_server(db: Db, extra: &[&str]) -> TestServer {
    let mut flags = vec![
        "--plans",
        "tiny:storage_mb=1;roomy:storage_mb=unlimited",
        "--default-plan",
        "tiny",
    ];
    flags.extend_from_slice(extra);
    TestServer::start_with(db, &flags).await
}

/// `n` in unsigned LEB128, as WebAssembly writes lengths.
fn leb128(mut n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/// The probe with a custom section named `tag` holding `padding` zero
/// bytes: a component of its own (another SHA-256) that runs the same.
fn padded(tag: &str, padding: usize) -> Vec<u8> {
    let mut payload = leb128(tag.len());
    payload.extend_from_slice(tag.as_bytes());
    payload.resize(payload.len() + padding, 0);
    let mut bytes = guests::probe().to_vec();
    bytes.push(0); // a custom section
    bytes.extend(leb128(payload.len()));
    bytes.extend(payload);
    bytes
}

/// The storage figures of the billing overview: (used, quota).
async fn storage(client: &Client) -> (i64, Option<i64>) {
    let billing = client.get("/api/v1/billing").await.expect(200);
    let storage = &billing["storage"];
    (
        storage["used_bytes"].as_i64().expect("used_bytes"),
        storage["quota_bytes"].as_i64(),
    )
}

/// Whether the database holds the component `bytes`.
async fn stored(server: &TestServer, bytes: &[u8]) -> bool {
    let sha256 = fnlab_functions::sha256_hex(bytes);
    let found: Option<i64> = sqlx::query_scalar("select 1 from artifacts where sha256 = $1")
        .bind(&sha256)
        .fetch_optional(&server.state().pool)
        .await
        .unwrap();
    found.is_some()
}

async fn uploads_past_the_quota_are_refused_with_the_figures(db: Db) {
    let server = tiny_plan_server(db, &[]).await;
    let (ann, bob) = (server.client(), server.client());
    ann.sign_up_and_log_in("ann").await;
    bob.sign_up_and_log_in("bob").await;
    assert_eq!(storage(&ann).await, (0, Some(QUOTA)));

    let (a, b, c) = (
        padded("a", 300_000),
        padded("b", 300_000),
        padded("c", 300_000),
    );
    upload(&ann, "a", &a).await.expect(201);
    upload(&ann, "b", &b).await.expect(201);
    let used = (a.len() + b.len()) as i64;
    assert_eq!(storage(&ann).await, (used, Some(QUOTA)));

    let refused = upload(&ann, "c", &c).await;
    let body = refused.body.clone();
    let message = refused.expect_error(413, "storage_quota_exceeded");
    let adding = c.len() as i64;
    assert_eq!(
        message,
        format!(
            "this component ({}) would take your storage to {}, over your plan's {}; \
             delete functions you no longer need to make room",
            format_bytes(adding),
            format_bytes(used + adding),
            format_bytes(QUOTA)
        )
    );
    assert!(message.contains("over your plan's 1.0 MiB"), "{message}");
    assert_eq!(
        body["storage"],
        json!({"used_bytes": used, "adding_bytes": adding, "quota_bytes": QUOTA})
    );
    // Nothing of the refused upload was stored.
    ann.get("/api/v1/functions/c")
        .await
        .expect_error(404, "not_found");
    assert!(!stored(&server, &c).await);
    assert_eq!(storage(&ann).await.0, used);

    // Bytes the user already stores add nothing; another user has room of
    // their own.
    upload(&ann, "a-again", &a).await.expect(201);
    upload(&bob, "c", &c).await.expect(201);
    assert_eq!(storage(&bob).await.0, adding);
    // Source counts too: a draft that would not fit is refused.
    let draft = json!({"language": "python", "source": "#".repeat(200_000)});
    ann.send(Method::PUT, "/api/v1/functions/d", Some(draft))
        .await
        .expect_error(413, "storage_quota_exceeded");

    // Uploads sent all at once are counted one after the other: of twelve
    // that each fit alone, only as many as fit together are stored. (A
    // user without a quota uploads them first, so that none waits for its
    // compilation and they reach the database together.)
    ann.delete("/api/v1/functions/a").await.expect(204);
    ann.delete("/api/v1/functions/a-again").await.expect(204);
    let burst: Vec<Vec<u8>> = (0..12)
        .map(|i| padded(&format!("p{i:02}"), 10_000))
        .collect();
    let carol = server.client();
    carol.sign_up_and_log_in("carol").await;
    sqlx::query("update users set plan = 'roomy' where username = 'carol'")
        .execute(&server.state().pool)
        .await
        .unwrap();
    for (i, bytes) in burst.iter().enumerate() {
        upload(&carol, &format!("p{i}"), bytes).await.expect(201);
    }
    let room = QUOTA - storage(&ann).await.0;
    let fit = room as usize / burst[0].len();
    assert!((1..burst.len()).contains(&fit), "{fit} fit");
    let uploads: Vec<_> = (burst.iter().enumerate())
        .map(|(i, bytes)| {
            let (ann, bytes) = (ann.clone(), bytes.clone());
            tokio::spawn(async move { upload(&ann, &format!("p{i}"), &bytes).await.status })
        })
        .collect();
    let mut stored = 0;
    for upload in uploads {
        match upload.await.unwrap().as_u16() {
            201 => stored += 1,
            status => assert_eq!(status, 413),
        }
    }
    assert_eq!(stored, fit);
    let (used, quota) = storage(&ann).await;
    assert!(used <= quota.unwrap(), "{used} stored, over the quota");
}
both_backends!(uploads_past_the_quota_are_refused_with_the_figures);

async fn deleting_functions_frees_storage_and_collects_components(db: Db) {
    let server = tiny_plan_server(db, &[]).await;
    let (ann, bob) = (server.client(), server.client());
    ann.sign_up_and_log_in("ann").await;
    bob.sign_up_and_log_in("bob").await;
    let (shared, own) = (guests::probe(), padded("own", 100_000));
    let deployed = upload(&ann, "shared", shared).await.expect(201);
    assert_eq!(deployed["sha256"], guests::probe_sha());
    upload(&bob, "shared", shared).await.expect(201);
    upload(&ann, "own", &own).await.expect(201);
    upload(&ann, "own", &own).await.expect(201);
    assert_eq!(
        storage(&ann).await.0,
        (shared.len() + own.len()) as i64,
        "a component is counted once, however many versions run it"
    );

    ann.delete("/api/v1/functions/own").await.expect(204);
    assert_eq!(storage(&ann).await.0, shared.len() as i64);
    assert!(!stored(&server, &own).await, "nobody runs it any more");

    ann.delete("/api/v1/functions/shared").await.expect(204);
    assert_eq!(storage(&ann).await.0, 0);
    assert!(stored(&server, shared).await, "bob still runs it");
    let (status, _) = call(&bob, Method::GET, "/fn/bob/shared/hello", "").await;
    assert_eq!(status, 200);

    bob.delete("/api/v1/functions/shared").await.expect(204);
    assert!(!stored(&server, shared).await);
}
both_backends!(deleting_functions_frees_storage_and_collects_components);

/// The names of the native code files in a server's code cache.
fn cached(server: &TestServer) -> Vec<String> {
    let dir = server.data.path().join("cache/code");
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".cwasm"))
        .collect()
}

/// Whether the code cache holds native code of the component `bytes`.
fn has_code(server: &TestServer, bytes: &[u8]) -> bool {
    let sha256 = fnlab_functions::sha256_hex(bytes);
    cached(server).iter().any(|name| name.starts_with(&sha256))
}

#[tokio::test]
async fn the_sweep_removes_the_cached_code_of_collected_components() {
    let server = tiny_plan_server(Db::Sqlite, &[]).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    let (kept, gone) = (guests::probe(), padded("gone", 1000));
    upload(&ann, "kept", kept).await.expect(201);
    upload(&ann, "gone", &gone).await.expect(201);
    assert!(has_code(&server, kept) && has_code(&server, &gone));

    ann.delete("/api/v1/functions/gone").await.expect(204);
    let collected = server.state().fnlab.collect_storage().await.unwrap();
    assert_eq!(collected.code_cache.removed, 1);
    assert!(!has_code(&server, &gone), "{:?}", cached(&server));
    assert!(has_code(&server, kept));
    let (status, _) = call(&ann, Method::GET, "/fn/ann/kept/hello", "").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_code_cache_is_kept_within_its_size() {
    let server = tiny_plan_server(Db::Sqlite, &["--code-cache-mb", "0"]).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    upload(&ann, "probe", guests::probe()).await.expect(201);
    assert_eq!(cached(&server).len(), 1);

    let collected = server.state().fnlab.collect_storage().await.unwrap();
    assert_eq!(collected.code_cache.kept_bytes, 0);
    assert!(cached(&server).is_empty());
    // The function runs all the same, from memory or compiled again.
    let (status, _) = call(&ann, Method::GET, "/fn/ann/probe/hello", "").await;
    assert_eq!(status, 200);
}
