//! The state every handler shares: cheap handles, cloned per request.

use std::sync::Arc;

use axum::extract::FromRef;
use fnlab_db::Pool;
use fnlab_usecases::Fnlab;
use leptos::prelude::LeptosOptions;

use crate::Config;
use crate::clients::ClientLimits;

/// Shared state of the whole server.
#[derive(Clone, FromRef)]
pub struct AppState {
    /// Database pool (for the health check and the session store).
    pub pool: Pool,
    /// Every use case: what the REST API, the pages, the gateway and the
    /// workers call.
    pub fnlab: Fnlab,
    /// Configuration, as parsed at start-up.
    pub config: Arc<Config>,
    /// Where the site's files are and how to render pages.
    pub leptos: LeptosOptions,
    /// What each client may hold and try.
    pub clients: Arc<ClientLimits>,
}
