//! The accounts part of REST API v1, end to end over HTTP, on both backends:
//! every status and error body the contract names.

mod common;

use common::{Db, PASSWORD, TestServer};
use reqwest::Method;
use serde_json::json;

async fn sign_up_answers_201_409_and_422(db: Db) {
    let server = TestServer::start(db).await;
    let client = server.client();

    let user = client
        .post(
            "/api/v1/users",
            json!({"username": "Ann-1", "password": PASSWORD}),
        )
        .await
        .expect(201);
    assert_eq!(user["username"], "ann-1", "usernames are stored lowercase");
    assert!(user["id"].as_i64().is_some(), "{user}");

    let taken = client
        .post(
            "/api/v1/users",
            json!({"username": "ann-1", "password": PASSWORD}),
        )
        .await;
    assert!(taken.expect_error(409, "username_taken").contains("taken"));

    for (username, password, code) in [
        ("a", PASSWORD, "invalid_username"),
        ("ann_2", PASSWORD, "invalid_username"),
        ("2ann", PASSWORD, "invalid_username"),
        ("ann--b", PASSWORD, "invalid_username"),
        ("bob", "short", "weak_password"),
        ("bob", "aaaaaaaaaaaa", "weak_password"),
        ("bob", "bob-is-my-password", "weak_password"),
    ] {
        let message = client
            .post(
                "/api/v1/users",
                json!({"username": username, "password": password}),
            )
            .await
            .expect_error(422, code);
        assert!(!message.is_empty());
    }
}
both_backends!(sign_up_answers_201_409_and_422);

async fn login_sets_a_session_and_wrong_credentials_get_one_answer(db: Db) {
    let server = TestServer::start(db).await;
    let client = server.client();
    client
        .post(
            "/api/v1/users",
            json!({"username": "ann", "password": PASSWORD}),
        )
        .await
        .expect(201);

    client
        .get("/api/v1/me")
        .await
        .expect_error(401, "unauthorized");

    let wrong_password = client
        .post(
            "/api/v1/login",
            json!({"username": "ann", "password": "wrong password"}),
        )
        .await;
    let unknown_user = client
        .post(
            "/api/v1/login",
            json!({"username": "nobody", "password": PASSWORD}),
        )
        .await;
    assert_eq!(
        wrong_password.expect_error(401, "unauthorized"),
        unknown_user.expect_error(401, "unauthorized"),
        "a wrong username and a wrong password get the same answer"
    );

    let login = client
        .post(
            "/api/v1/login",
            json!({"username": "ANN", "password": PASSWORD}),
        )
        .await;
    let cookie = login.headers["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("fnlab_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert_eq!(login.expect(200)["username"], "ann");

    let me = client.get("/api/v1/me").await.expect(200);
    assert_eq!(me["username"], "ann");

    client.post("/api/v1/logout", json!({})).await.expect(204);
    client
        .get("/api/v1/me")
        .await
        .expect_error(401, "unauthorized");
}
both_backends!(login_sets_a_session_and_wrong_credentials_get_one_answer);

async fn repeated_failures_throttle_the_username(db: Db) {
    let server = TestServer::start(db).await;
    let client = server.client();
    client
        .post(
            "/api/v1/users",
            json!({"username": "ann", "password": PASSWORD}),
        )
        .await
        .expect(201);
    for _ in 0..5 {
        client
            .post(
                "/api/v1/login",
                json!({"username": "ann", "password": "not it at all"}),
            )
            .await
            .expect(401);
    }
    let throttled = client
        .post(
            "/api/v1/login",
            json!({"username": "ann", "password": PASSWORD}),
        )
        .await;
    let retry_after: u64 = throttled.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after > 0);
    throttled.expect_error(429, "too_many_requests");

    // Another username is not affected.
    client
        .post(
            "/api/v1/users",
            json!({"username": "bob", "password": PASSWORD}),
        )
        .await
        .expect(201);
    client
        .post(
            "/api/v1/login",
            json!({"username": "bob", "password": PASSWORD}),
        )
        .await
        .expect(200);
}
both_backends!(repeated_failures_throttle_the_username);

async fn a_session_survives_a_restart(db: Db) {
    let mut server = TestServer::start(db).await;
    let client = server.client();
    client.sign_up_and_log_in("ann").await;
    let cookie = client
        .http
        .get(format!("{}/api/v1/me", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(cookie.status(), 200);

    server.restart().await;
    // Same cookie jar, new port: cookies are per host, not per port.
    let client = common::Client {
        base: server.base.clone(),
        ..client
    };
    assert_eq!(
        client.get("/api/v1/me").await.expect(200)["username"],
        "ann"
    );
}
both_backends!(a_session_survives_a_restart);

async fn tokens_are_shown_once_listed_without_secrets_and_revocable(db: Db) {
    let server = TestServer::start(db).await;
    let ann = server.client();
    ann.sign_up_and_log_in("ann").await;

    let created = ann
        .post("/api/v1/tokens", json!({"name": "laptop"}))
        .await
        .expect(201);
    let token = created["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("fnlab_"), "{token}");
    assert_eq!(created["name"], "laptop");
    let id = created["id"].as_i64().unwrap();

    let listed = ann.get("/api/v1/tokens").await.expect(200);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["name"], "laptop");
    assert!(
        !listed.to_string().contains(&token[6..]),
        "the secret is never listed: {listed}"
    );

    let by_token = ann.with_token(&token);
    assert_eq!(
        by_token.get("/api/v1/me").await.expect(200)["username"],
        "ann"
    );
    let used = ann.get("/api/v1/tokens").await.expect(200);
    assert!(used[0]["last_used_at"].as_i64().is_some(), "{used}");

    // Another user can neither see nor revoke ann's token.
    let bob = server.client();
    bob.sign_up_and_log_in("bob").await;
    assert_eq!(bob.get("/api/v1/tokens").await.expect(200), json!([]));
    bob.delete(&format!("/api/v1/tokens/{id}"))
        .await
        .expect_error(404, "not_found");
    by_token.get("/api/v1/me").await.expect(200);

    ann.delete(&format!("/api/v1/tokens/{id}"))
        .await
        .expect(204);
    by_token
        .get("/api/v1/me")
        .await
        .expect_error(401, "unauthorized");
    ann.delete(&format!("/api/v1/tokens/{id}"))
        .await
        .expect_error(404, "not_found");

    ann.post("/api/v1/tokens", json!({"name": ""}))
        .await
        .expect_error(422, "invalid_name");
    server
        .client()
        .post("/api/v1/tokens", json!({"name": "x"}))
        .await
        .expect_error(401, "unauthorized");
    server
        .client()
        .with_token("fnlab_nonsense")
        .get("/api/v1/me")
        .await
        .expect_error(401, "unauthorized");
}
both_backends!(tokens_are_shown_once_listed_without_secrets_and_revocable);

#[tokio::test]
async fn malformed_requests_get_json_errors() {
    let server = TestServer::start(Db::Sqlite).await;
    let client = server.client();
    let url = format!("{}/api/v1/users", server.base);

    let not_json = client
        .http
        .post(&url)
        .header("content-type", "text/plain")
        .body("hi")
        .send()
        .await
        .unwrap();
    common::answer(not_json)
        .await
        .expect_error(415, "unsupported_media_type");

    let broken = client
        .http
        .post(&url)
        .header("content-type", "application/json")
        .body("{\"username\":")
        .send()
        .await
        .unwrap();
    common::answer(broken)
        .await
        .expect_error(400, "bad_request");

    let missing_field = client
        .post("/api/v1/users", json!({"username": "ann"}))
        .await;
    assert!(
        missing_field
            .expect_error(422, "invalid_body")
            .contains("password")
    );

    client
        .get("/api/v1/nothing-here")
        .await
        .expect_error(404, "not_found");
    client
        .send(Method::GET, "/api/v1/users", None)
        .await
        .expect_error(405, "method_not_allowed");
}

#[tokio::test]
async fn healthz_answers_once_the_server_can_serve() {
    let server = TestServer::start(Db::Sqlite).await;
    let health = server.client().get("/healthz").await;
    assert_eq!(health.expect(200), "ok");
}

/// The race on admin names: whoever registers a name first gets nothing
/// from it. Admins are granted on the server, and the old setting stops
/// the start with that advice.
#[tokio::test]
async fn admins_are_granted_on_the_server_not_by_name() {
    use clap::Parser;
    use fnlab_server::{AdminAction, Config};

    let server = TestServer::start(Db::Sqlite).await;
    let early = server.client();
    early.sign_up_and_log_in("root").await;
    early
        .get("/api/v1/admin/usage")
        .await
        .expect_error(404, "not_found");

    let config = Config::parse_from(["fnlab", "--database-url", &server.database_url]);
    let action = |grant: bool| {
        let username = "root".to_owned();
        if grant {
            AdminAction::Grant { username }
        } else {
            AdminAction::Revoke { username }
        }
    };
    fnlab_server::admin(&config, &action(true)).await.unwrap();
    early.get("/api/v1/admin/usage").await.expect(200);
    fnlab_server::admin(&config, &action(false)).await.unwrap();
    early
        .get("/api/v1/admin/usage")
        .await
        .expect_error(404, "not_found");
    let nobody = AdminAction::Grant {
        username: "nobody".into(),
    };
    let refused = fnlab_server::admin(&config, &nobody).await.unwrap_err();
    assert_eq!(refused.to_string(), "there is no user nobody");

    let data = tempfile::tempdir().unwrap();
    let old = Config::parse_from([
        "fnlab",
        "--data",
        data.path().to_str().unwrap(),
        "--admin",
        "root",
    ]);
    let Err(refused) = fnlab_server::prepare(old).await else {
        panic!("FNLAB_ADMIN must stop the start");
    };
    assert!(
        refused.to_string().contains("fnlab admin grant"),
        "{refused}"
    );
}

/// The login flood: 200 wrong passwords for one user sent at once. Each
/// attempt takes its throttle slot before the hash is checked, so exactly
/// the burst of 5 are checked (401) and the rest refused at once (429);
/// then even the right password waits. A made-up username that breaks
/// the naming rule is wrong at once.
#[tokio::test]
async fn a_login_flood_checks_only_the_burst() {
    // The per-username throttle alone: no per-client limits.
    let unlimited = [
        "--max-connections-per-client",
        "0",
        "--logins-per-client-per-minute",
        "0",
    ];
    let server = TestServer::start_with(Db::Sqlite, &unlimited).await;
    let client = server.client();
    client
        .post(
            "/api/v1/users",
            json!({"username": "ann", "password": PASSWORD}),
        )
        .await
        .expect(201);
    let attempts = (0..200).map(|_| {
        client.post(
            "/api/v1/login",
            json!({"username": "ann", "password": "not it at all"}),
        )
    });
    let answers = futures_util::future::join_all(attempts).await;
    let count = |status: u16| answers.iter().filter(|a| a.status == status).count();
    assert_eq!((count(401), count(429)), (5, 195));
    client
        .post(
            "/api/v1/login",
            json!({"username": "ann", "password": PASSWORD}),
        )
        .await
        .expect_error(429, "too_many_requests");
    client
        .post(
            "/api/v1/login",
            json!({"username": "no such name!", "password": PASSWORD}),
        )
        .await
        .expect_error(401, "unauthorized");
}
