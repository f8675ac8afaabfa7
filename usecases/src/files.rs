//! File drops, as S3 uploads trigger Lambda functions: an owner marks one
//! of their key-value stores as a bucket that triggers one of their
//! functions, and every upload to it (`PUT /api/v1/kv/{store}/{key}`, the
//! store's page, a dropped file) queues an S3-shaped event for that
//! function, delivered like any other event (retries, dead letters) with
//! trigger `file`. The function reads the file through `wasi:keyvalue`.
//!
//! Writes by functions themselves never trigger: a function that writes
//! back into the bucket it processes cannot call itself forever.

use fnlab_billing::calendar::rfc3339;
use fnlab_kv::StoreInfo;
use serde_json::json;

use crate::events::SentEvent;
use crate::{Actor, Error, Fnlab};

/// The queue's `source` of an upload's event; its deliveries run with
/// trigger `file`.
pub const FILE_SOURCE: &str = "file";

/// The S3 `ObjectCreated:Put` event of `username`'s upload of `size` bytes
/// under `key` to `store`, at `at_ms`. The key is as written (S3 would
/// URL-encode it).
pub fn s3_event(
    username: &str,
    store: &str,
    key: &str,
    size: usize,
    at_ms: i64,
) -> serde_json::Value {
    json!({
        "Records": [{
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "awsRegion": "fnlab",
            "eventTime": rfc3339(at_ms),
            "eventName": "ObjectCreated:Put",
            "userIdentity": { "principalId": username },
            "s3": {
                "s3SchemaVersion": "1.0",
                "configurationId": "fnlab-file-drop",
                "bucket": {
                    "name": store,
                    "ownerIdentity": { "principalId": username },
                    "arn": format!("arn:aws:s3:::{store}"),
                },
                "object": { "key": key, "size": size, "sequencer": format!("{at_ms:016X}") },
            },
        }]
    })
}

impl Fnlab {
    /// Makes every upload to the actor's store `store` (made if new)
    /// trigger their function `function`, or (`None`) nothing; the store
    /// as listed.
    pub async fn set_store_trigger(
        &self,
        actor: &Actor,
        store: &str,
        function: Option<&str>,
    ) -> Result<StoreInfo, Error> {
        let kv = &self.inner.kv;
        let store_id = kv.open(actor.id, store).await?;
        let function_id = match function {
            None => None,
            Some(name) => match self.inner.functions.id_of(actor.id, name).await {
                Ok(id) => Some(id),
                Err(fnlab_functions::FunctionError::NotFound) => {
                    return Err(Error::invalid(
                        "trigger",
                        "invalid_trigger",
                        format!("you have no function {name}"),
                    ));
                }
                Err(e) => return Err(e.into()),
            },
        };
        kv.set_trigger(store_id, function_id).await?;
        let stores = kv.stores(actor.id).await?;
        (stores.into_iter().find(|s| s.name == store)).ok_or(Error::NotFound)
    }

    /// Queues the event of the actor's upload of `size` bytes under `key`
    /// to store `store_id` (named `store`) for the function the store
    /// triggers, if any.
    pub(crate) async fn file_dropped(
        &self,
        actor: &Actor,
        store_id: i64,
        store: &str,
        key: &str,
        size: usize,
    ) -> Result<Option<SentEvent>, Error> {
        let Some(function_id) = self.inner.kv.trigger_of(store_id).await? else {
            return Ok(None);
        };
        let event = s3_event(&actor.username, store, key, size, fnlab_db::now_ms()).to_string();
        let sent = self.enqueue(function_id, FILE_SOURCE, event.as_bytes());
        Ok(Some(sent.await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upload_reads_as_s3s_event() {
        let event = s3_event("ann", "uploads", "notes/a b.txt", 42, 1_796_400_000_000);
        let record = &event["Records"][0];
        assert_eq!(record["eventName"], "ObjectCreated:Put");
        assert_eq!(record["eventSource"], "aws:s3");
        assert_eq!(record["eventTime"], rfc3339(1_796_400_000_000));
        assert_eq!(record["s3"]["bucket"]["name"], "uploads");
        assert_eq!(record["s3"]["object"]["key"], "notes/a b.txt");
        assert_eq!(record["s3"]["object"]["size"], 42);
    }
}
