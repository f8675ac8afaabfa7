//! Outbound HTTP end to end, with real builds in all three languages: the
//! webhook relay template forwards a POST to the URL in its secret, an
//! allowed loopback server (`FNLAB_OUTBOUND_ALLOW`) receives it, and the
//! call is in the invocation's log and usage; a secret pointing at cloud
//! metadata, a private address or a loopback port that is not allowed is
//! refused inside the function with the rule in its log, and nothing
//! reaches the loopback server. Every connection made is to loopback.

mod common;

use std::sync::{Arc, Mutex};

use common::{Client, building_server, deploy_source, invocations};
use reqwest::Method;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The body of a request read whole: its content-length bytes, or its
/// chunks decoded; `None` while incomplete.
fn whole_body(request: &str) -> Option<(String, String)> {
    let (head, body) = request.split_once("\r\n\r\n")?;
    let head_lower = head.to_ascii_lowercase();
    if head_lower.contains("transfer-encoding: chunked") {
        let mut decoded = String::new();
        let mut rest = body;
        loop {
            let (size, after) = rest.split_once("\r\n")?;
            let size = usize::from_str_radix(size.trim(), 16).ok()?;
            if size == 0 {
                return after
                    .starts_with("\r\n")
                    .then(|| (head.to_owned(), decoded));
            }
            decoded.push_str(after.get(..size)?);
            rest = after.get(size + 2..)?;
        }
    }
    let length = (head_lower.lines())
        .find_map(|l| l.strip_prefix("content-length: ").map(str::to_owned))
        .and_then(|n| n.trim().parse::<usize>().ok())
        .unwrap_or(0);
    (body.len() >= length).then(|| (head.to_owned(), body.to_owned()))
}

/// A loopback server that keeps every request it reads (head, then the
/// body) and answers 202.
async fn hook() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let kept = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0u8; 4096];
                while let Ok(n) = socket.read(&mut buffer).await {
                    if n == 0 {
                        break;
                    }
                    request.extend_from_slice(&buffer[..n]);
                    let text = String::from_utf8_lossy(&request).into_owned();
                    if let Some((head, body)) = whole_body(&text) {
                        kept.lock().unwrap().push(format!("{head}\r\n\r\n{body}"));
                        break;
                    }
                }
                let answer =
                    "HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    (port, seen)
}

async fn set_secret(client: &Client, name: &str, url: &str) {
    let body = json!({ "secrets": { "WEBHOOK_URL": url } });
    let path = format!("/api/v1/functions/{name}/env");
    client
        .send(Method::PUT, &path, Some(body))
        .await
        .expect(200);
}

async fn relay(client: &Client, name: &str, payload: &str) -> (u16, String) {
    common::call(client, Method::POST, &format!("/fn/ann/{name}/"), payload).await
}

#[tokio::test]
async fn the_webhook_relay_reaches_an_allowed_host_and_nothing_else() {
    let (port, seen) = hook().await;
    let (closed_port, unseen) = hook().await;
    let allow = format!("127.0.0.1:{port}");
    let server = building_server(&["--outbound-allow", &allow]).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    let templates = ann.get("/api/v1/templates").await.expect(200);
    for language in ["rust", "javascript", "python"] {
        let id = format!("{language}-webhook-relay");
        let template = (templates.as_array().unwrap().iter())
            .find(|t| t["id"] == id.as_str())
            .unwrap_or_else(|| panic!("no template {id}"));
        let source = template["source"].as_str().unwrap();
        deploy_source(&ann, &id, language, source).await.expect(201);

        // Relayed to the allowed loopback port, logged and counted.
        set_secret(
            &ann,
            &id,
            &format!("http://127.0.0.1:{port}/hook?from={language}"),
        )
        .await;
        let payload = format!(r#"{{"text":"hello from {language}"}}"#);
        let (status, body) = relay(&ann, &id, &payload).await;
        assert_eq!((status, body.as_str()), (200, "relayed: 202\n"), "{id}");
        let received = seen.lock().unwrap().last().cloned().unwrap_or_default();
        assert!(
            received.starts_with(&format!("POST /hook?from={language} HTTP/1.1")),
            "{received}"
        );
        assert!(received.ends_with(&payload), "{received}");
        let log = invocations(&ann, &id, 1).await;
        let record = &log[0];
        let line = format!("[fnlab] outbound POST 127.0.0.1:{port}/hook → 202 in ");
        assert!(
            record["stderr"].as_str().unwrap().contains(&line),
            "{id}: {record}"
        );
        assert_eq!(record["outbound_requests"], 1, "{id}");
        assert_eq!(record["outbound_bytes"], payload.len() as i64, "{id}");

        // Refused inside the function, the rule in its log, nothing sent.
        let refusals = [
            ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
            ("http://10.0.0.1/hook", "a private address (RFC 1918)"),
            (
                &*format!("http://127.0.0.1:{closed_port}/hook"),
                "a loopback address",
            ),
            (
                &*format!("http://localhost:{closed_port}/hook"),
                "a loopback address",
            ),
        ];
        for (count, (url, rule)) in refusals.into_iter().enumerate() {
            set_secret(&ann, &id, url).await;
            let (status, _) = relay(&ann, &id, "{}").await;
            assert!(status >= 500, "{id} {url}: {status}");
            let log = invocations(&ann, &id, count + 2).await;
            let stderr = log[0]["stderr"].as_str().unwrap();
            assert!(
                stderr.contains("refused") && stderr.contains(rule),
                "{id} {url}: {stderr}"
            );
            assert_eq!(log[0]["outbound_requests"], 0, "{id} {url}");
        }
    }
    assert_eq!(seen.lock().unwrap().len(), 3);
    assert!(
        unseen.lock().unwrap().is_empty(),
        "a refused call connected"
    );
}
