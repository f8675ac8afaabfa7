//! The function catalog on a real SQLite file.

use fnlab_functions::{
    FunctionError, Functions, Language, Limits, NewVersion, Source, StorageQuota, sha256_hex,
};

const LIMITS: Limits = Limits {
    timeout_ms: 10_000,
    memory_mb: 128,
};

async fn setup() -> (tempfile::TempDir, Functions, i64, i64) {
    let dir = tempfile::tempdir().unwrap();
    let pool = fnlab_db::open(
        &format!("sqlite://{}", dir.path().join("t.db").display()),
        4,
    )
    .await
    .unwrap();
    let mut ids = Vec::new();
    for name in ["ann", "bob"] {
        let id: i64 = sqlx::query_scalar(
            "insert into users (username, password_hash, created_at) values ($1, 'x', 0) returning user_id",
        )
        .bind(name)
        .fetch_one(&pool)
        .await
        .unwrap();
        ids.push(id);
    }
    (dir, Functions::new(pool), ids[0], ids[1])
}

#[tokio::test]
async fn versions_are_numbered_and_the_newest_is_live() {
    let (_dir, functions, ann, _) = setup().await;
    let (one, two) = (b"component one".as_slice(), b"component two".as_slice());
    let first = functions
        .add_version(ann, "echo", &NewVersion::new(one, None), LIMITS, None)
        .await
        .unwrap();
    let second = functions
        .add_version(ann, "echo", &NewVersion::new(two, None), LIMITS, None)
        .await
        .unwrap();
    assert_eq!((first.version, second.version), (1, 2));
    assert_eq!(first.function_id, second.function_id);

    let live = functions.live("ann", "echo").await.unwrap().unwrap();
    assert_eq!(
        (live.version, live.sha256.as_str(), live.limits),
        (2, second.sha256.as_str(), LIMITS)
    );
    assert_eq!(
        functions.component(&live.sha256).await.unwrap().unwrap(),
        two
    );

    let detail = functions.get(ann, "echo").await.unwrap();
    assert_eq!(
        detail
            .versions
            .iter()
            .map(|v| v.version)
            .collect::<Vec<_>>(),
        [2, 1]
    );
    assert_eq!(detail.versions[1].size, one.len() as i64);
    assert_eq!(detail.function.live_version, Some(2));
}

#[tokio::test]
async fn the_same_bytes_are_stored_once() {
    let (_dir, functions, ann, bob) = setup().await;
    let bytes = b"shared".as_slice();
    functions
        .add_version(ann, "a", &NewVersion::new(bytes, None), LIMITS, None)
        .await
        .unwrap();
    functions
        .add_version(bob, "b", &NewVersion::new(bytes, None), LIMITS, None)
        .await
        .unwrap();
    functions
        .add_version(ann, "a", &NewVersion::new(bytes, None), LIMITS, None)
        .await
        .unwrap();
    assert_eq!(functions.get(ann, "a").await.unwrap().versions.len(), 2);
}

#[tokio::test]
async fn rollback_switches_the_live_version_and_rejects_unknown_ones() {
    let (_dir, functions, ann, _) = setup().await;
    for bytes in [b"v1".as_slice(), b"v2"] {
        functions
            .add_version(ann, "f", &NewVersion::new(bytes, None), LIMITS, None)
            .await
            .unwrap();
    }
    let back = functions.rollback(ann, "f", 1).await.unwrap();
    assert_eq!(back.sha256, sha256_hex(b"v1"));
    assert_eq!(
        functions.live("ann", "f").await.unwrap().unwrap().version,
        1
    );
    assert!(matches!(
        functions.rollback(ann, "f", 7).await,
        Err(FunctionError::NoSuchVersion { version: 7, .. })
    ));
}

#[tokio::test]
async fn another_users_function_does_not_exist_for_you() {
    let (_dir, functions, ann, bob) = setup().await;
    functions
        .add_version(ann, "mine", &NewVersion::new(b"x", None), LIMITS, None)
        .await
        .unwrap();
    assert!(matches!(
        functions.get(bob, "mine").await,
        Err(FunctionError::NotFound)
    ));
    assert!(matches!(
        functions.rollback(bob, "mine", 1).await,
        Err(FunctionError::NotFound)
    ));
    assert!(matches!(
        functions.delete(bob, "mine").await,
        Err(FunctionError::NotFound)
    ));
    assert!(functions.list(bob).await.unwrap().is_empty());
    assert!(functions.live("bob", "mine").await.unwrap().is_none());
    assert!(functions.live("ann", "mine").await.unwrap().is_some());
}

#[tokio::test]
async fn delete_removes_the_function_and_frees_its_name() {
    let (_dir, functions, ann, _) = setup().await;
    functions
        .add_version(ann, "f", &NewVersion::new(b"x", None), LIMITS, None)
        .await
        .unwrap();
    functions.delete(ann, "f").await.unwrap();
    assert!(functions.live("ann", "f").await.unwrap().is_none());
    assert!(matches!(
        functions.delete(ann, "f").await,
        Err(FunctionError::NotFound)
    ));
    let again = functions
        .add_version(ann, "f", &NewVersion::new(b"y", None), LIMITS, None)
        .await
        .unwrap();
    assert_eq!(again.version, 1);
}

#[tokio::test]
async fn names_follow_the_url_rule_and_limits_can_change() {
    let (_dir, functions, ann, _) = setup().await;
    let bad = functions
        .add_version(ann, "Bad_Name", &NewVersion::new(b"x", None), LIMITS, None)
        .await;
    assert!(matches!(bad, Err(FunctionError::InvalidName(m)) if m.contains("lowercase")));
    functions
        .add_version(ann, "f", &NewVersion::new(b"x", None), LIMITS, None)
        .await
        .unwrap();
    let tight = Limits {
        timeout_ms: 500,
        memory_mb: 16,
    };
    assert_eq!(
        functions
            .set_limits(ann, "f", tight, false)
            .await
            .unwrap()
            .limits,
        tight
    );
    assert_eq!(
        functions.live("ann", "f").await.unwrap().unwrap().limits,
        tight
    );
}

/// Whether the component `bytes` is stored.
async fn stored(functions: &Functions, bytes: &[u8]) -> bool {
    functions
        .component(&sha256_hex(bytes))
        .await
        .unwrap()
        .is_some()
}

#[tokio::test]
async fn storage_counts_each_component_once_and_not_the_shared_runtimes() {
    let (_dir, functions, ann, _) = setup().await;
    let component = [7u8; 1000];
    for name in ["a", "b"] {
        functions
            .add_version(ann, name, &NewVersion::new(&component, None), LIMITS, None)
            .await
            .unwrap();
    }
    assert_eq!(functions.stored_bytes(ann).await.unwrap(), 1000);
    // A Python version runs the shared runtime: only its source counts.
    let script = Source {
        language: Language::Python,
        source: "x".repeat(30),
    };
    let runtime = [9u8; 5000];
    functions
        .add_version(
            ann,
            "py",
            &NewVersion::new(&runtime, Some(&script)),
            LIMITS,
            None,
        )
        .await
        .unwrap();
    assert_eq!(functions.stored_bytes(ann).await.unwrap(), 1030);
    // A draft counts too.
    functions
        .save_draft(ann, "py", &script, LIMITS)
        .await
        .unwrap();
    assert_eq!(functions.stored_bytes(ann).await.unwrap(), 1060);
}

#[tokio::test]
async fn a_version_past_the_quota_is_refused_and_nothing_is_stored() {
    let (_dir, functions, ann, bob) = setup().await;
    let quota = StorageQuota {
        quota: 2500,
        elsewhere: 500,
    };
    let (bytes, more) = ([1u8; 1500], [2u8; 600]);
    let (first, refused) = (NewVersion::new(&bytes, None), NewVersion::new(&more, None));
    functions
        .add_version(ann, "f", &first, LIMITS, Some(quota))
        .await
        .unwrap();
    let checked = functions.check_version(ann, &refused, quota).await;
    let stored_anyway = functions
        .add_version(ann, "f", &refused, LIMITS, Some(quota))
        .await;
    for error in [checked.unwrap_err(), stored_anyway.unwrap_err()] {
        assert!(
            matches!(
                error,
                FunctionError::OverQuota {
                    used: 2000,
                    adding: 600,
                    quota: 2500,
                    ..
                }
            ),
            "{error:?}"
        );
    }
    assert!(!stored(&functions, &more).await);
    assert_eq!(functions.get(ann, "f").await.unwrap().versions.len(), 1);
    // The same bytes again add nothing; another user has room of their own.
    functions
        .add_version(ann, "g", &first, LIMITS, Some(quota))
        .await
        .unwrap();
    functions
        .add_version(bob, "f", &refused, LIMITS, Some(quota))
        .await
        .unwrap();
}

#[tokio::test]
async fn components_are_collected_once_no_version_refers_to_them() {
    let (_dir, functions, ann, bob) = setup().await;
    let (shared, own) = (b"shared".as_slice(), b"own".as_slice());
    for (user, name, bytes) in [(ann, "a", shared), (ann, "b", own), (bob, "c", shared)] {
        functions
            .add_version(user, name, &NewVersion::new(bytes, None), LIMITS, None)
            .await
            .unwrap();
    }
    functions.delete(ann, "a").await.unwrap();
    functions.delete(ann, "b").await.unwrap();
    let collected = functions.collect_components().await.unwrap();
    assert_eq!((collected.components, collected.bytes), (1, 3));
    assert!(!stored(&functions, own).await);
    assert!(stored(&functions, shared).await, "bob still runs it");
    assert_eq!(
        functions.referenced_components().await.unwrap(),
        [sha256_hex(shared)].into()
    );
    functions.delete(bob, "c").await.unwrap();
    assert_eq!(functions.collect_components().await.unwrap().components, 1);
    assert!(!stored(&functions, shared).await);
}
