//! The collection of storage, on a real server: deleting functions
//! deletes the components nobody runs any more (and only those), and the
//! sweep removes their cached native code and keeps the cache within its
//! size.

mod common;

#[path = "../../sandbox/tests/guests/mod.rs"]
mod guests;

use common::{Db, TestServer, call, upload};
use reqwest::Method;

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

async fn deleting_functions_collects_their_components(db: Db) {
    let server = TestServer::start(db).await;
    let (ann, bob) = (server.client(), server.client());
    ann.sign_up_and_log_in("ann").await;
    bob.sign_up_and_log_in("bob").await;
    let (shared, own) = (guests::probe(), padded("own", 100_000));
    let deployed = upload(&ann, "shared", shared).await.expect(201);
    assert_eq!(deployed["sha256"], guests::probe_sha());
    upload(&bob, "shared", shared).await.expect(201);
    upload(&ann, "own", &own).await.expect(201);
    upload(&ann, "own", &own).await.expect(201);

    ann.delete("/api/v1/functions/own").await.expect(204);
    assert!(!stored(&server, &own).await, "nobody runs it any more");

    ann.delete("/api/v1/functions/shared").await.expect(204);
    assert!(stored(&server, shared).await, "bob still runs it");
    let (status, _) = call(&bob, Method::GET, "/fn/bob/shared/hello", "").await;
    assert_eq!(status, 200);

    bob.delete("/api/v1/functions/shared").await.expect(204);
    assert!(!stored(&server, shared).await);
}
both_backends!(deleting_functions_collects_their_components);

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
    let server = TestServer::start(Db::Sqlite).await;
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
    let server = TestServer::start_with(Db::Sqlite, &["--code-cache-mb", "0"]).await;
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
