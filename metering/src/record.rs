//! One invocation, as billed and as shown in the function's log.

use std::cell::RefCell;

use fnlab_billing::usage::{Measured, Usage};
use serde::Serialize;
use serde::ser::{SerializeTuple, Serializer};
use sqlx::Row;
use sqlx::any::AnyRow;

/// Everything measured about one invocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageRecord {
    /// Unique per request (also sent to the caller as `fnlab-request-id`).
    pub request_id: String,
    /// The function's owner, who pays.
    pub user_id: i64,
    /// The function.
    pub function_id: i64,
    /// Its name at the time (functions can be deleted; records stay).
    pub function_name: String,
    /// The version that ran.
    pub version: i64,
    /// Start, ms since the Unix epoch.
    pub started_at: i64,
    /// Wall-clock duration, µs.
    pub wall_us: i64,
    /// CPU time the guest used, µs.
    pub cpu_us: i64,
    /// Largest linear memory the guest reached, bytes.
    pub peak_memory_bytes: i64,
    /// The function's configured memory, MiB (what GB-seconds bill on).
    pub memory_mb: i64,
    /// Request body bytes read by the guest.
    pub bytes_in: i64,
    /// Response body bytes sent to the caller.
    pub bytes_out: i64,
    /// HTTP status sent to the caller.
    pub status: i64,
    /// `ok`, or what went wrong (`timeout`, `trap`, `out_of_memory`…).
    pub outcome: String,
    /// What the guest printed to stdout (capped).
    pub stdout: String,
    /// What the guest printed to stderr (capped), plus the host's reason
    /// when the invocation failed.
    pub stderr: String,
    /// What started it: `http` for a call to the function's URL.
    pub trigger: String,
    /// The request's method.
    pub method: String,
    /// The path (and query) the guest saw, capped at [`MAX_PATH`] bytes.
    pub path: String,
    /// Outbound HTTP requests the function sent.
    pub outbound_requests: i64,
    /// Bytes of those requests' and their responses' bodies.
    pub outbound_bytes: i64,
    /// Key-value reads (each key of a batch counts).
    pub kv_reads: i64,
    /// Key-value writes (each key of a batch counts).
    pub kv_writes: i64,
    /// A cold start: how long the function's program took to be made
    /// ready (reloaded from the disk cache, or compiled) before this
    /// invocation could start, µs, which the caller waited on top of
    /// `wall_us` (and which is not billed). 0 for a warm start (the
    /// program was in memory).
    pub cold_start_us: i64,
}

/// The longest path kept in a record, in bytes.
pub const MAX_PATH: usize = 1024;

/// `path` cut to at most [`MAX_PATH`] bytes, at a character boundary.
pub fn capped_path(path: &str) -> String {
    let mut end = path.len().min(MAX_PATH);
    while !path.is_char_boundary(end) {
        end -= 1;
    }
    path[..end].to_owned()
}

impl UsageRecord {
    /// What this invocation is billed for.
    pub fn usage(&self) -> Usage {
        Usage::of_invocation(Measured {
            wall_us: self.wall_us,
            cpu_us: self.cpu_us,
            memory_mb: self.memory_mb,
            bytes_in: self.bytes_in,
            bytes_out: self.bytes_out,
            kv_reads: self.kv_reads,
            kv_writes: self.kv_writes,
            status: self.status,
            outcome: &self.outcome,
        })
    }

    /// Reads a record from `row`, whose columns from `first` on are
    /// [`COLUMNS`] in order.
    pub(crate) fn from_row(row: &AnyRow, first: usize) -> Result<Self, sqlx::Error> {
        let at = |i: usize| first + i;
        Ok(Self {
            request_id: row.try_get(at(0))?,
            user_id: row.try_get(at(1))?,
            function_id: row.try_get(at(2))?,
            function_name: row.try_get(at(3))?,
            version: row.try_get(at(4))?,
            started_at: row.try_get(at(5))?,
            wall_us: row.try_get(at(6))?,
            cpu_us: row.try_get(at(7))?,
            peak_memory_bytes: row.try_get(at(8))?,
            memory_mb: row.try_get(at(9))?,
            bytes_in: row.try_get(at(10))?,
            bytes_out: row.try_get(at(11))?,
            status: row.try_get(at(12))?,
            outcome: row.try_get(at(13))?,
            stdout: row.try_get(at(14))?,
            stderr: row.try_get(at(15))?,
            trigger: row.try_get(at(16))?,
            method: row.try_get(at(17))?,
            path: row.try_get(at(18))?,
            outbound_requests: row.try_get(at(19))?,
            outbound_bytes: row.try_get(at(20))?,
            kv_reads: row.try_get(at(21))?,
            kv_writes: row.try_get(at(22))?,
            cold_start_us: row.try_get(at(23))?,
        })
    }
}

/// A record as one row of a written batch: its [`COLUMNS`] in order, as a
/// JSON array.
pub(crate) struct AsColumns<'a>(pub &'a UsageRecord);

impl Serialize for AsColumns<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let mut row = serializer.serialize_tuple(COLUMNS.len())?;
        row.serialize_element(&r.request_id)?;
        for number in [r.user_id, r.function_id] {
            row.serialize_element(&number)?;
        }
        row.serialize_element(&r.function_name)?;
        for number in [
            r.version,
            r.started_at,
            r.wall_us,
            r.cpu_us,
            r.peak_memory_bytes,
            r.memory_mb,
            r.bytes_in,
            r.bytes_out,
            r.status,
        ] {
            row.serialize_element(&number)?;
        }
        for text in [
            &r.outcome, &r.stdout, &r.stderr, &r.trigger, &r.method, &r.path,
        ] {
            row.serialize_element(text)?;
        }
        for number in [
            r.outbound_requests,
            r.outbound_bytes,
            r.kv_reads,
            r.kv_writes,
            r.cold_start_us,
        ] {
            row.serialize_element(&number)?;
        }
        row.end()
    }
}

/// A new id for a request that starts at `at_ms`: 32 hex digits, the
/// first 12 the time in ms and the other 20 random. Unique across nodes
/// (80 random bits per millisecond) and increasing with time, so that each
/// record lands at the end of the unique index on request ids: random ids
/// would dirty a random page of it per record, which made writing a record
/// three times as costly.
pub fn new_request_id(at_ms: i64) -> String {
    /// Random bytes from the operating system, read 4,000 at a time and
    /// each used once: one system call per 400 ids, not one per request.
    struct Random {
        bytes: [u8; 4000],
        used: usize,
    }
    thread_local! {
        static RANDOM: RefCell<Random> = const {
            RefCell::new(Random { bytes: [0; 4000], used: 4000 })
        };
    }
    let random = RANDOM.with_borrow_mut(|random| {
        if random.used == random.bytes.len() {
            getrandom::fill(&mut random.bytes)
                .expect("the operating system's random source failed");
            random.used = 0;
        }
        let taken = &random.bytes[random.used..random.used + 10];
        random.used += 10;
        hex::encode(taken)
    });
    format!("{at_ms:012x}{random}")
}

/// The columns of `invocations` a [`UsageRecord`] fills, in field order.
pub(crate) const COLUMNS: [&str; 24] = [
    "request_id",
    "user_id",
    "function_id",
    "function_name",
    "version",
    "started_at",
    "wall_us",
    "cpu_us",
    "peak_memory_bytes",
    "memory_mb",
    "bytes_in",
    "bytes_out",
    "status",
    "outcome",
    "stdout",
    "stderr",
    "trigger",
    "method",
    "path",
    "outbound_requests",
    "outbound_bytes",
    "kv_reads",
    "kv_writes",
    "cold_start_us",
];

/// The [`COLUMNS`] that hold text.
pub(crate) const TEXT_COLUMNS: [&str; 8] = [
    "request_id",
    "function_name",
    "outcome",
    "stdout",
    "stderr",
    "trigger",
    "method",
    "path",
];
