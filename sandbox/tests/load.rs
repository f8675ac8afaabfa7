//! Validating, compiling and caching components.

mod common;

use common::{probe, probe_sha, sandbox};
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
        assert_eq!(
            sandbox.load(&sha, probe()).await.unwrap().source,
            LoadSource::Compiled
        );
        assert_eq!(
            sandbox.load(&sha, probe()).await.unwrap().source,
            LoadSource::Memory
        );
    }
    // A new sandbox (a restart) reloads the native code from disk.
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
