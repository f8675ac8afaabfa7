//! A real Fnlab server for integration tests: the production router on a
//! random loopback port, over a fresh SQLite file or a fresh PostgreSQL
//! database, driven over HTTP with reqwest.

#![allow(dead_code)] // Each test binary uses its own part of this helper.

use clap::Parser;
use fnlab_server::{AppState, Config, Running, prepare, start};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::Connection;
use tokio::sync::oneshot;

/// Which database a test server runs on.
#[derive(Clone, Copy, Debug)]
pub enum Db {
    /// A SQLite file in the server's temporary data directory.
    Sqlite,
    /// A new database on the PostgreSQL server named by `FNLAB_TEST_POSTGRES_URL`.
    Postgres,
}

/// Runs a test body once per backend: `both_backends!(name, body_fn)` defines
/// `name::sqlite` and `name::postgres`. The PostgreSQL variant needs
/// `FNLAB_TEST_POSTGRES_URL` (set by `.ci/test`, which starts a server) and
/// says so when it is missing.
#[macro_export]
macro_rules! both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::common::Db::Sqlite).await;
            }

            #[tokio::test]
            async fn postgres() {
                if $crate::common::postgres_admin_url().is_some() {
                    super::$name($crate::common::Db::Postgres).await;
                }
            }
        }
    };
}

/// The PostgreSQL server for tests, or `None` (with a notice) when unset.
pub fn postgres_admin_url() -> Option<String> {
    let url = std::env::var("FNLAB_TEST_POSTGRES_URL").ok();
    if url.is_none() {
        eprintln!(
            "FNLAB_TEST_POSTGRES_URL is not set: skipping the PostgreSQL variant (.ci/test sets it)"
        );
    }
    url
}

/// A fresh, empty PostgreSQL database; returns its URL.
async fn fresh_postgres_database() -> String {
    let admin = postgres_admin_url().expect("FNLAB_TEST_POSTGRES_URL");
    let name = format!("fnlab_test_{}", fnlab_db::random_hex(8));
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .expect("connect to the test PostgreSQL");
    sqlx::query(&format!("create database {name}"))
        .execute(&mut conn)
        .await
        .expect("create database");
    let (base, _) = admin
        .rsplit_once('/')
        .expect("the admin URL names a database");
    format!("{base}/{name}")
}

/// The build root every test server that builds shares, so its compiled
/// dependencies stay warm between tests and runs (builds take a file lock).
pub fn build_dir() -> String {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("fnlab-test-builds").display().to_string()
}

/// The native-code cache every building test server shares, so the
/// JavaScript and Python runtimes are compiled once, not once per test.
pub fn code_cache() -> String {
    std::path::Path::new(&build_dir())
        .with_file_name("fnlab-test-code-cache")
        .display()
        .to_string()
}

/// A server that builds, sharing the warm build root and code cache.
pub async fn building_server(extra: &[&str]) -> TestServer {
    building_server_on(Db::Sqlite, extra).await
}

/// A server on `db` that builds, sharing the warm build root and code cache.
pub async fn building_server_on(db: Db, extra: &[&str]) -> TestServer {
    let (dir, cache) = (build_dir(), code_cache());
    let mut flags = vec![
        "--builds",
        "true",
        "--build-dir",
        dir.as_str(),
        "--code-cache",
        cache.as_str(),
    ];
    flags.extend_from_slice(extra);
    TestServer::start_with(db, &flags).await
}

/// Saves `source` in `language` as `name`'s draft and deploys it, waiting.
pub async fn deploy_source(client: &Client, name: &str, language: &str, source: &str) -> Answer {
    let saved = client
        .send(
            Method::PUT,
            &format!("/api/v1/functions/{name}"),
            Some(json!({ "language": language, "source": source })),
        )
        .await;
    assert!(
        saved.status == 200 || saved.status == 201,
        "saving the draft: {saved:?}"
    );
    client
        .post(&format!("/api/v1/functions/{name}/deploy"), json!({}))
        .await
}

/// Uploads `bytes` as the component of `name` (`PUT …/component`).
pub async fn upload(client: &Client, name: &str, bytes: &[u8]) -> Answer {
    let response = client
        .http
        .put(format!("{}/api/v1/functions/{name}/component", client.base))
        .header("content-type", "application/wasm")
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    answer(response).await
}

/// Sends a request to a public function URL; returns status and body.
pub async fn call(client: &Client, method: Method, path: &str, body: &str) -> (u16, String) {
    let response = client
        .http
        .request(method, format!("{}{path}", client.base))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Polls the invocation log until it holds `n` records.
pub async fn invocations(client: &Client, name: &str, n: usize) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let list = client
            .get(&format!("/api/v1/functions/{name}/invocations?limit=100"))
            .await
            .expect(200);
        if list.as_array().unwrap().len() >= n {
            return list;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "expected {n} invocations, have {list}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// `flags` as a test server runs with them: only the build tests build
/// (see `BUILD_FLAGS`); other servers leave the toolchain alone.
fn with_default_flags(flags: &[&str]) -> Vec<String> {
    let mut flags: Vec<String> = flags.iter().map(|flag| (*flag).to_owned()).collect();
    if !flags.iter().any(|flag| flag.starts_with("--builds")) {
        flags.extend(["--builds".to_owned(), "false".to_owned()]);
    }
    flags
}

/// A running Fnlab server with its own data directory and database.
pub struct TestServer {
    /// `http://127.0.0.1:port`.
    pub base: String,
    /// The data directory (removed on drop).
    pub data: tempfile::TempDir,
    /// The database URL, so a restarted server can reuse it.
    pub database_url: String,
    flags: Vec<String>,
    running: Option<(Running, oneshot::Sender<()>, AppState)>,
}

impl TestServer {
    /// Starts a server on a new, empty database.
    pub async fn start(db: Db) -> Self {
        Self::start_with(db, &[]).await
    }

    /// Starts a server on a new, empty database with extra `fnlab` flags.
    pub async fn start_with(db: Db, flags: &[&str]) -> Self {
        let data = tempfile::tempdir().expect("temp dir");
        let database_url = match db {
            Db::Sqlite => format!("sqlite://{}", data.path().join("fnlab.db").display()),
            Db::Postgres => fresh_postgres_database().await,
        };
        let mut server = Self {
            base: String::new(),
            data,
            database_url,
            flags: with_default_flags(flags),
            running: None,
        };
        server.boot().await;
        server
    }

    /// Another node on this server's database: its own data directory and
    /// port, the same flags, and a copy of the key that seals secrets (as
    /// the README tells operators to give every node).
    pub async fn another_node(&self) -> Self {
        let data = tempfile::tempdir().expect("temp dir");
        let key = fnlab_server::SECRETS_KEY_FILE;
        std::fs::copy(self.data.path().join(key), data.path().join(key)).expect("copy the key");
        let mut node = Self {
            base: String::new(),
            data,
            database_url: self.database_url.clone(),
            flags: self.flags.clone(),
            running: None,
        };
        node.boot().await;
        node
    }

    async fn boot(&mut self) {
        let data = self
            .data
            .path()
            .to_str()
            .expect("utf-8 temp path")
            .to_owned();
        let mut args = vec![
            "fnlab",
            "--data",
            &data,
            "--database-url",
            &self.database_url,
        ];
        // Any free port, unless the test names one: with port 0 the
        // function URLs the server reports say port 0 too.
        if !self.flags.iter().any(|flag| flag == "--addr") {
            args.extend(["--addr", "127.0.0.1:0"]);
        }
        args.extend(self.flags.iter().map(String::as_str));
        let config = Config::parse_from(args);
        let state = prepare(config).await.expect("prepare the server");
        let (stop, stopped) = oneshot::channel();
        let running = start(state.clone(), async move {
            let _ = stopped.await;
        })
        .await
        .expect("start the server");
        self.base = format!("http://{}", running.addr);
        self.running = Some((running, stop, state));
    }

    /// The running server's state: its use cases and database, for what a
    /// test does behind the API (a background pass run now, a row read).
    pub fn state(&self) -> &AppState {
        let (_, _, state) = self.running.as_ref().expect("the server runs");
        state
    }

    /// Shuts the server down gracefully, keeping its data.
    pub async fn stop(&mut self) {
        if let Some((running, stop, _)) = self.running.take() {
            let _ = stop.send(());
            running
                .task
                .await
                .expect("server task")
                .expect("server result");
        }
    }

    /// Stops and starts the server again on the same data (a new port).
    pub async fn restart(&mut self) {
        self.stop().await;
        self.boot().await;
    }

    /// Stops the server and starts it again on the same data with `flags`
    /// instead of the ones it had.
    pub async fn restart_with(&mut self, flags: &[&str]) {
        self.stop().await;
        self.flags = with_default_flags(flags);
        self.boot().await;
    }

    /// A client logged in as `username`, a new account made an admin the
    /// way the operator does it (`fnlab admin grant`).
    pub async fn admin_client(&self, username: &str) -> Client {
        let admin = self.client();
        admin.sign_up_and_log_in(username).await;
        let config = Config::parse_from(["fnlab", "--database-url", &self.database_url]);
        let grant = fnlab_server::AdminAction::Grant {
            username: username.to_owned(),
        };
        fnlab_server::admin(&config, &grant)
            .await
            .expect("grant admin");
        admin
    }

    /// A client with its own cookie jar (a browser, as far as sessions go).
    pub fn client(&self) -> Client {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("reqwest client");
        Client {
            http,
            base: self.base.clone(),
            bearer: None,
        }
    }
}

/// An HTTP client bound to one test server.
#[derive(Clone)]
pub struct Client {
    /// The underlying client (cookie jar included).
    pub http: reqwest::Client,
    /// The server's base URL.
    pub base: String,
    /// A token sent as `Authorization: Bearer`, if any.
    pub bearer: Option<String>,
}

/// A response: status, headers and the body parsed as JSON (or `Null`).
#[derive(Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body as JSON, `Value::Null` when empty, or a string when not JSON.
    pub body: Value,
}

impl Answer {
    /// Asserts the status and returns the body.
    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected answer: {:?}",
            self.body
        );
        self.body
    }

    /// Asserts an API error with `status` and `code`, returns its message.
    #[track_caller]
    pub fn expect_error(self, status: u16, code: &str) -> String {
        let body = self.expect(status);
        assert_eq!(body["error"]["code"], code, "{body}");
        body["error"]["message"]
            .as_str()
            .expect("an error message")
            .to_owned()
    }
}

impl Client {
    /// The same client with a bearer token and an empty cookie jar.
    pub fn with_token(&self, token: &str) -> Self {
        let http = reqwest::Client::builder().build().expect("reqwest client");
        Self {
            http,
            base: self.base.clone(),
            bearer: Some(token.to_owned()),
        }
    }

    /// Sends a request; `body` is JSON when given.
    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.bearer {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        answer(request.send().await.expect("request sent")).await
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, None).await
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(Method::POST, path, Some(body)).await
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str) -> Answer {
        self.send(Method::DELETE, path, None).await
    }

    /// Signs up `username` with a good password and logs this client in.
    pub async fn sign_up_and_log_in(&self, username: &str) -> Value {
        let credentials = json!({"username": username, "password": PASSWORD});
        self.post("/api/v1/users", credentials.clone())
            .await
            .expect(201);
        self.post("/api/v1/login", credentials).await.expect(200)
    }
}

/// The password every test user gets.
pub const PASSWORD: &str = "correct horse battery";

/// Reads a reqwest response into an [`Answer`].
pub async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("response body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Answer {
        status,
        headers,
        body,
    }
}

/// A server-sent event stream being read, one event at a time.
pub struct Events {
    response: reqwest::Response,
    buffer: String,
}

impl Events {
    /// Opens the stream at `path`; panics unless it answers 200.
    pub async fn open(client: &Client, path: &str) -> Self {
        let mut request = client.http.get(format!("{}{path}", client.base));
        if let Some(token) = &client.bearer {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request sent");
        assert_eq!(response.status(), 200, "{path}");
        Self::read(response)
    }

    /// Reads the stream `response` carries (already checked by the caller).
    pub fn read(response: reqwest::Response) -> Self {
        Self {
            response,
            buffer: String::new(),
        }
    }

    /// The next event, as its name and its data parsed as JSON, if one
    /// arrives within `wait`; keep-alive comments are skipped.
    pub async fn next(&mut self, wait: std::time::Duration) -> Option<(String, Value)> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut name = String::from("message");
                let mut data = Vec::new();
                for line in block.lines() {
                    if let Some(value) = line.strip_prefix("event:") {
                        name = value.trim().to_owned();
                    } else if let Some(value) = line.strip_prefix("data:") {
                        data.push(value.trim_start().to_owned());
                    }
                }
                if !data.is_empty() {
                    let data = serde_json::from_str(&data.join("\n")).expect("JSON event data");
                    return Some((name, data));
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .ok()?
                .expect("the stream stays readable")?;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// The next event, which must be named `name` and arrive within 5 s.
    pub async fn expect(&mut self, name: &str) -> Value {
        let (got, data) = self
            .next(std::time::Duration::from_secs(5))
            .await
            .unwrap_or_else(|| panic!("no {name} event within 5 s"));
        assert_eq!(got, name, "{data}");
        data
    }
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts the real `fnlab` binary on `data` and `port` with `flags`, and
/// waits until it answers: a node a test may kill. The caller waits for
/// the process it gets.
#[allow(clippy::zombie_processes)]
pub async fn start_binary(
    data: &std::path::Path,
    port: u16,
    flags: &[&str],
) -> std::process::Child {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fnlab"))
        .args(["--addr", &format!("127.0.0.1:{port}"), "--builds", "false"])
        .args(flags)
        .arg("--data")
        .arg(data)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start fnlab");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let up = reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await;
        if up.is_ok_and(|r| r.status() == 200) {
            return child;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("fnlab did not start");
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// A client of the server on loopback `port`, with its own cookie jar.
pub fn client_at(port: u16) -> Client {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    Client {
        http,
        base: format!("http://127.0.0.1:{port}"),
        bearer: None,
    }
}

/// Adds a yearly schedule to `client`'s `function`, asks it to run now
/// and waits (20 s at most) for that run to end; returns the run.
pub async fn run_scheduled(client: &Client, function: &str) -> Value {
    let schedules = format!("/api/v1/functions/{function}/schedules");
    let schedule = client.post(&schedules, json!({"cron": "@yearly"})).await;
    let path = format!("{schedules}/{}", schedule.expect(201)["id"]);
    client
        .post(&format!("{path}/run"), json!(null))
        .await
        .expect(202);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let runs = client.get(&format!("{path}/runs")).await.expect(200);
        if let Some(run) = runs.get(0).filter(|run| run["state"] != "running") {
            return run.clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the run of {function} did not end: {runs}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Sends `payload` as an event to `client`'s `function` and waits (20 s
/// at most) for its first delivery to end; returns the event (`done`, or
/// `retrying`/`dead` with `last_status` and `last_error`).
pub async fn deliver_event(client: &Client, function: &str, payload: Value) -> Value {
    let events = format!("/api/v1/functions/{function}/events");
    let sent = client.post(&events, payload).await.expect(202);
    delivered(client, function, sent["event_id"].as_str().unwrap()).await
}

/// Makes `client`'s store `store` trigger `function`, uploads `text` to
/// it under `key` (as a browser or curl would, with a content type of its
/// own) and waits (20 s at most) for the upload's event to be delivered;
/// returns the event.
pub async fn drop_file(
    client: &Client,
    store: &str,
    function: &str,
    key: &str,
    text: &str,
) -> Value {
    let trigger = json!({ "trigger": function });
    let path = format!("/api/v1/kv/{store}");
    let set = client.send(Method::PATCH, &path, Some(trigger)).await;
    assert_eq!(set.expect(200)["trigger"], function);
    let encoded = key
        .replace('%', "%25")
        .replace('/', "%2F")
        .replace(' ', "%20");
    let mut upload = (client.http)
        .put(format!("{}/api/v1/kv/{store}/{encoded}", client.base))
        .header("content-type", "text/plain")
        .body(text.to_owned());
    if let Some(token) = &client.bearer {
        upload = upload.bearer_auth(token);
    }
    let uploaded = answer(upload.send().await.unwrap()).await;
    assert_eq!(uploaded.status, 204, "{:?}", uploaded.body);
    let event_id = uploaded.headers["fnlab-event-id"]
        .to_str()
        .unwrap()
        .to_owned();
    delivered(client, function, &event_id).await
}

/// Waits (20 s at most) for the first delivery of `client`'s event
/// `event_id` to `function` to end; returns the event.
async fn delivered(client: &Client, function: &str, event_id: &str) -> Value {
    let events = format!("/api/v1/functions/{function}/events");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let list = client.get(&events).await.expect(200);
        let event = list
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["event_id"] == event_id);
        let state = event.map(|e| e["state"].as_str().unwrap_or_default());
        if let (Some(event), Some("done" | "retrying" | "dead")) = (event, state) {
            return event.clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the event to {function} was not delivered: {list}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
