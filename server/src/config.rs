//! Fnlab's configuration: command-line flags, each also read from an
//! environment variable. The doc comments below are what `fnlab --help`
//! prints.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use fnlab_billing::{FreeTier, Plans, PriceSheet, Pricing, PricingModel};
use fnlab_functions::{FunctionsOrigin, Limits, SecretsKey};
use fnlab_usecases::Settings;

/// Fnlab: write, deploy and host serverless functions in WebAssembly sandboxes.
#[derive(Clone, Parser)]
#[command(name = "fnlab", version, about)]
pub struct Config {
    /// Address and port to listen on.
    #[arg(long, env = "FNLAB_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// Directory for Fnlab's own files (the SQLite database, caches). Created
    /// on first run.
    #[arg(long, env = "FNLAB_DATA", default_value = "./data")]
    pub data: PathBuf,

    /// Database to use: sqlite://path/to/file.db or postgres://user:pass@host/db.
    /// Default: the SQLite file fnlab.db inside FNLAB_DATA.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,

    /// Most database connections this process opens (at least 2: the usage
    /// writer keeps one to itself).
    #[arg(long, env = "FNLAB_DB_CONNECTIONS", default_value_t = 16,
          value_parser = clap::value_parser!(u32).range(2..))]
    pub db_connections: u32,

    /// Directory of the built web assets (pkg/, favicon). Default: target/site,
    /// where `cargo leptos build` puts them, relative to the working directory
    /// or else to the binary's own target directory.
    #[arg(long, env = "LEPTOS_SITE_ROOT")]
    pub site_root: Option<PathBuf>,

    /// Mark the session cookie Secure (and name it `__Host-fnlab_session`):
    /// set this when Fnlab is served over HTTPS.
    #[arg(long, env = "FNLAB_SECURE_COOKIES")]
    pub secure_cookies: bool,

    /// The URL people reach Fnlab at, used in the function URLs it shows.
    /// Default: http:// and FNLAB_ADDR.
    #[arg(long, env = "FNLAB_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Where the public function URLs live, away from the dashboard:
    /// https://*.fn.example.org gives each user their own origin
    /// (https://ann.fn.example.org/echo/), recommended; https://fn.example.org
    /// serves every user's under /fn/USER/NAME/. Unset, functions share the
    /// dashboard's origin, each response sandboxed by a
    /// Content-Security-Policy.
    #[arg(long, env = "FNLAB_FUNCTIONS_URL")]
    pub functions_url: Option<String>,

    /// Longest a function request may run, in milliseconds (default for new
    /// functions and ceiling for all).
    #[arg(long, env = "FNLAB_TIMEOUT_MS", default_value_t = 10_000)]
    pub timeout_ms: u64,

    /// Most memory one function instance may use, in MiB (default and ceiling).
    #[arg(long, env = "FNLAB_MEMORY_MB", default_value_t = 128)]
    pub memory_mb: u64,

    /// Largest request body a function accepts, in bytes.
    #[arg(long, env = "FNLAB_MAX_REQUEST_BYTES", default_value_t = 6 * 1024 * 1024)]
    pub max_request_bytes: u64,

    /// Largest response body a function may send, in bytes.
    #[arg(long, env = "FNLAB_MAX_RESPONSE_BYTES", default_value_t = 6 * 1024 * 1024)]
    pub max_response_bytes: u64,

    /// Most function instances one user may run at the same time.
    #[arg(long, env = "FNLAB_MAX_CONCURRENCY", default_value_t = 16)]
    pub max_concurrency: u32,

    /// Largest component that may be uploaded, in bytes.
    #[arg(long, env = "FNLAB_MAX_COMPONENT_BYTES", default_value_t = 64 * 1024 * 1024)]
    pub max_component_bytes: u64,

    /// Whether this node builds source from the editor (it needs rustc with
    /// the wasm32-wasip2 target and bubblewrap). Nodes that only serve
    /// functions may set it to false; any node that builds takes jobs from
    /// the shared queue.
    #[arg(long, env = "FNLAB_BUILDS", default_value_t = true, action = clap::ArgAction::Set)]
    pub builds: bool,

    /// Whether this node runs functions' cron schedules and delivers their
    /// queued events. Every due slot runs once across the nodes that do,
    /// whichever claims it first; every event is delivered at least once.
    #[arg(long, env = "FNLAB_TRIGGERS", default_value_t = true, action = clap::ArgAction::Set)]
    pub triggers: bool,

    /// Allow six-field cron expressions (seconds first), which run more
    /// often than once a minute: for tests and live demos, not for a
    /// shared server.
    #[arg(long, env = "FNLAB_SCHEDULE_SECONDS", default_value_t = false, action = clap::ArgAction::Set)]
    pub schedule_seconds: bool,

    /// How long a node holds a schedule slot or an event it runs without
    /// renewing it, seconds (it renews every third of this): after a node
    /// dies, another retries its slot or event this long after.
    #[arg(long, env = "FNLAB_TRIGGER_LEASE_SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub trigger_lease_secs: u64,

    /// Deliveries of a queued event before it is dead-lettered.
    #[arg(long, env = "FNLAB_EVENT_ATTEMPTS", default_value_t = 3,
          value_parser = clap::value_parser!(i64).range(1..=20))]
    pub event_attempts: i64,

    /// The wait before a failed event's first retry, milliseconds; it
    /// doubles with each retry.
    #[arg(long, env = "FNLAB_EVENT_BACKOFF_MS", default_value_t = 5_000)]
    pub event_backoff_ms: u64,

    /// Where builds keep their prepared crate and compiled dependencies.
    /// Default: builds/ inside FNLAB_DATA. Builds see it under a fixed path
    /// inside their sandbox, so it may move without going cold.
    #[arg(long, env = "FNLAB_BUILD_DIR")]
    pub build_dir: Option<PathBuf>,

    /// Where the JavaScript and Python build tools are (componentize-js in
    /// javascript/, componentize-py in python/), as .ci/setup.sh installs
    /// them. Default: ~/.cache/fnlab/tools.
    #[arg(long, env = "FNLAB_TOOLS")]
    pub tools: Option<PathBuf>,

    /// Where native code compiled from components is cached (the script
    /// runtimes' among it: reloading takes milliseconds, compiling
    /// seconds). Default: cache/code inside FNLAB_DATA.
    #[arg(long, env = "FNLAB_CODE_CACHE")]
    pub code_cache: Option<PathBuf>,

    /// Most native code kept in the code cache, in MiB. Every hour the
    /// cache loses the code of components no version runs, or unused for
    /// a month, then the least recently used until it fits.
    #[arg(long, env = "FNLAB_CODE_CACHE_MB", default_value_t = 2048)]
    pub code_cache_mb: u64,

    /// Most native code kept in memory, in MiB: past it the least
    /// recently called programs are dropped (their next call reloads
    /// them from the code cache: a cold start).
    #[arg(long, env = "FNLAB_PROGRAMS_MB", default_value_t = 256)]
    pub programs_mb: u64,

    /// Longest one build may run, in seconds.
    #[arg(long, env = "FNLAB_BUILD_TIMEOUT_SECS", default_value_t = 60)]
    pub build_timeout_secs: u64,

    /// Most memory one build may use, in MiB.
    #[arg(long, env = "FNLAB_BUILD_MEMORY_MB", default_value_t = 2048)]
    pub build_memory_mb: u64,

    /// How usage is priced: lambda (per request and per GB-second of
    /// configured memory) or workers (per request and per CPU millisecond).
    #[arg(long, env = "FNLAB_PRICING", default_value = "lambda")]
    pub pricing: PricingModel,

    /// Dollars per million requests. Default: 0.20 (lambda) or 0.30 (workers).
    #[arg(long, env = "FNLAB_PRICE_PER_MILLION_REQUESTS", value_parser = price)]
    pub price_per_million_requests: Option<i128>,

    /// Dollars per GB-second (lambda pricing).
    #[arg(long, env = "FNLAB_PRICE_PER_GB_SECOND", default_value = "0.0000166667", value_parser = price)]
    pub price_per_gb_second: i128,

    /// Dollars per million CPU milliseconds (workers pricing).
    #[arg(long, env = "FNLAB_PRICE_PER_MILLION_CPU_MS", default_value = "0.02", value_parser = price)]
    pub price_per_million_cpu_ms: i128,

    /// Dollars per million key-value reads.
    #[arg(long, env = "FNLAB_PRICE_PER_MILLION_KV_READS", default_value = "0.50", value_parser = price)]
    pub price_per_million_kv_reads: i128,

    /// Dollars per million key-value writes.
    #[arg(long, env = "FNLAB_PRICE_PER_MILLION_KV_WRITES", default_value = "5.00", value_parser = price)]
    pub price_per_million_kv_writes: i128,

    /// Requests free each month, per user.
    #[arg(long, env = "FNLAB_FREE_REQUESTS", default_value_t = 1_000_000)]
    pub free_requests: u32,

    /// GB-seconds free each month, per user.
    #[arg(long, env = "FNLAB_FREE_GB_SECONDS", default_value_t = 400_000)]
    pub free_gb_seconds: u32,

    /// CPU milliseconds free each month, per user (workers pricing).
    #[arg(long, env = "FNLAB_FREE_CPU_MS", default_value_t = 30_000_000)]
    pub free_cpu_ms: u32,

    /// Key-value reads free each month, per user.
    #[arg(long, env = "FNLAB_FREE_KV_READS", default_value_t = 10_000_000)]
    pub free_kv_reads: u32,

    /// Key-value writes free each month, per user.
    #[arg(long, env = "FNLAB_FREE_KV_WRITES", default_value_t = 1_000_000)]
    pub free_kv_writes: u32,

    /// The plans and their quotas: `name:cap=n,cap=n;name…` with monthly
    /// caps requests, gb_seconds and cpu_ms (unlimited when left out; past
    /// one, the user's functions answer 429) and storage_mb, what the
    /// plan's users may keep stored (256 when left out; `unlimited` lifts
    /// it; past it, uploads and deploys are refused with 413).
    #[arg(
        long,
        env = "FNLAB_PLANS",
        default_value = "free:requests=1000000,gb_seconds=400000,storage_mb=256;pro:storage_mb=10240"
    )]
    pub plans: String,

    /// The plan users are on until an admin moves them.
    #[arg(long, env = "FNLAB_DEFAULT_PLAN", default_value = "free")]
    pub default_plan: String,

    /// No longer read: admins are granted with `fnlab admin grant
    /// USERNAME`. Set, it stops the start with that advice, rather than
    /// leave admins without the admin view.
    #[arg(long, env = "FNLAB_ADMIN", value_delimiter = ',', hide = true)]
    pub admin: Vec<String>,

    /// Most instances kept warm between two requests of their function,
    /// node-wide (the least recently used go first); `0`: every request
    /// gets a fresh instance.
    #[arg(long, env = "FNLAB_WARM_INSTANCES", default_value_t = 32)]
    pub warm_instances: usize,

    /// Most of one user's instances that execute on a core at the same
    /// moment (the rest wait their turn, those waiting on I/O hold none).
    /// Default: half the cores.
    #[arg(long, env = "FNLAB_RUNNING_PER_USER")]
    pub running_per_user: Option<usize>,

    /// Longest a function's caller may take to send the request body, in
    /// milliseconds. The body is read whole before an instance is taken;
    /// past this the caller gets 408 and the function never runs.
    #[arg(long, env = "FNLAB_BODY_TIMEOUT_MS", default_value_t = 10_000)]
    pub body_timeout_ms: u64,

    /// Most connections one client (address) may hold open; further ones
    /// are closed at once. 0: no limit (behind a proxy, which is then the
    /// only client, let the proxy limit its clients).
    #[arg(long, env = "FNLAB_MAX_CONNECTIONS_PER_CLIENT", default_value_t = 128)]
    pub max_connections_per_client: u32,

    /// Most function requests (/fn/…) one client may have in flight at
    /// once, so that no single client can take all of an owner's
    /// instances; beyond it, 429. 0: no limit.
    #[arg(long, env = "FNLAB_MAX_FN_REQUESTS_PER_CLIENT", default_value_t = 8)]
    pub max_fn_requests_per_client: u32,

    /// Log-in and sign-up attempts one client may make per minute (in a
    /// burst, then evenly); beyond it, 429. Sized for a classroom behind
    /// one address. 0: no limit.
    #[arg(long, env = "FNLAB_LOGINS_PER_CLIENT_PER_MINUTE", default_value_t = 60)]
    pub logins_per_client_per_minute: u32,

    /// Other changes (saves, deploys, uploads: any request but GET, HEAD
    /// or OPTIONS, and not a function call) one client may make per minute
    /// (in a burst, then evenly); beyond it, 429. 0: no limit.
    #[arg(
        long,
        env = "FNLAB_CHANGES_PER_CLIENT_PER_MINUTE",
        default_value_t = 600
    )]
    pub changes_per_client_per_minute: u32,

    /// A request header that carries the client's address, set by a
    /// reverse proxy in front of Fnlab (e.g. X-Forwarded-For, whose last
    /// entry is taken: the one the proxy added). Unset: the peer address.
    /// Never set it without such a proxy: clients could pick any address.
    #[arg(long, env = "FNLAB_CLIENT_IP_HEADER")]
    pub client_ip_header: Option<axum::http::HeaderName>,

    /// Addresses that may read `/metrics` (Prometheus) without a token,
    /// comma-separated (`127.0.0.1,10.0.0.5`). Others need an admin's API
    /// token. Empty (the default): admins' tokens only.
    #[arg(long, env = "FNLAB_METRICS_FROM", value_delimiter = ',')]
    pub metrics_from: Vec<std::net::IpAddr>,

    /// Seconds a stopping server waits for open requests (event streams
    /// included) before it cuts them off; usage records are written after.
    #[arg(long, env = "FNLAB_SHUTDOWN_GRACE_SECS", default_value_t = 10)]
    pub shutdown_grace_secs: u64,

    /// What to do instead of serving.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Days raw invocation records (with their logs) are kept; hourly
    /// rollups, which billing reads, are kept for good.
    #[arg(long, env = "FNLAB_USAGE_RETENTION_DAYS", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub usage_retention_days: u32,

    /// Record usage and enforce quotas. Turning it off leaves functions
    /// unbilled and their logs empty: it exists to measure what metering
    /// costs.
    #[arg(long, env = "FNLAB_METERING", default_value_t = true, action = clap::ArgAction::Set)]
    pub metering: bool,

    /// Who functions may call with outbound HTTP: `public` (any public
    /// address, never loopback, private, link-local or metadata ones),
    /// `allow-list` (only FNLAB_OUTBOUND_ALLOW) or `off`.
    #[arg(long, env = "FNLAB_OUTBOUND", default_value = "public")]
    pub outbound: fnlab_sandbox::OutboundMode,

    /// Hosts functions may call whatever their address, as host[:port],
    /// comma-separated (e.g. an internal API, or a loopback port in tests).
    #[arg(long, env = "FNLAB_OUTBOUND_ALLOW", default_value = "")]
    pub outbound_allow: String,

    /// Most outbound HTTP requests one invocation may send.
    #[arg(long, env = "FNLAB_OUTBOUND_MAX_REQUESTS", default_value_t = 50)]
    pub outbound_max_requests: u32,

    /// The key that seals functions' secrets: 64 hexadecimal digits
    /// (`openssl rand -hex 32`). Default: the file secrets.key inside
    /// FNLAB_DATA, created on first start. Every node needs the same key.
    #[arg(long, env = "FNLAB_SECRETS_KEY", hide_env_values = true)]
    pub secrets_key: Option<String>,
}

/// The file in the data directory that keeps the secrets key when
/// FNLAB_SECRETS_KEY is not set.
pub const SECRETS_KEY_FILE: &str = "secrets.key";

/// Parses a dollar price for clap.
fn price(text: &str) -> Result<i128, String> {
    fnlab_billing::money::parse_dollars(text).map_err(|e| e.to_string())
}

impl Config {
    /// The database URL, defaulting to a SQLite file inside the data directory.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data.join("fnlab.db").display()))
    }

    /// Where users reach Fnlab, without a trailing slash.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.addr),
        }
    }

    /// Where function URLs live: FNLAB_FUNCTIONS_URL, else the dashboard's
    /// own origin.
    pub fn functions_origin(&self) -> FunctionsOrigin {
        FunctionsOrigin::parse(self.functions_url.as_deref().unwrap_or(&self.public_url()))
    }

    /// The limits a new function gets: the server's ceilings.
    pub fn default_limits(&self) -> Limits {
        Limits {
            timeout_ms: i64::try_from(self.timeout_ms).unwrap_or(i64::MAX),
            memory_mb: i64::try_from(self.memory_mb).unwrap_or(i64::MAX),
        }
    }

    /// Where builds keep their prepared crate.
    pub fn build_dir(&self) -> PathBuf {
        self.build_dir
            .clone()
            .unwrap_or_else(|| self.data.join("builds"))
    }

    /// Where the JavaScript and Python build tools are.
    pub fn tools(&self) -> PathBuf {
        self.tools.clone().unwrap_or_else(|| {
            let home = std::env::var_os("HOME").unwrap_or_else(|| ".".into());
            PathBuf::from(home).join(".cache/fnlab/tools")
        })
    }

    /// Where compiled native code is cached.
    pub fn code_cache(&self) -> PathBuf {
        self.code_cache
            .clone()
            .unwrap_or_else(|| self.data.join("cache").join("code"))
    }

    /// The limits of one build.
    pub fn build_limits(&self) -> fnlab_builds::BuildLimits {
        fnlab_builds::BuildLimits {
            wall: std::time::Duration::from_secs(self.build_timeout_secs),
            memory_bytes: self.build_memory_mb << 20,
            component_bytes: self.max_component_bytes,
        }
    }

    /// The price sheet and plans; an error says what is wrong with them.
    pub fn pricing(&self) -> Result<Pricing, String> {
        let base = match self.pricing {
            PricingModel::Lambda => PriceSheet::lambda(),
            PricingModel::Workers => PriceSheet::workers(),
        };
        let prices = PriceSheet {
            per_million_requests: self
                .price_per_million_requests
                .unwrap_or(base.per_million_requests),
            per_gb_second: self.price_per_gb_second,
            per_million_cpu_ms: self.price_per_million_cpu_ms,
            per_million_kv_reads: self.price_per_million_kv_reads,
            per_million_kv_writes: self.price_per_million_kv_writes,
            free: FreeTier {
                requests: self.free_requests.into(),
                gb_seconds: self.free_gb_seconds.into(),
                cpu_ms: self.free_cpu_ms.into(),
                kv_reads: self.free_kv_reads.into(),
                kv_writes: self.free_kv_writes.into(),
            },
            ..base
        };
        let plans = Plans::parse(&self.plans, &self.default_plan)
            .map_err(|e| format!("FNLAB_PLANS: {e}"))?;
        Ok(Pricing { prices, plans })
    }

    /// The outbound HTTP policy of functions.
    pub fn outbound_policy(&self) -> Result<fnlab_sandbox::OutboundPolicy, String> {
        let allow = fnlab_sandbox::AllowedHost::parse_list(&self.outbound_allow)
            .map_err(|e| format!("FNLAB_OUTBOUND_ALLOW: {e}"))?;
        Ok(fnlab_sandbox::OutboundPolicy {
            mode: self.outbound,
            allow,
            max_requests: self.outbound_max_requests,
            ..fnlab_sandbox::OutboundPolicy::off()
        })
    }

    /// The key that seals secrets: FNLAB_SECRETS_KEY, else the key file
    /// in the data directory (created the first time).
    pub fn secrets_key(&self) -> Result<SecretsKey, String> {
        match &self.secrets_key {
            Some(hex_key) => {
                SecretsKey::from_hex(hex_key).map_err(|e| format!("FNLAB_SECRETS_KEY: {e}"))
            }
            None => SecretsKey::load_or_create(&self.data.join(SECRETS_KEY_FILE)),
        }
    }

    /// What the use cases read of the configuration, with the key that
    /// seals secrets.
    pub fn settings(&self, secrets_key: SecretsKey) -> Settings {
        Settings {
            secrets_key,
            functions_origin: self.functions_origin(),
            ceilings: self.default_limits(),
            build_timeout: std::time::Duration::from_secs(self.build_timeout_secs),
            metering: self.metering,
            triggers: fnlab_usecases::triggers::TriggerSettings {
                schedule_seconds: self.schedule_seconds,
                lease: std::time::Duration::from_secs(self.trigger_lease_secs),
                event_attempts: self.event_attempts,
                event_backoff: std::time::Duration::from_millis(self.event_backoff_ms),
            },
            public_url: self.public_url().trim_end_matches('/').to_owned(),
        }
    }

    /// Where the built site lives: the configured directory, `target/site`
    /// under the working directory, or `../site` next to the binary (so that
    /// `target/release/fnlab` finds its files from anywhere).
    pub fn site_root(&self) -> PathBuf {
        if let Some(root) = &self.site_root {
            return root.clone();
        }
        let local = PathBuf::from("target/site");
        if local.is_dir() {
            return local;
        }
        std::env::current_exe()
            .ok()
            .and_then(|exe| Some(exe.parent()?.parent()?.join("site")))
            .filter(|dir| dir.is_dir())
            .unwrap_or(local)
    }
}

/// Commands run on the server instead of serving, with the same
/// configuration (the database above).
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Who may see every user's usage and change plans (the Admin page).
    Admin {
        /// Grant, revoke or list.
        #[command(subcommand)]
        action: AdminAction,
    },
}

/// What `fnlab admin` does.
#[derive(Debug, Clone, Subcommand)]
pub enum AdminAction {
    /// Makes USERNAME an admin.
    Grant {
        /// An existing user.
        username: String,
    },
    /// Makes USERNAME an ordinary user again.
    Revoke {
        /// An existing user.
        username: String,
    },
    /// Lists the admins.
    List,
}

/// Hides the database password: configuration gets logged.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("data", &self.data)
            .field(
                "database_url",
                &self.database_url.as_deref().map(redact_password),
            )
            .field("db_connections", &self.db_connections)
            .field("site_root", &self.site_root)
            .field("secure_cookies", &self.secure_cookies)
            .field("public_url", &self.public_url)
            .field("functions_url", &self.functions_url)
            .field("timeout_ms", &self.timeout_ms)
            .field("memory_mb", &self.memory_mb)
            .field("max_request_bytes", &self.max_request_bytes)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("max_concurrency", &self.max_concurrency)
            .field("max_component_bytes", &self.max_component_bytes)
            .field("builds", &self.builds)
            .field("triggers", &self.triggers)
            .field("schedule_seconds", &self.schedule_seconds)
            .field("trigger_lease_secs", &self.trigger_lease_secs)
            .field("event_attempts", &self.event_attempts)
            .field("event_backoff_ms", &self.event_backoff_ms)
            .field("build_dir", &self.build_dir)
            .field("tools", &self.tools)
            .field("code_cache", &self.code_cache)
            .field("code_cache_mb", &self.code_cache_mb)
            .field("build_timeout_secs", &self.build_timeout_secs)
            .field("build_memory_mb", &self.build_memory_mb)
            .field("pricing", &self.pricing)
            .field(
                "price_per_million_requests",
                &self.price_per_million_requests,
            )
            .field("price_per_gb_second", &self.price_per_gb_second)
            .field("price_per_million_cpu_ms", &self.price_per_million_cpu_ms)
            .field(
                "price_per_million_kv_reads",
                &self.price_per_million_kv_reads,
            )
            .field(
                "price_per_million_kv_writes",
                &self.price_per_million_kv_writes,
            )
            .field("free_requests", &self.free_requests)
            .field("free_gb_seconds", &self.free_gb_seconds)
            .field("free_cpu_ms", &self.free_cpu_ms)
            .field("free_kv_reads", &self.free_kv_reads)
            .field("free_kv_writes", &self.free_kv_writes)
            .field("plans", &self.plans)
            .field("default_plan", &self.default_plan)
            .field("admin", &self.admin)
            .field("usage_retention_days", &self.usage_retention_days)
            .field("metering", &self.metering)
            .field("outbound", &self.outbound)
            .field("outbound_allow", &self.outbound_allow)
            .field("outbound_max_requests", &self.outbound_max_requests)
            .field(
                "secrets_key",
                &self.secrets_key.as_ref().map(|_| "[hidden]"),
            )
            .field("shutdown_grace_secs", &self.shutdown_grace_secs)
            .field("running_per_user", &self.running_per_user)
            .field("body_timeout_ms", &self.body_timeout_ms)
            .field(
                "max_connections_per_client",
                &self.max_connections_per_client,
            )
            .field(
                "max_fn_requests_per_client",
                &self.max_fn_requests_per_client,
            )
            .field(
                "logins_per_client_per_minute",
                &self.logins_per_client_per_minute,
            )
            .field(
                "changes_per_client_per_minute",
                &self.changes_per_client_per_minute,
            )
            .field("client_ip_header", &self.client_ip_header)
            .field("metrics_from", &self.metrics_from)
            .finish()
    }
}

/// `postgres://ann:secret@host/db` → `postgres://ann:***@host/db`.
fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_database_password() {
        let config =
            Config::parse_from(["fnlab", "--database-url", "postgres://ann:hunter2@db/fnlab"]);
        let shown = format!("{config:?}");
        assert!(shown.contains("postgres://ann:***@db/fnlab"), "{shown}");
        assert!(!shown.contains("hunter2"));
    }

    #[test]
    fn prices_and_plans_come_from_flags() {
        let config = Config::parse_from([
            "fnlab",
            "--pricing",
            "workers",
            "--plans",
            "a:requests=5",
            "--default-plan",
            "a",
        ]);
        let pricing = config.pricing().unwrap();
        assert_eq!(pricing.prices, PriceSheet::workers());
        assert_eq!(pricing.plan(None).quota.requests, Some(5));
        let bad = Config::parse_from(["fnlab", "--default-plan", "gold"]);
        assert!(bad.pricing().unwrap_err().contains("gold"));
        assert!(Config::try_parse_from(["fnlab", "--price-per-gb-second", "cheap"]).is_err());
    }

    #[test]
    fn the_database_defaults_to_sqlite_in_the_data_directory() {
        let config = Config::parse_from(["fnlab", "--data", "/srv/fnlab"]);
        assert_eq!(config.database_url(), "sqlite:///srv/fnlab/fnlab.db");
    }
}
