//! The build worker: takes builds from the shared queue, compiles each in
//! the sandbox, and makes the component live through the same path an
//! uploaded one takes ([`deploy_component`]). Progress and log lines reach
//! the database as the build runs, so any node can show them.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use fnlab_builds::{BuildState, ClaimedBuild, Diagnostic, Failure, FailureCode, Toolchains};
use fnlab_functions::Source;
use fnlab_functions::sha256_hex;
use tokio::sync::Notify;

use crate::AppState;
use crate::api::ApiError;
use crate::deploy::deploy_component;

/// How often a running build's log and heartbeat reach the database.
const FLUSH_EVERY: Duration = Duration::from_millis(250);
/// A build whose worker said nothing for this long is queued again.
const STALE_AFTER_MS: i64 = 20_000;
/// How often an idle worker looks at the queue (a local deploy wakes it at
/// once).
const POLL_EVERY: Duration = Duration::from_millis(500);
/// Most log text kept per build.
const MAX_LOG_BYTES: usize = 256 * 1024;

/// Wakes this node's worker when a build is queued here.
#[derive(Clone, Default)]
pub struct BuildSignal(Arc<Notify>);

impl BuildSignal {
    /// Says a build is waiting.
    pub fn queued(&self) {
        self.0.notify_one();
    }
}

/// Starts this node's build worker in the background, and prepares the
/// toolchains beside it (a build that needs one still being prepared
/// waits for it, saying so in its log).
pub fn spawn(state: AppState) {
    let config = &state.config;
    let toolchains = Arc::new(Toolchains::detect(
        &config.build_dir(),
        &config.tools(),
        config.build_limits(),
    ));
    tokio::spawn(prepare(state.clone(), toolchains.clone()));
    tokio::spawn(async move {
        loop {
            match next_build(&state).await {
                Some(build) => run_build(&state, &toolchains, build).await,
                None => {
                    let _ = tokio::time::timeout(POLL_EVERY, state.build_signal.0.notified()).await;
                }
            }
        }
    });
}

/// Readies every toolchain and compiles the script runtimes in the
/// sandbox now, so that no deploy waits for wasmtime.
async fn prepare(state: AppState, toolchains: Arc<Toolchains>) {
    for runtime in toolchains.prepare().await {
        let sandbox = state.gateway.sandbox();
        if let Err(e) = sandbox.load(&sha256_hex(&runtime), &runtime).await {
            tracing::error!(error = %e, "a script runtime does not load");
        }
    }
}

/// Claims the next build, after returning abandoned ones to the queue.
async fn next_build(state: &AppState) -> Option<ClaimedBuild> {
    let claimed = async {
        state.builds.requeue_stale(STALE_AFTER_MS).await?;
        state.builds.claim().await
    };
    claimed.await.unwrap_or_else(|e| {
        tracing::error!(error = %e, "cannot read the build queue");
        None
    })
}

/// Runs one claimed build to its end, recording the outcome.
async fn run_build(state: &AppState, toolchains: &Toolchains, build: ClaimedBuild) {
    let started = Instant::now();
    let log = Arc::new(Mutex::new(LogBuffer::default()));
    let outcome = compile_and_deploy(state, toolchains, &build, &log).await;
    let build_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let rest = log.lock().expect("log lock").take();
    let recorded = match &outcome {
        Ok(live) => {
            state
                .builds
                .succeed(build.id, live.version, build_ms, &live.warnings, &rest)
                .await
        }
        Err(failure) => state.builds.fail(build.id, failure, build_ms, &rest).await,
    };
    if let Err(e) = recorded {
        tracing::error!(build = build.id, error = %e, "cannot record the build's outcome");
    }
    match outcome {
        Ok(live) => tracing::info!(
            build = build.id,
            version = live.version,
            build_ms,
            "build live"
        ),
        Err(failure) => {
            tracing::info!(
                build = build.id,
                code = failure.code.as_str(),
                build_ms,
                "build failed"
            );
        }
    }
}

/// A build that went live.
struct Live {
    /// Its version.
    version: i64,
    /// The compiler's warnings on the user's lines.
    warnings: Vec<Diagnostic>,
}

/// Compiles the build's source while flushing its log, then deploys it.
async fn compile_and_deploy(
    state: &AppState,
    toolchains: &Toolchains,
    build: &ClaimedBuild,
    log: &Arc<Mutex<LogBuffer>>,
) -> Result<Live, Failure> {
    let compiled = {
        let sink = log.clone();
        let mut on_log = move |text: &str| sink.lock().expect("log lock").push(text);
        let compile = toolchains.build(build.language, &build.source, &mut on_log);
        tokio::pin!(compile);
        let mut flush = tokio::time::interval(FLUSH_EVERY);
        loop {
            tokio::select! {
                result = &mut compile => break result,
                _ = flush.tick() => flush_log(state, build.id, BuildState::Compiling, log).await,
            }
        }
    }?;
    flush_log(state, build.id, BuildState::Storing, log).await;
    let source = Source {
        language: build.language.as_str().to_owned(),
        source: build.source.clone(),
    };
    let owner = state
        .accounts
        .user(build.user_id)
        .await
        .map_err(|e| Failure::new(FailureCode::Internal, e.to_string()))?
        .ok_or_else(|| Failure::new(FailureCode::Internal, "the function's owner is gone"))?;
    let deployed = deploy_component(
        state,
        build.user_id,
        &owner.username,
        &build.function,
        Bytes::from(compiled.component),
        Some(&source),
    )
    .await
    .map_err(|e| match e {
        ApiError::Unprocessable { message, .. } => Failure::new(
            FailureCode::InvalidComponent,
            format!("the compiler's output is not a runnable component: {message}"),
        ),
        other => Failure::new(FailureCode::Internal, other.to_string()),
    })?;
    Ok(Live {
        version: deployed.version,
        warnings: compiled.diagnostics,
    })
}

/// Appends what the build printed since the last flush and beats the
/// heartbeat.
async fn flush_log(state: &AppState, id: i64, build_state: BuildState, log: &Mutex<LogBuffer>) {
    let text = log.lock().expect("log lock").take();
    if let Err(e) = state.builds.progress(id, build_state, &text).await {
        tracing::warn!(build = id, error = %e, "cannot record build progress");
    }
}

/// Log text not yet written to the database, capped per build.
#[derive(Default)]
struct LogBuffer {
    pending: String,
    total: usize,
}

impl LogBuffer {
    fn push(&mut self, text: &str) {
        if self.total >= MAX_LOG_BYTES {
            return;
        }
        self.total += text.len();
        if self.total >= MAX_LOG_BYTES {
            self.pending.push_str("(log truncated)\n");
        } else {
            self.pending.push_str(text);
        }
    }

    fn take(&mut self) -> String {
        std::mem::take(&mut self.pending)
    }
}
