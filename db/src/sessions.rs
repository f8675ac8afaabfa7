//! The tower-sessions store, kept in Fnlab's own database so that a restart
//! logs nobody out and several server nodes share the same sessions.

use async_trait::async_trait;
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};

use crate::Pool;

/// A [`SessionStore`] on the `sessions` table, for SQLite and PostgreSQL alike.
#[derive(Debug, Clone)]
pub struct SqlSessionStore {
    pool: Pool,
}

impl SqlSessionStore {
    /// A store on `pool`, whose schema the migrations have created.
    pub fn new(pool: Pool) -> Self {
        Self { pool }
    }
}

fn backend(e: sqlx::Error) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn expiry_ms(record: &Record) -> i64 {
    i64::try_from(record.expiry_date.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

#[async_trait]
impl SessionStore for SqlSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // Ids are 128 random bits, so a collision is astronomically rare; when
        // one happens, draw again rather than overwrite someone's session.
        loop {
            let data = serde_json::to_string(&record.data)
                .map_err(|e| session_store::Error::Encode(e.to_string()))?;
            let inserted = sqlx::query(
                "insert into sessions (session_id, data, expires_at) values ($1, $2, $3) \
                 on conflict (session_id) do nothing",
            )
            .bind(record.id.to_string())
            .bind(data)
            .bind(expiry_ms(record))
            .execute(&self.pool)
            .await
            .map_err(backend)?;
            if inserted.rows_affected() == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        sqlx::query(
            "insert into sessions (session_id, data, expires_at) values ($1, $2, $3) \
             on conflict (session_id) do update set data = excluded.data, expires_at = excluded.expires_at",
        )
        .bind(record.id.to_string())
        .bind(data)
        .bind(expiry_ms(record))
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let row: Option<(String, i64)> = sqlx::query_as(
            "select data, expires_at from sessions where session_id = $1 and expires_at > $2",
        )
        .bind(id.to_string())
        .bind(crate::now_ms())
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        let Some((data, expires_at)) = row else {
            return Ok(None);
        };
        let data =
            serde_json::from_str(&data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date =
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(expires_at) * 1_000_000)
                .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sqlx::query("delete from sessions where session_id = $1")
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[async_trait]
impl ExpiredDeletion for SqlSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        sqlx::query("delete from sessions where expires_at <= $1")
            .bind(crate::now_ms())
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    async fn store() -> (tempfile::TempDir, SqlSessionStore) {
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::open(&format!("sqlite://{}/s.db", dir.path().display()), 2)
            .await
            .unwrap();
        (dir, SqlSessionStore::new(pool))
    }

    fn record(expires_in: time::Duration) -> Record {
        let mut data = HashMap::new();
        data.insert("user_id".to_owned(), serde_json::json!(7));
        Record {
            id: Id::default(),
            data,
            expiry_date: OffsetDateTime::now_utc() + expires_in,
        }
    }

    #[tokio::test]
    async fn a_saved_session_loads_back_until_it_expires() {
        let (_dir, store) = store().await;
        let mut live = record(time::Duration::hours(1));
        store.create(&mut live).await.unwrap();
        let loaded = store.load(&live.id).await.unwrap().unwrap();
        assert_eq!(loaded.data, live.data);

        let mut expired = record(time::Duration::seconds(-1));
        store.create(&mut expired).await.unwrap();
        assert!(store.load(&expired.id).await.unwrap().is_none());

        store.delete_expired().await.unwrap();
        store.delete(&live.id).await.unwrap();
        assert!(store.load(&live.id).await.unwrap().is_none());
    }
}
