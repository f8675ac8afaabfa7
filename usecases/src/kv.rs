//! Key-value stores: what functions reach through `wasi:keyvalue` (their
//! owner's stores, within the owner's plan) and what the owner browses and
//! edits in the REST API and on the page. Every method is scoped to one
//! user: another user's store is never found.

use std::sync::Arc;
use std::time::Duration;

use fnlab_accounts::Accounts;
use fnlab_billing::Pricing;
use fnlab_kv::{KeyPage, Kv, KvError, StoreInfo};
use fnlab_sandbox::{BoxFuture, KeyValueBackend, KeysFrom, KvFailure};

use crate::events::SentEvent;
use crate::{Actor, Error, Fnlab};

/// Keys a page lists when the caller does not say.
pub const DEFAULT_KEYS: i64 = 100;

/// How long a user's key-value quota is reused for their functions'
/// writes before their plan is read again: a change of plan reaches them
/// within this.
const QUOTA_TTL: Duration = Duration::from_secs(5);

/// The stores as the sandbox's guests reach them, within their owner's
/// plan.
pub(crate) struct GuestStores {
    kv: Kv,
    accounts: Accounts,
    pricing: Arc<Pricing>,
    /// Each recent writer's quota ([`QUOTA_TTL`]), so that a write costs
    /// no read of the owner's plan.
    quotas: moka::sync::Cache<i64, Option<i64>>,
}

impl GuestStores {
    pub(crate) fn new(kv: Kv, accounts: Accounts, pricing: Arc<Pricing>) -> Self {
        Self {
            kv,
            accounts,
            pricing,
            quotas: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(QUOTA_TTL)
                .build(),
        }
    }

    /// `owner`'s quota, from the cache or their plan.
    async fn quota(&self, owner: i64) -> Result<Option<i64>, KvFailure> {
        if let Some(quota) = self.quotas.get(&owner) {
            return Ok(quota);
        }
        let quota = (quota(&self.accounts, &self.pricing, owner).await).map_err(for_guest)?;
        self.quotas.insert(owner, quota);
        Ok(quota)
    }
}

/// What `user_id`'s plan lets their stores hold, bytes.
async fn quota(accounts: &Accounts, pricing: &Pricing, user_id: i64) -> Result<Option<i64>, Error> {
    let plan = accounts.plan(user_id).await?;
    Ok(pricing.plans.get(plan.as_deref()).kv_bytes)
}

/// A failure as the guest sees it: the message, which names the limit.
fn for_guest(error: impl Into<Error>) -> KvFailure {
    match error.into() {
        Error::NotFound => KvFailure::NoSuchStore,
        Error::Internal(why) => {
            tracing::error!(%why, "a key-value operation failed");
            KvFailure::Other("the key-value store failed; try again".into())
        }
        other => KvFailure::Other(other.to_string()),
    }
}

impl KeyValueBackend for GuestStores {
    fn open(&self, owner: i64, name: String) -> BoxFuture<'_, Result<i64, KvFailure>> {
        Box::pin(async move { self.kv.open(owner, &name).await.map_err(for_guest) })
    }

    fn get(
        &self,
        _owner: i64,
        store: i64,
        key: String,
    ) -> BoxFuture<'_, Result<Option<Vec<u8>>, KvFailure>> {
        Box::pin(async move { self.kv.get(store, &key).await.map_err(for_guest) })
    }

    fn set(
        &self,
        owner: i64,
        store: i64,
        key: String,
        value: Vec<u8>,
    ) -> BoxFuture<'_, Result<(), KvFailure>> {
        Box::pin(async move {
            let quota = self.quota(owner).await?;
            (self.kv.set(owner, store, &key, &value, quota).await).map_err(for_guest)
        })
    }

    fn delete(&self, _owner: i64, store: i64, key: String) -> BoxFuture<'_, Result<(), KvFailure>> {
        Box::pin(async move {
            self.kv
                .delete(store, &key)
                .await
                .map(drop)
                .map_err(for_guest)
        })
    }

    fn exists(
        &self,
        _owner: i64,
        store: i64,
        key: String,
    ) -> BoxFuture<'_, Result<bool, KvFailure>> {
        Box::pin(async move { self.kv.exists(store, &key).await.map_err(for_guest) })
    }

    fn list(
        &self,
        _owner: i64,
        store: i64,
        from: u64,
    ) -> BoxFuture<'_, Result<KeysFrom, KvFailure>> {
        Box::pin(async move {
            let (keys, next) =
                (self.kv.keys_from(store, from, DEFAULT_KEYS).await).map_err(for_guest)?;
            Ok((keys, next))
        })
    }

    fn increment(
        &self,
        owner: i64,
        store: i64,
        key: String,
        delta: u64,
    ) -> BoxFuture<'_, Result<u64, KvFailure>> {
        Box::pin(async move {
            let quota = self.quota(owner).await?;
            (self.kv.increment(owner, store, &key, delta, quota).await).map_err(for_guest)
        })
    }
}

impl From<KvError> for Error {
    fn from(e: KvError) -> Self {
        let message = e.to_string();
        match e {
            KvError::InvalidName(_) => Self::invalid("store", "invalid_name", message),
            KvError::InvalidKey(_) => Self::invalid("key", "invalid_key", message),
            KvError::ValueTooLarge(_) => Self::invalid("value", "value_too_large", message),
            KvError::TooManyStores => Self::invalid("store", "too_many_stores", message),
            KvError::NotANumber(_) | KvError::Overflow(_) => {
                Self::invalid("value", "not_a_number", message)
            }
            KvError::Full {
                used,
                adding,
                limit,
            } => Self::StorageFull {
                what: "this value",
                whose: "your plan's",
                used,
                adding,
                quota: limit,
            },
            KvError::NoSuchStore => Self::NotFound,
            KvError::Database(_) => Self::Internal(message),
        }
    }
}

impl Fnlab {
    /// The actor's stores, by name (`default` among them).
    pub async fn kv_stores(&self, actor: &Actor) -> Result<Vec<StoreInfo>, Error> {
        Ok(self.inner.kv.stores(actor.id).await?)
    }

    /// A page of the keys of the actor's store `store` that start with
    /// `prefix`, after `cursor`.
    pub async fn kv_keys(
        &self,
        actor: &Actor,
        store: &str,
        prefix: &str,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> Result<KeyPage, Error> {
        let id = self.store_id(actor, store).await?;
        let limit = limit.unwrap_or(DEFAULT_KEYS);
        Ok(self.inner.kv.keys(id, prefix, cursor, limit).await?)
    }

    /// The value of `key` in the actor's store `store`.
    pub async fn kv_get(&self, actor: &Actor, store: &str, key: &str) -> Result<Vec<u8>, Error> {
        let id = self.store_id(actor, store).await?;
        (self.inner.kv.get(id, key).await?)
            .ok_or_else(|| Error::Missing(format!("store {store} has no key {key:?}")))
    }

    /// Sets `key` of the actor's store `store` (made if new) to `value`:
    /// an upload, which queues an event for the function the store
    /// triggers, if any (see [`crate::files`]); that event.
    pub async fn kv_set(
        &self,
        actor: &Actor,
        store: &str,
        key: &str,
        value: &[u8],
    ) -> Result<Option<SentEvent>, Error> {
        let id = self.inner.kv.open(actor.id, store).await?;
        let quota = quota(&self.inner.accounts, &self.inner.pricing, actor.id).await?;
        self.inner.kv.set(actor.id, id, key, value, quota).await?;
        self.file_dropped(actor, id, store, key, value.len()).await
    }

    /// Deletes `key` of the actor's store `store`.
    pub async fn kv_delete(&self, actor: &Actor, store: &str, key: &str) -> Result<(), Error> {
        let id = self.store_id(actor, store).await?;
        if !self.inner.kv.delete(id, key).await? {
            return Err(Error::Missing(format!("store {store} has no key {key:?}")));
        }
        Ok(())
    }

    async fn store_id(&self, actor: &Actor, store: &str) -> Result<i64, Error> {
        fnlab_kv::check_store_name(store)?;
        (self.inner.kv.find(actor.id, store).await?)
            .ok_or_else(|| Error::Missing(format!("you have no store {store}")))
    }
}
