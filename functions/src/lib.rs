//! Fnlab's functions: each belongs to one user, has a URL-safe name unique
//! for that user, immutable numbered versions, and one live version that
//! the gateway runs. Versions point at components stored once by their
//! SHA-256, so any server node can load any version from the database.
//!
//! No HTTP and no sandbox here: the server validates and compiles a
//! component with `fnlab-sandbox` before it hands the bytes to
//! [`Functions::add_version`].
//!
//! # Layout
//! - [`model`]: what a function, a version and the live version look like.
//! - [`catalog`]: creating, listing, deploying, rolling back and deleting.
//! - [`drafts`]: the source saved in the editor, and each version's source.

#![deny(missing_docs)]

pub mod catalog;
pub mod drafts;
pub mod model;

pub use model::{
    Deployed, Draft, FunctionDetail, FunctionSummary, Limits, LiveFunction, Source, VersionInfo,
};

use fnlab_db::Pool;

/// Longest function name (it is part of a public URL).
pub const NAME_LEN: std::ops::RangeInclusive<usize> = 1..=48;

/// The functions service: a handle on the database, cheap to clone.
#[derive(Clone)]
pub struct Functions {
    pool: Pool,
}

impl Functions {
    /// Functions kept in `pool`.
    pub fn new(pool: Pool) -> Self {
        Self { pool }
    }
}

/// What can go wrong with a function.
#[derive(Debug, thiserror::Error)]
pub enum FunctionError {
    /// The name breaks the URL naming rule; the message says how.
    #[error("{0}")]
    InvalidName(String),
    /// Limits outside what this server allows; the message says which.
    #[error("{0}")]
    InvalidLimits(String),
    /// No such function for this user (or not theirs).
    #[error("no such function")]
    NotFound,
    /// The function exists but has no such version.
    #[error("function {name} has no version {version}")]
    NoSuchVersion {
        /// The function.
        name: String,
        /// The version asked for.
        version: i64,
    },
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// Checks a function name against the URL naming rule (after lowercasing).
pub fn validate_name(name: &str) -> Result<(), FunctionError> {
    fnlab_db::slug::check("a function name", name, NAME_LEN).map_err(FunctionError::InvalidName)
}

/// The public URL of `username`'s function `name` under `base` (the origin
/// that serves functions, without a trailing slash).
pub fn public_url(base: &str, username: &str, name: &str) -> String {
    format!("{}/fn/{username}/{name}/", base.trim_end_matches('/'))
}

/// The SHA-256 of a component, hex encoded: its identity everywhere.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}
