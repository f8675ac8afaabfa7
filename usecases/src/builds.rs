//! Builds of the source written in the editor: asking for one (deploy),
//! following it, and the worker's side (take the next build, compile it
//! in the build sandbox, make it live through the same path an upload
//! takes).
//!
//! Progress reaches whoever follows a build in two ways. The worker on
//! this node announces every step in-process ([`Progress`]), so a
//! follower on the same node reads the database only when something
//! changed, and then only the part of the log it has not seen. A build
//! queued or running on another node is read from the database every
//! [`OTHER_NODES_EVERY`].

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fnlab_builds::{
    BuildInfo, BuildProgress, BuildState, ClaimedBuild, Diagnostic, Enqueued, Failure, FailureCode,
    Toolchains,
};
use fnlab_functions::{Source, check_source};
use serde::Serialize;
use tokio::sync::{Notify, broadcast};

use crate::holdings::Held;
use crate::{Actor, BuildFailure, Error, Fnlab};

/// How often a follower reads a build that another node is running (or
/// that is still queued, which any node may take).
pub const OTHER_NODES_EVERY: Duration = Duration::from_millis(500);
/// How long a follower of a build on this node trusts the in-process
/// notices alone before reading the database anyway.
const THIS_NODE_SAFETY: Duration = Duration::from_secs(5);
/// How often a running build's log and heartbeat reach the database.
const FLUSH_EVERY: Duration = Duration::from_millis(250);
/// A build whose worker said nothing for this long is queued again.
const STALE_AFTER_MS: i64 = 20_000;
/// Most builds one user may follow at once (event streams, waiting
/// deploys): each holds a connection and wakes on every build's news.
pub const MAX_WATCHES_PER_USER: u32 = 8;
/// Most log text kept per build.
const MAX_LOG_BYTES: usize = 256 * 1024;
/// How long a waiting deploy waits beyond the build's own limit (for the
/// builds queued before it).
const QUEUE_PATIENCE: Duration = Duration::from_secs(300);

/// This node's build notices: which build moved, and a wake-up for the
/// worker when a build is queued here.
pub(crate) struct Progress {
    moved: broadcast::Sender<i64>,
    queued: Notify,
}

impl Default for Progress {
    fn default() -> Self {
        Self {
            moved: broadcast::channel(1024).0,
            queued: Notify::new(),
        }
    }
}

/// What a deploy answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeployOutcome {
    /// The build is queued (the caller did not wait, or waited too long).
    Queued {
        /// The build to follow.
        build_id: i64,
    },
    /// The build's version is live.
    Live {
        /// The build.
        build_id: i64,
        /// The new live version.
        version: i64,
        /// The function's public URL.
        url: String,
        /// How long the build took.
        build_ms: Option<i64>,
        /// For an assignment's function: the checks' results on the new
        /// version.
        checks: Option<fnlab_courses::CheckRun>,
    },
}

/// A build with how many builds wait before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BuildStatus {
    /// The build.
    #[serde(flatten)]
    pub build: BuildInfo,
    /// How many queued builds come before it (0 once it runs).
    pub queue_position: i64,
    /// For an assignment's function, once live: the checks' results on
    /// the version it made.
    pub checks: Option<fnlab_courses::CheckRun>,
}

/// What a follower of a build learns, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildEvent {
    /// It moved (or its place in the queue did).
    State {
        /// Where it is.
        state: BuildState,
        /// How many queued builds come before it.
        queue_position: i64,
    },
    /// It printed more.
    Log {
        /// What it printed since the last event.
        text: String,
    },
    /// It is over: the whole build.
    Done(Box<BuildStatus>),
}

/// One actor following one build: [`BuildWatch::next`] until it ends.
pub struct BuildWatch {
    fnlab: Fnlab,
    user_id: i64,
    id: i64,
    moved: broadcast::Receiver<i64>,
    sent_state: Option<(BuildState, i64)>,
    seen_log: i64,
    over: bool,
    _held: Held<i64>,
}

impl Fnlab {
    /// Queues a build of the saved draft of `name` (replacing its build
    /// still waiting; [`Error::Throttled`] when the actor already has
    /// [`fnlab_builds::MAX_PENDING_PER_USER`] pending, [`Error::StorageFull`]
    /// when its source would not fit their storage quota). With `wait`, waits
    /// for it: live, or [`Error::BuildFailed`] (the live version stays);
    /// past the build's limit plus room for the queue, it answers as if it
    /// had not waited.
    pub async fn deploy(
        &self,
        actor: &Actor,
        name: &str,
        wait: bool,
    ) -> Result<DeployOutcome, Error> {
        let function = self.inner.functions.summary(actor.id, name).await?;
        let draft = self.inner.functions.draft(actor.id, name).await?.ok_or_else(|| {
            Error::invalid(
                "source",
                "no_source",
                format!(
                    "function {name} has no saved source: save it first with PUT /api/v1/functions/{name}"
                ),
            )
        })?;
        check_source(&draft.source)?;
        let kept = draft.source.source.len() as i64;
        self.check_storage(actor.id, "this build's source", kept)
            .await?;
        let queued = self.inner.builds.enqueue(
            actor.id,
            function.id,
            draft.source.language,
            &draft.source.source,
        );
        let build_id = match queued.await? {
            Enqueued::Queued(id) | Enqueued::Replaced(id) => id,
            Enqueued::Refused { pending } => {
                return Err(Error::busy(format!(
                    "you have {pending} builds queued or running; deploy again once one has finished"
                )));
            }
        };
        self.inner.progress.queued.notify_one();
        if !wait {
            return Ok(DeployOutcome::Queued { build_id });
        }
        let patience = self.inner.settings.build_timeout + QUEUE_PATIENCE;
        let Ok(done) = tokio::time::timeout(patience, self.finished(actor, build_id)).await else {
            return Ok(DeployOutcome::Queued { build_id });
        };
        let build = done?;
        match (build.state, build.error) {
            (BuildState::Live, _) => {
                let version = build.version.unwrap_or_default();
                Ok(DeployOutcome::Live {
                    build_id,
                    version,
                    url: self.function_url(&actor.username, name),
                    build_ms: build.build_ms,
                    checks: self.version_checks(actor.id, name, version).await?,
                })
            }
            (_, error) => {
                let error =
                    error.ok_or_else(|| Error::Internal("a failed build has no reason".into()))?;
                Err(Error::BuildFailed(BuildFailure {
                    build_id,
                    code: error.code,
                    message: error.message,
                    diagnostics: build.diagnostics,
                }))
            }
        }
    }

    /// Waits until build `id` is over.
    async fn finished(&self, actor: &Actor, id: i64) -> Result<BuildInfo, Error> {
        let mut watch = self.watch_build(actor, id).await?;
        while let Some(events) = watch.next().await {
            for event in events {
                if let BuildEvent::Done(status) = event {
                    return Ok(status.build);
                }
            }
        }
        Err(Error::NotFound)
    }

    /// One of the actor's builds, with its place in the queue.
    pub async fn build(&self, actor: &Actor, id: i64) -> Result<BuildStatus, Error> {
        let build = self
            .inner
            .builds
            .get(actor.id, id)
            .await?
            .ok_or(Error::NotFound)?;
        let queue_position = match build.state {
            BuildState::Queued => self.inner.builds.position(id).await?,
            _ => 0,
        };
        self.build_status(actor.id, build, queue_position).await
    }

    /// `build` of `user_id`'s with its place in the queue and, once live,
    /// its version's checks.
    async fn build_status(
        &self,
        user_id: i64,
        build: BuildInfo,
        queue_position: i64,
    ) -> Result<BuildStatus, Error> {
        let checks = match build.version {
            Some(version) => match self.version_checks(user_id, &build.function, version).await {
                // The function was deleted since.
                Err(Error::NotFound) => None,
                checks => checks?,
            },
            None => None,
        };
        Ok(BuildStatus {
            build,
            queue_position,
            checks,
        })
    }

    /// Starts following one of the actor's builds.
    pub async fn watch_build(&self, actor: &Actor, id: i64) -> Result<BuildWatch, Error> {
        let held = self.inner.watchers.take(actor.id).ok_or_else(|| {
            Error::busy(format!(
                "you are following {MAX_WATCHES_PER_USER} builds already; close one first"
            ))
        })?;
        // Subscribe before the first read, so no notice falls in between.
        let moved = self.inner.progress.moved.subscribe();
        self.inner
            .builds
            .progress_since(actor.id, id, 0)
            .await?
            .ok_or(Error::NotFound)?;
        Ok(BuildWatch {
            fnlab: self.clone(),
            user_id: actor.id,
            id,
            moved,
            sent_state: None,
            seen_log: 0,
            over: false,
            _held: held,
        })
    }
}

impl BuildWatch {
    /// The next events, waiting until there are some; `None` once the
    /// build is over (or gone).
    pub async fn next(&mut self) -> Option<Vec<BuildEvent>> {
        if self.over {
            return None;
        }
        loop {
            let progress = self.read().await?;
            let events = self.events(&progress).await?;
            if !events.is_empty() {
                return Some(events);
            }
            self.wait(&progress).await;
        }
    }

    async fn read(&self) -> Option<BuildProgress> {
        let builds = &self.fnlab.inner.builds;
        match builds
            .progress_since(self.user_id, self.id, self.seen_log)
            .await
        {
            Ok(progress) => progress,
            Err(e) => {
                tracing::warn!(build = self.id, error = %e, "cannot read a followed build");
                None
            }
        }
    }

    async fn events(&mut self, progress: &BuildProgress) -> Option<Vec<BuildEvent>> {
        let builds = &self.fnlab.inner.builds;
        let position = match progress.state {
            BuildState::Queued => builds.position(self.id).await.unwrap_or(0),
            _ => 0,
        };
        let mut events = Vec::new();
        if self.sent_state != Some((progress.state, position)) {
            self.sent_state = Some((progress.state, position));
            events.push(BuildEvent::State {
                state: progress.state,
                queue_position: position,
            });
        }
        if !progress.new_log.is_empty() {
            events.push(BuildEvent::Log {
                text: progress.new_log.clone(),
            });
            self.seen_log = progress.log_chars;
        }
        if progress.state.is_done() {
            self.over = true;
            let build = builds.get(self.user_id, self.id).await.ok()??;
            let status = self.fnlab.build_status(self.user_id, build, 0).await.ok()?;
            events.push(BuildEvent::Done(Box::new(status)));
        }
        Some(events)
    }

    /// Until something may have changed: a notice about this build (or,
    /// while it is queued, about any build, since its place moves), or a
    /// while for builds whose worker is on another node.
    async fn wait(&mut self, progress: &BuildProgress) {
        let patience = if progress.on_this_node && progress.state != BuildState::Queued {
            THIS_NODE_SAFETY
        } else {
            OTHER_NODES_EVERY
        };
        let queued = progress.state == BuildState::Queued;
        let deadline = tokio::time::sleep(patience);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                () = &mut deadline => return,
                notice = self.moved.recv() => match notice {
                    Ok(id) if id == self.id || queued => return,
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(_)) => return,
                    Err(broadcast::error::RecvError::Closed) => {
                        deadline.as_mut().await;
                        return;
                    }
                },
            }
        }
    }
}

/// The worker's side: one node's loop (in the server) takes builds one at
/// a time and runs each here.
impl Fnlab {
    /// Resolves when a build was queued on this node (the worker also
    /// looks at the shared queue now and then, for other nodes' builds).
    pub async fn build_queued(&self) {
        self.inner.progress.queued.notified().await;
    }

    /// Makes the script runtimes ready in the sandbox (built first when
    /// their toolchain has none yet), so that no deploy waits for wasmtime
    /// and no request to a script waits for its runtime.
    pub async fn load_runtimes(&self, toolchains: &Toolchains) {
        for runtime in toolchains.runtimes().await {
            let sha256 = fnlab_functions::sha256_hex(&runtime);
            self.keep_runtime(sha256.clone());
            if let Err(e) = self.inner.sandbox.load(&sha256, &runtime).await {
                tracing::error!(error = %e, "a script runtime does not load");
            }
        }
    }

    /// Claims the next build, after returning abandoned ones to the queue.
    pub async fn next_build(&self) -> Option<ClaimedBuild> {
        let builds = &self.inner.builds;
        let claimed = async {
            builds.requeue_stale(STALE_AFTER_MS).await?;
            builds.claim().await
        };
        claimed.await.unwrap_or_else(|e| {
            tracing::error!(error = %e, "cannot read the build queue");
            None
        })
    }

    /// Runs one claimed build to its end and records the outcome.
    pub async fn run_build(&self, toolchains: &Toolchains, build: ClaimedBuild) {
        let started = Instant::now();
        // Claimed: it left the queue, and every queued build moved up.
        let _ = self.inner.progress.moved.send(build.id);
        let log = Arc::new(Mutex::new(LogBuffer::default()));
        let outcome = self.compile_and_deploy(toolchains, &build, &log).await;
        let build_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        self.inner
            .telemetry
            .build(outcome.is_ok(), started.elapsed().as_secs_f64());
        let rest = log.lock().unwrap_or_else(|e| e.into_inner()).take();
        let builds = &self.inner.builds;
        let recorded = match &outcome {
            Ok(live) => {
                builds
                    .succeed(build.id, live.version, build_ms, &live.warnings, &rest)
                    .await
            }
            Err(failure) => builds.fail(build.id, failure, build_ms, &rest).await,
        };
        if let Err(e) = recorded {
            tracing::error!(build = build.id, error = %e, "cannot record the build's outcome");
        }
        // Only the function's newest builds keep their source and log.
        if let Err(e) = builds.expire(build.function_id).await {
            tracing::warn!(build = build.id, error = %e, "cannot expire old builds");
        }
        let _ = self.inner.progress.moved.send(build.id);
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

    /// Compiles the build's source while flushing its log, then deploys it.
    async fn compile_and_deploy(
        &self,
        toolchains: &Toolchains,
        build: &ClaimedBuild,
        log: &Arc<Mutex<LogBuffer>>,
    ) -> Result<Live, Failure> {
        let compiled = {
            let sink = log.clone();
            let mut on_log =
                move |text: &str| sink.lock().unwrap_or_else(|e| e.into_inner()).push(text);
            let compile = toolchains.build(build.language, &build.source, &mut on_log);
            self.beating(build.id, BuildState::Compiling, log, compile)
                .await
        }?;
        let source = Source {
            language: build.language,
            source: build.source.clone(),
        };
        // Compiling the component to native code can take a while too: the
        // heartbeat goes on, so no other node takes the build as stalled.
        let store = self.store_component(
            build.user_id,
            &build.function,
            &compiled.component,
            Some(&source),
        );
        let deployed = self
            .beating(build.id, BuildState::Storing, log, store)
            .await
            .map_err(|e| match e {
                Error::Invalid { message, .. } => Failure::new(
                    FailureCode::InvalidComponent,
                    format!("the compiler's output is not a runnable component: {message}"),
                ),
                full @ Error::StorageFull { .. } => {
                    Failure::new(FailureCode::StorageQuotaExceeded, full.to_string())
                }
                other => Failure::new(FailureCode::Internal, other.to_string()),
            })?;
        Ok(Live {
            version: deployed.version,
            warnings: compiled.diagnostics,
        })
    }

    /// Runs `work` while the build is in `state`, flushing its log and
    /// beating its heartbeat every [`FLUSH_EVERY`] (the first at once).
    async fn beating<T>(
        &self,
        id: i64,
        state: BuildState,
        log: &Mutex<LogBuffer>,
        work: impl Future<Output = T>,
    ) -> T {
        tokio::pin!(work);
        let mut flush = tokio::time::interval(FLUSH_EVERY);
        loop {
            tokio::select! {
                done = &mut work => return done,
                _ = flush.tick() => self.flush_log(id, state, log).await,
            }
        }
    }

    /// Appends what the build printed since the last flush and beats the
    /// heartbeat; tells this node's followers when there is news.
    async fn flush_log(&self, id: i64, state: BuildState, log: &Mutex<LogBuffer>) {
        let text = log.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Err(e) = self.inner.builds.progress(id, state, &text).await {
            tracing::warn!(build = id, error = %e, "cannot record build progress");
        }
        // A claimed build is already compiling: only new text or a new
        // state is news.
        if !text.is_empty() || state != BuildState::Compiling {
            let _ = self.inner.progress.moved.send(id);
        }
    }
}

/// A build that went live.
struct Live {
    version: i64,
    /// The compiler's warnings on the user's lines.
    warnings: Vec<Diagnostic>,
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
