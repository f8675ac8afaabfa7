//! Cross-site request forgery, performed against a real server: a page
//! of another site makes the visitor's browser send state-changing
//! requests with their session cookie. Every one is refused before it
//! changes anything; the same requests from Fnlab's own pages, with an
//! API token, or to a function's public URL still work.

mod common;

use common::{Client, Db, TestServer, answer};
use serde_json::{Value, json};

const EVIL: &str = "https://evil.example";

/// What a browser on `EVIL` sends: its origin and what it says of the site.
async fn forged(
    client: &Client,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> common::Answer {
    let mut request = client
        .http
        .request(method, format!("{}{path}", client.base))
        .header("origin", EVIL)
        .header("sec-fetch-site", "cross-site")
        .json(&body);
    if let Some(token) = &client.bearer {
        request = request.bearer_auth(token);
    }
    answer(request.send().await.unwrap()).await
}

#[tokio::test]
async fn forged_writes_are_refused_and_change_nothing() {
    let server = TestServer::start(Db::Sqlite).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    let token = ann
        .post("/api/v1/tokens", json!({"name": "mine"}))
        .await
        .expect(201)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let source = json!({"language": "python", "source": "def handler(e, c): return 1"});
    ann.send(
        reqwest::Method::PUT,
        "/api/v1/functions/kept",
        Some(source.clone()),
    )
    .await
    .expect(201);

    use reqwest::Method;
    for (method, path, body) in [
        (Method::POST, "/api/v1/tokens", json!({"name": "stolen"})),
        (Method::DELETE, "/api/v1/functions/kept", Value::Null),
        (Method::PUT, "/api/v1/functions/planted", source.clone()),
        (Method::POST, "/api/v1/logout", Value::Null),
        (
            Method::POST,
            "/api/v1/login",
            json!({"username": "ann", "password": "x"}),
        ),
        (
            Method::POST,
            "/api/v1/users",
            json!({"username": "mallory2", "password": "a long password"}),
        ),
    ] {
        let refused = forged(&ann, method.clone(), path, body).await;
        refused.expect_error(403, "cross_site_request");
    }
    // A server function, posted as a form by the attacker's page.
    let form = ann
        .http
        .post(format!("{}/_app/create_token", ann.base))
        .header("origin", EVIL)
        .form(&[("name", "stolen")])
        .send()
        .await
        .unwrap();
    answer(form).await.expect_error(403, "cross_site_request");
    // An older browser, which sends only Origin; and a sandboxed page.
    for origin in [EVIL, "null"] {
        let response = ann
            .http
            .post(format!("{}/api/v1/tokens", ann.base))
            .header("origin", origin)
            .json(&json!({"name": "stolen"}))
            .send()
            .await
            .unwrap();
        answer(response)
            .await
            .expect_error(403, "cross_site_request");
    }

    // Nothing changed: one token, the function still there, still signed in.
    let tokens = ann.get("/api/v1/tokens").await.expect(200);
    assert_eq!(tokens.as_array().unwrap().len(), 1, "{tokens}");
    ann.get("/api/v1/functions/kept").await.expect(200);
    ann.get("/api/v1/functions/planted")
        .await
        .expect_error(404, "not_found");
    ann.get("/api/v1/me").await.expect(200);

    // Fnlab's own pages may write.
    let own = ann
        .http
        .post(format!("{}/api/v1/tokens", ann.base))
        .header("origin", &ann.base)
        .header("sec-fetch-site", "same-origin")
        .json(&json!({"name": "from the page"}))
        .send()
        .await
        .unwrap();
    answer(own).await.expect(201);
    // A script with a token is not a browser page: unaffected.
    let script = server.client().with_token(&token);
    forged(
        &script,
        Method::POST,
        "/api/v1/tokens",
        json!({"name": "ci"}),
    )
    .await
    .expect(201);
    // Anyone's page may post to a function's public URL.
    let call = forged(
        &server.client(),
        Method::POST,
        "/fn/ann/nothing/",
        Value::Null,
    )
    .await;
    call.expect_error(404, "not_found");
}

#[tokio::test]
async fn pages_cannot_be_framed() {
    let server = TestServer::start(Db::Sqlite).await;
    for path in ["/", "/login", "/dashboard"] {
        let page = reqwest::get(format!("{}{path}", server.base))
            .await
            .unwrap();
        let csp = page.headers()["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
    }
}

#[tokio::test]
async fn over_https_the_session_cookie_is_host_only() {
    let server = TestServer::start_with(Db::Sqlite, &["--secure-cookies"]).await;
    let client = server.client();
    let body = json!({"username": "ann", "password": "a long password"});
    client.post("/api/v1/users", body.clone()).await.expect(201);
    let login = client.post("/api/v1/login", body).await;
    let cookie = login.headers["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("__Host-fnlab_session="), "{cookie}");
    assert!(
        cookie.contains("Secure") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Domain"), "{cookie}");
}
