//! Running the probe guest: answers, logs, its environment (variables and
//! `wasi:config`), and every limit with its status.

mod common;

use std::time::{Duration, Instant};

use common::{call, probe, probe_sha, sandbox};
use fnlab_sandbox::Outcome;

async fn ready() -> (
    tempfile::TempDir,
    fnlab_sandbox::Sandbox,
    std::sync::Arc<fnlab_sandbox::Program>,
) {
    let cache = tempfile::tempdir().unwrap();
    let sandbox = sandbox(cache.path());
    let program = sandbox
        .load(&probe_sha(), probe())
        .await
        .expect("the probe loads");
    (cache, sandbox, program)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn method_path_query_headers_and_body_pass_through() {
    let (_cache, sandbox, program) = ready().await;
    let called = call(&sandbox, &program, 1, "POST", "/echo?q=1&r=two", "hi there").await;
    assert_eq!(called.status, 200);
    assert_eq!(
        called.body,
        "Method::Post /echo?q=1&r=two x-probe=abc cookie= body=hi there"
    );
    let report = called.report;
    assert_eq!((report.outcome.clone(), report.status), (Outcome::Ok, 200));
    assert_eq!(report.bytes_in, 8);
    assert_eq!(report.bytes_out, called.body.len() as u64);
    assert!(report.wall_us > 0 && report.cpu_us > 0, "{report:?}");
    assert!(report.peak_memory_bytes >= 64 * 1024, "{report:?}");
}

/// Instances reuse the pooling allocator's slots, whose memory stays
/// mapped between them: each must still start from the component's
/// initial memory, one after another and side by side.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_of_one_instances_memory_reaches_the_next() {
    let (_cache, sandbox, program) = ready().await;
    for value in 1..=20 {
        let called = call(
            &sandbox,
            &program,
            1,
            "GET",
            &format!("/remember?v={value}"),
            "",
        )
        .await;
        assert_eq!(
            (called.status, called.body.as_str()),
            (200, "0 0"),
            "call {value}"
        );
    }
    let side_by_side = (1..=8).map(|value| {
        let (sandbox, program) = (sandbox.clone(), program.clone());
        tokio::spawn(async move {
            call(
                &sandbox,
                &program,
                1,
                "GET",
                &format!("/remember?v={value}"),
                "",
            )
            .await
            .body
        })
    });
    for called in side_by_side {
        assert_eq!(called.await.unwrap(), "0 0");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdout_and_stderr_are_captured_and_capped() {
    let (_cache, sandbox, program) = ready().await;
    let logged = call(&sandbox, &program, 1, "GET", "/log", "").await;
    assert_eq!((logged.status, logged.body.as_str()), (201, "logged"));
    assert_eq!(logged.report.stdout, "a line on stdout\n");
    assert_eq!(logged.report.stderr, "a line on stderr\n");

    let spam = call(&sandbox, &program, 1, "GET", "/spam?n=100", "").await;
    assert_eq!(
        spam.status, 200,
        "a chatty guest is not stopped by its log cap"
    );
    assert!(
        spam.report.stdout.len() < 4200,
        "{}",
        spam.report.stdout.len()
    );
    assert!(spam.report.stdout.ends_with("[… output truncated]"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guests_see_no_environment_files_or_network() {
    let (_cache, sandbox, program) = ready().await;
    let seen = call(&sandbox, &program, 1, "GET", "/env", "").await.body;
    assert!(seen.starts_with("vars=0 root=Err("), "{seen}");
    assert!(seen.contains("HttpRequestDenied"), "{seen}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_functions_variables_are_its_environment_and_its_wasi_config() {
    let (_cache, sandbox, program) = ready().await;
    let env: Vec<(String, String)> = vec![
        ("GREETING".into(), "hello".into()),
        ("TOKEN".into(), "s3cret".into()),
    ];
    let program = program.with_env(env.into());
    let var = call(&sandbox, &program, 1, "GET", "/var?name=GREETING", "").await;
    assert_eq!((var.status, var.body.as_str()), (200, "GREETING=hello"));
    let config = call(&sandbox, &program, 1, "GET", "/config?name=TOKEN", "").await;
    assert_eq!(
        (config.status, config.body.as_str()),
        (200, "TOKEN=s3cret of 2")
    );
    let missing = call(&sandbox, &program, 1, "GET", "/config?name=NONE", "").await;
    assert_eq!(
        (missing.status, missing.body.as_str()),
        (404, "NONE is not set (2 set)")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_loop_times_out_with_504() {
    let (_cache, sandbox, program) = ready().await;
    let started = Instant::now();
    let called = call(&sandbox, &program, 1, "GET", "/loop", "").await;
    assert_eq!(called.status, 504);
    assert!(called.body.contains("1500 ms timeout"), "{}", called.body);
    assert_eq!(called.report.outcome, Outcome::Timeout);
    assert!(
        called
            .report
            .stderr
            .contains("[fnlab] the function did not finish"),
        "{}",
        called.report.stderr
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        called.report.cpu_us > 500_000,
        "the loop burned CPU: {:?}",
        called.report
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_waiting_past_its_deadline_is_stopped_too() {
    let (_cache, sandbox, program) = ready().await;
    let called = call(&sandbox, &program, 1, "GET", "/slow?ms=60000", "").await;
    assert_eq!(
        (called.status, called.report.outcome.clone()),
        (504, Outcome::Timeout)
    );
    assert!(
        called.report.cpu_us < 500_000,
        "sleeping costs no CPU: {:?}",
        called.report
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crashes_answer_502_with_the_reason() {
    let (_cache, sandbox, program) = ready().await;
    let oom = call(&sandbox, &program, 1, "GET", "/alloc", "").await;
    assert_eq!(
        (oom.status, oom.report.outcome.clone()),
        (502, Outcome::OutOfMemory),
        "{}",
        oom.body
    );
    assert!(
        oom.body.contains("out of memory (limit 32 MiB)"),
        "{}",
        oom.body
    );
    assert!(oom.report.peak_memory_bytes <= 32 << 20);

    let panic = call(&sandbox, &program, 1, "GET", "/panic", "").await;
    assert_eq!(panic.status, 502);
    assert!(
        matches!(panic.report.outcome, Outcome::Trap(_)),
        "{:?}",
        panic.report.outcome
    );
    assert!(
        panic.report.stderr.contains("deliberate panic"),
        "{}",
        panic.report.stderr
    );

    let deep = call(&sandbox, &program, 1, "GET", "/recurse", "").await;
    assert_eq!(
        (deep.status, deep.report.outcome),
        (502, Outcome::StackOverflow)
    );

    let silent = call(&sandbox, &program, 1, "GET", "/silent", "").await;
    assert_eq!(silent.status, 502);
    assert!(
        matches!(silent.report.outcome, Outcome::NoResponse(_)),
        "{:?}",
        silent.report.outcome
    );

    // The same program still answers after all that.
    assert_eq!(
        call(&sandbox, &program, 1, "GET", "/hello", "")
            .await
            .status,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_over_their_limits_are_refused_or_cut_off() {
    let (_cache, sandbox, program) = ready().await;
    let big_request = "x".repeat(100 * 1024);
    let refused = call(&sandbox, &program, 1, "POST", "/count", &big_request).await;
    assert_eq!(
        (refused.status, refused.report.outcome),
        (413, Outcome::RequestTooLarge)
    );
    let fits = call(
        &sandbox,
        &program,
        1,
        "POST",
        "/count",
        &"x".repeat(60 * 1024),
    )
    .await;
    assert_eq!((fits.status, fits.body.as_str()), (200, "61440"));

    let small = call(&sandbox, &program, 1, "GET", "/big?n=16", "").await;
    assert_eq!((small.status, small.body.len()), (200, 16 * 4096));
    let cut = call(&sandbox, &program, 1, "GET", "/big?n=128", "").await;
    assert!(cut.body_error, "the caller sees the body break off");
    assert_eq!(cut.report.outcome, Outcome::ResponseTooLarge);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_users_timeout_does_not_stop_another_request() {
    let (_cache, sandbox, program) = ready().await;
    let stuck = tokio::spawn({
        let (sandbox, program) = (sandbox.clone(), program.clone());
        async move { call(&sandbox, &program, 1, "GET", "/loop", "").await.status }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    for _ in 0..20 {
        assert_eq!(
            call(&sandbox, &program, 2, "GET", "/hello", "")
                .await
                .status,
            200
        );
    }
    assert!(
        started.elapsed() < Duration::from_millis(1400),
        "served while the loop ran"
    );
    assert_eq!(stuck.await.unwrap(), 504);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_concurrent_instances_of_one_user_get_429() {
    let (_cache, sandbox, program) = ready().await;
    let sleepers: Vec<_> = (0..4)
        .map(|_| {
            let (sandbox, program) = (sandbox.clone(), program.clone());
            tokio::spawn(async move {
                call(&sandbox, &program, 1, "GET", "/slow?ms=700", "")
                    .await
                    .status
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let refused = call(&sandbox, &program, 1, "GET", "/hello", "").await;
    assert_eq!(
        (refused.status, refused.report.outcome),
        (429, Outcome::TooManyRequests)
    );
    assert_eq!(
        call(&sandbox, &program, 2, "GET", "/hello", "")
            .await
            .status,
        200,
        "other users are not limited"
    );
    for sleeper in sleepers {
        assert_eq!(sleeper.await.unwrap(), 200);
    }
    assert_eq!(
        call(&sandbox, &program, 1, "GET", "/hello", "")
            .await
            .status,
        200,
        "slots come back"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compiles_take_turns_and_a_crowd_is_told_to_wait() {
    let cache = tempfile::tempdir().unwrap();
    let mut config = fnlab_sandbox::SandboxConfig::new(cache.path().to_owned());
    config.max_concurrent_compiles = 1;
    config.compile_wait = Duration::ZERO;
    let sandbox = fnlab_sandbox::Sandbox::new(config).unwrap();
    // The probe and the probe with a custom section: two components.
    let mut other = probe().to_vec();
    other.extend_from_slice(&[0x00, 0x02, 0x01, b'x']);
    let other_sha = format!("{:064x}", 1);

    let sha = probe_sha();
    let (first, second) = tokio::join!(
        sandbox.load(&sha, probe()),
        sandbox.load(&other_sha, &other)
    );
    assert!(first.is_ok());
    assert!(
        matches!(second, Err(fnlab_sandbox::LoadError::Busy)),
        "the second compile did not wait its turn"
    );
    // Its turn comes once the first is done.
    sandbox.load(&other_sha, &other).await.expect("loads later");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_waits_so_long_for_its_compile_which_goes_on_into_the_cache() {
    let cache = tempfile::tempdir().unwrap();
    let mut config = fnlab_sandbox::SandboxConfig::new(cache.path().to_owned());
    config.compile_timeout = Duration::from_millis(1);
    let sandbox = fnlab_sandbox::Sandbox::new(config).unwrap();
    let refused = sandbox.load(&probe_sha(), probe()).await;
    assert!(
        matches!(refused, Err(fnlab_sandbox::LoadError::TooSlow(_))),
        "a compile of more than 1 ms was waited for"
    );
    // The compile went on into the code cache: another sandbox on that
    // cache (a restart) reloads it rather than compiling.
    let deadline = Instant::now() + Duration::from_secs(60);
    let cached = |entry: std::fs::DirEntry| entry.file_name().to_string_lossy().ends_with(".cwasm");
    while !std::fs::read_dir(cache.path())
        .unwrap()
        .any(|entry| cached(entry.unwrap()))
    {
        assert!(
            Instant::now() < deadline,
            "the compile never reached the cache"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let restarted =
        fnlab_sandbox::Sandbox::new(fnlab_sandbox::SandboxConfig::new(cache.path().to_owned()))
            .unwrap();
    let program = restarted.load(&probe_sha(), probe()).await.unwrap();
    assert_eq!(program.source, fnlab_sandbox::LoadSource::DiskCache);
}
