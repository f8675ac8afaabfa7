//! The memory limit is one budget per instance: a component whose extra
//! core modules each grow a memory of their own (or hold a large table)
//! cannot multiply it, and the reported peak is the total, not the largest.
//!
//! The hostile components are the real probe with core modules added to
//! it: printed to component text, extended, parsed back.

mod common;

use std::sync::Arc;

use common::{LIMITS, call, probe, probe_sha, sandbox};
use fnlab_sandbox::{Outcome, Program, Sandbox};

const MIB: u32 = 1 << 20;

/// A core module whose start function grows its own memory from nothing to
/// `mib` MiB and writes to every host page of it, so the memory is really
/// used. It traps if the growth is refused.
fn memory_module(mib: u32) -> String {
    let pages = mib * MIB / 65536;
    let bytes = mib * MIB;
    format!(
        "(memory 0)
         (func $touch (local $at i32)
           (if (i32.eq (memory.grow (i32.const {pages})) (i32.const -1)) (then unreachable))
           (loop $pages
             (i32.store8 (local.get $at) (i32.const 1))
             (local.set $at (i32.add (local.get $at) (i32.const 4096)))
             (br_if $pages (i32.lt_u (local.get $at) (i32.const {bytes})))))
         (start $touch)"
    )
}

/// A core module with a table of `elements` function references.
fn table_module(elements: u32) -> String {
    format!("(table {elements} funcref)")
}

/// The probe with each of `extras` (core module bodies) added as a core
/// module instantiated with the component, so its memory or table belongs
/// to the same instance as the probe's own.
fn probe_with(extras: &[String]) -> Vec<u8> {
    let mut text = wasmprinter::print_bytes(probe()).expect("print the probe");
    let end = text.rfind(')').expect("the component's closing paren");
    let added: String = extras
        .iter()
        .enumerate()
        .map(|(i, body)| {
            format!(
                "(core module $fnlab-extra-{i} {body})\n\
                 (core instance $fnlab-extra-instance-{i} (instantiate $fnlab-extra-{i}))\n"
            )
        })
        .collect();
    text.insert_str(end, &added);
    wat::parse_str(&text).expect("parse the extended probe")
}

async fn load(sandbox: &Sandbox, component: &[u8]) -> Arc<Program> {
    use sha2::{Digest, Sha256};
    let sha = hex::encode(Sha256::digest(component));
    sandbox.load(&sha, component).await.expect("it loads")
}

/// The probe's own peak answering `/hello`, to compare with.
async fn probe_peak(sandbox: &Sandbox) -> u64 {
    let program = load(sandbox, probe()).await;
    let called = call(sandbox, &program, 9, "GET", "/hello", "").await;
    assert_eq!(called.status, 200);
    called.report.peak_memory_bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn core_modules_with_memories_of_their_own_share_one_limit() {
    let cache = tempfile::tempdir().unwrap();
    let sandbox = sandbox(cache.path());
    // Each memory is well under the 32 MiB limit; together they are 84 MiB.
    let hostile = load(&sandbox, &probe_with(&vec![memory_module(12); 7])).await;

    let called = call(&sandbox, &hostile, 1, "GET", "/hello", "").await;
    assert_eq!(
        (called.status, called.report.outcome.clone()),
        (502, Outcome::OutOfMemory),
        "seven 12 MiB memories must not fit a 32 MiB limit: {:?}",
        called.report
    );
    assert!(
        called.body.contains("out of memory (limit 32 MiB)"),
        "{}",
        called.body
    );
    assert!(
        called.report.peak_memory_bytes <= LIMITS.memory_bytes,
        "{:?}",
        called.report
    );

    let normal = sandbox
        .load(&probe_sha(), probe())
        .await
        .expect("the probe loads");
    let other = call(&sandbox, &normal, 2, "GET", "/hello", "").await;
    assert_eq!(
        (other.status, other.body.as_str()),
        (200, "hello from fnlab\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_peak_is_the_total_of_every_memory() {
    let cache = tempfile::tempdir().unwrap();
    let sandbox = sandbox(cache.path());
    let alone = probe_peak(&sandbox).await;
    let program = load(&sandbox, &probe_with(&vec![memory_module(4); 2])).await;

    let called = call(&sandbox, &program, 1, "GET", "/hello", "").await;
    assert_eq!(
        (called.status, called.body.as_str()),
        (200, "hello from fnlab\n"),
        "{:?}",
        called.report
    );
    let extras = 2 * 4 * u64::from(MIB);
    assert!(
        called.report.peak_memory_bytes >= alone + extras,
        "peak {} is not the probe's {alone} plus the {extras} of the extra memories",
        called.report.peak_memory_bytes
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_count_toward_the_total() {
    let cache = tempfile::tempdir().unwrap();
    let sandbox = sandbox(cache.path());
    let alone = probe_peak(&sandbox).await;
    let elements = 100_000;
    let program = load(&sandbox, &probe_with(&[table_module(elements)])).await;

    let called = call(&sandbox, &program, 1, "GET", "/hello", "").await;
    assert_eq!(called.status, 200, "{:?}", called.report);
    let table = u64::from(elements) * size_of::<usize>() as u64;
    assert!(
        called.report.peak_memory_bytes >= alone + table,
        "peak {} is not the probe's {alone} plus the {table} of the table",
        called.report.peak_memory_bytes
    );
}
