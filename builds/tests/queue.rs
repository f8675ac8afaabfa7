//! The build queue on a real SQLite file: a user's builds are capped, a
//! newer deploy replaces the build still waiting, and workers take users
//! in turn, so one user's flood of builds cannot hold everyone else's.

use fnlab_builds::{
    BUILDS_KEPT, Builds, Enqueued, Failure, FailureCode, Language, MAX_PENDING_PER_USER,
};

/// A queue with users 1 (ann) and 2 (bob), ann owning functions 1 to 5 and
/// bob function 6.
async fn queue() -> (tempfile::TempDir, Builds) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/q.db", dir.path().display());
    let pool = fnlab_db::open(&url, 2).await.unwrap();
    for name in ["ann", "bob"] {
        sqlx::query("insert into users (username, password_hash, created_at) values ($1, 'x', 0)")
            .bind(name)
            .execute(&pool)
            .await
            .unwrap();
    }
    for (user, name) in [
        (1, "f1"),
        (1, "f2"),
        (1, "f3"),
        (1, "f4"),
        (1, "f5"),
        (2, "g"),
    ] {
        sqlx::query(
            "insert into functions (user_id, name, timeout_ms, memory_mb, created_at, updated_at) \
             values ($1, $2, 1, 1, 0, 0)",
        )
        .bind(user)
        .bind(name)
        .execute(&pool)
        .await
        .unwrap();
    }
    (dir, Builds::new(pool))
}

fn id(enqueued: Enqueued) -> i64 {
    match enqueued {
        Enqueued::Queued(id) => id,
        other => panic!("not queued: {other:?}"),
    }
}

#[tokio::test]
async fn a_users_pending_builds_are_capped_and_a_redeploy_replaces_the_waiting_one() {
    let (_dir, builds) = queue().await;
    let first = id(builds.enqueue(1, 1, Language::Rust, "v1").await.unwrap());
    assert_eq!(
        builds.enqueue(1, 1, Language::Rust, "v2").await.unwrap(),
        Enqueued::Replaced(first)
    );
    for function in 2..=MAX_PENDING_PER_USER {
        id(builds
            .enqueue(1, function, Language::Rust, "x")
            .await
            .unwrap());
    }
    assert_eq!(
        builds.enqueue(1, 5, Language::Rust, "x").await.unwrap(),
        Enqueued::Refused {
            pending: MAX_PENDING_PER_USER
        }
    );
    // Another user is not held up; the replaced build builds the newer source.
    id(builds.enqueue(2, 6, Language::Rust, "x").await.unwrap());
    let claimed = builds.claim().await.unwrap().unwrap();
    assert_eq!((claimed.id, claimed.source.as_str()), (first, "v2"));
}

#[tokio::test]
async fn workers_take_users_in_turn() {
    let (_dir, builds) = queue().await;
    let mut anns = Vec::new();
    for function in 1..=3 {
        anns.push(id(builds
            .enqueue(1, function, Language::Rust, "x")
            .await
            .unwrap()));
    }
    let bobs = id(builds.enqueue(2, 6, Language::Rust, "x").await.unwrap());
    let mut order = Vec::new();
    while let Some(build) = builds.claim().await.unwrap() {
        order.push(build.id);
    }
    // Ann queued first, but Bob's one build does not wait for all of hers.
    assert_eq!(order, [anns[0], bobs, anns[1], anns[2]]);
}

#[tokio::test]
async fn only_the_newest_builds_of_a_function_are_kept_and_they_count_as_storage() {
    let (_dir, builds) = queue().await;
    let failure = Failure::new(FailureCode::CompileError, "no");
    let mut ids = Vec::new();
    for _ in 0..BUILDS_KEPT + 5 {
        let queued = id(builds
            .enqueue(1, 1, Language::Rust, "0123456789")
            .await
            .unwrap());
        let claimed = builds.claim().await.unwrap().unwrap();
        builds.fail(claimed.id, &failure, 1, "log").await.unwrap();
        ids.push(queued);
    }
    // One still waiting is never expired, however old.
    let waiting = id(builds.enqueue(1, 2, Language::Rust, "x").await.unwrap());
    let per_build = 10 + 3 + 2; // source, log, "[]"
    assert_eq!(
        builds.stored_bytes(1).await.unwrap(),
        (BUILDS_KEPT + 5) * per_build + 1 + 2
    );
    assert_eq!(builds.crowded().await.unwrap(), [1]);
    assert_eq!(builds.expire(1).await.unwrap(), 5);
    assert_eq!(builds.expire(2).await.unwrap(), 0);
    assert!(builds.crowded().await.unwrap().is_empty());
    assert!(builds.get(1, ids[4]).await.unwrap().is_none());
    assert!(builds.get(1, ids[5]).await.unwrap().is_some());
    assert!(builds.get(1, waiting).await.unwrap().is_some());
    assert_eq!(
        builds.stored_bytes(1).await.unwrap(),
        BUILDS_KEPT * per_build + 1 + 2
    );
    assert_eq!(builds.stored_bytes(2).await.unwrap(), 0);
}
