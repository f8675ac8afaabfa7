//! Who may do what, use case by use case, without HTTP: on a real SQLite
//! file and a real sandbox, each method is called by the owner of a
//! function, by another user, and by an admin.

use std::sync::Arc;
use std::time::Duration;

use fnlab_billing::{Plans, PriceSheet, Pricing};
use fnlab_functions::{EnvChange, Functions, Language, Limits, NewVersion, Source};
use fnlab_sandbox::{Sandbox, SandboxConfig};
use fnlab_usecases::builds::DeployOutcome;
use fnlab_usecases::schedules::NewSchedule;
use fnlab_usecases::{Actor, Error, Fnlab, Settings};

const LIMITS: Limits = Limits {
    timeout_ms: 1_000,
    memory_mb: 64,
};

/// A Fnlab on a fresh database, with three users: `ann` (who owns the
/// function `echo` with two versions, the first built from source), `bob`
/// and the admin `root`.
struct World {
    _dir: tempfile::TempDir,
    fnlab: Fnlab,
    ann: Actor,
    bob: Actor,
    root: Actor,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let pool = fnlab_db::open(&url, 4).await.unwrap();
    let mut config = SandboxConfig::new(dir.path().join("code"));
    config.max_instances = 4;
    let sandbox = Sandbox::new(config).unwrap();
    let pricing = Pricing {
        prices: PriceSheet::lambda(),
        plans: Plans::parse("free:requests=10;pro", "free").unwrap(),
    };
    let settings = Settings {
        functions_origin: fnlab_functions::FunctionsOrigin::parse("http://fn.test"),
        ceilings: LIMITS,
        build_timeout: Duration::from_secs(5),
        metering: true,
        secrets_key: fnlab_functions::SecretsKey::from_hex(&"5e".repeat(32)).unwrap(),
        triggers: Default::default(),
        public_url: "http://fnlab.test".into(),
    };
    let fnlab = Fnlab::new(pool.clone(), sandbox, Arc::new(pricing), settings);
    let mut actors = Vec::new();
    for name in ["ann", "bob", "root"] {
        let user = fnlab.sign_up(name, "a long password").await.unwrap();
        if name == "root" {
            fnlab_usecases::actor::set_admin(&pool, name, true)
                .await
                .unwrap();
        }
        actors.push(fnlab.actor(user.id).await.unwrap().unwrap());
    }
    let [ann, bob, root] = <[Actor; 3]>::try_from(actors).unwrap();
    // Versions stored directly in the catalog: what a deploy stores, without
    // needing a runnable component here.
    let functions = Functions::new(pool);
    let source = Source {
        language: Language::Python,
        source: "def handler(e, c): return 1".into(),
    };
    for (bytes, source) in [(b"one".as_slice(), Some(&source)), (b"two", None)] {
        functions
            .add_version(
                ann.id,
                "echo",
                &NewVersion::new(bytes, source),
                LIMITS,
                None,
            )
            .await
            .unwrap();
    }
    World {
        _dir: dir,
        fnlab,
        ann,
        bob,
        root,
    }
}

/// The code of an invalid input, or a panic.
fn invalid<T: std::fmt::Debug>(result: Result<T, Error>) -> &'static str {
    match result {
        Err(Error::Invalid { code, .. }) => code,
        other => panic!("not invalid: {other:?}"),
    }
}

fn is_not_found<T: std::fmt::Debug>(result: Result<T, Error>) -> bool {
    matches!(result, Err(Error::NotFound))
}

#[tokio::test]
async fn only_admins_are_admins() {
    let w = world().await;
    assert!(w.root.is_admin);
    assert!(!w.ann.is_admin && !w.bob.is_admin);
    assert_eq!(w.ann.username, "ann");
}

#[tokio::test]
async fn a_function_is_its_owners_alone() {
    let w = world().await;
    let (f, ann, bob) = (&w.fnlab, &w.ann, &w.bob);

    assert_eq!(f.functions(ann).await.unwrap().len(), 1);
    assert!(f.functions(bob).await.unwrap().is_empty());
    assert!(
        f.functions(&w.root).await.unwrap().is_empty(),
        "admins see usage, not code"
    );

    let detail = f.function(ann, "echo").await.unwrap();
    assert_eq!(detail.url, "http://fn.test/fn/ann/echo/");
    assert_eq!(detail.detail.versions.len(), 2);
    assert!(is_not_found(f.function(bob, "echo").await));
    assert!(is_not_found(f.function(&w.root, "echo").await));
    assert!(is_not_found(f.changes(bob, "echo", 0).await));

    let source = f.version_source(ann, "echo", 1).await.unwrap();
    assert_eq!(source.language, Language::Python);
    assert!(matches!(
        f.version_source(ann, "echo", 2).await,
        Err(Error::Missing(_))
    ));
    assert!(is_not_found(f.version_source(bob, "echo", 1).await));

    assert!(is_not_found(
        f.set_limits(bob, "echo", Some(10), None, None).await
    ));
    assert!(is_not_found(f.rollback(bob, "echo", 1).await));
    assert!(is_not_found(
        f.invocations(bob, "echo", &Default::default(), Some(10))
            .await
    ));
    assert!(is_not_found(f.metrics(bob, "echo", None, None).await));
    assert!(is_not_found(f.environment(bob, "echo").await));
    assert!(is_not_found(f.event_config(bob, "echo").await));
    assert!(is_not_found(f.set_event_config(bob, "echo", Some(2)).await));
    // A store cannot be made to trigger another user's function.
    assert!(matches!(
        f.set_store_trigger(bob, "uploads", Some("echo")).await,
        Err(Error::Invalid {
            code: "invalid_trigger",
            ..
        })
    ));
    let change = EnvChange {
        vars: [("MODE".to_owned(), Some("bob's".to_owned()))].into(),
        secrets: [("TOKEN".to_owned(), Some("bob's".to_owned()))].into(),
    };
    assert!(is_not_found(
        f.change_environment(bob, "echo", &change).await
    ));
    let every5 = NewSchedule {
        cron: "*/5 * * * *".into(),
        timezone: None,
    };
    assert!(is_not_found(f.add_schedule(bob, "echo", &every5).await));
    let schedule = f.add_schedule(ann, "echo", &every5).await.unwrap();
    assert!(is_not_found(f.schedules(bob, "echo").await));
    assert!(is_not_found(
        f.set_schedule_paused(bob, "echo", schedule.id, true).await
    ));
    assert!(is_not_found(
        f.run_schedule_now(bob, "echo", schedule.id).await
    ));
    assert!(is_not_found(
        f.schedule_runs(bob, "echo", schedule.id).await
    ));
    assert!(is_not_found(
        f.delete_schedule(bob, "echo", schedule.id).await
    ));
    assert_eq!(f.schedules(ann, "echo").await.unwrap()[0].id, schedule.id);
    assert!(is_not_found(f.deploy(bob, "echo", false).await));
    assert!(is_not_found(f.delete(bob, "echo").await));
    assert!(is_not_found(f.delete(&w.root, "echo").await));

    // The owner may do all of it.
    assert_eq!(f.rollback(ann, "echo", 1).await.unwrap().version, 1);
    let env = f.change_environment(ann, "echo", &change).await.unwrap();
    assert_eq!(env.vars["MODE"], "bob's");
    assert_eq!(env.secrets[0].name, "TOKEN");
    assert_eq!(f.environment(ann, "echo").await.unwrap(), env);
    let reserved = EnvChange {
        vars: [("FNLAB_SOURCE".to_owned(), Some("x".to_owned()))].into(),
        ..EnvChange::default()
    };
    assert_eq!(
        invalid(f.change_environment(ann, "echo", &reserved).await),
        "invalid_environment"
    );
    let limits = f
        .set_limits(ann, "echo", Some(500), None, None)
        .await
        .unwrap();
    assert_eq!(limits.limits.timeout_ms, 500);
    assert!(
        f.invocations(ann, "echo", &Default::default(), Some(10))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        f.metrics(ann, "echo", Some("24h"), None)
            .await
            .unwrap()
            .invocations,
        0
    );
    f.delete(ann, "echo").await.unwrap();
    assert!(is_not_found(f.function(ann, "echo").await));
}

#[tokio::test]
async fn drafts_and_builds_are_their_owners_alone() {
    let w = world().await;
    let (f, ann, bob) = (&w.fnlab, &w.ann, &w.bob);

    // Bob saving "echo" makes a function of his own; Ann's is untouched.
    let saved = f.save_draft(bob, "echo", "javascript", "export default {}".into());
    let saved = saved.await.unwrap();
    assert!(saved.created);
    assert_eq!(saved.url, "http://fn.test/fn/bob/echo/");
    assert!(matches!(f.draft(ann, "echo").await, Err(Error::Missing(_))));
    assert_eq!(
        f.draft(bob, "echo").await.unwrap().source.language,
        Language::JavaScript
    );

    // Ann has no draft for her uploaded function: nothing to build.
    assert!(matches!(
        f.deploy(ann, "echo", false).await,
        Err(Error::Invalid {
            code: "no_source",
            ..
        })
    ));
    let DeployOutcome::Queued { build_id } = f.deploy(bob, "echo", false).await.unwrap() else {
        panic!("a deploy that does not wait is queued");
    };
    assert_eq!(f.build(bob, build_id).await.unwrap().build.function, "echo");
    assert!(is_not_found(f.build(ann, build_id).await));
    assert!(is_not_found(f.watch_build(ann, build_id).await.map(|_| ())));
    let mut watch = f.watch_build(bob, build_id).await.unwrap();
    let first = watch.next().await.unwrap();
    assert!(matches!(
        first[0],
        fnlab_usecases::builds::BuildEvent::State { .. }
    ));
}

#[tokio::test]
async fn every_door_enforces_the_same_input_rules() {
    let w = world().await;
    let (f, ann) = (&w.fnlab, &w.ann);
    let huge = "x".repeat(fnlab_functions::MAX_SOURCE_BYTES + 1);
    assert_eq!(
        invalid(f.save_draft(ann, "big", "rust", huge).await),
        "source_too_large"
    );
    assert_eq!(
        invalid(f.save_draft(ann, "c", "cobol", String::new()).await),
        "unsupported_language"
    );
    assert_eq!(
        invalid(f.save_draft(ann, "Bad Name", "rust", String::new()).await),
        "invalid_name"
    );
    assert_eq!(
        invalid(f.create_function(ann, "Bad Name", "rust-hello").await),
        "invalid_name"
    );
    assert_eq!(
        invalid(f.create_function(ann, "new", "no-such").await),
        "unknown_template"
    );
    assert!(matches!(
        f.create_function(ann, "echo", "rust-hello").await,
        Err(Error::Conflict { .. })
    ));
    assert_eq!(
        invalid(f.set_limits(ann, "echo", Some(0), None, None).await),
        "invalid_limits"
    );
    assert_eq!(
        invalid(f.set_limits(ann, "echo", None, Some(65), None).await),
        "invalid_limits"
    );
    assert_eq!(
        invalid(
            f.invocations(ann, "echo", &Default::default(), Some(0))
                .await
        ),
        "invalid_limit"
    );
    assert_eq!(
        invalid(f.deploy_component(ann, "bad", b"not wasm").await),
        "invalid_component"
    );
    assert!(is_not_found(f.function(ann, "bad").await), "nothing stored");
    assert!(matches!(
        f.metrics(ann, "echo", Some("1y"), None).await,
        Err(Error::Malformed(_))
    ));
    assert!(matches!(
        f.usage(ann, Some("yesterday"), None).await,
        Err(Error::Malformed(_))
    ));
    assert!(matches!(
        f.usage(ann, Some("2024-01-01"), Some("2026-01-01")).await,
        Err(Error::Malformed(_))
    ));
}

#[tokio::test]
async fn tokens_are_their_owners_alone() {
    let w = world().await;
    let (f, ann, bob) = (&w.fnlab, &w.ann, &w.bob);
    let token = f.create_token(ann, "laptop").await.unwrap();
    assert_eq!(
        f.actor_for_token(&token.token).await.unwrap().unwrap(),
        *ann
    );
    assert!(f.tokens(bob).await.unwrap().is_empty());
    assert!(is_not_found(f.revoke_token(bob, token.id).await));
    assert!(is_not_found(f.revoke_token(&w.root, token.id).await));
    f.revoke_token(ann, token.id).await.unwrap();
    assert!(f.actor_for_token(&token.token).await.unwrap().is_none());
}

#[tokio::test]
async fn usage_is_each_users_own_and_the_admin_view_is_for_admins() {
    let w = world().await;
    let (f, ann, bob, root) = (&w.fnlab, &w.ann, &w.bob, &w.root);
    for actor in [ann, bob, root] {
        assert_eq!(f.usage(actor, None, None).await.unwrap().requests, 0);
        assert!(
            f.usage_csv(actor, Some("2026-11"))
                .await
                .unwrap()
                .csv
                .contains("(total)")
        );
        assert_eq!(f.billing(actor).await.unwrap().plan, "free");
        assert!(f.quota_alerts(actor).await.unwrap().is_empty());
    }

    for outsider in [ann, bob] {
        assert!(matches!(
            f.admin_usage(outsider, None, None).await,
            Err(Error::Forbidden)
        ));
        assert!(matches!(
            f.set_plan(outsider, "bob", "pro").await,
            Err(Error::Forbidden)
        ));
    }
    let usage = f
        .admin_usage(root, Some("2026-11"), Some("username"))
        .await
        .unwrap();
    assert_eq!(usage.month, "2026-11");
    assert_eq!(usage.users.len(), 3);
    assert_eq!(usage.plans, ["free", "pro"]);
    assert_eq!(f.set_plan(root, "bob", "pro").await.unwrap().plan, "pro");
    assert_eq!(f.billing(bob).await.unwrap().plan, "pro");
    assert!(matches!(
        f.set_plan(root, "bob", "gold").await,
        Err(Error::Invalid {
            code: "unknown_plan",
            ..
        })
    ));
    assert!(is_not_found(f.set_plan(root, "nobody", "pro").await));
    assert!(matches!(
        f.admin_usage(root, None, Some("height")).await,
        Err(Error::Malformed(_))
    ));
}

#[tokio::test]
async fn accounts_and_the_public_url_need_no_actor() {
    let w = world().await;
    let f = &w.fnlab;
    assert!(matches!(
        f.sign_up("ann", "a long password").await,
        Err(Error::Conflict { .. })
    ));
    assert!(matches!(
        f.log_in("ann", "wrong password").await,
        Err(Error::Unauthorized(_))
    ));
    assert_eq!(
        f.log_in("ann", "a long password").await.unwrap().username,
        "ann"
    );
    let request = http::Request::new(http_body_util::Empty::<bytes::Bytes>::new());
    let unknown = f.invoke("ann", "nothing", request, "r1".into()).await;
    assert!(matches!(unknown, Err(Error::Missing(_))));
}
