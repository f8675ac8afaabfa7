//! Fnlab's storage plumbing, shared by every crate that touches the database.
//!
//! Fnlab speaks one portable SQL dialect through sqlx's `Any` driver, so the
//! same queries run on an embedded SQLite file (the default) and on
//! PostgreSQL (several server nodes sharing one database). Only the DDL
//! differs, so migrations live in one folder per backend.
//!
//! Portable-dialect rules every query follows: `$1`-style parameters,
//! timestamps as `bigint` milliseconds since the Unix epoch, no booleans
//! (use `bigint` 0/1), `returning` instead of last-insert-id. Statements
//! that the background workers run every second, and any that writes and
//! returns rows, are read with `fetch_all`: on SQLite, `fetch_one` or
//! `fetch_optional` can leave a statement unfinished on its pooled
//! connection, and the next write there keeps the write lock until that
//! statement runs again (seen as "database is locked" elsewhere).
//!
//! # Layout
//! - [`pool`]: opening the database and running the migrations.
//! - [`sessions`]: the tower-sessions store kept in the same database.
//! - [`secrets`]: secrets generated once and shared by every node.
//! - [`slug`]: the naming rule for names in public URLs.

pub mod pool;
pub mod secrets;
pub mod sessions;
pub mod slug;

pub use pool::{Backend, Pool, open};
pub use sessions::SqlSessionStore;

/// The current time in milliseconds since the Unix epoch, as stored in every
/// `*_at` column.
pub fn now_ms() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}

/// `n` cryptographically random bytes, hex encoded.
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    hex::encode(bytes)
}
