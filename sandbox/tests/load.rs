//! Validating, compiling and caching components.

mod common;

use common::{call, probe, probe_sha, sandbox, sandbox_with};
use fnlab_sandbox::{LoadError, LoadSource};

#[tokio::test]
async fn what_is_not_a_proxy_component_is_refused_with_a_reason() {
    let cache = tempfile::tempdir().unwrap();
    let sandbox = sandbox(cache.path());
    let garbage = sandbox.load("garbage", b"hello, I am not wasm").await.err();
    assert_eq!(garbage, Some(LoadError::NotWasm));

    let module = wat::parse_str("(module (func (export \"f\")))").unwrap();
    let core = sandbox.load("core", &module).await.err().unwrap();
    assert_eq!(core, LoadError::CoreModule);
    assert!(core.to_string().contains("wasm32-wasip2"));

    let component =
        wat::parse_str("(component (core module $m) (core instance (instantiate $m)))").unwrap();
    let no_handler = sandbox.load("no-handler", &component).await.err().unwrap();
    assert!(
        matches!(no_handler, LoadError::NoHandler(_)),
        "{no_handler}"
    );
    assert!(
        no_handler
            .to_string()
            .contains("wasi:http/incoming-handler")
    );

    let mut truncated = probe().to_vec();
    truncated.truncate(truncated.len() / 2);
    let broken = sandbox.load("truncated", &truncated).await.err().unwrap();
    assert!(matches!(broken, LoadError::Invalid(_)), "{broken}");

    let imports = wat::parse_str(
        r#"(component
             (import "acme:secrets/vault" (instance))
             (core module $m) (core instance (instantiate $m)))"#,
    )
    .unwrap();
    let unknown = sandbox.load("imports", &imports).await.err().unwrap();
    assert!(
        matches!(unknown, LoadError::NoHandler(_) | LoadError::Imports(_)),
        "{unknown}"
    );
}

#[tokio::test]
async fn compiled_code_is_reused_from_memory_and_from_disk_and_a_damaged_file_is_recompiled() {
    let cache = tempfile::tempdir().unwrap();
    let sha = probe_sha();
    {
        let sandbox = sandbox(cache.path());
        // Nothing cached yet: only the component can make it ready.
        assert!(sandbox.load_cached(&sha).await.is_none());
        assert_eq!(
            sandbox.load(&sha, probe()).await.unwrap().source,
            LoadSource::Compiled
        );
        assert_eq!(
            sandbox.load(&sha, probe()).await.unwrap().source,
            LoadSource::Memory
        );
    }
    // A new sandbox (a restart) reloads the native code from disk, with
    // or without the component at hand.
    assert_eq!(
        sandbox(cache.path())
            .load_cached(&sha)
            .await
            .expect("reloaded without its component")
            .source,
        LoadSource::DiskCache
    );
    assert_eq!(
        sandbox(cache.path())
            .load(&sha, probe())
            .await
            .unwrap()
            .source,
        LoadSource::DiskCache
    );

    // Flip a byte in the cached file: it must be recompiled, not trusted.
    let file = std::fs::read_dir(cache.path())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.extension().is_some_and(|ext| ext == "cwasm"))
        .expect("a cache file");
    let mut bytes = std::fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&file, bytes).unwrap();
    assert!(sandbox(cache.path()).load_cached(&sha).await.is_none());
    assert_eq!(
        sandbox(cache.path())
            .load(&sha, probe())
            .await
            .unwrap()
            .source,
        LoadSource::Compiled
    );
    assert_eq!(
        sandbox(cache.path())
            .load(&sha, probe())
            .await
            .unwrap()
            .source,
        LoadSource::DiskCache
    );
}

/// The probe with a custom section named `fnlab-variant` holding `n`:
/// another component (another SHA-256) with the same code.
fn probe_variant(n: u8) -> Vec<u8> {
    let name = b"fnlab-variant";
    let mut component = probe().to_vec();
    // Section id 0 (custom), its size, then the name's length, the name
    // and the payload; every size here fits one LEB128 byte.
    let size = u8::try_from(1 + name.len() + 1).unwrap();
    component.extend([0, size, u8::try_from(name.len()).unwrap()]);
    component.extend(name);
    component.push(n);
    component
}

#[tokio::test]
async fn past_its_budget_of_native_code_the_least_recently_used_program_goes() {
    let cache = tempfile::tempdir().unwrap();
    let variants: Vec<Vec<u8>> = (0..3).map(probe_variant).collect();
    let one = sandbox(cache.path())
        .load("v0", &variants[0])
        .await
        .unwrap()
        .code_bytes;
    assert!(one > 0, "a program holds native code");

    // Room for two programs, not three.
    let budget = 2 * one + one / 2;
    let sandbox = sandbox_with(cache.path(), |config| {
        config.max_program_bytes = budget as u64;
    });
    let first = sandbox.load("v0", &variants[0]).await.unwrap();
    sandbox.load("v1", &variants[1]).await.unwrap();
    assert_eq!(sandbox.stats().programs_in_memory, 2);
    // v0 is called again: v1 is now the least recently used.
    assert!(sandbox.ready("v0").is_some());
    sandbox.load("v2", &variants[2]).await.unwrap();
    let stats = sandbox.stats();
    assert_eq!(stats.programs_in_memory, 2);
    assert!(stats.program_bytes <= budget as u64, "{stats:?}");
    assert!(
        sandbox.ready("v1").is_none(),
        "the least recently used went"
    );
    assert!(sandbox.ready("v0").is_some() && sandbox.ready("v2").is_some());

    // A program in use keeps working after it was dropped from memory…
    let evicted = sandbox.load("v1", &variants[1]).await.unwrap();
    assert_eq!(
        evicted.source,
        LoadSource::DiskCache,
        "reloaded, not compiled"
    );
    assert!(sandbox.ready("v0").is_none(), "v0 went for v1");
    assert_eq!(
        call(&sandbox, &first, 1, "GET", "/hello", "").await.status,
        200
    );
    // …and the budget still holds.
    assert!(sandbox.stats().program_bytes <= budget as u64);
}
