//! Key-value stores in the dashboard: the user's stores, a page of a
//! store's keys, one value shown for people (JSON pretty-printed, text as
//! it is, anything else as its size and first bytes in hex), and writing
//! or deleting a value. The same use cases as `/api/v1/kv`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::ctx::ServerCtx;
use crate::error::AppError;

/// A store in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreRow {
    /// Its name.
    pub name: String,
    /// How many keys it holds.
    pub keys: i64,
    /// What its keys and values weigh, bytes.
    pub bytes: i64,
    /// The function each upload to it runs, if any.
    pub trigger: Option<String>,
}

/// A key in a store's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRow {
    /// The key.
    pub key: String,
    /// Its value's size, bytes.
    pub size: i64,
    /// When it was last written, ms since the Unix epoch.
    pub updated_at: i64,
}

/// One page of keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeysView {
    /// The keys, in order.
    pub keys: Vec<KeyRow>,
    /// Where the next page starts, if there is one.
    pub cursor: Option<String>,
}

/// One value, shown for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueView {
    /// Its key.
    pub key: String,
    /// Its size, bytes.
    pub size: usize,
    /// The value as text when it is UTF-8 (JSON pretty-printed).
    pub text: Option<String>,
    /// Whether the text is JSON.
    pub json: bool,
    /// The first 256 bytes in hex, for a value that is not text.
    pub hex: String,
}

/// How many bytes of a binary value are shown in hex.
const HEX_BYTES: usize = 256;

impl ValueView {
    /// `value` of `key`, shown for people.
    pub fn of(key: String, value: &[u8]) -> Self {
        let text = std::str::from_utf8(value).ok();
        let pretty = text
            .and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok())
            .filter(|json| json.is_object() || json.is_array())
            .and_then(|json| serde_json::to_string_pretty(&json).ok());
        let hex = match text {
            Some(_) => String::new(),
            None => value[..value.len().min(HEX_BYTES)]
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect::<Vec<_>>()
                .join(" "),
        };
        Self {
            key,
            size: value.len(),
            json: pretty.is_some(),
            text: pretty.or_else(|| text.map(str::to_owned)),
            hex,
        }
    }
}

/// The user's stores.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "list_kv_stores")]
pub async fn list_kv_stores() -> Result<Vec<StoreRow>, AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    let stores = ctx.fnlab.kv_stores(&actor).await?;
    Ok(stores
        .into_iter()
        .map(|s| StoreRow {
            name: s.name,
            keys: s.keys,
            bytes: s.bytes,
            trigger: s.trigger,
        })
        .collect())
}

/// A page of `store`'s keys that start with `prefix`, after `cursor`.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "list_kv_keys")]
pub async fn list_kv_keys(
    store: String,
    prefix: String,
    cursor: Option<String>,
) -> Result<KeysView, AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    let page = ctx
        .fnlab
        .kv_keys(&actor, &store, &prefix, cursor.as_deref(), None);
    let page = page.await?;
    Ok(KeysView {
        keys: (page.keys.into_iter())
            .map(|k| KeyRow {
                key: k.key,
                size: k.size,
                updated_at: k.updated_at,
            })
            .collect(),
        cursor: page.cursor,
    })
}

/// The value of `key` in `store`; `None` when there is none (the page
/// still names a key just deleted).
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "get_kv_value")]
pub async fn get_kv_value(store: String, key: String) -> Result<Option<ValueView>, AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    match ctx.fnlab.kv_get(&actor, &store, &key).await {
        Ok(value) => Ok(Some(ValueView::of(key, &value))),
        Err(fnlab_usecases::Error::Missing(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Sets `key` of `store` to the text `value`.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "put_kv_value")]
pub async fn put_kv_value(store: String, key: String, value: String) -> Result<(), AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    ctx.fnlab
        .kv_set(&actor, &store, &key, value.as_bytes())
        .await?;
    Ok(())
}

/// Makes every upload to `store` run `function` (empty: none).
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "set_kv_trigger")]
pub async fn set_kv_trigger(store: String, function: String) -> Result<(), AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    let function = Some(function.as_str()).filter(|f| !f.is_empty());
    ctx.fnlab
        .set_store_trigger(&actor, &store, function)
        .await?;
    Ok(())
}

/// Deletes `key` of `store`.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "delete_kv_value")]
pub async fn delete_kv_value(store: String, key: String) -> Result<(), AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    ctx.fnlab.kv_delete(&actor, &store, &key).await?;
    Ok(())
}
