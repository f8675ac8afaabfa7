//! This node's build worker: takes builds from the shared queue one at a
//! time and runs each through [`Fnlab::run_build`], which compiles it in
//! the build sandbox and makes it live through the same path an uploaded
//! component takes. The toolchains are prepared beside it (a build that
//! needs one still being prepared waits for it, saying so in its log):
//! the script runtimes, which a restarted node has ready before it
//! serves, beside the Rust toolchain.

use std::sync::Arc;
use std::time::{Duration, Instant};

use fnlab_builds::Toolchains;
use fnlab_usecases::Fnlab;

use crate::AppState;

/// How often an idle worker looks at the shared queue (a deploy on this
/// node wakes it at once).
const POLL_EVERY: Duration = Duration::from_millis(500);

/// How long the node waits for its script runtimes before it serves.
/// Reloaded from the code cache they take a fraction of a second, and the
/// first request to a script then waits for nothing; a runtime still to be
/// built or compiled (the first run, a new wasmtime) goes on in the
/// background instead.
const RUNTIMES_WAIT: Duration = Duration::from_secs(3);

/// Starts this node's build worker and the preparation of its toolchains:
/// returns once the script runtimes are ready, or after [`RUNTIMES_WAIT`].
pub async fn start(state: &AppState) {
    let config = &state.config;
    let toolchains = Arc::new(Toolchains::detect(
        &config.build_dir(),
        &config.tools(),
        config.build_limits(),
    ));
    let fnlab = state.fnlab.clone();
    let started = Instant::now();
    // The Rust warm-up (a fraction of a second once its dependencies are
    // built) runs beside, so that it is mostly done before the first request.
    tokio::spawn({
        let toolchains = toolchains.clone();
        async move { toolchains.prepare_rust().await }
    });
    let mut runtimes = tokio::spawn({
        let (fnlab, toolchains) = (fnlab.clone(), toolchains.clone());
        async move { fnlab.load_runtimes(&toolchains).await }
    });
    match tokio::time::timeout(RUNTIMES_WAIT, &mut runtimes).await {
        Ok(_) => tracing::info!(elapsed = ?started.elapsed(), "script runtimes ready"),
        Err(_) => tracing::info!("script runtimes still being prepared; serving meanwhile"),
    }
    tokio::spawn(work(fnlab, toolchains));
}

/// Builds, one after another, for as long as the server runs.
async fn work(fnlab: Fnlab, toolchains: Arc<Toolchains>) {
    loop {
        match fnlab.next_build().await {
            Some(build) => fnlab.run_build(&toolchains, build).await,
            None => {
                let _ = tokio::time::timeout(POLL_EVERY, fnlab.build_queued()).await;
            }
        }
    }
}
