//! Fnlab's usage records. Every invocation yields one [`UsageRecord`]; the
//! gateway hands it to the [`Recorder`], which writes records in batches
//! from a background task (never one database write per request on the
//! request path) and drains what is left when the server shuts down. Each
//! record carries a unique request id and is inserted with
//! `on conflict do nothing`, so a batch retried after an error is never
//! counted twice.
//!
//! Reading usage back is cheap at any volume: the writer adds each batch
//! to per-function hourly rollups in the transaction that inserts it
//! ([`rollup`]), and every total is read from those rollups ([`totals`],
//! [`metrics`]); nothing reads raw records back to bill them. For quotas,
//! [`live`] keeps each user's month in memory.
//! Prices and quotas themselves are `fnlab-billing`'s.
//!
//! With the `openapi` feature (the server's), the types the REST API
//! answers with also describe themselves for its OpenAPI document
//! (`utoipa::ToSchema`).
//!
//! # Layout
//! - [`record`]: the record and its outcome.
//! - [`recorder`]: the batching writer.
//! - [`query`]: reading records back (a function's latest invocations).
//! - [`rollup`]: hourly rollups, the one-off backlog catch-up, and the
//!   expiry of raw records.
//! - [`totals`]: usage per function, day or user over a period.
//! - [`metrics`]: a function's invocations, errors and latency per step.
//! - [`histogram`]: latency histograms that add up and give percentiles.
//! - [`live`]: this month's usage per user, in memory, for quotas.
//! - [`tail`]: invocations as they end, from every node, for live tails.
//! - `json_rows` (private): many rows passed as one JSON parameter.
//! - [`report`]: the priced billing views.

#![deny(missing_docs)]

pub mod histogram;
mod json_rows;
pub mod live;
pub mod metrics;
pub mod query;
pub mod record;
pub mod recorder;
pub mod report;
pub mod rollup;
pub mod tail;
pub mod totals;

pub use live::LiveUsage;
pub use record::UsageRecord;
pub use recorder::{Recorder, RecorderOptions, WriterStats};
pub use tail::{Follower, Tailed, Tails};
