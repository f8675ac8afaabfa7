//! Courses on a real server. Permissions (both databases): an outsider
//! sees nothing of a course; students join with the invite code, which the
//! instructor can rotate; a removed student loses access; a TA sees the
//! grid of their course only and changes nothing; a student never sees
//! staff views. With real builds (JavaScript): the checks run on every
//! deploy of a student's assignment function, per version, hidden ones
//! shown to the student by name only; the submission is the last version
//! before the due date; the grid and the CSV have the student's row.

mod common;

use std::time::{Duration, Instant};

use common::{Client, Db, TestServer, building_server, call, deploy_source};
use reqwest::Method;
use serde_json::{Value, json};

async fn user(server: &TestServer, name: &str) -> Client {
    let client = server.client();
    client.sign_up_and_log_in(name).await;
    client
}

async fn new_course(instructor: &Client) -> (i64, String) {
    let course =
        json!({"name": "Serverless 101", "starts_on": "2026-09-01", "ends_on": "2030-06-30"});
    let made = instructor.post("/api/v1/courses", course).await.expect(201);
    assert_eq!(made["role"], "instructor");
    assert!(
        made["invite_url"]
            .as_str()
            .unwrap()
            .ends_with(made["invite_code"].as_str().unwrap()),
        "{made}"
    );
    (
        made["id"].as_i64().unwrap(),
        made["invite_code"].as_str().unwrap().to_owned(),
    )
}

async fn join(client: &Client, code: &str) -> common::Answer {
    client
        .post("/api/v1/courses/join", json!({ "code": code }))
        .await
}

async fn roles_decide_who_sees_what(db: Db) {
    let server = TestServer::start(db).await;
    let (prof, ta, stu, other, outsider) = (
        user(&server, "prof").await,
        user(&server, "tina").await,
        user(&server, "sam").await,
        user(&server, "olga").await,
        user(&server, "otto").await,
    );
    let (id, code) = new_course(&prof).await;
    let course = format!("/api/v1/courses/{id}");
    let bad = json!({"name": "x", "starts_on": "2026-12-20", "ends_on": "2026-09-01"});
    prof.post("/api/v1/courses", bad)
        .await
        .expect_error(422, "invalid_course");

    // Students join by code; the roster adds others; a TA is named.
    let joined = join(&stu, &code).await.expect(200);
    assert_eq!(
        (joined["course_id"].as_i64(), joined["role"].as_str()),
        (Some(id), Some("student"))
    );
    join(&stu, "nope").await.expect_error(404, "not_found");
    let roster = json!({"roster": "username\nolga\nnobody-here\n"});
    let members_path = format!("{course}/members");
    let imported = prof
        .send(Method::PUT, &members_path, Some(roster))
        .await
        .expect(200);
    assert_eq!(imported["unknown"], json!(["nobody-here"]));
    let tina = format!("{course}/members/tina");
    let members = (prof.send(Method::PUT, &tina, Some(json!({"role": "ta"})))).await;
    let members = members.expect(200);
    let roles: Vec<(&str, &str)> = (members.as_array().unwrap().iter())
        .map(|m| (m["username"].as_str().unwrap(), m["role"].as_str().unwrap()))
        .collect();
    assert_eq!(
        roles,
        [
            ("prof", "instructor"),
            ("tina", "ta"),
            ("olga", "student"),
            ("sam", "student")
        ]
    );

    // Students see the course without its code, and no staff view.
    let seen = stu.get(&course).await.expect(200);
    assert_eq!(
        (&seen["role"], &seen["invite_code"]),
        (&json!("student"), &Value::Null)
    );
    for staff_only in ["members", "grid", "grades.csv"] {
        stu.get(&format!("{course}/{staff_only}"))
            .await
            .expect_error(404, "not_found");
    }
    // A TA sees them, and changes nothing.
    ta.get(&format!("{course}/grid")).await.expect(200);
    ta.get(&format!("{course}/members")).await.expect(200);
    ta.post(&format!("{course}/invite"), json!(null))
        .await
        .expect_error(404, "not_found");
    let assignment =
        json!({"title": "Hello", "language": "javascript", "due_at": 4_102_444_800_000_i64});
    ta.post(&format!("{course}/assignments"), assignment.clone())
        .await
        .expect_error(404, "not_found");
    // An outsider sees nothing at all.
    for path in ["", "/members", "/grid", "/assignments"] {
        outsider
            .get(&format!("{course}{path}"))
            .await
            .expect_error(404, "not_found");
    }
    let made = prof
        .post(&format!("{course}/assignments"), assignment)
        .await
        .expect(201);
    let results = format!("/api/v1/assignments/{}/results", made["id"]);
    outsider.get(&results).await.expect_error(404, "not_found");
    outsider
        .post(
            &format!("/api/v1/assignments/{}/start", made["id"]),
            json!(null),
        )
        .await
        .expect_error(404, "not_found");
    // A TA of another course sees nothing of this one.
    let (other_course, _) = new_course(&outsider).await;
    let tina = format!("/api/v1/courses/{other_course}/members/tina");
    let add_ta = outsider.send(Method::PUT, &tina, Some(json!({"role": "ta"})));
    add_ta.await.expect(200);
    ta.get(&format!("/api/v1/courses/{other_course}/grid"))
        .await
        .expect(200);
    outsider
        .get(&format!("{course}/grid"))
        .await
        .expect_error(404, "not_found");

    // A rotated code stops working; a removed student loses access.
    let rotated = prof
        .post(&format!("{course}/invite"), json!(null))
        .await
        .expect(200);
    assert_ne!(rotated["invite_code"], code.as_str());
    join(&other, &code).await.expect_error(404, "not_found");
    prof.delete(&format!("{course}/members/sam"))
        .await
        .expect(204);
    stu.get(&course).await.expect_error(404, "not_found");
    stu.get(&results).await.expect_error(404, "not_found");
    let mine = stu.get("/api/v1/courses").await.expect(200);
    assert_eq!(mine, json!([]));
}
both_backends!(roles_decide_who_sees_what);

const WRONG: &str = "export default { fetch() { return new Response('hello'); } };\n";
const RIGHT: &str = "export default { fetch(request) {\n  const name = new URL(request.url).searchParams.get('name');\n  if (!name) return new Response('hello');\n  return new Response(JSON.stringify({ greeting: `Hi ${name}` }), { headers: { 'content-type': 'application/json' } });\n} };\n";

#[tokio::test]
async fn checks_run_on_every_deploy_and_the_grid_shows_the_submission() {
    let server = building_server(&[]).await;
    let (prof, stu) = (user(&server, "prof").await, user(&server, "sam").await);
    let (id, code) = new_course(&prof).await;
    join(&stu, &code).await.expect(200);
    let checks = json!([
        {"name": "says hello", "path": "/", "expect": {"status": 200, "body_contains": "hello", "max_ms": 5000}},
        {"name": "greets by name", "path": "/?name=Ann", "hidden": true,
         "expect": {"json": {"greeting": "Hi Ann"}}},
    ]);
    let due = fnlab_db::now_ms() + 3_600_000;
    let assignment = json!({
        "title": "Hello, checks", "instructions": "Answer **hello**; greet `?name=` in JSON.",
        "language": "javascript", "starter": WRONG, "due_at": due, "checks": checks,
    });
    let made = prof
        .post(&format!("/api/v1/courses/{id}/assignments"), assignment)
        .await
        .expect(201);
    let assignment_id = made["id"].as_i64().unwrap();
    let bad_check = json!({"title": "x", "language": "javascript", "due_at": due,
        "checks": [{"name": "r", "expect": {"body_regex": "("}}]});
    prof.post(&format!("/api/v1/courses/{id}/assignments"), bad_check)
        .await
        .expect_error(422, "invalid_course");
    // The student sees the hidden check by name only.
    let seen = stu
        .get(&format!("/api/v1/assignments/{assignment_id}"))
        .await
        .expect(200);
    assert_eq!(seen["checks"][1]["name"], "greets by name");
    assert_eq!(seen["checks"][1]["path"], "");

    let started = stu
        .post(
            &format!("/api/v1/assignments/{assignment_id}/start"),
            json!(null),
        )
        .await
        .expect(201);
    let function = started["function"].as_str().unwrap().to_owned();
    assert_eq!(function, format!("a{assignment_id}-hello-checks"));
    let start = format!("/api/v1/assignments/{assignment_id}/start");
    let again = stu.post(&start, json!(null)).await.expect(200);
    assert_eq!(again["function"], function.as_str());
    let draft = stu
        .get(&format!("/api/v1/functions/{function}/source"))
        .await
        .expect(200);
    assert_eq!(draft["source"], WRONG);

    // A wrong answer: 1 of 2, in the deploy's answer too; the hidden
    // check's details stay hidden.
    let deployed = deploy_source(&stu, &function, "javascript", WRONG)
        .await
        .expect(201);
    assert_eq!(
        (&deployed["checks"]["passed"], &deployed["checks"]["total"]),
        (&json!(1), &json!(2))
    );
    assert_eq!(deployed["checks"]["results"][1]["body"], Value::Null);
    let results = format!("/api/v1/assignments/{assignment_id}/results");
    let mine = stu.get(&results).await.expect(200);
    assert_eq!(mine.as_array().unwrap().len(), 1);
    let first = &mine[0];
    assert_eq!(
        (
            first["passed"].as_i64(),
            first["total"].as_i64(),
            first["version"].as_i64()
        ),
        (Some(1), Some(2), Some(1))
    );
    assert_eq!(first["checks"][0]["passed"], true);
    assert_eq!(first["checks"][1]["passed"], false);
    assert_eq!(first["checks"][1]["body"], Value::Null);
    assert_eq!(first["checks"][1]["failures"], json!([]));
    let staff_view = prof.get(&results).await.expect(200);
    assert_eq!(staff_view[0]["checks"][1]["body"], "hello");
    assert_eq!(
        staff_view[0]["checks"][1]["failures"],
        json!(["expected a JSON body"])
    );

    // Fixed: 2 of 2, not billed to the student.
    deploy_source(&stu, &function, "javascript", RIGHT)
        .await
        .expect(201);
    let fixed = stu.get(&results).await.expect(200);
    assert_eq!(
        (
            fixed[0]["passed"].as_i64(),
            fixed[0]["version"].as_i64(),
            fixed[0]["deploys"].as_i64()
        ),
        (Some(2), Some(2), Some(2))
    );
    assert_eq!(fixed[0]["late"], false);
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let log = stu
        .get(&format!("/api/v1/functions/{function}/invocations"))
        .await
        .expect(200);
    assert_eq!(
        log,
        json!([]),
        "checks are not invocations of the student's"
    );

    let grid = prof
        .get(&format!("/api/v1/courses/{id}/grid"))
        .await
        .expect(200);
    let cell = &grid["rows"][0]["cells"][0];
    assert_eq!(
        (
            &grid["rows"][0]["username"],
            &cell["passed"],
            &cell["total"]
        ),
        (&json!("sam"), &json!(2), &json!(2))
    );
    assert_eq!(cell["function"], function.as_str());
    let csv = prof
        .get(&format!("/api/v1/courses/{id}/grades.csv"))
        .await
        .expect(200);
    let csv = csv.as_str().unwrap();
    assert!(
        csv.starts_with("username,Hello, checks passed")
            || csv.starts_with("username,\"Hello, checks\" passed"),
        "{csv}"
    );
    assert!(csv.contains("\nsam,2,2,2,false\n"), "{csv}");

    // Staff open a cell: both versions' code, the diff, each version's
    // checks. The student sees their own; another student nothing.
    let work = format!("/api/v1/assignments/{assignment_id}/work/sam");
    let cell = prof.get(&work).await.expect(200);
    let versions = cell["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(
        (
            &versions[0]["version"],
            &versions[0]["submitted"],
            &versions[0]["source"]
        ),
        (&json!(2), &json!(true), &json!(RIGHT))
    );
    let diff = versions[0]["diff"].as_str().unwrap();
    assert!(diff.contains("+  const name"), "{diff}");
    assert_eq!(versions[1]["diff"], Value::Null);
    assert_eq!(versions[1]["checks"]["passed"], 1);
    assert_eq!(versions[1]["checks"]["results"][1]["body"], "hello");
    let own = stu.get(&work).await.expect(200);
    assert_eq!(
        own["versions"][1]["checks"]["results"][1]["body"],
        Value::Null
    );
    let kim = user(&server, "kim").await;
    join(&kim, &code).await.expect(200);
    kim.get(&work).await.expect_error(404, "not_found");
    let kims = prof
        .get(&format!("/api/v1/assignments/{assignment_id}/work/kim"))
        .await
        .expect(200);
    assert_eq!(
        (&kims["function"], &kims["versions"]),
        (&Value::Null, &json!([]))
    );
    let on_page = stu
        .get(&format!("/api/v1/functions/{function}/assignment"))
        .await
        .expect(200);
    assert_eq!(on_page["assignment"]["id"], assignment_id);
    assert_eq!(on_page["runs"][0]["passed"], 2);
    kim.get(&format!("/api/v1/functions/{function}/assignment"))
        .await
        .expect_error(404, "not_found");

    // The instructor changes the checks: the submission is checked again.
    let changed = json!({
        "title": "Hello, checks", "instructions": "Now say bye.", "language": "javascript",
        "starter": WRONG, "due_at": due,
        "checks": [{"name": "says bye", "expect": {"body_contains": "bye"}}, checks[1].clone()],
    });
    let update = format!("/api/v1/assignments/{assignment_id}");
    stu.send(Method::PUT, &update, Some(changed.clone()))
        .await
        .expect_error(404, "not_found");
    let mut other_language = changed.clone();
    other_language["language"] = json!("python");
    prof.send(Method::PUT, &update, Some(other_language))
        .await
        .expect_error(422, "language_fixed");
    let updated = prof
        .send(Method::PUT, &update, Some(changed))
        .await
        .expect(200);
    assert_eq!(updated["checks"][0]["name"], "says bye");
    // After the course's last day the student's functions stop
    // answering (their code stays readable); extending it reopens them.
    let ended = json!({"name": "Last term", "starts_on": "2020-01-06", "ends_on": "2020-06-30"});
    let ended = prof.post("/api/v1/courses", ended).await.expect(201);
    join(&stu, ended["invite_code"].as_str().unwrap())
        .await
        .expect(200);
    let task = json!({"title": "Closed", "language": "javascript", "starter": RIGHT, "due_at": 0});
    let task = prof
        .post(
            &format!("/api/v1/courses/{}/assignments", ended["id"]),
            task,
        )
        .await
        .expect(201);
    let start = format!("/api/v1/assignments/{}/start", task["id"]);
    let started = stu.post(&start, json!(null)).await.expect(201);
    let closed = started["function"].as_str().unwrap();
    deploy_source(&stu, closed, "javascript", RIGHT)
        .await
        .expect(201);
    let public = format!("/fn/sam/{closed}/");
    let (status, body) = call(&stu, Method::GET, &public, "").await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("course_ended"), "{body}");
    stu.get(&format!("/api/v1/functions/{closed}/source"))
        .await
        .expect(200);
    let course_path = format!("/api/v1/courses/{}", ended["id"]);
    let extend = json!({"ends_on": "2099-12-31"});
    stu.send(Method::PATCH, &course_path, Some(extend.clone()))
        .await
        .expect_error(404, "not_found");
    prof.send(
        Method::PATCH,
        &course_path,
        Some(json!({"ends_on": "2019-01-01"})),
    )
    .await
    .expect_error(422, "invalid_course");
    let extended = prof
        .send(Method::PATCH, &course_path, Some(extend))
        .await
        .expect(200);
    assert_eq!(extended["ends_on"], "2099-12-31");
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let (status, body) = call(&stu, Method::GET, &public, "").await;
    assert_eq!((status, body.as_str()), (200, "hello"));

    let rechecked = prof.get(&results).await.expect(200);
    let sams = (rechecked.as_array().unwrap().iter())
        .find(|r| r["username"] == "sam")
        .unwrap();
    assert_eq!(
        (&sams["passed"], &sams["checks"][0]["name"]),
        (&json!(1), &json!("says bye"))
    );

    // The due date passes (the instructor moves it to now): a deploy after
    // it is late, and the submission stays the last one before it.
    let mut due_now = updated.clone();
    due_now["due_at"] = json!(fnlab_db::now_ms());
    prof.send(Method::PUT, &update, Some(due_now))
        .await
        .expect(200);
    tokio::time::sleep(Duration::from_millis(5)).await;
    let after_due = deploy_source(&stu, &function, "javascript", RIGHT)
        .await
        .expect(201);
    assert_eq!(
        (&after_due["version"], &after_due["checks"]["late"]),
        (&json!(3), &json!(true))
    );
    let mine = stu.get(&results).await.expect(200);
    assert_eq!(
        (&mine[0]["version"], &mine[0]["late"], &mine[0]["deploys"]),
        (&json!(2), &json!(false), &json!(3))
    );

    // Caps per student: storage refuses a deploy; requests close the
    // functions once used up, until the instructor lifts the student's caps.
    let course_path = format!("/api/v1/courses/{id}");
    let capped = json!({"caps": {"requests": 2, "storage_mb": 0}});
    let capped = prof
        .send(Method::PATCH, &course_path, Some(capped))
        .await
        .expect(200);
    assert_eq!(
        capped["caps"],
        json!({"requests": 2, "gb_seconds": null, "storage_mb": 0})
    );
    let refused = deploy_source(&stu, &function, "javascript", RIGHT)
        .await
        .expect_error(422, "storage_quota_exceeded");
    assert!(refused.contains("the course's per-student"), "{refused}");
    let roomy = json!({"caps": {"requests": 2}});
    prof.send(Method::PATCH, &course_path, Some(roomy))
        .await
        .expect(200);
    let public = format!("/fn/sam/{function}/");
    let mut statuses = Vec::new();
    let waiting = Instant::now();
    while statuses.last() != Some(&403) && waiting.elapsed() < Duration::from_secs(15) {
        let (status, body) = call(&stu, Method::GET, &public, "").await;
        if status == 403 {
            assert!(body.contains("course_cap_reached"), "{body}");
        }
        statuses.push(status);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert_eq!(statuses.last(), Some(&403), "{statuses:?}");
    assert!(
        statuses.iter().filter(|s| **s == 200).count() >= 2,
        "{statuses:?}"
    );
    let used = stu.get(&format!("{course_path}/usage")).await.expect(200);
    assert!(used["requests"].as_i64().unwrap() >= 2, "{used}");
    let seen = prof.get(&results).await.expect(200);
    let sams = (seen.as_array().unwrap().iter())
        .find(|r| r["username"] == "sam")
        .unwrap();
    assert!(sams["invocations"].as_i64().unwrap() >= 2, "{sams}");
    assert_eq!(sams["errors"], 0);
    assert_eq!(used["uncapped"], false);
    let lift = json!({"uncapped": true});
    let sam_member = format!("{course_path}/members/sam");
    stu.send(Method::PUT, &sam_member, Some(lift.clone()))
        .await
        .expect_error(404, "not_found");
    let members = prof
        .send(Method::PUT, &sam_member, Some(lift))
        .await
        .expect(200);
    let sam = (members.as_array().unwrap().iter())
        .find(|m| m["username"] == "sam")
        .unwrap();
    assert_eq!(sam["uncapped"], true);
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let (status, body) = call(&stu, Method::GET, &public, "").await;
    assert_eq!((status, body.as_str()), (200, "hello"));

    // An instructor's own function as the starter code.
    let saved = json!({"language": "javascript", "source": RIGHT});
    prof.send(Method::PUT, "/api/v1/functions/demo", Some(saved))
        .await
        .expect(201);
    let assignments = format!("/api/v1/courses/{id}/assignments");
    let from_demo = json!({"title": "From demo", "language": "javascript", "starter_from": "demo",
        "due_at": due, "checks": []});
    let made = prof.post(&assignments, from_demo.clone()).await.expect(201);
    assert_eq!(made["starter"], RIGHT);
    let mut in_python = from_demo.clone();
    in_python["language"] = json!("python");
    prof.post(&assignments, in_python)
        .await
        .expect_error(422, "invalid_course");
    let mut missing = from_demo;
    missing["starter_from"] = json!("nothing");
    prof.post(&assignments, missing)
        .await
        .expect_error(404, "not_found");

    // Past the due date: a late deploy is marked, the submission stays.
    let late = json!({"title": "Overdue", "language": "javascript", "starter": RIGHT,
        "due_at": fnlab_db::now_ms() - 1_000, "checks": [{"name": "says hello", "expect": {"status": 200}}]});
    let late = prof
        .post(&format!("/api/v1/courses/{id}/assignments"), late)
        .await
        .expect(201);
    let started = stu
        .post(
            &format!("/api/v1/assignments/{}/start", late["id"]),
            json!(null),
        )
        .await
        .expect(201);
    let overdue = started["function"].as_str().unwrap();
    deploy_source(&stu, overdue, "javascript", RIGHT)
        .await
        .expect(201);
    let late_results = stu
        .get(&format!("/api/v1/assignments/{}/results", late["id"]))
        .await
        .expect(200);
    assert_eq!(
        (
            late_results[0]["passed"].as_i64(),
            late_results[0]["late"].as_bool()
        ),
        (Some(1), Some(true))
    );
}
