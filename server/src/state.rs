//! The state every handler shares: cheap handles, cloned per request.

use std::sync::Arc;

use axum::extract::FromRef;
use fnlab_accounts::Accounts;
use fnlab_billing::Pricing;
use fnlab_builds::Builds;
use fnlab_db::Pool;
use fnlab_functions::Functions;
use leptos::prelude::LeptosOptions;

use crate::Config;
use crate::builder::BuildSignal;
use crate::gateway::Gateway;

/// Shared state of the whole server.
#[derive(Clone, FromRef)]
pub struct AppState {
    /// Database pool.
    pub pool: Pool,
    /// Accounts service.
    pub accounts: Accounts,
    /// The price sheet and plans.
    pub pricing: Arc<Pricing>,
    /// Functions, versions and components.
    pub functions: Functions,
    /// The queue of builds from the editor.
    pub builds: Builds,
    /// Wakes this node's build worker.
    pub build_signal: BuildSignal,
    /// The public function URLs and the sandbox behind them.
    pub gateway: Gateway,
    /// Configuration, as parsed at start-up.
    pub config: Arc<Config>,
    /// Where the site's files are and how to render pages.
    pub leptos: LeptosOptions,
}
