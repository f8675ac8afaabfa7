//! Key-value stores: values that outlive the request, shared by all of the
//! owner's functions on every node (`wasi:keyvalue`).
//!
//! ```ignore
//! let store = fnlab::kv::open("default")?;
//! let visits = store.increment("visits", 1)?;
//! store.set("last", b"now")?;
//! let last = store.get_text("last")?; // Some("now")
//! ```
//!
//! Keys are 1 to 512 bytes, values at most 1 MiB; one invocation may make
//! 1,000 operations; the plan caps what the stores hold. A refused
//! operation is a [`KvError`] with the reason.

use std::fmt;

mod bindings {
    wit_bindgen::generate!({
        path: "wit",
        world: "wasi:keyvalue/imports",
    });
}

use bindings::wasi::keyvalue::{atomics, store};

/// One of the owner's stores, opened by [`open`].
pub struct Store {
    bucket: store::Bucket,
}

/// Opens the owner's store `name` (`default` always exists; another is
/// made with its first value).
pub fn open(name: &str) -> Result<Store, KvError> {
    let bucket = store::open(name).map_err(KvError::from)?;
    Ok(Store { bucket })
}

impl Store {
    /// The value of `key`, if any.
    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        self.bucket.get(key).map_err(KvError::from)
    }

    /// The value of `key` as text (invalid UTF-8 replaced), if any.
    pub fn get_text(&self, key: &str) -> Result<Option<String>, KvError> {
        Ok(self.get(key)?.map(|bytes| String::from_utf8_lossy(&bytes).into_owned()))
    }

    /// Sets `key` to `value`.
    pub fn set(&self, key: &str, value: impl AsRef<[u8]>) -> Result<(), KvError> {
        self.bucket.set(key, value.as_ref()).map_err(KvError::from)
    }

    /// Removes `key` (nothing happens if it is absent).
    pub fn delete(&self, key: &str) -> Result<(), KvError> {
        self.bucket.delete(key).map_err(KvError::from)
    }

    /// Whether `key` is present.
    pub fn exists(&self, key: &str) -> Result<bool, KvError> {
        self.bucket.exists(key).map_err(KvError::from)
    }

    /// Every key, in order.
    pub fn keys(&self) -> Result<Vec<String>, KvError> {
        let mut keys = Vec::new();
        let mut cursor = None;
        loop {
            let page = self.bucket.list_keys(cursor).map_err(KvError::from)?;
            keys.extend(page.keys);
            match page.cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(keys),
            }
        }
    }

    /// Adds `by` to the number at `key` (0 when absent), atomically;
    /// returns the sum. The number is kept as decimal text.
    pub fn increment(&self, key: &str, by: u64) -> Result<u64, KvError> {
        atomics::increment(&self.bucket, key, by).map_err(KvError::from)
    }
}

/// Why a key-value operation failed, in the platform's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvError(String);

impl From<store::Error> for KvError {
    fn from(error: store::Error) -> Self {
        Self(match error {
            store::Error::NoSuchStore => "no such store".into(),
            store::Error::AccessDenied => "access denied".into(),
            store::Error::Other(why) => why,
        })
    }
}

impl fmt::Display for KvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "key-value store: {}", self.0)
    }
}

impl std::error::Error for KvError {}
