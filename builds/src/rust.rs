//! The Rust toolchain: a prepared crate that user source is built in, and
//! one build of it inside the [`jail`](crate::jail).
//!
//! The crate (Fnlab's SDK plus a `function` cdylib depending on it) is
//! embedded in the binary and written under the data directory, always at
//! the same path, so cargo keeps its dependencies compiled between builds:
//! a warm build compiles only the user's `src/lib.rs`. Inside the sandbox
//! the toolchain, the registry, the SDK and the crate's manifest are
//! read-only; only the target directory is writable. Builds are offline
//! and locked, so the user can neither add dependencies nor reach the
//! network.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use crate::diagnostics::parse_line;
use crate::jail::{self, Bind, Ending, JailCommand, JailLimits};
use crate::model::{Failure, FailureCode};
use crate::root::{self, write_if_changed};
use crate::toolchain::{BuildLimits, Built, ToolchainError};

/// The prepared crate's files, embedded: (path under the build root,
/// contents).
const CRATE_FILES: &[(&str, &str)] = &[
    (
        "sdk/Cargo.toml",
        include_str!("../../guests/rust/sdk/Cargo.toml"),
    ),
    (
        "sdk/src/lib.rs",
        include_str!("../../guests/rust/sdk/src/lib.rs"),
    ),
    (
        "sdk/src/lambda.rs",
        include_str!("../../guests/rust/sdk/src/lambda.rs"),
    ),
    (
        "sdk/src/fetch.rs",
        include_str!("../../guests/rust/sdk/src/fetch.rs"),
    ),
    (
        "sdk/src/kv.rs",
        include_str!("../../guests/rust/sdk/src/kv.rs"),
    ),
    (
        "sdk/src/schedule.rs",
        include_str!("../../guests/rust/sdk/src/schedule.rs"),
    ),
    (
        "sdk/wit/keyvalue.wit",
        include_str!("../../guests/wit/deps/keyvalue.wit"),
    ),
    (
        "function/Cargo.toml",
        include_str!("../../guests/rust/function/Cargo.toml"),
    ),
    (
        "function/Cargo.lock",
        include_str!("../../guests/rust/function/Cargo.lock"),
    ),
];

/// The source the crate is warmed up with.
const WARM_UP_SOURCE: &str = include_str!("../../guests/templates/rust/hello.rs");

/// The user's file, as rustc names it in its messages.
const USER_FILE: &str = "src/lib.rs";

/// Builds Rust source into components, one at a time.
pub struct RustToolchain {
    root: PathBuf,
    sysroot: PathBuf,
    registry: PathBuf,
    limits: BuildLimits,
    busy: Mutex<()>,
}

impl RustToolchain {
    /// The toolchain rustc reports (its sysroot must have the wasm32-wasip2
    /// target), building under `root` (created as needed).
    pub fn detect(root: PathBuf, limits: BuildLimits) -> Result<Self, ToolchainError> {
        let output = std::process::Command::new("rustc")
            .args(["--print", "sysroot"])
            .output()
            .map_err(|e| ToolchainError(format!("cannot run rustc: {e}")))?;
        if !output.status.success() {
            return Err(ToolchainError("rustc --print sysroot failed".into()));
        }
        let sysroot = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        if !sysroot.join("lib/rustlib/wasm32-wasip2").is_dir() {
            return Err(ToolchainError(format!(
                "the wasm32-wasip2 target is missing from {}: run `rustup target add wasm32-wasip2`",
                sysroot.display()
            )));
        }
        let cargo_home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))
            .ok_or_else(|| ToolchainError("neither CARGO_HOME nor HOME is set".into()))?;
        Ok(Self {
            root,
            sysroot,
            registry: cargo_home.join("registry"),
            limits,
            busy: Mutex::new(()),
        })
    }

    /// Writes the prepared crate (leaving unchanged files alone, so cargo's
    /// work stays valid), downloads its dependencies from the registry when
    /// missing (outside the sandbox: only our own locked manifest is
    /// fetched), and builds a template once so that every dependency is
    /// compiled before the first user build.
    pub async fn prepare(&self) -> Result<(), ToolchainError> {
        let _busy = self.busy.lock().await;
        let io =
            |e: std::io::Error| ToolchainError(format!("preparing {}: {e}", self.root.display()));
        for (path, contents) in CRATE_FILES {
            write_if_changed(&self.root.join(path), contents).map_err(io)?;
        }
        std::fs::create_dir_all(self.root.join("target")).map_err(io)?;
        let fetched = tokio::process::Command::new("cargo")
            .args(["fetch", "--locked", "--target", "wasm32-wasip2"])
            .current_dir(self.root.join("function"))
            .status()
            .await
            .map_err(|e| ToolchainError(format!("cannot run cargo fetch: {e}")))?;
        if !fetched.success() {
            return Err(ToolchainError(
                "cargo fetch failed: the SDK's dependencies could not be downloaded".into(),
            ));
        }
        let started = Instant::now();
        // The first build compiles every dependency: give it room.
        let limits = BuildLimits {
            wall: self.limits.wall.max(Duration::from_secs(900)),
            memory_bytes: self.limits.memory_bytes.max(2 << 30),
            ..self.limits
        };
        self.build_locked(WARM_UP_SOURCE, &limits, &mut |_| {})
            .await
            .map_err(|failure| {
                ToolchainError(format!("the warm-up build failed: {}", failure.message))
            })?;
        tracing::info!(
            elapsed_ms = started.elapsed().as_millis(),
            "Rust toolchain ready"
        );
        Ok(())
    }

    /// Builds `source` as the crate's `src/lib.rs`, handing each line of
    /// the build's log to `on_log` as it comes.
    pub async fn build(
        &self,
        source: &str,
        on_log: &mut (dyn FnMut(&str) + Send),
    ) -> Result<Built, Failure> {
        let _busy = self.busy.lock().await;
        self.build_locked(source, &self.limits, on_log).await
    }

    /// One build, with this process's lock held; takes the build root's
    /// file lock too, as other processes may share the root.
    async fn build_locked(
        &self,
        source: &str,
        limits: &BuildLimits,
        on_log: &mut (dyn FnMut(&str) + Send),
    ) -> Result<Built, Failure> {
        let internal = |e: std::io::Error| {
            Failure::new(FailureCode::Internal, format!("preparing the build: {e}"))
        };
        let _root_lock = root::lock(&self.root).await.map_err(internal)?;
        let release = self.root.join("target/wasm32-wasip2/release");
        forget_previous_function(&release).map_err(internal)?;
        write_if_changed(&self.root.join("function").join(USER_FILE), source).map_err(internal)?;
        let output = release.join("function.wasm");

        let mut diagnostics = Vec::new();
        let mut log_tail = String::new();
        let ending = jail::run(&self.command(limits), |stdout, line| {
            let text = if stdout {
                let message = parse_line(line, USER_FILE);
                diagnostics.extend(message.diagnostics);
                message.rendered
            } else {
                Some(format!("{line}\n"))
            };
            if let Some(text) = text {
                log_tail.push_str(&text);
                if log_tail.len() > 4096 {
                    log_tail.drain(..log_tail.len() - 2048);
                }
                on_log(&text);
            }
        })
        .await
        .map_err(|e| Failure::new(FailureCode::Internal, e.to_string()))?;

        match ending {
            Ending::Exited(0) => {}
            Ending::TimedOut => {
                return Err(Failure::new(
                    FailureCode::Timeout,
                    format!(
                        "the build ran past its {} s limit and was stopped",
                        limits.wall.as_secs()
                    ),
                ));
            }
            Ending::OutOfMemory => return Err(out_of_memory(limits)),
            // Under `ulimit -v` (no cgroups) rustc reports the failed
            // allocation itself.
            _ if log_tail.contains("memory allocation of")
                || log_tail.contains("more memory than available to compiler") =>
            {
                return Err(out_of_memory(limits));
            }
            _ if log_tail.contains("File too large") => {
                return Err(Failure::new(
                    FailureCode::OutputTooLarge,
                    format!(
                        "the compiler wrote a file larger than the build's {} MiB limit",
                        file_limit(limits) >> 20
                    ),
                ));
            }
            _ => {
                let errors = diagnostics.iter().filter(|d| d.severity == "error").count();
                let message = match errors {
                    0 => "the build failed; see its log".to_owned(),
                    1 => "the compiler found an error".to_owned(),
                    n => format!("the compiler found {n} errors"),
                };
                return Err(Failure {
                    code: FailureCode::CompileError,
                    message,
                    diagnostics,
                });
            }
        }
        let component = std::fs::read(&output).map_err(|e| {
            Failure::new(
                FailureCode::Internal,
                format!("the build wrote no component: {e}"),
            )
        })?;
        if component.len() as u64 > limits.component_bytes {
            return Err(Failure::new(
                FailureCode::OutputTooLarge,
                format!(
                    "the component is {} KiB, over the {} KiB limit",
                    component.len() >> 10,
                    limits.component_bytes >> 10
                ),
            ));
        }
        Ok(Built {
            component,
            diagnostics,
        })
    }

    /// cargo, offline and locked, inside the sandbox.
    fn command(&self, limits: &BuildLimits) -> JailCommand {
        let bind = |host: PathBuf, inside: &str, writable: bool| Bind {
            host,
            inside: inside.into(),
            writable,
        };
        let env = [
            ("PATH", "/toolchain/bin:/usr/bin"),
            ("HOME", "/home"),
            ("CARGO_HOME", "/home/.cargo"),
            ("CARGO_TARGET_DIR", "/build/target"),
            ("RUSTC", "/toolchain/bin/rustc"),
            ("CARGO_TERM_COLOR", "never"),
        ];
        JailCommand {
            argv: [
                "/toolchain/bin/cargo",
                "build",
                "--offline",
                "--locked",
                "--release",
                "--target",
                "wasm32-wasip2",
                "--message-format=json",
            ]
            .map(String::from)
            .to_vec(),
            cwd: "/build/function".into(),
            env: env
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
            binds: vec![
                bind(self.sysroot.clone(), "/toolchain", false),
                bind(self.registry.clone(), "/home/.cargo/registry", false),
                bind(self.root.join("sdk"), "/build/sdk", false),
                bind(self.root.join("function"), "/build/function", false),
                bind(self.root.join("target"), "/build/target", true),
            ],
            limits: JailLimits {
                wall: limits.wall,
                memory_bytes: limits.memory_bytes,
                processes: 256,
                file_bytes: file_limit(limits),
            },
        }
    }
}

/// The cap on any one file a build writes: intermediate files are larger
/// than the component, so leave room.
fn file_limit(limits: &BuildLimits) -> u64 {
    limits.component_bytes.saturating_mul(8).max(256 << 20)
}

fn out_of_memory(limits: &BuildLimits) -> Failure {
    Failure::new(
        FailureCode::Memory,
        format!(
            "the build ran out of its {} MiB of memory and was stopped",
            limits.memory_bytes >> 20
        ),
    )
}

/// Removes what the previous build of the user's crate left in `release`
/// (its component, objects, fingerprints, incremental state), so that no
/// build can read another user's output with `include_bytes!`. The
/// dependencies' artifacts stay: they are public code, and why warm builds
/// are fast.
fn forget_previous_function(release: &Path) -> std::io::Result<()> {
    for dir in [".", "deps", ".fingerprint", "incremental", "build"] {
        let Ok(entries) = std::fs::read_dir(release.join(dir)) else {
            continue;
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with("function") || name.starts_with("libfunction") {
                let path = entry.path();
                if entry.file_type()?.is_dir() {
                    std::fs::remove_dir_all(path)?;
                } else {
                    std::fs::remove_file(path)?;
                }
            }
        }
    }
    Ok(())
}
