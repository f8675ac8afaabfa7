//! Fnlab's front door: every action a user or a worker can take, written
//! once. The REST API (`server/src/api`), the pages' server functions
//! (`app/`), the gateway (`/fn/…`) and the background workers are adapters
//! over [`Fnlab`]: they parse what arrived, call one method, and shape the
//! answer. Nothing here knows HTTP routing or Leptos.
//!
//! Each method takes the acting user ([`Actor`]), or nothing for a public
//! action (sign-up, a function's public URL), and decides whether that
//! user may act: a user reaches only their own functions, builds and
//! usage; the admin view is for the admins the operator granted it to.
//! Every failure is one [`Error`], whose variants say what went wrong in
//! the domain; each adapter converts it once into its own error.
//!
//! With the `openapi` feature (the server's), the types the REST API
//! answers with also describe themselves for its OpenAPI document
//! (`utoipa::ToSchema`).
//!
//! # Layout
//! - [`error`]: the one error type, from every domain crate's errors.
//! - [`actor`]: who is acting, from a session or an API token.
//! - [`accounts`]: sign-up, log-in and API tokens.
//! - [`catalog`]: functions, their drafts, versions, limits and invocations.
//! - [`deploy`]: making a component live, from an upload or a build.
//! - [`environment`]: each function's variables and secrets.
//! - [`builds`]: asking for a build, following it, and the worker's part.
//! - [`invoke`]: running a request through a function's live version.
//! - [`kv`]: key-value stores, for functions and for their owners.
//! - [`holdings`]: counts of what each client or user holds at once.
//! - [`live`]: the bounded cache of live versions that the gateway reads.
//! - [`quota`]: monthly quotas checked from memory.
//! - [`schedules`]: functions' cron schedules, and the worker that runs
//!   them.
//! - [`courses`]: courses, assignments and their checks, for teaching.
//! - [`events`]: the event queue (asynchronous invocations), and the
//!   worker that delivers them.
//! - [`files`]: file drops: stores whose uploads trigger a function.
//! - [`triggers`]: what the schedule and event workers share.
//! - [`sharing`]: public functions, and forking them.
//! - [`storage`]: the storage quota, and collecting what nobody needs.
//! - [`tail`]: following a function's invocations live.
//! - `telemetry` (private): this node's metrics for Prometheus.
//! - [`usage`]: usage, billing, metrics and the admin view.

#![deny(missing_docs)]

pub mod accounts;
pub mod actor;
pub mod builds;
pub mod catalog;
pub mod courses;
pub mod deploy;
pub mod environment;
pub mod error;
pub mod events;
pub mod files;
pub mod holdings;
pub mod invoke;
pub mod kv;
pub mod live;
pub mod quota;
pub mod schedules;
pub mod sharing;
pub mod storage;
pub mod tail;
mod telemetry;
pub mod triggers;
pub mod usage;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fnlab_accounts::Accounts;
use fnlab_billing::Pricing;
use fnlab_builds::Builds;
use fnlab_db::Pool;
use fnlab_functions::{Functions, FunctionsOrigin, Limits, SecretsKey};
use fnlab_sandbox::Sandbox;

pub use actor::Actor;
pub use error::{BuildFailure, Error};

/// The settings use cases read from Fnlab's configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where function URLs live.
    pub functions_origin: FunctionsOrigin,
    /// What a new function gets, and the most any function may ask for.
    pub ceilings: Limits,
    /// How long one build may run.
    pub build_timeout: Duration,
    /// Whether usage is recorded and quotas checked.
    pub metering: bool,
    /// The key that seals functions' secrets (every node needs the same).
    pub secrets_key: SecretsKey,
    /// How cron schedules run and queued events are delivered.
    pub triggers: triggers::TriggerSettings,
    /// The URL people reach the dashboard at (course invite links).
    pub public_url: String,
}

/// The use cases, over the domain services. Cheap to clone.
#[derive(Clone)]
pub struct Fnlab {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    accounts: Accounts,
    functions: Functions,
    kv: fnlab_kv::Kv,
    schedules: fnlab_triggers::Schedules,
    /// Wakes this node's schedule worker when a schedule changes here.
    schedule_wake: tokio::sync::Notify,
    queue: fnlab_triggers::Queue,
    courses: fnlab_courses::Courses,
    /// Wakes this node's event worker when an event is sent here.
    event_wake: Arc<tokio::sync::Notify>,
    builds: Builds,
    pricing: Arc<Pricing>,
    sandbox: Sandbox,
    settings: Settings,
    live: live::LiveCache,
    /// Each (course, student)'s caps and usage, read at most every
    /// [`courses::CAPS_REFRESH`].
    course_caps: moka::sync::Cache<(i64, i64), (fnlab_courses::CourseCaps, i64, i64)>,
    progress: builds::Progress,
    /// The build event streams each user has open.
    watchers: holdings::Holdings<i64>,
    /// The log tails each user has open.
    tailers: holdings::Holdings<i64>,
    /// This node's metrics.
    telemetry: telemetry::Telemetry,
    runs: invoke::Runs,
    /// The script runtimes this node prepared (their native code is kept).
    runtimes: Mutex<HashSet<String>>,
}

impl Fnlab {
    /// The use cases over the database `pool`, running functions in
    /// `sandbox`, with the prices and plans of `pricing`. Starts the usage
    /// writer (when metering is on): call from within a Tokio runtime, and
    /// [`Fnlab::shutdown`] once no request is left.
    pub fn new(pool: Pool, sandbox: Sandbox, pricing: Arc<Pricing>, settings: Settings) -> Self {
        let accounts = Accounts::new(pool.clone());
        let runs = invoke::Runs::start(&pool, &accounts, &pricing, settings.metering);
        let kv = fnlab_kv::Kv::new(pool.clone());
        let node = format!("{}-{}", std::process::id(), fnlab_db::random_hex(6));
        let schedules = fnlab_triggers::Schedules::new(
            pool.clone(),
            node.clone(),
            settings.triggers.schedule_seconds,
        );
        let queue = fnlab_triggers::Queue::new(pool.clone(), node);
        let event_wake = Arc::new(tokio::sync::Notify::new());
        sandbox.use_platform(Arc::new(events::GuestEvents {
            functions: Functions::new(pool.clone()),
            queue: queue.clone(),
            wake: event_wake.clone(),
        }));
        let guests = kv::GuestStores::new(kv.clone(), accounts.clone(), pricing.clone());
        sandbox.use_key_value(Arc::new(guests));
        Self {
            inner: Arc::new(Inner {
                functions: Functions::new(pool.clone()),
                kv,
                schedules,
                schedule_wake: tokio::sync::Notify::new(),
                queue,
                event_wake,
                courses: fnlab_courses::Courses::new(pool.clone()),
                builds: Builds::new(pool.clone()),
                live: live::LiveCache::default(),
                course_caps: moka::sync::Cache::builder()
                    .max_capacity(100_000)
                    .time_to_live(courses::CAPS_REFRESH)
                    .build(),
                progress: builds::Progress::default(),
                watchers: holdings::Holdings::new(builds::MAX_WATCHES_PER_USER),
                tailers: holdings::Holdings::new(tail::MAX_TAILS_PER_USER),
                telemetry: telemetry::Telemetry::default(),
                runtimes: Mutex::default(),
                accounts,
                pricing,
                sandbox,
                settings,
                runs,
                pool,
            }),
        }
    }

    /// The settings it was made with.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The public URL of `username`'s function `name`.
    pub fn function_url(&self, username: &str, name: &str) -> String {
        self.inner.settings.functions_origin.url(username, name)
    }
}
