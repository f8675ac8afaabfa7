//! Fnlab's key-value stores: each user has named stores (`default` always
//! exists) of byte values under text keys, kept in the database, so that a
//! value written through one server node is read through any other at once.
//!
//! No HTTP and no sandbox here: functions reach their owner's stores
//! through `wasi:keyvalue` (the sandbox's host calls the use-case layer,
//! which calls this), the REST API and the page through the use cases.
//! Every method takes the owner's id: a store is found only among its
//! owner's, so another user's store is unreachable by construction.
//!
//! Limits: keys up to [`MAX_KEY_BYTES`], values up to [`MAX_VALUE_BYTES`],
//! [`MAX_STORES`] stores per user, and a total size per user that the
//! caller passes (the plan's); each store keeps its size up to date on
//! every write, so checking the total sums a few rows.

#![deny(missing_docs)]

use fnlab_db::Pool;
use serde::Serialize;
use sqlx::Row;

/// The store every user has.
pub const DEFAULT_STORE: &str = "default";
/// Longest key, in bytes.
pub const MAX_KEY_BYTES: usize = 512;
/// Largest value, in bytes.
pub const MAX_VALUE_BYTES: usize = 1 << 20;
/// Most stores one user may have.
pub const MAX_STORES: i64 = 100;
/// Most keys one listing returns.
pub const MAX_KEYS_PER_PAGE: i64 = 1000;
/// How often a write starts again when its key was created by another
/// write between its lock and its insert (PostgreSQL only: SQLite's lock
/// covers missing keys too).
const CREATE_TRIES: usize = 8;

/// The key-value service: a handle on the database, cheap to clone.
#[derive(Clone)]
pub struct Kv {
    pool: Pool,
}

/// A store as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoreInfo {
    /// Its name.
    pub name: String,
    /// How many keys it holds.
    pub keys: i64,
    /// What its keys and values weigh, bytes.
    pub bytes: i64,
    /// The function each upload to it triggers (a file drop), if any.
    pub trigger: Option<String>,
}

/// One page of a store's keys, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyPage {
    /// The keys, each with its value's size.
    pub keys: Vec<KeyInfo>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub cursor: Option<String>,
}

/// A key and its value's size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyInfo {
    /// The key.
    pub key: String,
    /// Its value's size, bytes.
    pub size: i64,
    /// When it was last written, ms since the Unix epoch.
    pub updated_at: i64,
}

/// What can go wrong with a key-value store. The messages are shown to
/// users (and to functions, as `wasi:keyvalue` errors).
#[derive(Debug, thiserror::Error)]
pub enum KvError {
    /// A store name that breaks the naming rule.
    #[error("{0}")]
    InvalidName(String),
    /// An empty key, or one over [`MAX_KEY_BYTES`].
    #[error("a key is 1 to {MAX_KEY_BYTES} bytes; this one is {0}")]
    InvalidKey(usize),
    /// A value over [`MAX_VALUE_BYTES`].
    #[error("a value is at most {} KiB; this one is {} KiB", MAX_VALUE_BYTES >> 10, .0 >> 10)]
    ValueTooLarge(usize),
    /// Past [`MAX_STORES`].
    #[error("a user has at most {MAX_STORES} stores")]
    TooManyStores,
    /// An increment of a value that is not a whole number.
    #[error("the value of {0:?} is not a whole number, so it cannot be incremented")]
    NotANumber(String),
    /// An increment past the largest number.
    #[error("incrementing {0:?} would pass 18446744073709551615")]
    Overflow(String),
    /// The write would take the user past their key-value quota.
    #[error("this write would make your key-value stores {} bytes, over the quota of {limit} bytes", .used + .adding)]
    Full {
        /// Bytes the user's stores hold now.
        used: i64,
        /// Bytes the write adds.
        adding: i64,
        /// The quota.
        limit: i64,
    },
    /// No such store of this user's.
    #[error("no such store")]
    NoSuchStore,
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// Checks a store name against the URL naming rule.
pub fn check_store_name(name: &str) -> Result<(), KvError> {
    fnlab_db::slug::check("a store name", name, 1..=48).map_err(KvError::InvalidName)
}

fn check_key(key: &str) -> Result<(), KvError> {
    if key.is_empty() || key.len() > MAX_KEY_BYTES {
        return Err(KvError::InvalidKey(key.len()));
    }
    Ok(())
}

/// What an entry weighs against the quota.
fn weight(key: &str, value_len: usize) -> i64 {
    i64::try_from(key.len() + value_len).unwrap_or(i64::MAX)
}

impl Kv {
    /// Stores kept in `pool`.
    pub fn new(pool: Pool) -> Self {
        Self { pool }
    }

    /// The id of `user_id`'s store `name`, made the first time it is
    /// opened.
    pub async fn open(&self, user_id: i64, name: &str) -> Result<i64, KvError> {
        check_store_name(name)?;
        if let Some(id) = self.lookup(user_id, name).await? {
            return Ok(id);
        }
        let count: i64 = sqlx::query_scalar("select count(*) from kv_stores where user_id = $1")
            .bind(user_id)
            .fetch_one(&self.pool)
            .await?;
        if count >= MAX_STORES {
            return Err(KvError::TooManyStores);
        }
        sqlx::query(
            "insert into kv_stores (user_id, name, created_at) values ($1, $2, $3) \
             on conflict (user_id, name) do nothing",
        )
        .bind(user_id)
        .bind(name)
        .bind(fnlab_db::now_ms())
        .execute(&self.pool)
        .await?;
        self.lookup(user_id, name)
            .await?
            .ok_or(KvError::NoSuchStore)
    }

    /// The id of `user_id`'s store `name`, if it exists (`default` always
    /// does).
    pub async fn find(&self, user_id: i64, name: &str) -> Result<Option<i64>, KvError> {
        match self.lookup(user_id, name).await? {
            None if name == DEFAULT_STORE => Ok(Some(self.open(user_id, name).await?)),
            found => Ok(found),
        }
    }

    async fn lookup(&self, user_id: i64, name: &str) -> Result<Option<i64>, KvError> {
        Ok(
            sqlx::query_scalar("select store_id from kv_stores where user_id = $1 and name = $2")
                .bind(user_id)
                .bind(name)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// `user_id`'s stores, by name (`default` among them).
    pub async fn stores(&self, user_id: i64) -> Result<Vec<StoreInfo>, KvError> {
        self.open(user_id, DEFAULT_STORE).await?;
        let rows = sqlx::query(
            "select s.name, cast(count(e.key) as bigint), s.bytes, f.name from kv_stores s \
             left join kv_entries e on e.store_id = s.store_id \
             left join functions f on f.function_id = s.trigger_function_id \
             where s.user_id = $1 group by s.store_id, s.name, s.bytes, f.name order by s.name",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(StoreInfo {
                    name: row.try_get(0)?,
                    keys: row.try_get(1)?,
                    bytes: row.try_get(2)?,
                    trigger: row.try_get(3)?,
                })
            })
            .collect()
    }

    /// Makes uploads to store `store_id` trigger function `function_id`
    /// (one of the store's owner's), or nothing.
    pub async fn set_trigger(
        &self,
        store_id: i64,
        function_id: Option<i64>,
    ) -> Result<(), KvError> {
        sqlx::query("update kv_stores set trigger_function_id = $2 where store_id = $1")
            .bind(store_id)
            .bind(function_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The function uploads to store `store_id` trigger, if any.
    pub async fn trigger_of(&self, store_id: i64) -> Result<Option<i64>, KvError> {
        let found: Vec<Option<i64>> =
            sqlx::query_scalar("select trigger_function_id from kv_stores where store_id = $1")
                .bind(store_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(found.into_iter().flatten().next())
    }

    /// The value of `key` in store `store_id`.
    pub async fn get(&self, store_id: i64, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        check_key(key)?;
        Ok(
            sqlx::query_scalar("select value from kv_entries where store_id = $1 and key = $2")
                .bind(store_id)
                .bind(key)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Sets `key` of store `store_id` (one of `user_id`'s) to `value`,
    /// within `quota` bytes for all of the user's stores.
    pub async fn set(
        &self,
        user_id: i64,
        store_id: i64,
        key: &str,
        value: &[u8],
        quota: Option<i64>,
    ) -> Result<(), KvError> {
        check_key(key)?;
        if value.len() > MAX_VALUE_BYTES {
            return Err(KvError::ValueTooLarge(value.len()));
        }
        self.update(user_id, store_id, key, quota, |_| Ok(value.to_vec()))
            .await?;
        Ok(())
    }

    /// Deletes `key` of store `store_id`; whether it was there.
    pub async fn delete(&self, store_id: i64, key: &str) -> Result<bool, KvError> {
        check_key(key)?;
        let mut tx = self.pool.begin().await?;
        let removed: Option<i64> = sqlx::query_scalar(
            "delete from kv_entries where store_id = $1 and key = $2 \
             returning cast(length(value) as bigint)",
        )
        .bind(store_id)
        .bind(key)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(len) = removed {
            add_bytes(&mut tx, store_id, -(weight(key, 0) + len)).await?;
        }
        tx.commit().await?;
        Ok(removed.is_some())
    }

    /// Whether `key` is in store `store_id`.
    pub async fn exists(&self, store_id: i64, key: &str) -> Result<bool, KvError> {
        check_key(key)?;
        let found: Option<i64> =
            sqlx::query_scalar("select 1 from kv_entries where store_id = $1 and key = $2")
                .bind(store_id)
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
        Ok(found.is_some())
    }

    /// Up to `limit` keys of store `store_id` that start with `prefix`, in
    /// order, after key `after` (the previous page's cursor).
    pub async fn keys(
        &self,
        store_id: i64,
        prefix: &str,
        after: Option<&str>,
        limit: i64,
    ) -> Result<KeyPage, KvError> {
        let limit = limit.clamp(1, MAX_KEYS_PER_PAGE);
        // Keys from `prefix` on, in order, while they start with it: the
        // primary key's index serves both the range and the order.
        let from = after.filter(|a| *a >= prefix).unwrap_or(prefix);
        let rows = sqlx::query(
            "select key, cast(length(value) as bigint), updated_at from kv_entries \
             where store_id = $1 and key >= $2 and key <> $3 order by key limit $4",
        )
        .bind(store_id)
        .bind(from)
        .bind(after.unwrap_or(""))
        .bind(limit + 1)
        .fetch_all(&self.pool)
        .await?;
        let mut keys = Vec::new();
        for row in &rows {
            let key: String = row.try_get(0)?;
            if !key.starts_with(prefix) {
                break;
            }
            keys.push(KeyInfo {
                key,
                size: row.try_get(1)?,
                updated_at: row.try_get(2)?,
            });
        }
        let more = keys.len() > usize::try_from(limit).unwrap_or(usize::MAX);
        keys.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let cursor = more.then(|| keys.last().map(|k| k.key.clone())).flatten();
        Ok(KeyPage { keys, cursor })
    }

    /// Up to `limit` keys of store `store_id` from position `from` in key
    /// order, and the position of the next page (the `wasi:keyvalue`
    /// cursor); `None` on the last page.
    pub async fn keys_from(
        &self,
        store_id: i64,
        from: u64,
        limit: i64,
    ) -> Result<(Vec<String>, Option<u64>), KvError> {
        let limit = limit.clamp(1, MAX_KEYS_PER_PAGE);
        let mut keys: Vec<String> = sqlx::query_scalar(
            "select key from kv_entries where store_id = $1 order by key limit $2 offset $3",
        )
        .bind(store_id)
        .bind(limit + 1)
        .bind(i64::try_from(from).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        let more = keys.len() as i64 > limit;
        keys.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let next = more.then(|| from + keys.len() as u64);
        Ok((keys, next))
    }

    /// Adds `delta` to the whole number in `key` of store `store_id` (a
    /// missing key counts as 0) and returns the sum, atomically. The number
    /// is kept as decimal text.
    pub async fn increment(
        &self,
        user_id: i64,
        store_id: i64,
        key: &str,
        delta: u64,
        quota: Option<i64>,
    ) -> Result<u64, KvError> {
        check_key(key)?;
        let mut sum = 0;
        self.update(user_id, store_id, key, quota, |current| {
            let number = match current {
                None => 0,
                Some(bytes) => std::str::from_utf8(bytes)
                    .ok()
                    .and_then(|text| text.trim().parse::<u64>().ok())
                    .ok_or_else(|| KvError::NotANumber(key.to_owned()))?,
            };
            sum = number
                .checked_add(delta)
                .ok_or_else(|| KvError::Overflow(key.to_owned()))?;
            Ok(sum.to_string().into_bytes())
        })
        .await?;
        Ok(sum)
    }

    /// Replaces `key`'s value by what `new_value` makes of the current one
    /// (`None` when missing), as one read-modify-write: the transaction
    /// takes the write lock on the key (SQLite's database lock,
    /// PostgreSQL's row lock) before it reads, so no other write comes
    /// between the read and the write, and the store's size and the quota
    /// check see the value actually replaced.
    async fn update(
        &self,
        user_id: i64,
        store_id: i64,
        key: &str,
        quota: Option<i64>,
        mut new_value: impl FnMut(Option<&[u8]>) -> Result<Vec<u8>, KvError>,
    ) -> Result<(), KvError> {
        for _ in 0..CREATE_TRIES {
            let mut tx = self.pool.begin().await?;
            sqlx::query(
                "update kv_entries set updated_at = updated_at where store_id = $1 and key = $2",
            )
            .bind(store_id)
            .bind(key)
            .execute(&mut *tx)
            .await?;
            let old: Option<Vec<u8>> =
                sqlx::query_scalar("select value from kv_entries where store_id = $1 and key = $2")
                    .bind(store_id)
                    .bind(key)
                    .fetch_optional(&mut *tx)
                    .await?;
            let value = new_value(old.as_deref())?;
            let adding =
                weight(key, value.len()) - old.as_ref().map_or(0, |o| weight(key, o.len()));
            if adding > 0 {
                check_room(&mut tx, user_id, adding, quota).await?;
            }
            let written = if old.is_some() {
                sqlx::query(
                    "update kv_entries set value = $3, updated_at = $4 \
                     where store_id = $1 and key = $2",
                )
            } else {
                // A key created since the lock was taken (PostgreSQL has
                // no row to lock before it exists) makes this write
                // nothing: start again, and lock the new row.
                sqlx::query(
                    "insert into kv_entries (store_id, key, value, updated_at) \
                     values ($1, $2, $3, $4) on conflict (store_id, key) do nothing",
                )
            }
            .bind(store_id)
            .bind(key)
            .bind(&value)
            .bind(fnlab_db::now_ms())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if written == 1 {
                add_bytes(&mut tx, store_id, adding).await?;
                tx.commit().await?;
                return Ok(());
            }
        }
        Err(KvError::Database(sqlx::Error::Protocol(format!(
            "{key:?} kept being created under {CREATE_TRIES} writes"
        ))))
    }
}

/// [`KvError::Full`] when `adding` bytes would pass `quota`, read inside
/// the write's transaction.
async fn check_room(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: i64,
    adding: i64,
    quota: Option<i64>,
) -> Result<(), KvError> {
    let Some(limit) = quota else { return Ok(()) };
    let used: i64 = sqlx::query_scalar(
        "select cast(coalesce(sum(bytes), 0) as bigint) from kv_stores where user_id = $1",
    )
    .bind(user_id)
    .fetch_one(&mut **tx)
    .await?;
    if used + adding > limit {
        return Err(KvError::Full {
            used,
            adding,
            limit,
        });
    }
    Ok(())
}

/// Keeps a store's size current, inside the write's transaction.
async fn add_bytes(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    store_id: i64,
    delta: i64,
) -> Result<(), sqlx::Error> {
    if delta != 0 {
        sqlx::query("update kv_stores set bytes = bytes + $1 where store_id = $2")
            .bind(delta)
            .bind(store_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn kv() -> (tempfile::TempDir, Kv, i64) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("kv.db").display());
        let pool = fnlab_db::open(&url, 4).await.unwrap();
        let user: i64 = sqlx::query_scalar(
            "insert into users (username, password_hash, created_at) values ('ann', 'x', 0) returning user_id",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        (dir, Kv::new(pool), user)
    }

    #[tokio::test]
    async fn values_sizes_keys_and_increments() {
        let (_dir, kv, ann) = kv().await;
        let store = kv.open(ann, DEFAULT_STORE).await.unwrap();
        assert_eq!(kv.get(store, "a").await.unwrap(), None);
        kv.set(ann, store, "a", b"hello", Some(100)).await.unwrap();
        kv.set(ann, store, "ab", b"x", Some(100)).await.unwrap();
        kv.set(ann, store, "b", b"y", Some(100)).await.unwrap();
        assert_eq!(
            kv.get(store, "a").await.unwrap().as_deref(),
            Some(&b"hello"[..])
        );
        let stores = kv.stores(ann).await.unwrap();
        assert_eq!(stores[0].bytes, 6 + 3 + 2);
        assert_eq!(stores[0].trigger, None);
        assert_eq!(kv.trigger_of(store).await.unwrap(), None);
        assert_eq!(stores[0].keys, 3);

        // Pages by prefix, then by cursor.
        let page = kv.keys(store, "a", None, 1).await.unwrap();
        assert_eq!(page.keys[0].key, "a");
        let next = kv
            .keys(store, "a", page.cursor.as_deref(), 1)
            .await
            .unwrap();
        assert_eq!(next.keys[0].key, "ab");
        assert_eq!(next.cursor, None);

        // The quota counts keys and values.
        let full = kv.set(ann, store, "big", &[0; 100], Some(100)).await;
        assert!(matches!(full, Err(KvError::Full { .. })), "{full:?}");
        assert!(kv.delete(store, "a").await.unwrap());
        assert!(!kv.delete(store, "a").await.unwrap());
        assert_eq!(kv.stores(ann).await.unwrap()[0].bytes, 5);

        assert_eq!(kv.increment(ann, store, "n", 2, None).await.unwrap(), 2);
        assert_eq!(kv.increment(ann, store, "n", 40, None).await.unwrap(), 42);
        assert_eq!(
            kv.get(store, "n").await.unwrap().as_deref(),
            Some(&b"42"[..])
        );
        let text = kv.increment(ann, store, "b", 1, None).await;
        assert!(matches!(text, Err(KvError::NotANumber(_))), "{text:?}");

        assert!(matches!(
            kv.get(store, "").await,
            Err(KvError::InvalidKey(0))
        ));
        let long = "k".repeat(MAX_KEY_BYTES + 1);
        assert!(kv.set(ann, store, &long, b"", None).await.is_err());
        let huge = vec![0; MAX_VALUE_BYTES + 1];
        assert!(matches!(
            kv.set(ann, store, "h", &huge, None).await,
            Err(KvError::ValueTooLarge(_))
        ));
        assert!(matches!(
            kv.open(ann, "Bad Name").await,
            Err(KvError::InvalidName(_))
        ));
        assert_eq!(kv.find(ann, "other").await.unwrap(), None);
    }

    #[tokio::test]
    async fn concurrent_increments_lose_nothing() {
        let (_dir, kv, ann) = kv().await;
        let store = kv.open(ann, "counts").await.unwrap();
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let kv = kv.clone();
                tokio::spawn(async move {
                    for _ in 0..25 {
                        kv.increment(ann, store, "hits", 1, None).await.unwrap();
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(
            kv.get(store, "hits").await.unwrap().as_deref(),
            Some(&b"200"[..])
        );
    }
}
