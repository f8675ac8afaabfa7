//! Key-value stores over REST: list the caller's stores, page through a
//! store's keys by prefix, and read, write or delete one value as raw
//! bytes (`curl --data-binary`). The same stores functions reach through
//! `wasi:keyvalue`; another user's store is a plain 404. A store can be a
//! bucket that triggers a function on each upload (`PATCH /kv/{store}`).

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse};
use fnlab_kv::{KeyPage, MAX_VALUE_BYTES, StoreInfo};
use fnlab_usecases::events::EVENT_ID_HEADER;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::error::{ErrorBody, StorageFullBody};
use super::{ApiError, ApiJson, AuthUser};
use crate::AppState;

/// The `/api/v1` routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(stores))
        .routes(routes!(keys, set_trigger))
        .routes(routes!(get_value, delete_value))
        // A value of the largest size; a byte more is 413.
        .routes(routes!(put_value).layer(DefaultBodyLimit::max(MAX_VALUE_BYTES)))
}

/// Lists the caller's stores (`default` always among them).
#[utoipa::path(
    get,
    path = "/kv",
    operation_id = "list_stores",
    tag = "kv",
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = "The caller's stores, by name.", body = [StoreInfo])),
)]
async fn stores(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
) -> Result<ApiJson<Vec<StoreInfo>>, ApiError> {
    Ok(ApiJson(state.fnlab.kv_stores(&actor).await?))
}

/// Which keys.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct KeysQuery {
    /// Only keys that start with this.
    prefix: Option<String>,
    /// Where the previous page ended (its `cursor`).
    cursor: Option<String>,
    /// How many: 100 by default, at most 1000.
    limit: Option<i64>,
}

/// Lists a store's keys in order, each with its value's size.
#[utoipa::path(
    get,
    path = "/kv/{store}",
    operation_id = "list_keys",
    tag = "kv",
    security(("token" = []), ("session" = [])),
    params(("store" = String, Path, description = "The store's name."), KeysQuery),
    responses(
        (status = 200, description = "A page of keys; `cursor` continues it.", body = KeyPage),
        (status = 404, description = "The caller has no such store (`not_found`).", body = ErrorBody),
    ),
)]
async fn keys(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(store): Path<String>,
    Query(query): Query<KeysQuery>,
) -> Result<ApiJson<KeyPage>, ApiError> {
    let prefix = query.prefix.unwrap_or_default();
    let keys = state.fnlab.kv_keys(
        &actor,
        &store,
        &prefix,
        query.cursor.as_deref(),
        query.limit,
    );
    Ok(ApiJson(keys.await?))
}

/// What a store's uploads trigger.
#[derive(Deserialize, ToSchema)]
struct TriggerRequest {
    /// The name of the caller's function that each upload to the store
    /// runs with an S3-shaped event; `null` for none.
    trigger: Option<String>,
}

/// Makes every upload to a store (made if new) run one of the caller's
/// functions with an S3 `ObjectCreated:Put` event, through its event
/// queue, or stops it.
#[utoipa::path(
    patch,
    path = "/kv/{store}",
    operation_id = "set_store_trigger",
    tag = "kv",
    security(("token" = []), ("session" = [])),
    params(("store" = String, Path, description = "The store's name.")),
    request_body = TriggerRequest,
    responses(
        (status = 200, description = "The store, with its trigger.", body = StoreInfo),
        (status = 422, description = "A bad store name (`invalid_name`) or no such function (`invalid_trigger`).", body = ErrorBody),
    ),
)]
async fn set_trigger(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(store): Path<String>,
    ApiJson(body): ApiJson<TriggerRequest>,
) -> Result<ApiJson<StoreInfo>, ApiError> {
    let trigger = body.trigger.as_deref().filter(|t| !t.is_empty());
    let store = state.fnlab.set_store_trigger(&actor, &store, trigger);
    Ok(ApiJson(store.await?))
}

/// Reads one value, as it was written.
#[utoipa::path(
    get,
    path = "/kv/{store}/{key}",
    operation_id = "get_value",
    tag = "kv",
    security(("token" = []), ("session" = [])),
    params(
        ("store" = String, Path, description = "The store's name."),
        ("key" = String, Path, description = "The key (URL-encoded)."),
    ),
    responses(
        (status = 200, description = "The value's bytes.", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 404, description = "No such store or key (`not_found`).", body = ErrorBody),
    ),
)]
async fn get_value(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path((store, key)): Path<(String, String)>,
) -> Result<impl IntoResponse, ApiError> {
    let value = state.fnlab.kv_get(&actor, &store, &key).await?;
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], value))
}

/// Writes one value (the request body as it is, of any content type);
/// makes the store if new. When the store triggers a function, the upload
/// queues its event, whose id the `fnlab-event-id` header carries.
#[utoipa::path(
    put,
    path = "/kv/{store}/{key}",
    operation_id = "put_value",
    tag = "kv",
    security(("token" = []), ("session" = [])),
    params(
        ("store" = String, Path, description = "The store's name."),
        ("key" = String, Path, description = "The key (URL-encoded), 1 to 512 bytes."),
    ),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The value, at most 1 MiB."),
    responses(
        (status = 204, description = "Written.", headers(("fnlab-event-id" = String, description = "The event queued for the function the store triggers, if any."))),
        (status = 413, description = "Past the plan's key-value quota (`storage_quota_exceeded`), or over 1 MiB.", body = StorageFullBody),
        (status = 422, description = "A bad store name or key (`invalid_name`, `invalid_key`).", body = ErrorBody),
    ),
)]
async fn put_value(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path((store, key)): Path<(String, String)>,
    value: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let sent = state.fnlab.kv_set(&actor, &store, &key, &value).await?;
    let event = sent.and_then(|sent| HeaderValue::from_str(&sent.event_id).ok());
    let event = AppendHeaders(event.map(|id| (EVENT_ID_HEADER, id)));
    Ok((StatusCode::NO_CONTENT, event))
}

/// Deletes one value.
#[utoipa::path(
    delete,
    path = "/kv/{store}/{key}",
    operation_id = "delete_value",
    tag = "kv",
    security(("token" = []), ("session" = [])),
    params(
        ("store" = String, Path, description = "The store's name."),
        ("key" = String, Path, description = "The key (URL-encoded)."),
    ),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "No such store or key (`not_found`).", body = ErrorBody),
    ),
)]
async fn delete_value(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path((store, key)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    state.fnlab.kv_delete(&actor, &store, &key).await?;
    Ok(StatusCode::NO_CONTENT)
}
