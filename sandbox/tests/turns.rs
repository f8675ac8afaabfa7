//! How one user's guests share the cores with everyone else's: a user
//! alone on the node runs light guests on every core; once another user
//! has instances alive, each user's guests take turns (here one at a
//! time), so the newcomer gets a core however busy the first user is; and
//! guests of a program whose last instance used much memory take turns
//! even alone. Measured by the CPU time of busy loops, which run until
//! their deadline.

mod common;

use common::{LIMITS, call, probe, probe_sha, sandbox_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_alone_uses_every_core_and_shares_them_when_another_comes_or_guests_are_heavy() {
    let cache = tempfile::tempdir().unwrap();
    let sandbox = sandbox_with(cache.path(), |config| config.max_running_per_user = 1);
    let program = sandbox.load(&probe_sha(), probe()).await.unwrap();
    let deadline_us = LIMITS.timeout.as_micros() as u64;
    let busy_loop = |user_id| call(&sandbox, &program, user_id, "GET", "/loop", "");

    // Alone: two loops of user 1 run side by side, a core each.
    let (first, second) = tokio::join!(busy_loop(1), busy_loop(1));
    assert_eq!((first.status, second.status), (504, 504));
    let alone = first.report.cpu_us + second.report.cpu_us;
    assert!(
        alone > deadline_us * 3 / 2,
        "alone, user 1's two loops ran {alone} µs in {deadline_us} µs: not on both cores"
    );

    // With user 2's loop beside them, user 1's loops take turns on one
    // core and user 2's has the other (sharing all three evenly would give
    // user 1 two thirds of both cores and user 2 one third).
    let (first, second, other) = tokio::join!(busy_loop(1), busy_loop(1), busy_loop(2));
    assert_eq!((first.status, second.status, other.status), (504, 504, 504));
    let shared = first.report.cpu_us + second.report.cpu_us;
    let others = other.report.cpu_us;
    assert!(
        shared < deadline_us * 6 / 5,
        "user 1's two loops ran {shared} µs beside another user's: more than one core"
    );
    assert!(
        others > deadline_us * 4 / 5,
        "user 2's loop ran {others} µs of {deadline_us}: it did not get a core"
    );

    // Once an instance of the program used much memory (the probe's
    // /alloc grows to the 32 MiB limit), its guests take turns even alone.
    let heavy = call(&sandbox, &program, 1, "GET", "/alloc", "").await;
    assert!(
        heavy.report.peak_memory_bytes > 16 << 20,
        "{:?}",
        heavy.report
    );
    let (first, second) = tokio::join!(busy_loop(1), busy_loop(1));
    let heavy_alone = first.report.cpu_us + second.report.cpu_us;
    assert!(
        heavy_alone < deadline_us * 6 / 5,
        "after a heavy instance, user 1's two loops ran {heavy_alone} µs alone: more than one core"
    );
}
