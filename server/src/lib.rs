//! The Fnlab server: configuration, the REST API, the pages and the
//! background work, wired into one axum router.
//!
//! `main` only parses the configuration and calls [`run`]; tests call
//! [`start`] on port 0 with a configuration of their own and get the real
//! server.
//!
//! # Layout
//! - [`config`]: flags and environment variables.
//! - [`state`]: the shared [`AppState`].
//! - [`api`]: the REST API under `/api/v1`, its OpenAPI document
//!   (`/api/v1/openapi.json`) and reference page (`/api/docs`).
//! - [`gateway`]: the public function URLs, under `/fn/` or on each
//!   user's own origin.
//! - [`retention`]: the expiry of raw invocation records, and the
//!   collection of stored components, old builds and cached code.
//! - [`builder`]: the worker that builds source from the editor.
//!
//! Every route, page and worker is an adapter over one use case of
//! [`fnlab_usecases::Fnlab`]: it parses, calls, and shapes the answer.
//! - [`pages`]: the Leptos pages and server functions, and the site's files.
//! - [`sessions`]: the session cookie and its store.
//! - [`clients`]: what one client may hold open and try.
//! - [`origin`]: refusing state-changing requests from other sites (CSRF).
//! - [`observe`]: request spans and error logging.
//! - [`prometheus`]: `/metrics` for the operator's monitoring.

pub mod api;
pub mod builder;
pub mod clients;
pub mod config;
pub mod gateway;
pub mod memory;
pub mod observe;
pub mod origin;
pub mod pages;
pub mod prometheus;
pub mod retention;
pub mod sessions;
pub mod state;

use std::future::{Future, IntoFuture};
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use fnlab_functions::SecretsKey;
use fnlab_sandbox::{Sandbox, SandboxConfig};
use fnlab_usecases::Fnlab;
use tokio::net::TcpListener;

pub use config::{AdminAction, Command, Config, SECRETS_KEY_FILE};
pub use state::AppState;

/// Errors that stop the server from starting.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The data directory could not be created.
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The database could not be opened or migrated.
    #[error("cannot open the database: {0}")]
    Database(#[from] sqlx::Error),
    /// The WebAssembly sandbox could not be created.
    #[error("{0}")]
    Sandbox(#[from] fnlab_sandbox::engine::SandboxError),
    /// The configuration is inconsistent.
    #[error("{0}")]
    Config(String),
    /// The listening socket failed.
    #[error("cannot listen: {0}")]
    Io(#[from] std::io::Error),
}

/// Opens the database (creating and migrating it as needed) and builds the
/// shared state.
pub async fn prepare(config: Config) -> Result<AppState, StartError> {
    std::fs::create_dir_all(&config.data).map_err(|source| StartError::DataDir {
        path: config.data.clone(),
        source,
    })?;
    if !config.admin.is_empty() {
        return Err(StartError::Config(
            "FNLAB_ADMIN is no longer read (anyone could register an admin's name first): \
             unset it and grant admins with `fnlab admin grant USERNAME`"
                .into(),
        ));
    }
    let pricing = Arc::new(config.pricing().map_err(StartError::Config)?);
    let pool = fnlab_db::open(&config.database_url(), config.db_connections).await?;
    let leptos = pages::leptos_options(&config);
    let sandbox = Sandbox::new(sandbox_config(&config)?)?;
    // Before any new record: what an older Fnlab left unrolled.
    let caught_up = fnlab_metering::rollup::catch_up(&pool).await?;
    if caught_up > 0 {
        tracing::info!(invocations = caught_up, "rolled up the usage backlog");
    }
    let secrets_key = config.secrets_key().map_err(StartError::Config)?;
    warn_of_other_keys(&pool, &secrets_key).await?;
    let fnlab = Fnlab::new(pool.clone(), sandbox, pricing, config.settings(secrets_key));
    let state = AppState {
        fnlab,
        pool,
        clients: Arc::new(clients::ClientLimits::new(&config)),
        config: Arc::new(config),
        leptos,
    };
    if state.config.builds {
        builder::start(&state).await;
    }
    if state.config.triggers {
        state.fnlab.start_triggers();
    }
    retention::spawn(state.clone());
    memory::spawn_trimmer();
    Ok(state)
}

/// Warns when some secrets were sealed with another key than this node's:
/// the nodes were given different keys, or the key was lost. Functions do
/// not see those secrets until their owners set them again.
async fn warn_of_other_keys(pool: &fnlab_db::Pool, key: &SecretsKey) -> Result<(), StartError> {
    let functions = fnlab_functions::Functions::new(pool.clone());
    let others = functions
        .secrets_under_other_keys(key)
        .await
        .map_err(|e| StartError::Config(format!("reading secrets: {e}")))?;
    if others > 0 {
        tracing::warn!(
            secrets = others,
            key_id = key.id(),
            "secrets were sealed with another key than this node's: give every node the same \
             FNLAB_SECRETS_KEY (or secrets.key); functions do not see these secrets until they are set again"
        );
    }
    Ok(())
}

/// The sandbox's settings from Fnlab's configuration.
fn sandbox_config(config: &Config) -> Result<SandboxConfig, StartError> {
    let mut sandbox = SandboxConfig::new(config.code_cache());
    sandbox.outbound = config.outbound_policy().map_err(StartError::Config)?;
    sandbox.cache_max_bytes = config.code_cache_mb << 20;
    sandbox.max_program_bytes = config.programs_mb << 20;
    sandbox.max_memory_bytes = config.memory_mb << 20;
    sandbox.max_request_bytes = config.max_request_bytes;
    sandbox.max_response_bytes = config.max_response_bytes;
    sandbox.max_concurrency_per_user = config.max_concurrency;
    sandbox.max_warm_instances = config.warm_instances;
    if let Some(running) = config.running_per_user {
        sandbox.max_running_per_user = running;
    }
    Ok(sandbox)
}

/// The whole HTTP application.
pub async fn app(state: AppState) -> Result<Router, StartError> {
    let session_layer = sessions::layer(&state).await?;
    // The function URLs have no session and are never cross-site writes,
    // so they skip those two layers (and their cost per request).
    let router = Router::new()
        .route("/healthz", get(healthz))
        .merge(prometheus::router())
        .merge(api::router(&state.config))
        .merge(pages::router(&state))
        .layer(session_layer)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            origin::same_origin_writes,
        ))
        .merge(gateway::router())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            gateway::by_host,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            clients::identify,
        ))
        .with_state(state);
    Ok(observe::layer(router))
}

/// A running server.
pub struct Running {
    /// The address it listens on (useful with port 0).
    pub addr: std::net::SocketAddr,
    /// Resolves when the server has shut down.
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Binds `state.config.addr` and serves until `shutdown` resolves, then
/// finishes the requests in flight (for at most `FNLAB_SHUTDOWN_GRACE_SECS`)
/// and writes every usage record before the task ends.
pub async fn start(
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<Running, StartError> {
    let listener = TcpListener::bind(state.config.addr).await?;
    let addr = listener.local_addr()?;
    let listener = clients::ClientListener::new(listener, state.config.max_connections_per_client);
    let fnlab = state.fnlab.clone();
    let grace = std::time::Duration::from_secs(state.config.shutdown_grace_secs);
    let app = app(state).await?;
    let (stopping, mut stopped) = tokio::sync::watch::channel(false);
    let shutdown = async move {
        shutdown.await;
        let _ = stopping.send(true);
    };
    let task = tokio::spawn(async move {
        let app = app.into_make_service_with_connect_info::<clients::Peer>();
        let serve = axum::serve(listener, app).with_graceful_shutdown(shutdown);
        // Requests still open `grace` after the signal (an event stream of
        // a build that never ends, a client that never reads) are cut.
        let cut_off = async move {
            let _ = stopped.wait_for(|stopped| *stopped).await;
            tokio::time::sleep(grace).await;
        };
        let served = tokio::select! {
            served = serve.into_future() => served,
            () = cut_off => {
                tracing::warn!(?grace, "requests still open after the grace period are cut off");
                Ok(())
            }
        };
        // Every request has been answered or cut: write every usage record.
        fnlab.shutdown().await;
        served
    });
    Ok(Running { addr, task })
}

/// `fnlab admin grant|revoke|list`: changes or lists the admins in the
/// configured database, and prints what it did.
pub async fn admin(
    config: &Config,
    action: &AdminAction,
) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(&config.data)?;
    let pool = fnlab_db::open(&config.database_url(), 2).await?;
    match action {
        AdminAction::Grant { username } => {
            let granted = fnlab_usecases::actor::set_admin(&pool, username, true).await;
            granted.map_err(|e| for_operator(username, e))?;
            println!("{username} is an admin");
        }
        AdminAction::Revoke { username } => {
            let revoked = fnlab_usecases::actor::set_admin(&pool, username, false).await;
            revoked.map_err(|e| for_operator(username, e))?;
            println!("{username} is no longer an admin");
        }
        AdminAction::List => {
            for username in fnlab_usecases::actor::admins(&pool).await? {
                println!("{username}");
            }
        }
    }
    Ok(())
}

/// A use case's error as the operator reads it: "not found" names whom.
fn for_operator(username: &str, e: fnlab_usecases::Error) -> Box<dyn std::error::Error> {
    match e {
        fnlab_usecases::Error::NotFound => format!("there is no user {username}").into(),
        other => other.into(),
    }
}

/// Runs Fnlab with `config` until ctrl-c or SIGTERM.
pub async fn run(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    tracing::info!(?config, "starting");
    let state = prepare(config).await?;
    let running = start(state, shutdown_signal()).await?;
    tracing::info!("listening on http://{}", running.addr);
    running.task.await??;
    tracing::info!("stopped");
    Ok(())
}

/// `GET /healthz`: 200 once the database answers, 503 otherwise.
async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match sqlx::query("select 1").execute(&state.pool).await {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

/// Resolves on ctrl-c or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
