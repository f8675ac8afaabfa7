//! This node's build worker: takes builds from the shared queue one at a
//! time and runs each through [`Fnlab::run_build`], which compiles it in
//! the build sandbox and makes it live through the same path an uploaded
//! component takes. The toolchains are prepared beside it (a build that
//! needs one still being prepared waits for it, saying so in its log).

use std::sync::Arc;
use std::time::Duration;

use fnlab_builds::Toolchains;
use fnlab_usecases::Fnlab;

use crate::AppState;

/// How often an idle worker looks at the shared queue (a deploy on this
/// node wakes it at once).
const POLL_EVERY: Duration = Duration::from_millis(500);

/// Starts this node's build worker and the preparation of its toolchains
/// in the background.
pub fn spawn(state: &AppState) {
    let config = &state.config;
    let toolchains = Arc::new(Toolchains::detect(
        &config.build_dir(),
        &config.tools(),
        config.build_limits(),
    ));
    let fnlab = state.fnlab.clone();
    tokio::spawn({
        let (fnlab, toolchains) = (fnlab.clone(), toolchains.clone());
        async move { fnlab.prepare_toolchains(&toolchains).await }
    });
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
