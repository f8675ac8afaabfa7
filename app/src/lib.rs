//! Fnlab's web UI: the pages, the components they share and the server
//! functions behind them. Server functions stay thin: they find who is
//! asking, call one use case of `fnlab-usecases` (the same the REST API
//! calls), and shape its answer for the page.
//!
//! The same crate is compiled twice: with `ssr` into the server, which
//! renders the pages, and with `hydrate` into WebAssembly, which makes them
//! interactive in the browser. The two features are never enabled together.
//!
//! # Layout
//! - [`root`]: the HTML shell, the router and the header.
//! - [`auth`]: sign-up, log-in and log-out, and who is signed in.
//! - [`tokens`]: API tokens.
//! - [`functions`]: functions, versions and invocations in the dashboard.
//! - [`environment`]: a function's variables and secrets.
//! - [`schedules`]: a function's cron schedules.
//! - [`events`]: a function's event queue.
//! - [`kv`]: the user's key-value stores.
//! - [`sharing`]: public functions and forks.
//! - [`courses`]: courses, assignments, the grid and a student's work.
//! - [`billing`]: billing, metrics and the admin view.
//! - [`charts`]: bar and line charts as server-rendered SVG.
//! - [`pages`]: one module per page.
//! - [`error`]: the error every server function returns.
//! - [`format`]: rendering numbers and times the same on server and browser.
//! - `session` and `ctx` (server only): the signed-in user in the session,
//!   and the use cases server functions reach through the request.

pub mod auth;
pub mod billing;
pub mod charts;
pub mod courses;
#[cfg(feature = "ssr")]
pub mod ctx;
pub mod environment;
pub mod error;
pub mod events;
pub mod format;
pub mod functions;
pub mod kv;
pub mod pages;
pub mod root;
pub mod schedules;
#[cfg(feature = "ssr")]
pub mod session;
pub mod sharing;
pub mod tokens;

pub use root::{App, shell};

/// The browser entry point: attaches the interactive app to the server-
/// rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
