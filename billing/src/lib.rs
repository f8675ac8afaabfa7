//! Fnlab's billing rules, with no database and no HTTP: what an invocation
//! counts for ([`Usage`]), what that costs ([`PriceSheet`], with its free
//! tier), and how much a user may use ([`Plans`] and their quotas, monthly
//! and of storage).
//!
//! Money is integer end to end: prices are kept in picodollars (10⁻¹² $)
//! per unit, usage in integer units (requests, MiB-milliseconds, CPU
//! milliseconds), and a sum of usage is priced once and rounded once to
//! microdollars, the unit every answer carries (`cost_micros`). No float
//! ever holds money.
//!
//! With the `openapi` feature (the server's), the types the REST API
//! answers with also describe themselves for its OpenAPI document
//! (`utoipa::ToSchema`).
//!
//! # Layout
//! - [`usage`]: billable quantities and how one invocation rounds into them.
//! - [`money`]: parsing and showing dollar amounts exactly.
//! - [`prices`]: the price sheet, its two models and the free tier.
//! - [`plans`]: per-plan monthly quotas, their checks and alert levels,
//!   and each plan's storage quota.
//! - [`storage`]: what a user stores against that quota, and sizes in words.
//! - [`pricing`]: the configured price sheet and plans together.
//! - [`report`]: the priced views: a period, a month's days, statements.
//! - [`calendar`]: UTC days and months as epoch milliseconds.

#![deny(missing_docs)]

pub mod calendar;
pub mod money;
pub mod plans;
pub mod prices;
pub mod pricing;
pub mod report;
pub mod storage;
pub mod usage;

pub use plans::{Alert, Exceeded, Plan, Plans, Quota};
pub use prices::{Charge, FreeTier, PriceSheet, PricingModel};
pub use pricing::Pricing;
pub use storage::StorageUse;
pub use usage::Usage;
