//! Many rows in one statement: the rows travel as one bound parameter, a
//! JSON array of arrays, which the database unpacks into rows named
//! `r(value)`; column `i` of a row is `r.value ->> i`. One statement with
//! one bound value, however many rows, spares sqlx's work per statement
//! (a round trip to SQLite's thread) and per value, which dominated the
//! cost of writing usage records.

use sqlx::AnyConnection;

/// The `from` item that unpacks parameter `$1` on `conn`'s database.
pub(crate) fn unpacked(conn: &AnyConnection) -> &'static str {
    if conn.backend_name() == "PostgreSQL" {
        "jsonb_array_elements(cast($1 as jsonb)) as r(value)"
    } else {
        "json_each($1) as r"
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
