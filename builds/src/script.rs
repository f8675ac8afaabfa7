//! The script languages (JavaScript, Python): one shared runtime component
//! per language, and a syntax check per deploy.
//!
//! componentize-js and componentize-py take 10–15 s to build a component,
//! and wasmtime as long again to compile its 13–19 MB. So each language has
//! ONE runtime component, built once per node (and again only when its
//! sources or tools change) inside the [`jail`](crate::jail), that reads
//! its function's source from the `FNLAB_SOURCE` environment variable
//! ([`runtime_env`]). A deploy then only checks the source's syntax in the
//! jail, mapping errors to the user's lines, and hands on the runtime,
//! which the sandbox has compiled already: seconds become milliseconds.
//! The runtime is stored once (components are content-addressed), and each
//! version keeps its source, which is what the runtime runs.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio::sync::Mutex;

use crate::Language;
use crate::diagnostics::Diagnostic;
use crate::jail::{self, Bind, Ending, JailCommand, JailLimits};
use crate::model::{Failure, FailureCode};
use crate::root::{self, write_if_changed};
use crate::toolchain::{BuildLimits, Built, ToolchainError};

/// The environment variable that carries a function's source to its runtime.
pub const SOURCE_VARIABLE: &str = "FNLAB_SOURCE";

/// The WIT files of WASI 0.2 (from wasmtime-wasi-http) and of
/// wasi:keyvalue 0.2.0-draft, under `wit/deps/`.
const WASI_WIT: &[(&str, &str)] = &[
    ("cli.wit", include_str!("../../guests/wit/deps/cli.wit")),
    (
        "clocks.wit",
        include_str!("../../guests/wit/deps/clocks.wit"),
    ),
    (
        "filesystem.wit",
        include_str!("../../guests/wit/deps/filesystem.wit"),
    ),
    ("http.wit", include_str!("../../guests/wit/deps/http.wit")),
    ("io.wit", include_str!("../../guests/wit/deps/io.wit")),
    (
        "random.wit",
        include_str!("../../guests/wit/deps/random.wit"),
    ),
    (
        "sockets.wit",
        include_str!("../../guests/wit/deps/sockets.wit"),
    ),
    (
        "keyvalue.wit",
        include_str!("../../guests/wit/deps/keyvalue.wit"),
    ),
];

/// The version of WASI the files in `guests/wit/deps` declare.
const WASI_WIT_VERSION: &str = "0.2.12";

/// How one script language builds its runtime and checks a function.
pub(crate) struct Recipe {
    /// The language.
    pub(crate) language: Language,
    /// The function's file name, as messages name it.
    pub(crate) source_file: &'static str,
    /// The WASI version its toolchain targets (the WIT files are written
    /// with it).
    pub(crate) wasi_version: &'static str,
    /// Files written to the build root (read-only at `/build` inside).
    pub(crate) files: &'static [(&'static str, &'static str)],
    /// Its tools: the folder under the tools directory, and where the jail
    /// mounts it (read-only).
    pub(crate) tools: (&'static str, &'static str),
    /// Builds the runtime into `/out/runtime.wasm`.
    pub(crate) build: &'static [&'static str],
    /// Checks `/src/<source_file>`: JSON diagnostics on stdout, exit 1.
    pub(crate) check: &'static [&'static str],
}

/// The environment a script function's runtime needs: its source in
/// [`SOURCE_VARIABLE`]; `None` for a compiled language, whose component
/// is the function itself.
pub fn runtime_env(language: Language, source: &str) -> Option<Vec<(String, String)>> {
    language
        .is_script()
        .then(|| vec![(SOURCE_VARIABLE.to_owned(), source.to_owned())])
}

/// One script language's toolchain on this node.
pub struct ScriptToolchain {
    recipe: &'static Recipe,
    root: PathBuf,
    tools: PathBuf,
    limits: BuildLimits,
    runtime: Mutex<Option<Arc<Vec<u8>>>>,
}

impl ScriptToolchain {
    /// `language`'s toolchain, building under `root` with the tools
    /// installed under `tools`; an error says what is missing.
    pub(crate) fn detect(
        recipe: &'static Recipe,
        root: &Path,
        tools: &Path,
        limits: BuildLimits,
    ) -> Result<Self, ToolchainError> {
        let tools = tools.join(recipe.tools.0);
        if !tools.is_dir() {
            return Err(ToolchainError(format!(
                "{} is missing: .ci/setup.sh installs it",
                tools.display()
            )));
        }
        Ok(Self {
            recipe,
            root: root.join(recipe.language.as_str()),
            tools,
            limits,
            runtime: Mutex::new(None),
        })
    }

    /// The runtime component: in memory, else on disk when built from the
    /// same files and tools, else built now in the jail (10–30 s).
    pub async fn runtime(&self) -> Result<Arc<Vec<u8>>, ToolchainError> {
        let mut runtime = self.runtime.lock().await;
        if let Some(bytes) = runtime.as_ref() {
            return Ok(bytes.clone());
        }
        let fail =
            |e: std::io::Error| ToolchainError(format!("preparing {}: {e}", self.root.display()));
        let _root_lock = root::lock(&self.root).await.map_err(fail)?;
        let stamp = self.write_files().map_err(fail)?;
        let (out, stamp_file) = (
            self.root.join("out/runtime.wasm"),
            self.root.join("out/stamp"),
        );
        let fresh = std::fs::read_to_string(&stamp_file).is_ok_and(|found| found == stamp);
        if !fresh {
            self.build_runtime().await?;
            std::fs::write(&stamp_file, &stamp).map_err(fail)?;
        }
        let bytes = Arc::new(std::fs::read(&out).map_err(fail)?);
        *runtime = Some(bytes.clone());
        Ok(bytes)
    }

    /// Writes the recipe's files and the WIT files; returns a stamp of
    /// them and of the tools, which names the runtime they build.
    fn write_files(&self) -> std::io::Result<String> {
        let recipe = self.recipe;
        let mut stamp = Sha256::new();
        for (path, contents) in recipe.files {
            write_if_changed(&self.root.join(path), contents)?;
            stamp.update(contents);
        }
        for (name, contents) in WASI_WIT {
            let contents = contents.replace(WASI_WIT_VERSION, recipe.wasi_version);
            write_if_changed(&self.root.join("wit/deps").join(name), &contents)?;
            stamp.update(&contents);
        }
        // What .ci/setup.sh says it installed there.
        for marker in ["installed-version", "../installed-from.json"] {
            if let Ok(contents) = std::fs::read(self.tools.join(marker)) {
                stamp.update(contents);
            }
        }
        std::fs::create_dir_all(self.root.join("out"))?;
        std::fs::create_dir_all(self.root.join("src"))?;
        Ok(hex::encode(stamp.finalize()))
    }

    async fn build_runtime(&self) -> Result<(), ToolchainError> {
        let language = self.recipe.language.as_str();
        tracing::info!(language, "building the runtime component (once per node)");
        let started = Instant::now();
        let limits = BuildLimits {
            wall: self.limits.wall.max(Duration::from_secs(600)),
            ..self.limits
        };
        let mut log = String::new();
        let ending = jail::run(
            &self.command(self.recipe.build, &limits, true),
            |_, line| {
                log.push_str(line);
                log.push('\n');
            },
        )
        .await
        .map_err(|e| ToolchainError(e.to_string()))?;
        if ending != Ending::Exited(0) {
            return Err(ToolchainError(format!(
                "building the {language} runtime failed ({ending:?}):\n{log}"
            )));
        }
        tracing::info!(
            language,
            elapsed_ms = started.elapsed().as_millis(),
            "runtime built"
        );
        Ok(())
    }

    /// Checks `source` in the jail and answers the runtime as the
    /// function's component, handing each log line to `on_log`.
    pub async fn build(
        &self,
        source: &str,
        on_log: &mut (dyn FnMut(&str) + Send),
    ) -> Result<Built, Failure> {
        let internal = |e: String| Failure::new(FailureCode::Internal, e);
        if self
            .runtime
            .try_lock()
            .map_or(true, |runtime| runtime.is_none())
        {
            on_log(&format!(
                "Preparing the {} runtime: it is built once per node, which takes a minute or so…\n",
                self.recipe.language.as_str()
            ));
        }
        let runtime = self.runtime().await.map_err(|e| internal(e.to_string()))?;
        let _root_lock = root::lock(&self.root)
            .await
            .map_err(|e| internal(e.to_string()))?;
        let file = self.root.join("src").join(self.recipe.source_file);
        std::fs::write(&file, source).map_err(|e| internal(e.to_string()))?;
        let mut diagnostics: Vec<Diagnostic> = Vec::new();
        let ending = jail::run(
            &self.command(self.recipe.check, &self.limits, false),
            |stdout, line| match serde_json::from_str(line) {
                Ok(diagnostic) if stdout => diagnostics.push(diagnostic),
                _ => on_log(&format!("{line}\n")),
            },
        )
        .await
        .map_err(|e| internal(e.to_string()));
        let _ = std::fs::remove_file(&file);
        match ending? {
            Ending::Exited(0) => Ok(Built {
                component: runtime.as_ref().clone(),
                diagnostics,
            }),
            Ending::Exited(_) if !diagnostics.is_empty() => Err(Failure {
                code: FailureCode::CompileError,
                message: format!("{} has a syntax error", self.recipe.source_file),
                diagnostics,
            }),
            Ending::TimedOut => Err(Failure::new(
                FailureCode::Timeout,
                format!(
                    "the check ran past its {} s limit",
                    self.limits.wall.as_secs()
                ),
            )),
            Ending::OutOfMemory => Err(Failure::new(
                FailureCode::Memory,
                "the check ran out of memory",
            )),
            other => Err(internal(format!(
                "the syntax check failed ({other:?}); see its log"
            ))),
        }
    }

    /// `argv` in the jail: the build root read-only at `/build`, the tools
    /// read-only, the function at `/src`, and for a runtime build (never
    /// a check of a user's source) the output folder writable at `/out`.
    fn command(&self, argv: &[&str], limits: &BuildLimits, output: bool) -> JailCommand {
        let mut binds = vec![
            bind(self.root.clone(), "/build", false),
            bind(self.tools.clone(), self.recipe.tools.1, false),
            bind(self.root.join("src"), "/src", false),
        ];
        if output {
            binds.push(bind(self.root.join("out"), "/out", true));
        }
        JailCommand {
            argv: argv.iter().map(|arg| (*arg).to_owned()).collect(),
            cwd: "/build".into(),
            env: [("HOME", "/home"), ("PATH", "/usr/bin"), ("TMPDIR", "/tmp")]
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
            binds,
            limits: JailLimits {
                wall: limits.wall,
                memory_bytes: limits.memory_bytes,
                processes: 256,
                file_bytes: limits.component_bytes.saturating_mul(4).max(256 << 20),
            },
        }
    }
}

fn bind(host: PathBuf, inside: &str, writable: bool) -> Bind {
    Bind {
        host,
        inside: inside.into(),
        writable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_script_functions_get_their_source_in_the_environment() {
        let env = |language| runtime_env(language, "print(1)");
        let expected = vec![(SOURCE_VARIABLE.to_owned(), "print(1)".to_owned())];
        assert_eq!(env(Language::Python), Some(expected.clone()));
        assert_eq!(env(Language::JavaScript), Some(expected));
        assert_eq!(env(Language::Rust), None);
    }

    #[test]
    fn recipes_target_the_wasi_version_of_their_world() {
        for recipe in [&crate::python::RECIPE, &crate::javascript::RECIPE] {
            let world = recipe
                .files
                .iter()
                .find(|(path, _)| *path == "wit/world.wit");
            let world = world.expect("a world").1;
            assert!(
                world.contains(&format!("wasi:http/proxy@{}", recipe.wasi_version)),
                "{world}"
            );
        }
    }
}
