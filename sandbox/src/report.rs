//! What one invocation measured and how it ended.

/// How an invocation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The function answered and finished normally.
    Ok,
    /// It ran past its wall-clock timeout.
    Timeout,
    /// It tried to grow its memory past its limit.
    OutOfMemory,
    /// It recursed too deeply.
    StackOverflow,
    /// It trapped (a Rust panic, `unreachable`, a bad memory access…).
    Trap(String),
    /// The request body was larger than allowed.
    RequestTooLarge,
    /// The response body was larger than allowed; it was cut off.
    ResponseTooLarge,
    /// The owner already had as many instances running as allowed.
    TooManyRequests,
    /// The function finished or failed without sending a response.
    NoResponse(String),
}

impl Outcome {
    /// A short machine-readable name, as stored in usage records.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Timeout => "timeout",
            Self::OutOfMemory => "out_of_memory",
            Self::StackOverflow => "stack_overflow",
            Self::Trap(_) => "trap",
            Self::RequestTooLarge => "request_too_large",
            Self::ResponseTooLarge => "response_too_large",
            Self::TooManyRequests => "too_many_requests",
            Self::NoResponse(_) => "no_response",
        }
    }

    /// The HTTP status the caller gets when the function could not answer
    /// itself: 504 timeout, 502 crash, 413 body too large, 429 too many.
    pub fn status(&self) -> u16 {
        match self {
            Self::Ok => 200,
            Self::Timeout => 504,
            Self::RequestTooLarge => 413,
            Self::TooManyRequests => 429,
            Self::OutOfMemory
            | Self::StackOverflow
            | Self::Trap(_)
            | Self::ResponseTooLarge
            | Self::NoResponse(_) => 502,
        }
    }

    /// One sentence for the caller and the log.
    pub fn reason(&self, timeout_ms: u128, limit_mb: u64) -> String {
        match self {
            Self::Ok => "ok".into(),
            Self::Timeout => {
                format!("the function did not finish within its {timeout_ms} ms timeout")
            }
            Self::OutOfMemory => format!("the function ran out of memory (limit {limit_mb} MiB)"),
            Self::StackOverflow => "the function crashed: stack overflow".into(),
            Self::Trap(why) => format!("the function crashed: {why}"),
            Self::RequestTooLarge => "the request body is larger than this function accepts".into(),
            Self::ResponseTooLarge => {
                "the function's response body was larger than allowed and was cut off".into()
            }
            Self::TooManyRequests => {
                "too many requests to this account's functions are running; retry shortly".into()
            }
            Self::NoResponse(why) => format!("the function sent no response: {why}"),
        }
    }
}

/// Everything measured about one invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvocationReport {
    /// Start, ms since the Unix epoch.
    pub started_at_ms: i64,
    /// Wall-clock time from start until the response body was done, µs.
    pub wall_us: u64,
    /// CPU time spent running the guest (and the host calls it made), µs.
    pub cpu_us: u64,
    /// Highest total of the instance's linear memories and tables, bytes.
    pub peak_memory_bytes: u64,
    /// Request body bytes read by the guest.
    pub bytes_in: u64,
    /// Response body bytes sent.
    pub bytes_out: u64,
    /// Outbound HTTP requests the function sent.
    pub outbound_requests: u64,
    /// Bytes of those requests' and their responses' bodies.
    pub outbound_bytes: u64,
    /// Key-value reads (each key of a batch counts).
    pub kv_reads: u64,
    /// Key-value writes (each key of a batch counts).
    pub kv_writes: u64,
    /// HTTP status sent to the caller.
    pub status: u16,
    /// How it ended.
    pub outcome: Outcome,
    /// Captured stdout (capped).
    pub stdout: String,
    /// Captured stderr (capped), with the host's reason on failure.
    pub stderr: String,
}
