//! Slow and greedy clients, attacked on a real server: bodies sent a byte
//! at a time, responses never read, one client's pile of connections,
//! requests and log-ins. The attacker speaks from 127.0.0.2, the other
//! users from 127.0.0.1 (both loopback), and the others see no
//! difference.

mod common;

#[path = "../../sandbox/tests/guests/mod.rs"]
#[allow(dead_code)] // only the probe is used here
mod guests;

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use common::{Client, Db, TestServer, answer, invocations};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// Where the attacker's connections come from.
const ATTACKER: &str = "127.0.0.2";

/// Uploads the probe component as `name`.
async fn deploy_probe(client: &Client, name: &str) {
    common::upload(client, name, guests::probe())
        .await
        .expect(201);
}

/// A raw connection to `server` from the attacker's address, with a small
/// receive buffer (so that an unread response soon fills it).
async fn attacker_connection(server: &TestServer) -> TcpStream {
    let addr: SocketAddr = server.base.trim_start_matches("http://").parse().unwrap();
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    socket
        .bind(format!("{ATTACKER}:0").parse().unwrap())
        .unwrap();
    socket.connect(addr).await.unwrap()
}

/// A reqwest client of `server` that speaks from the attacker's address.
fn attacker_client() -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ATTACKER.parse::<IpAddr>().ok())
        .build()
        .unwrap()
}

/// `n` calls of `/fn/ann/probe/hello` at once from the other users'
/// address; their statuses.
async fn others_call(ann: &Client, n: usize) -> Vec<u16> {
    let calls = (0..n).map(|_| async {
        let (status, _) = common::call(ann, Method::GET, "/fn/ann/probe/hello", "").await;
        status
    });
    futures_util::future::join_all(calls).await
}

/// The status line's code of what the server sent on `stream`, if any.
async fn status_of(stream: &mut TcpStream) -> Option<u16> {
    let mut answer = vec![0; 512];
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut answer))
        .await
        .ok()?
        .ok()?;
    let text = String::from_utf8_lossy(&answer[..read]).into_owned();
    text.split(' ').nth(1)?.parse().ok()
}

#[tokio::test]
async fn bodies_sent_a_byte_at_a_time_hold_no_instance_and_are_never_billed() {
    // No per-client cap on requests, so that all 48 reach the gateway.
    let server = TestServer::start_with(
        Db::Sqlite,
        &[
            "--body-timeout-ms",
            "2000",
            "--max-fn-requests-per-client",
            "0",
        ],
    )
    .await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    deploy_probe(&ann, "probe").await;

    // 48 requests that promise 100,000 bytes and send one now and then:
    // three times the 16 instances Ann may run.
    let mut slow = Vec::new();
    for _ in 0..48 {
        let mut stream = attacker_connection(&server).await;
        let head = "POST /fn/ann/probe/count HTTP/1.1\r\nhost: fnlab.test\r\n\
                    content-length: 100000\r\n\r\nx";
        stream.write_all(head.as_bytes()).await.unwrap();
        slow.push(stream);
    }
    let dribble = async {
        for _ in 0..3 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            for stream in &mut slow {
                let _ = stream.write_all(b"x").await;
            }
        }
    };
    let (statuses, ()) = tokio::join!(
        async {
            let mut statuses = others_call(&ann, 10).await;
            statuses.extend(others_call(&ann, 10).await);
            statuses
        },
        dribble
    );
    assert_eq!(statuses, vec![200; 20], "Ann's calls during the attack");

    // Past the body deadline every slow request is answered 408.
    for stream in &mut slow {
        assert_eq!(status_of(stream).await, Some(408));
    }
    // Only Ann's 20 calls ran, and only they are billed.
    let log = invocations(&ann, "probe", 20).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let log_again = ann
        .get("/api/v1/functions/probe/invocations?limit=100")
        .await
        .expect(200);
    assert_eq!(log_again.as_array().unwrap().len(), 20, "{log}");
    let usage = ann.get("/api/v1/usage").await.expect(200);
    assert_eq!(usage["requests"], 20, "{usage}");
}

#[tokio::test]
async fn an_unread_response_is_cut_off_at_the_timeout_and_billed_for_the_guest_only() {
    let server = TestServer::start_with(
        Db::Sqlite,
        &["--max-response-bytes", &(32 << 20).to_string()],
    )
    .await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    deploy_probe(&ann, "probe").await;
    ann.send(
        Method::PATCH,
        "/api/v1/functions/probe",
        Some(json!({ "timeout_ms": 1000 })),
    )
    .await
    .expect(200);

    // Four callers ask for 20 MiB each and never read a byte of it: far
    // more than the sockets' buffers hold.
    let mut unread = Vec::new();
    for _ in 0..4 {
        let mut stream = attacker_connection(&server).await;
        let head = "GET /fn/ann/probe/big?n=5120 HTTP/1.1\r\nhost: fnlab.test\r\n\r\n";
        stream.write_all(head.as_bytes()).await.unwrap();
        unread.push(stream);
    }
    let asked = Instant::now();
    // Their invocations end at the timeout, connections still open.
    let log = invocations(&ann, "probe", 4).await;
    assert!(
        asked.elapsed() < Duration::from_secs(4),
        "{:?}",
        asked.elapsed()
    );
    for invocation in log.as_array().unwrap() {
        let wall_us = invocation["wall_us"].as_i64().unwrap();
        assert!(
            wall_us <= 1_000_000,
            "billed past the timeout: {invocation}"
        );
        assert!(
            invocation["outcome"] == "timeout"
                || invocation["stderr"].as_str().unwrap().contains("cut off"),
            "{invocation}"
        );
    }
    // Ann's instances are free again: her other callers are served.
    assert_eq!(others_call(&ann, 8).await, vec![200; 8]);
    drop(unread);
}

#[tokio::test]
async fn one_client_gets_a_share_of_connections_requests_and_log_ins() {
    let server = TestServer::start_with(
        Db::Sqlite,
        &[
            "--max-connections-per-client",
            "6",
            "--max-fn-requests-per-client",
            "2",
            "--timeout-ms",
            "2000",
            "--logins-per-client-per-minute",
            "10",
            "--changes-per-client-per-minute",
            "5",
        ],
    )
    .await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    deploy_probe(&ann, "probe").await;

    // Connections: the seventh is closed before a byte is read.
    let mut held = Vec::new();
    for _ in 0..6 {
        held.push(attacker_connection(&server).await);
    }
    let mut seventh = attacker_connection(&server).await;
    let _ = seventh
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
        .await;
    assert_eq!(
        status_of(&mut seventh).await,
        None,
        "a seventh connection is served"
    );
    assert_eq!(common::call(&ann, Method::GET, "/healthz", "").await.0, 200);
    drop(held);

    // Function requests: two run; the rest wait their turn, in order, for
    // as long as a function may run (2 s here), then are refused. Another
    // client's calls go straight through meanwhile.
    let attacker = attacker_client();
    let slow_call = |attacker: reqwest::Client| {
        let url = format!("{}/fn/ann/probe/slow?ms=1500", server.base);
        async move { attacker.get(url).send().await.unwrap() }
    };
    let mut calls = Vec::new();
    for _ in 0..4 {
        calls.push(tokio::spawn(slow_call(attacker.clone())));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Two run until 1.5 s, two wait and run until 3 s: a fifth, waiting
    // from 0.2 s, has no turn within 2 s.
    let fifth = tokio::spawn(slow_call(attacker.clone()));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(others_call(&ann, 2).await, vec![200; 2]);
    for call in calls {
        assert_eq!(call.await.unwrap().status(), 200);
    }
    let refused = answer(fifth.await.unwrap()).await;
    let message = refused.expect_error(429, "too_many_requests");
    assert!(message.contains("from your address"), "{message}");

    // Log-ins: ten tries a minute from one address, whatever the names.
    let mut statuses = Vec::new();
    for i in 0..15 {
        let tried = attacker
            .post(format!("{}/api/v1/login", server.base))
            .json(&json!({ "username": format!("guess{i}"), "password": "not-the-password" }))
            .send()
            .await
            .unwrap();
        statuses.push(tried.status().as_u16());
    }
    assert_eq!(statuses[..10], [401; 10]);
    assert_eq!(statuses[10..], [429; 5]);
    // Another address logs in as usual.
    let bob = server.client();
    bob.sign_up_and_log_in("bob").await;
    let me: Value = bob.get("/api/v1/me").await.expect(200);
    assert_eq!(me["username"], "bob");

    // Changes: five a minute here, whoever is logged in; reading is free.
    let token = bob
        .post("/api/v1/tokens", json!({ "name": "t" }))
        .await
        .expect(201);
    let mallory = Client {
        http: attacker_client(),
        base: server.base.clone(),
        bearer: token["token"].as_str().map(str::to_owned),
    };
    let draft = json!({"language": "python", "source": "def handler(e, c): return 1"});
    let mut statuses = Vec::new();
    for i in 0..7 {
        let path = format!("/api/v1/functions/d{i}");
        statuses.push(
            mallory
                .send(Method::PUT, &path, Some(draft.clone()))
                .await
                .status
                .as_u16(),
        );
    }
    assert_eq!(statuses, [201, 201, 201, 201, 201, 429, 429]);
    mallory.get("/api/v1/functions").await.expect(200);
    bob.send(Method::PUT, "/api/v1/functions/mine", Some(draft))
        .await
        .expect(201);
}
