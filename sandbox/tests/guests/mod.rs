//! The test guests, built by the real toolchain (`cargo build --release
//! --target wasm32-wasip2`) once per test binary. Shared by the sandbox's
//! and the server's tests.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// The probe component (tests/guests/probe), built once per test binary
/// with `cargo build --release --target wasm32-wasip2`.
pub fn probe() -> &'static [u8] {
    static PROBE: OnceLock<Vec<u8>> = OnceLock::new();
    PROBE.get_or_init(|| {
        let crate_dir = PathBuf::from(file!())
            .parent()
            .expect("guests dir")
            .join("probe");
        let crate_dir = workspace_root().join(crate_dir);
        let target_dir = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace_root().join("target"))
            .join("guests");
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "--release", "--target", "wasm32-wasip2"])
            .current_dir(&crate_dir)
            .env("CARGO_TARGET_DIR", &target_dir)
            .env_remove("RUSTFLAGS")
            .status()
            .expect("run cargo for the probe guest");
        assert!(status.success(), "building the probe guest failed");
        std::fs::read(target_dir.join("wasm32-wasip2/release/probe.wasm")).expect("probe.wasm")
    })
}

/// The probe's SHA-256.
pub fn probe_sha() -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(probe()))
}

/// The workspace root: `file!()` paths are relative to it. Read at run time
/// (cargo sets it for tests) so that a test binary compiled in another clone
/// sharing the target directory still finds this clone's guests.
fn workspace_root() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .parent()
        .expect("crates live one level down")
        .to_owned()
}
