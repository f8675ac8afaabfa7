//! Sandbox benchmark: prints how long a component takes to compile and to
//! reload from the disk cache, and how many requests per second the
//! sandbox serves with a fresh instance each (with latency percentiles).
//!
//! Run: `cargo run --release -p fnlab-sandbox --example bench [requests] [concurrency]
//! [component.wasm [source]]`: the probe guest by default, or any component;
//! with a source file, its text is the guests' `FNLAB_SOURCE` (how a script
//! runtime gets its function, see `guests/`).

#[path = "../tests/guests/mod.rs"]
mod guests;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use fnlab_sandbox::{FunctionLimits, Invocation, Program, Sandbox, SandboxConfig};
use http_body_util::{BodyExt, Empty};
use sha2::Digest;

const LIMITS: FunctionLimits = FunctionLimits {
    timeout: Duration::from_secs(10),
    memory_bytes: 128 << 20,
};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize, default| {
        args.get(i)
            .map_or(default, |a| a.parse().expect("a number"))
    };
    let (requests, concurrency) = (number(0, 20_000), number(1, 8));
    let (component, sha) = match args.get(2) {
        Some(path) => {
            let bytes = std::fs::read(path).expect("component file");
            let sha = hex::encode(sha2::Sha256::digest(&bytes));
            (Box::leak(bytes.into_boxed_slice()) as &[u8], sha)
        }
        None => (guests::probe(), guests::probe_sha()),
    };
    let env: Vec<(String, String)> = args
        .get(3)
        .map(|path| std::fs::read_to_string(path).expect("source file"))
        .map(|source| vec![("FNLAB_SOURCE".to_owned(), source)])
        .unwrap_or_default();
    let cache = tempfile::tempdir().expect("temp dir");
    let config = SandboxConfig::new(cache.path().to_owned());

    let started = Instant::now();
    let compiled = Sandbox::new(config.clone()).expect("sandbox");
    compiled.load(&sha, component).await.expect("load");
    println!(
        "compile ({} KiB):               {:>8.1} ms",
        component.len() / 1024,
        ms(started.elapsed())
    );
    drop(compiled);

    let sandbox = Sandbox::new(config).expect("sandbox");
    let started = Instant::now();
    let program = sandbox.load(&sha, component).await.expect("load");
    println!(
        "reload from disk cache:         {:>8.1} ms",
        ms(started.elapsed())
    );
    let program = program.with_env(env.into());
    let started = Instant::now();
    hello(&sandbox, &program).await;
    println!(
        "first request:                  {:>8.2} ms",
        ms(started.elapsed())
    );

    for _ in 0..200 {
        hello(&sandbox, &program).await;
    }
    let started = Instant::now();
    let per_worker = requests / concurrency;
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (sandbox, program) = (sandbox.clone(), program.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(per_worker);
                for _ in 0..per_worker {
                    let t = Instant::now();
                    hello(&sandbox, &program).await;
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await.expect("worker"));
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let pct =
        |p: f64| ms(latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)]);
    println!(
        "hello, fresh instance each:     {:>8.0} req/s  ({} requests, concurrency {concurrency}, {} worker threads)",
        latencies.len() as f64 / elapsed.as_secs_f64(),
        latencies.len(),
        std::thread::available_parallelism().map_or(1, |n| n.get()),
    );
    println!(
        "latency p50 / p99 / max:        {:.3} / {:.3} / {:.3} ms",
        pct(0.50),
        pct(0.99),
        pct(1.0)
    );
}

async fn hello(sandbox: &Sandbox, program: &Arc<Program>) {
    let request = http::Request::builder()
        .uri("/hello")
        .header("host", "bench")
        .body(Empty::<Bytes>::new())
        .expect("request");
    let (response, report) = sandbox
        .invoke(
            program,
            Invocation {
                user_id: 1,
                limits: LIMITS,
                warm: None,
            },
            request,
        )
        .await;
    let status = response.status();
    let body = response.into_body().collect().await.expect("body");
    let report = report.await.expect("report");
    assert_eq!(status, 200, "{:?} {report:?}", body.to_bytes());
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}
