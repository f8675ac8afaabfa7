//! Helpers for the sandbox tests: the probe guest built by the real
//! toolchain, a sandbox on a temporary cache, and one-call requests.

#![allow(dead_code)] // Each test binary uses its own part of this helper.

#[path = "../guests/mod.rs"]
mod guests;
pub use guests::{probe, probe_sha};

use std::time::Duration;

use bytes::Bytes;
use fnlab_sandbox::{
    FunctionLimits, Invocation, InvocationReport, OutboundPolicy, Program, Sandbox, SandboxConfig,
};
use http_body_util::{BodyExt, Full};

/// A sandbox caching code in `cache`, with small ceilings that make limits
/// quick to hit.
pub fn sandbox(cache: &std::path::Path) -> Sandbox {
    sandbox_calling_out(cache, OutboundPolicy::off())
}

/// The same, with outbound HTTP as `outbound` allows.
pub fn sandbox_calling_out(cache: &std::path::Path, outbound: OutboundPolicy) -> Sandbox {
    sandbox_with(cache, |config| config.outbound = outbound)
}

/// The test sandbox with `change` made to its configuration.
pub fn sandbox_with(cache: &std::path::Path, change: impl FnOnce(&mut SandboxConfig)) -> Sandbox {
    let mut config = SandboxConfig::new(cache.to_owned());
    config.max_instances = 32;
    config.max_request_bytes = 64 * 1024;
    config.max_response_bytes = 256 * 1024;
    config.max_concurrency_per_user = 4;
    config.max_log_bytes = 4096;
    change(&mut config);
    Sandbox::new(config).expect("sandbox")
}

/// Limits for tests: a short timeout, 32 MiB of memory.
pub const LIMITS: FunctionLimits = FunctionLimits {
    timeout: Duration::from_millis(1500),
    memory_bytes: 32 << 20,
};

/// What a call returned.
pub struct Called {
    pub status: u16,
    pub body: String,
    pub body_error: bool,
    pub report: InvocationReport,
}

/// Sends one request through `program` as user `user_id` (in a fresh
/// instance) and reads it all.
pub async fn call(
    sandbox: &Sandbox,
    program: &Program,
    user_id: i64,
    method: &str,
    path: &str,
    body: &str,
) -> Called {
    let invocation = Invocation {
        user_id,
        limits: LIMITS,
        warm: None,
    };
    call_as(sandbox, program, invocation, method, path, body).await
}

/// Sends one request through `program` as `invocation` says and reads it
/// all.
pub async fn call_as(
    sandbox: &Sandbox,
    program: &Program,
    invocation: Invocation,
    method: &str,
    path: &str,
    body: &str,
) -> Called {
    let request = http::Request::builder()
        .method(method)
        .uri(path)
        .header("host", "fnlab.test")
        .header("x-probe", "abc")
        .body(Full::new(Bytes::from(body.to_owned())))
        .unwrap();
    let (response, report) = sandbox.invoke(program, invocation, request).await;
    let status = response.status().as_u16();
    let (body, body_error) = match response.into_body().collect().await {
        Ok(collected) => (
            String::from_utf8_lossy(&collected.to_bytes()).into_owned(),
            false,
        ),
        Err(_) => (String::new(), true),
    };
    let report = tokio::time::timeout(Duration::from_secs(10), report)
        .await
        .expect("report in time")
        .expect("report");
    Called {
        status,
        body,
        body_error,
        report,
    }
}
