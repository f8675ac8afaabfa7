//! Outbound HTTP from a real guest (the probe's `/fetch`): an allowed
//! loopback server is reached, and logged and counted; loopback, private,
//! link-local (metadata) addresses and names that resolve to them are
//! refused BEFORE any connection, with a log line that names the rule; the
//! per-invocation limit holds; a call that hangs ends at the function's
//! deadline. Every address contacted is on loopback.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{call, probe, probe_sha, sandbox_calling_out};
use fnlab_sandbox::{AllowedHost, OutboundMode, OutboundPolicy, Outcome};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A loopback HTTP server that answers `pong` (or, with `hang`, never
/// answers) and counts the connections it accepted.
async fn server(hang: bool) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buffer = [0u8; 4096];
                let _ = socket.read(&mut buffer).await;
                if hang {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                }
                let answer =
                    "HTTP/1.1 200 OK\r\ncontent-length: 4\r\nconnection: close\r\n\r\npong";
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    (port, accepted)
}

/// The probe, ready in a sandbox that calls out as `outbound` allows.
async fn probe_calling_out(
    outbound: OutboundPolicy,
) -> (
    tempfile::TempDir,
    fnlab_sandbox::Sandbox,
    Arc<fnlab_sandbox::Program>,
) {
    let cache = tempfile::tempdir().unwrap();
    let sandbox = sandbox_calling_out(cache.path(), outbound);
    let program = sandbox.load(&probe_sha(), probe()).await.unwrap();
    (cache, sandbox, program)
}

fn policy(allow: &str, max_requests: u32) -> OutboundPolicy {
    OutboundPolicy {
        mode: OutboundMode::Public,
        allow: AllowedHost::parse_list(allow).unwrap(),
        max_requests,
        ..OutboundPolicy::off()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allowed_host_is_reached_logged_and_counted() {
    let (port, accepted) = server(false).await;
    let (_cache, sandbox, program) =
        probe_calling_out(policy(&format!("127.0.0.1:{port}"), 3)).await;

    let url = format!("http://127.0.0.1:{port}/ping");
    let called = call(
        &sandbox,
        &program,
        1,
        "GET",
        &format!("/fetch?url={url}"),
        "",
    )
    .await;
    assert_eq!(called.body, "200 pong");
    assert_eq!(called.report.outbound_requests, 1);
    assert_eq!(called.report.outbound_bytes, 4);
    let line = format!("[fnlab] outbound GET 127.0.0.1:{port}/ping → 200 in ");
    assert!(
        called.report.stderr.contains(&line),
        "{}",
        called.report.stderr
    );

    // At most three per invocation: the fourth and fifth fail inside the
    // function and never connect.
    let path = format!("/fetch?n=5&url={url}");
    let called = call(&sandbox, &program, 1, "GET", &path, "").await;
    assert_eq!(called.body, "error ErrorCode::ConnectionLimitReached");
    assert_eq!(called.report.outbound_requests, 3);
    assert!(
        called
            .report
            .stderr
            .contains("more than 3 outbound requests"),
        "{}",
        called.report.stderr
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_addresses_are_refused_before_any_connection() {
    // A loopback server the policy does not allow: it must see nothing.
    let (port, accepted) = server(false).await;
    let (_cache, sandbox, program) = probe_calling_out(policy("127.0.0.1:1", 50)).await;
    let refusals = [
        (format!("http://127.0.0.1:{port}/"), "a loopback address"),
        (format!("http://localhost:{port}/"), "a loopback address"),
        (format!("http://[::1]:{port}/"), "a loopback address"),
        (
            "http://10.0.0.1/".to_owned(),
            "a private address (RFC 1918)",
        ),
        (
            "http://169.254.169.254/latest/meta-data/".to_owned(),
            "cloud metadata",
        ),
        ("https://100.64.0.1/".to_owned(), "CGNAT"),
        ("http://[fd00::1]/".to_owned(), "unique local"),
    ];
    for (url, rule) in refusals {
        let called = call(
            &sandbox,
            &program,
            1,
            "GET",
            &format!("/fetch?url={url}"),
            "",
        )
        .await;
        assert_eq!(
            called.body, "error ErrorCode::DestinationIpProhibited",
            "{url}"
        );
        let stderr = &called.report.stderr;
        assert!(
            stderr.contains("refused") && stderr.contains(rule),
            "{url}: {stderr}"
        );
        assert!(stderr.contains("FNLAB_OUTBOUND_ALLOW"), "{stderr}");
        assert_eq!(called.report.outbound_requests, 0, "{url}");
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 0, "something connected");

    // Off: refused whatever the address, saying which setting.
    let (_off, sandbox, program) = probe_calling_out(OutboundPolicy::off()).await;
    let path = format!("/fetch?url=http://127.0.0.1:{port}/");
    let called = call(&sandbox, &program, 1, "GET", &path, "").await;
    assert_eq!(called.body, "error ErrorCode::HttpRequestDenied");
    assert!(
        called.report.stderr.contains("FNLAB_OUTBOUND=off"),
        "{}",
        called.report.stderr
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_that_hangs_ends_at_the_functions_deadline() {
    let (port, accepted) = server(true).await;
    let (_cache, sandbox, program) =
        probe_calling_out(policy(&format!("127.0.0.1:{port}"), 50)).await;
    let started = std::time::Instant::now();
    let path = format!("/fetch?url=http://127.0.0.1:{port}/slow");
    let called = call(&sandbox, &program, 1, "GET", &path, "").await;
    assert_eq!(called.status, 504, "{}", called.body);
    assert_eq!(called.report.outcome, Outcome::Timeout);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}
