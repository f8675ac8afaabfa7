//! Secrets that every server node must agree on, generated on first use and
//! kept in the database so that nodes sharing it need no extra configuration.

use crate::{Pool, random_hex};

/// Returns the secret called `name`, creating a random 64-byte one the first
/// time it is asked for. Safe when several nodes ask at once: the first
/// insert wins and everyone reads it back.
pub async fn get_or_create(pool: &Pool, name: &str) -> Result<Vec<u8>, sqlx::Error> {
    sqlx::query("insert into secrets (name, value) values ($1, $2) on conflict (name) do nothing")
        .bind(name)
        .bind(random_hex(64))
        .execute(pool)
        .await?;
    let value: String = sqlx::query_scalar("select value from secrets where name = $1")
        .bind(name)
        .fetch_one(pool)
        .await?;
    hex::decode(value).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}
