//! A function's saved test events: JSON payloads its owner keeps by name
//! to invoke it with from the test console or the API, at most
//! [`MAX_TEST_EVENTS`] per function (as Lambda keeps ten), each at most
//! [`MAX_TEST_EVENT_BYTES`]. The text is kept as it was written, so an
//! event opens in the editor as it was saved.

use serde::Serialize;
use serde_json::value::RawValue;

use crate::{FunctionError, Functions};

/// Most saved test events per function.
pub const MAX_TEST_EVENTS: i64 = 10;
/// Largest saved test event, bytes of JSON.
pub const MAX_TEST_EVENT_BYTES: usize = 256 << 10;

/// A saved test event.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TestEvent {
    /// Its name: lowercase letters, digits and dashes.
    pub name: String,
    /// The JSON payload, as it was saved.
    #[cfg_attr(feature = "openapi", schema(value_type = serde_json::Value))]
    pub payload: Box<RawValue>,
    /// When it was last saved, ms since the Unix epoch.
    pub updated_at: i64,
}

impl Functions {
    /// The saved test events of `user_id`'s function `name`, by name.
    pub async fn test_events(
        &self,
        user_id: i64,
        name: &str,
    ) -> Result<Vec<TestEvent>, FunctionError> {
        let function_id = self.id_of(user_id, name).await?;
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "select name, payload, updated_at from test_events where function_id = $1 order by name",
        )
        .bind(function_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(name, payload, updated_at)| {
                let payload = RawValue::from_string(payload)
                    .map_err(|e| FunctionError::Database(sqlx::Error::Decode(Box::new(e))))?;
                Ok(TestEvent {
                    name,
                    payload,
                    updated_at,
                })
            })
            .collect()
    }

    /// Saves `payload` (JSON text) as test event `event` of `user_id`'s
    /// function `name`, replacing one of that name.
    pub async fn save_test_event(
        &self,
        user_id: i64,
        name: &str,
        event: &str,
        payload: &str,
    ) -> Result<TestEvent, FunctionError> {
        let invalid = FunctionError::InvalidTestEvent;
        fnlab_db::slug::check("a test event name", event, 1..=48).map_err(invalid)?;
        if payload.len() > MAX_TEST_EVENT_BYTES {
            return Err(invalid(format!(
                "a test event is at most {} KiB; this one is {} KiB",
                MAX_TEST_EVENT_BYTES >> 10,
                payload.len() >> 10
            )));
        }
        let payload = RawValue::from_string(payload.trim().to_owned())
            .map_err(|e| invalid(format!("a test event is JSON: {e}")))?;
        let function_id = self.id_of(user_id, name).await?;
        let now = fnlab_db::now_ms();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "insert into test_events (function_id, name, payload, updated_at) values ($1, $2, $3, $4) \
             on conflict (function_id, name) do update set payload = excluded.payload, \
             updated_at = excluded.updated_at",
        )
        .bind(function_id)
        .bind(event)
        .bind(payload.get())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let count: i64 =
            sqlx::query_scalar("select count(*) from test_events where function_id = $1")
                .bind(function_id)
                .fetch_one(&mut *tx)
                .await?;
        if count > MAX_TEST_EVENTS {
            return Err(invalid(format!(
                "a function keeps at most {MAX_TEST_EVENTS} test events: delete one first"
            )));
        }
        tx.commit().await?;
        Ok(TestEvent {
            name: event.to_owned(),
            payload,
            updated_at: now,
        })
    }

    /// Deletes test event `event` of `user_id`'s function `name`; whether
    /// it was there.
    pub async fn delete_test_event(
        &self,
        user_id: i64,
        name: &str,
        event: &str,
    ) -> Result<bool, FunctionError> {
        let function_id = self.id_of(user_id, name).await?;
        let deleted = sqlx::query("delete from test_events where function_id = $1 and name = $2")
            .bind(function_id)
            .bind(event)
            .execute(&self.pool)
            .await?;
        Ok(deleted.rows_affected() == 1)
    }
}
