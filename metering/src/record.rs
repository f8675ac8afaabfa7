//! One invocation, as billed and as shown in the function's log.

use fnlab_billing::usage::{Measured, Usage};
use serde::Serialize;

/// Everything measured about one invocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
            status: self.status,
            outcome: &self.outcome,
        })
    }
}

/// A new id for a request that starts at `at_ms`: 32 hex digits, the
/// first 12 the time in ms and the other 20 random. Unique across nodes
/// (80 random bits per millisecond) and increasing with time, so that each
/// record lands at the end of the unique index on request ids: random ids
/// would dirty a random page of it per record, which made writing a record
/// three times as costly.
pub fn new_request_id(at_ms: i64) -> String {
    format!("{at_ms:012x}{}", fnlab_db::random_hex(10))
}

/// The columns of `invocations` a [`UsageRecord`] fills, in field order.
pub(crate) const COLUMNS: [&str; 16] = [
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
];
