//! Warm instances: an instance serves the next request of the same
//! function only, with that request's own logs and measurements, and is
//! discarded after a failure, when it left its response open, after its
//! last allowed request, or when its memory is over a lowered limit.

mod common;

use std::sync::Arc;

use common::{LIMITS, call_as, probe, probe_sha, sandbox, sandbox_with};
use fnlab_sandbox::warm::MAX_REQUESTS;
use fnlab_sandbox::{FunctionLimits, Invocation, Program, Sandbox, WarmKey};

const KEY: WarmKey = WarmKey {
    function_id: 1,
    version: 1,
    env_digest: 7,
};

fn warm(user_id: i64, key: WarmKey) -> Invocation {
    Invocation {
        user_id,
        limits: LIMITS,
        warm: Some(key),
    }
}

async fn ready(sandbox: &Sandbox) -> Arc<Program> {
    sandbox
        .load(&probe_sha(), probe())
        .await
        .expect("probe loads")
}

/// What `/remember?v=N` answers: the value the instance's static held.
async fn remember(sandbox: &Sandbox, program: &Program, invocation: Invocation, n: u32) -> String {
    let path = format!("/remember?v={n}");
    let called = call_as(sandbox, program, invocation, "GET", &path, "").await;
    assert_eq!(called.status, 200, "{:?}", called.report);
    called.body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_serves_its_own_function_again_and_no_other() {
    let cache = tempfile::tempdir().unwrap();
    let sandbox = sandbox(cache.path());
    let program = ready(&sandbox).await;

    assert_eq!(remember(&sandbox, &program, warm(1, KEY), 1).await, "0 0");
    // The same function's next request finds the static it left.
    assert_eq!(remember(&sandbox, &program, warm(1, KEY), 2).await, "1 0");
    assert_eq!(sandbox.stats().warm_instances, 1);

    // Another user, version, environment or function: a fresh instance.
    let others = [
        warm(2, KEY),
        warm(1, WarmKey { version: 2, ..KEY }),
        warm(
            1,
            WarmKey {
                env_digest: 8,
                ..KEY
            },
        ),
        warm(
            1,
            WarmKey {
                function_id: 2,
                ..KEY
            },
        ),
    ];
    for invocation in others {
        assert_eq!(remember(&sandbox, &program, invocation, 9).await, "0 0");
    }
    // Without a key, always fresh, and the warm one is still there.
    let fresh = Invocation {
        warm: None,
        ..warm(1, KEY)
    };
    assert_eq!(remember(&sandbox, &program, fresh, 9).await, "0 0");
    assert_eq!(remember(&sandbox, &program, warm(1, KEY), 3).await, "2 0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_request_of_a_warm_instance_has_its_own_logs_and_measures() {
    let cache = tempfile::tempdir().unwrap();
    let sandbox = sandbox(cache.path());
    let program = ready(&sandbox).await;

    let first = call_as(&sandbox, &program, warm(1, KEY), "GET", "/log", "").await;
    let second = call_as(&sandbox, &program, warm(1, KEY), "GET", "/log", "").await;
    assert_eq!(sandbox.stats().warm_instances, 1, "the instance was reused");
    for called in [&first, &second] {
        assert_eq!(called.status, 201);
        assert_eq!(called.report.stdout, "a line on stdout\n");
        assert_eq!(called.report.stderr, "a line on stderr\n");
    }
    // The memory an instance holds counts in each request it serves.
    assert!(second.report.peak_memory_bytes >= first.report.peak_memory_bytes);
    assert!(second.report.cpu_us > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trap_or_a_timeout_discards_the_instance() {
    let cache = tempfile::tempdir().unwrap();
    let sandbox = sandbox(cache.path());
    let program = ready(&sandbox).await;

    for failing in ["/panic", "/loop"] {
        assert_eq!(remember(&sandbox, &program, warm(1, KEY), 5).await.len(), 3);
        let failed = call_as(&sandbox, &program, warm(1, KEY), "GET", failing, "").await;
        assert!(failed.status >= 500, "{failing}: {}", failed.status);
        assert_eq!(sandbox.stats().warm_instances, 0, "{failing}");
        assert_eq!(
            remember(&sandbox, &program, warm(1, KEY), 6).await,
            "0 0",
            "after {failing}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_that_left_its_response_open_is_discarded() {
    let cache = tempfile::tempdir().unwrap();
    let sandbox = sandbox(cache.path());
    let program = ready(&sandbox).await;

    // Kept, such an instance would never end the response it left open,
    // and the next request would share its state with that one.
    for _ in 0..2 {
        let started = std::time::Instant::now();
        let called = call_as(&sandbox, &program, warm(1, KEY), "GET", "/unfinished", "").await;
        assert_eq!((called.status, called.body.as_str()), (200, "partial"));
        assert!(
            started.elapsed() < LIMITS.timeout,
            "ended with the instance"
        );
        assert_eq!(sandbox.stats().warm_instances, 0);
    }
    assert_eq!(remember(&sandbox, &program, warm(1, KEY), 1).await, "0 0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_serves_at_most_its_maximum_of_requests() {
    let cache = tempfile::tempdir().unwrap();
    let sandbox = sandbox(cache.path());
    let program = ready(&sandbox).await;

    // `/remember` grows a page each time: `/hello` between, which does not.
    assert_eq!(remember(&sandbox, &program, warm(1, KEY), 1).await, "0 0");
    for _ in 2..MAX_REQUESTS {
        let called = call_as(&sandbox, &program, warm(1, KEY), "GET", "/hello", "").await;
        assert_eq!(called.status, 200);
    }
    assert_eq!(sandbox.stats().warm_instances, 1);
    // Its last request, then a fresh instance.
    assert_eq!(remember(&sandbox, &program, warm(1, KEY), 2).await, "1 0");
    assert_eq!(sandbox.stats().warm_instances, 0);
    assert_eq!(remember(&sandbox, &program, warm(1, KEY), 3).await, "0 0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_over_a_lowered_memory_limit_is_not_reused() {
    let cache = tempfile::tempdir().unwrap();
    let sandbox = sandbox(cache.path());
    let program = ready(&sandbox).await;

    // `/remember` grows a page each time: the instance holds a page more
    // than a fresh one needs after its second request.
    remember(&sandbox, &program, warm(1, KEY), 1).await;
    let path = "/remember?v=2";
    let second = call_as(&sandbox, &program, warm(1, KEY), "GET", path, "").await;
    assert_eq!(second.body, "1 0");
    let lowered = Invocation {
        limits: FunctionLimits {
            memory_bytes: second.report.peak_memory_bytes - 1,
            ..LIMITS
        },
        ..warm(1, KEY)
    };
    assert_eq!(remember(&sandbox, &program, lowered, 3).await, "0 0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_instance_is_kept_when_the_node_keeps_none() {
    let cache = tempfile::tempdir().unwrap();
    let sandbox = sandbox_with(cache.path(), |config| config.max_warm_instances = 0);
    let program = ready(&sandbox).await;
    for n in 1..=3 {
        assert_eq!(remember(&sandbox, &program, warm(1, KEY), n).await, "0 0");
    }
    assert_eq!(sandbox.stats().warm_instances, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_least_recently_used_instance_goes_first() {
    let cache = tempfile::tempdir().unwrap();
    let sandbox = sandbox_with(cache.path(), |config| config.max_warm_instances = 2);
    let program = ready(&sandbox).await;
    let key = |function_id| WarmKey { function_id, ..KEY };
    for function_id in 1..=3 {
        remember(&sandbox, &program, warm(1, key(function_id)), 1).await;
    }
    assert_eq!(sandbox.stats().warm_instances, 2);
    assert_eq!(
        remember(&sandbox, &program, warm(1, key(1)), 2).await,
        "0 0"
    );
    assert_eq!(
        remember(&sandbox, &program, warm(1, key(3)), 2).await,
        "1 0"
    );
}
