//! `wasi:keyvalue` (0.2.0-draft: store, atomics, batch) for guests, over
//! a [`KeyValueBackend`] the embedder provides (Fnlab keeps the stores in
//! its database). A guest reaches only its owner's stores; each operation
//! (each key of a batch) counts against the invocation's limit and in its
//! report. Without a backend, opening a store fails with `other`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use wasmtime::component::{HasData, Linker, Resource, ResourceTable};

use crate::host::Host;

mod bindings {
    wasmtime::component::bindgen!({
        path: "../guests/wit/deps/keyvalue.wit",
        world: "wasi:keyvalue/imports",
        imports: { default: async | trappable },
        with: { "wasi:keyvalue/store.bucket": super::Bucket },
    });
}

use bindings::wasi::keyvalue::{atomics, batch, store};

/// Why a key-value operation failed, as the guest sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KvFailure {
    /// No store of that name.
    NoSuchStore,
    /// Anything else, in words (a limit, a quota, the database).
    Other(String),
}

/// Where guests' stores live. Every call names the function's owner.
pub trait KeyValueBackend: Send + Sync + 'static {
    /// The id of `owner`'s store `name` (made on first use).
    fn open(&self, owner: i64, name: String) -> BoxFuture<'_, Result<i64, KvFailure>>;
    /// The value of `key`.
    fn get(
        &self,
        owner: i64,
        store: i64,
        key: String,
    ) -> BoxFuture<'_, Result<Option<Vec<u8>>, KvFailure>>;
    /// Sets `key` to `value`.
    fn set(
        &self,
        owner: i64,
        store: i64,
        key: String,
        value: Vec<u8>,
    ) -> BoxFuture<'_, Result<(), KvFailure>>;
    /// Removes `key`.
    fn delete(&self, owner: i64, store: i64, key: String) -> BoxFuture<'_, Result<(), KvFailure>>;
    /// Whether `key` is present.
    fn exists(&self, owner: i64, store: i64, key: String)
    -> BoxFuture<'_, Result<bool, KvFailure>>;
    /// A page of keys from position `from`, and where the next starts.
    fn list(&self, owner: i64, store: i64, from: u64)
    -> BoxFuture<'_, Result<KeysFrom, KvFailure>>;
    /// Adds `delta` to the number at `key`; the sum.
    fn increment(
        &self,
        owner: i64,
        store: i64,
        key: String,
        delta: u64,
    ) -> BoxFuture<'_, Result<u64, KvFailure>>;
}

/// A page of keys, and the position where the next page starts (none
/// after the last).
pub type KeysFrom = (Vec<String>, Option<u64>);

/// The future a [`KeyValueBackend`] call returns.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// An open store, as the guest holds it.
pub struct Bucket {
    store: i64,
}

/// What one invocation did with its owner's stores.
#[derive(Debug, Default)]
pub(crate) struct KvUsage {
    /// Reads (get, exists, a listing, each key of get-many).
    pub(crate) reads: AtomicU64,
    /// Writes (set, delete, increment, each key of the batch writes).
    pub(crate) writes: AtomicU64,
}

/// The key-value access of one invocation.
pub(crate) struct KeyValue {
    backend: Option<Arc<dyn KeyValueBackend>>,
    owner: i64,
    max_ops: u64,
    usage: Arc<KvUsage>,
}

impl KeyValue {
    pub(crate) fn new(
        backend: Option<Arc<dyn KeyValueBackend>>,
        owner: i64,
        max_ops: u64,
        usage: Arc<KvUsage>,
    ) -> Self {
        Self {
            backend,
            owner,
            max_ops,
            usage,
        }
    }

    /// Counts `n` reads or writes; the backend if within the limit.
    fn take(&self, n: u64, write: bool) -> Result<&Arc<dyn KeyValueBackend>, store::Error> {
        let usage = &self.usage;
        let done = usage.reads.load(Ordering::Relaxed) + usage.writes.load(Ordering::Relaxed);
        if done + n > self.max_ops {
            return Err(store::Error::Other(format!(
                "more than {} key-value operations in one invocation",
                self.max_ops
            )));
        }
        let counter = if write { &usage.writes } else { &usage.reads };
        counter.fetch_add(n, Ordering::Relaxed);
        self.backend
            .as_ref()
            .ok_or_else(|| store::Error::Other("this server has no key-value stores".into()))
    }
}

/// What the bindings reach: the invocation's access and the resources.
pub(crate) struct KvView<'a> {
    pub(crate) kv: &'a mut KeyValue,
    pub(crate) table: &'a mut ResourceTable,
}

impl KvView<'_> {
    fn store(&self, bucket: &Resource<Bucket>) -> wasmtime::Result<i64> {
        Ok(self.table.get(bucket)?.store)
    }
}

fn failed(failure: KvFailure) -> store::Error {
    match failure {
        KvFailure::NoSuchStore => store::Error::NoSuchStore,
        KvFailure::Other(why) => store::Error::Other(why),
    }
}

type Answer<T> = wasmtime::Result<Result<T, store::Error>>;

impl store::Host for KvView<'_> {
    async fn open(&mut self, identifier: String) -> Answer<Resource<Bucket>> {
        let backend = match self.kv.take(0, false) {
            Ok(backend) => backend.clone(),
            Err(e) => return Ok(Err(e)),
        };
        match backend.open(self.kv.owner, identifier).await {
            Ok(store) => Ok(Ok(self.table.push(Bucket { store })?)),
            Err(e) => Ok(Err(failed(e))),
        }
    }
}

impl store::HostBucket for KvView<'_> {
    async fn get(&mut self, bucket: Resource<Bucket>, key: String) -> Answer<Option<Vec<u8>>> {
        let store = self.store(&bucket)?;
        Ok(match self.kv.take(1, false) {
            Ok(backend) => backend.get(self.kv.owner, store, key).await.map_err(failed),
            Err(e) => Err(e),
        })
    }

    async fn set(&mut self, bucket: Resource<Bucket>, key: String, value: Vec<u8>) -> Answer<()> {
        let store = self.store(&bucket)?;
        Ok(match self.kv.take(1, true) {
            Ok(backend) => backend
                .set(self.kv.owner, store, key, value)
                .await
                .map_err(failed),
            Err(e) => Err(e),
        })
    }

    async fn delete(&mut self, bucket: Resource<Bucket>, key: String) -> Answer<()> {
        let store = self.store(&bucket)?;
        Ok(match self.kv.take(1, true) {
            Ok(backend) => backend
                .delete(self.kv.owner, store, key)
                .await
                .map_err(failed),
            Err(e) => Err(e),
        })
    }

    async fn exists(&mut self, bucket: Resource<Bucket>, key: String) -> Answer<bool> {
        let store = self.store(&bucket)?;
        Ok(match self.kv.take(1, false) {
            Ok(backend) => backend
                .exists(self.kv.owner, store, key)
                .await
                .map_err(failed),
            Err(e) => Err(e),
        })
    }

    async fn list_keys(
        &mut self,
        bucket: Resource<Bucket>,
        cursor: Option<u64>,
    ) -> Answer<store::KeyResponse> {
        let store = self.store(&bucket)?;
        Ok(match self.kv.take(1, false) {
            Ok(backend) => backend
                .list(self.kv.owner, store, cursor.unwrap_or(0))
                .await
                .map(|(keys, cursor)| store::KeyResponse { keys, cursor })
                .map_err(failed),
            Err(e) => Err(e),
        })
    }

    async fn drop(&mut self, bucket: Resource<Bucket>) -> wasmtime::Result<()> {
        self.table.delete(bucket)?;
        Ok(())
    }
}

impl atomics::Host for KvView<'_> {
    async fn increment(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
        delta: u64,
    ) -> Answer<u64> {
        let store = self.store(&bucket)?;
        Ok(match self.kv.take(1, true) {
            Ok(backend) => backend
                .increment(self.kv.owner, store, key, delta)
                .await
                .map_err(failed),
            Err(e) => Err(e),
        })
    }
}

impl batch::Host for KvView<'_> {
    async fn get_many(
        &mut self,
        bucket: Resource<Bucket>,
        keys: Vec<String>,
    ) -> Answer<Vec<Option<(String, Vec<u8>)>>> {
        let store = self.store(&bucket)?;
        let backend = match self.kv.take(keys.len() as u64, false) {
            Ok(backend) => backend.clone(),
            Err(e) => return Ok(Err(e)),
        };
        let mut found = Vec::with_capacity(keys.len());
        for key in keys {
            match backend.get(self.kv.owner, store, key.clone()).await {
                Ok(value) => found.push(value.map(|value| (key, value))),
                Err(e) => return Ok(Err(failed(e))),
            }
        }
        Ok(Ok(found))
    }

    async fn set_many(
        &mut self,
        bucket: Resource<Bucket>,
        key_values: Vec<(String, Vec<u8>)>,
    ) -> Answer<()> {
        let store = self.store(&bucket)?;
        let backend = match self.kv.take(key_values.len() as u64, true) {
            Ok(backend) => backend.clone(),
            Err(e) => return Ok(Err(e)),
        };
        for (key, value) in key_values {
            if let Err(e) = backend.set(self.kv.owner, store, key, value).await {
                return Ok(Err(failed(e)));
            }
        }
        Ok(Ok(()))
    }

    async fn delete_many(&mut self, bucket: Resource<Bucket>, keys: Vec<String>) -> Answer<()> {
        let store = self.store(&bucket)?;
        let backend = match self.kv.take(keys.len() as u64, true) {
            Ok(backend) => backend.clone(),
            Err(e) => return Ok(Err(e)),
        };
        for key in keys {
            if let Err(e) = backend.delete(self.kv.owner, store, key).await {
                return Ok(Err(failed(e)));
            }
        }
        Ok(Ok(()))
    }
}

struct HasKv;

impl HasData for HasKv {
    type Data<'a> = KvView<'a>;
}

/// Adds the three interfaces to `linker`.
pub(crate) fn add_to_linker(linker: &mut Linker<Host>) -> wasmtime::Result<()> {
    store::add_to_linker::<Host, HasKv>(linker, Host::kv)?;
    atomics::add_to_linker::<Host, HasKv>(linker, Host::kv)?;
    batch::add_to_linker::<Host, HasKv>(linker, Host::kv)?;
    Ok(())
}
