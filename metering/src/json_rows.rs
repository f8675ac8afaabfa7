//! Many rows in one statement: the rows travel as one bound parameter, a
//! JSON array of arrays, which a `with` clause ([`rows`]) unpacks into
//! rows named `r(value)`; column `i` of a row is `r.value ->> i`. One
//! statement with one bound value, however many rows, spares sqlx's work
//! per statement (a round trip to SQLite's thread) and per value, which
//! dominated the cost of writing usage records.

use sqlx::AnyConnection;

/// The `with` clause that unpacks parameter `$1` into `r(value)` on
/// `conn`'s database, to put before the statement that reads `r`. On
/// SQLite each row is made binary JSON once: read straight from
/// `json_each`, every column read rendered its whole row as text again,
/// which was most of the writer's time.
pub(crate) fn rows(conn: &AnyConnection) -> &'static str {
    if conn.backend_name() == "PostgreSQL" {
        "with r(value) as (select jsonb_array_elements(cast($1 as jsonb)))"
    } else {
        "with r(value) as materialized (select jsonb(value) from json_each($1))"
    }
}

/// Column `i` of the unpacked rows, as a bigint.
pub(crate) fn bigint(i: usize) -> String {
    format!("cast(r.value ->> {i} as bigint)")
}

/// Column `i` of the unpacked rows, as text.
pub(crate) fn text(i: usize) -> String {
    format!("r.value ->> {i}")
}
