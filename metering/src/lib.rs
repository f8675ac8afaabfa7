//! Fnlab's usage records. Every invocation yields one [`UsageRecord`]; the
//! gateway hands it to the [`Recorder`], which writes records in batches
//! from a background task (never one database write per request on the
//! request path) and drains what is left when the server shuts down. Each
//! record carries a unique request id and is inserted with
//! `on conflict do nothing`, so a batch retried after an error is never
//! counted twice.
//!
//! # Layout
//! - [`record`]: the record and its outcome.
//! - [`recorder`]: the batching writer.
//! - [`query`]: reading records back (a function's latest invocations).

#![deny(missing_docs)]

pub mod query;
pub mod record;
pub mod recorder;

pub use record::UsageRecord;
pub use recorder::{Recorder, RecorderOptions};
