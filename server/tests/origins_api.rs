//! Functions' origins, attacked on a real server: one origin per user
//! (`http://*.fn.test`, resolved to the loopback server), a single
//! functions host, and the dashboard's own origin. A function must never
//! see or set the visitor's cookies, and a functions host must never make
//! or use a dashboard session.

mod common;

#[path = "../../sandbox/tests/guests/mod.rs"]
#[allow(dead_code)] // only the probe is used here
mod guests;

use std::net::SocketAddr;

use common::{Client, Db, TestServer};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery";

/// A browser-like client of `server` that reaches every `names` host at
/// the loopback server, with its own cookie jar; no redirects followed.
fn browser(server: &TestServer, names: &[&str]) -> reqwest::Client {
    let addr: SocketAddr = server.base.trim_start_matches("http://").parse().unwrap();
    let mut builder = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none());
    for name in names {
        builder = builder.resolve(name, addr);
    }
    builder.build().unwrap()
}

/// Ann, logged in on the dashboard, with the probe deployed.
async fn ann_with_probe(server: &TestServer) -> Client {
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;
    common::upload(&ann, "probe", guests::probe())
        .await
        .expect(201);
    ann
}

/// `GET url`.
async fn get(visitor: &reqwest::Client, url: &str) -> reqwest::Response {
    visitor.get(url).send().await.unwrap()
}

/// Logs in as Ann at `base` (a host other than the dashboard's).
async fn log_in_at(visitor: &reqwest::Client, base: &str) -> reqwest::Response {
    let login = visitor.post(format!("{base}/api/v1/login"));
    let body = json!({ "username": "ann", "password": PASSWORD });
    login.json(&body).send().await.unwrap()
}

/// Asks the probe at `url` (its `/headers` route) to set a cookie and
/// clear the site's data.
async fn planting(visitor: &reqwest::Client, url: &str) -> reqwest::Response {
    let asked = visitor
        .get(url)
        .header("x-respond-set-cookie", "planted=1; Path=/")
        .header("x-respond-clear-site-data", "\"*\"");
    asked.send().await.unwrap()
}

/// The port `server` listens on.
fn port(server: &TestServer) -> u16 {
    let addr: SocketAddr = server.base.trim_start_matches("http://").parse().unwrap();
    addr.port()
}

#[tokio::test]
async fn each_user_gets_an_origin_of_their_own() {
    let server = TestServer::start_with(Db::Sqlite, &["--functions-url", "http://*.fn.test"]).await;
    let ann = ann_with_probe(&server).await;
    let port = port(&server);
    let visitor = browser(&server, &["ann.fn.test", "mallory.fn.test", "fn.test"]);

    // The URL Fnlab shows is Ann's own origin, and it answers there.
    let detail = ann.get("/api/v1/functions/probe").await.expect(200);
    assert_eq!(detail["url"], "http://ann.fn.test/probe/", "{detail}");
    let echo = visitor
        .post(format!("http://ann.fn.test:{port}/probe/echo?x=1"))
        .header("cookie", "fnlab_session=stolen")
        .body("hi")
        .send()
        .await
        .unwrap();
    assert_eq!(echo.status(), 200);
    assert!(echo.headers().get("content-security-policy").is_none());
    let text = echo.text().await.unwrap();
    assert_eq!(text, "Method::Post /echo?x=1 x-probe= cookie= body=hi");

    // Another user's host holds only their functions.
    let elsewhere = get(
        &visitor,
        &format!("http://mallory.fn.test:{port}/probe/hello"),
    )
    .await;
    assert_eq!(elsewhere.status(), 404);

    // A function sets no cookie; on its own origin it may clear its data.
    let headers = planting(
        &visitor,
        &format!("http://ann.fn.test:{port}/probe/headers"),
    )
    .await;
    assert_eq!(headers.status(), 200);
    assert!(headers.headers().get("set-cookie").is_none());
    assert_eq!(headers.headers()["clear-site-data"], "\"*\"");

    // The path form moves to the user's origin.
    let moved = get(&visitor, &format!("{}/fn/ann/probe/hello?a=b", server.base)).await;
    assert_eq!(moved.status(), 308);
    assert_eq!(
        moved.headers()["location"],
        "http://ann.fn.test/probe/hello?a=b"
    );

    // No dashboard on a functions host: log-in and the API move away, and
    // no session cookie is ever set there.
    for host in ["ann.fn.test", "fn.test"] {
        let login = log_in_at(&visitor, &format!("http://{host}:{port}")).await;
        assert_ne!(login.status(), 200, "log-in on {host}");
        assert!(login.headers().get("set-cookie").is_none(), "{host}");
    }
    let me = get(&visitor, &format!("http://fn.test:{port}/api/v1/me")).await;
    assert_eq!(me.status(), 308);
    assert!(
        me.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with("/api/v1/me")
    );
}

#[tokio::test]
async fn a_single_functions_host_serves_functions_only_and_sandboxed() {
    let server = TestServer::start_with(Db::Sqlite, &["--functions-url", "http://fn.test"]).await;
    ann_with_probe(&server).await;
    let port = port(&server);
    let visitor = browser(&server, &["fn.test"]);

    // Measured before: log-in and /me answered 200 with a session here.
    let login = log_in_at(&visitor, &format!("http://fn.test:{port}")).await;
    assert_eq!(login.status(), 308);
    assert!(login.headers().get("set-cookie").is_none());
    for path in ["/api/v1/me", "/login", "/"] {
        let dashboard = get(&visitor, &format!("http://fn.test:{port}{path}")).await;
        assert_eq!(dashboard.status(), 308, "{path}");
    }

    // Functions answer, sandboxed (everyone shares this origin), without
    // the visitor's cookies and unable to set or clear any.
    let echo = visitor
        .get(format!("http://fn.test:{port}/fn/ann/probe/echo"))
        .header("cookie", "theirs=1")
        .send()
        .await
        .unwrap();
    assert_eq!(echo.status(), 200);
    assert!(
        echo.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("sandbox")
    );
    assert!(echo.text().await.unwrap().contains("cookie= body="));
    let headers = planting(
        &visitor,
        &format!("http://fn.test:{port}/fn/ann/probe/headers"),
    )
    .await;
    assert!(headers.headers().get("set-cookie").is_none());
    assert!(headers.headers().get("clear-site-data").is_none());
}

#[tokio::test]
async fn on_the_dashboards_origin_a_function_cannot_touch_the_session() {
    let server = TestServer::start(Db::Sqlite).await;
    let ann = ann_with_probe(&server).await;
    let fn_url = |path: &str| format!("{}/fn/ann/probe{path}", server.base);
    // Ann's browser sends her session cookie along; the function never
    // sees it, and cannot replace or clear it.
    let echo = get(&ann.http, &fn_url("/echo")).await;
    assert!(echo.text().await.unwrap().contains("cookie= body="));
    let headers = planting(&ann.http, &fn_url("/headers")).await;
    assert!(headers.headers().get("set-cookie").is_none());
    assert!(headers.headers().get("clear-site-data").is_none());
    let me: Value = ann.get("/api/v1/me").await.expect(200);
    assert_eq!(me["username"], "ann");
}
