//! The OpenAPI 3.1 document of the REST API, served at
//! `GET /api/v1/openapi.json` and read by the reference page.
//!
//! It is not written by hand: every module registers its handlers with
//! utoipa-axum's `routes!`, whose `#[utoipa::path]` attribute is both the
//! route the router serves and the operation the document lists, so a
//! route cannot be served without being documented. The answers' schemas
//! come from the domain types themselves (`ToSchema`, behind each domain
//! crate's `openapi` feature).
//!
//! This module adds what no single handler says: the title, the two ways
//! to authenticate, and the answers that come from layers rather than
//! handlers: 401 from the [`AuthUser`](super::AuthUser) extractor, 403 and
//! 429 from the middleware that guards changes, 400/415/422 from the JSON
//! body extractor, and 500 from anywhere. It also marks every field of an
//! answer required: Fnlab never leaves a field out (an absent value is
//! `null`), and a client may rely on that.

use std::collections::btree_map::Entry;
use std::sync::Arc;

use axum::Extension;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::schema::{AnyOfBuilder, Schema};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi as _};

use crate::sessions::COOKIE_NAME;

/// What the document adds to the routes' operations.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Fnlab REST API",
        description = "Everything the Fnlab dashboard does, as JSON over HTTP. \
            Authenticate with an API token (`Authorization: Bearer fnlab_…`, made on the \
            API tokens page or with `POST /api/v1/tokens`) or with the session cookie that \
            `POST /api/v1/login` sets. Every error is `{\"error\": {\"code\", \"message\"}}`; \
            clients switch on `code`. Another user's function, build or token is a plain 404.",
    ),
    components(schemas(
        super::error::BuildFailedBody,
        super::builds::StateEvent,
        super::builds::LogEvent,
        super::logs::Ready,
        super::logs::Skipped,
        fnlab_usecases::tail::TailedInvocation,
        fnlab_usecases::builds::BuildStatus,
    )),
    modifiers(&Credentials, &Alternatives),
    tags(
        (name = "accounts", description = "Sign-up, log-in and the caller's account."),
        (name = "tokens", description = "API tokens for scripts."),
        (name = "functions", description = "Functions, their versions, limits, environment and invocations."),
        (name = "builds", description = "Source written in the browser: drafts, templates, deploys and builds."),
        (name = "schedules", description = "Cron schedules that run functions, each slot once across nodes."),
        (name = "events", description = "Each function's event queue: asynchronous invocations, retried, then dead-lettered."),
        (name = "kv", description = "Key-value stores: what functions keep between requests."),
        (name = "sharing", description = "Public functions, and forking them."),
        (name = "courses", description = "Teaching: courses, members, assignments checked over HTTP, results and grades."),
        (name = "usage", description = "Usage, metrics and billing."),
        (name = "admin", description = "Every user's month and plan, for admins; 404 to anyone else."),
        (name = "reference", description = "This document."),
    )
)]
struct Frame;

/// The two ways to authenticate, as security schemes: `token` and
/// `session`, which the operations name.
struct Credentials;

impl Modify for Credentials {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token: `Authorization: Bearer fnlab_…`. Requests that carry \
                         one are never refused as cross-site.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                COOKIE_NAME,
                "The session cookie `POST /api/v1/login` sets (`__Host-fnlab_session` over \
                 HTTPS). A browser's changes must come from Fnlab's own pages.",
            ))),
        );
    }
}

/// Where a failed deploy's answer is described: a failed build, or a
/// refusal before building (no saved source).
pub(super) const DEPLOY_REFUSAL: &str = "#/components/schemas/DeployRefusal";

/// Answers that take one of several shapes, which no Rust type is: each a
/// schema that is any of the shapes.
struct Alternatives;

impl Modify for Alternatives {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let refusal = AnyOfBuilder::new()
            .item(Ref::from_schema_name("BuildFailedError"))
            .item(Ref::from_schema_name("Error"))
            .description(Some("A failed build, or a deploy refused before building."))
            .build();
        let name = DEPLOY_REFUSAL.rsplit('/').next().unwrap_or(DEPLOY_REFUSAL);
        components
            .schemas
            .insert(name.to_owned(), Schema::AnyOf(refusal).into());
    }
}

/// The whole document: `routes` (the operations the router registered)
/// under `/api/v1`, with the frame and the answers every route shares.
pub fn document(routes: OpenApi) -> OpenApi {
    let mut document = Frame::openapi().nest("/api/v1", routes);
    for item in document.paths.paths.values_mut() {
        add_shared_answers(item);
    }
    if let Some(components) = &mut document.components {
        components
            .schemas
            .values_mut()
            .for_each(require_every_property);
    }
    document
}

/// Adds the answers of the layers around `item`'s handlers.
fn add_shared_answers(item: &mut PathItem) {
    let operations = [
        (false, &mut item.get),
        (true, &mut item.put),
        (true, &mut item.post),
        (true, &mut item.delete),
        (true, &mut item.patch),
    ];
    for (changes, operation) in operations {
        let Some(operation) = operation else {
            continue;
        };
        if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
            add_error(
                operation,
                401,
                "No credentials, or unusable ones: a bad or revoked token, an expired session \
                 (`unauthorized`).",
            );
        }
        if changes {
            add_error(
                operation,
                403,
                "A browser sent this change from another site (`cross_site_request`).",
            );
            add_error(
                operation,
                429,
                "Too many changes (or log-ins) from this address; `Retry-After` says when to \
                 try again (`too_many_requests`).",
            );
        }
        let takes_json = operation
            .request_body
            .as_ref()
            .is_some_and(|body| body.content.contains_key("application/json"));
        if takes_json {
            add_error(operation, 400, "The body is not JSON (`bad_request`).");
            add_error(
                operation,
                415,
                "The body was not sent as `Content-Type: application/json` \
                 (`unsupported_media_type`).",
            );
            add_error(
                operation,
                422,
                "The JSON body lacks a field the route takes, or has one of the wrong type \
                 (`invalid_body`).",
            );
        }
        add_error(
            operation,
            500,
            "Fnlab failed; the detail is in its log, not in the answer (`internal`).",
        );
    }
}

/// Adds `status` with an [`super::error::ErrorBody`] to `operation`, or
/// extends the description of the answer it already lists.
fn add_error(operation: &mut Operation, status: u16, description: &str) {
    match operation.responses.responses.entry(status.to_string()) {
        Entry::Vacant(entry) => {
            let body = ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Error")))
                .build();
            let response = ResponseBuilder::new()
                .description(description)
                .content("application/json", body)
                .build();
            entry.insert(RefOr::T(response));
        }
        Entry::Occupied(mut entry) => {
            if let RefOr::T(response) = entry.get_mut() {
                response.description = format!("{} Or: {description}", response.description);
            }
        }
    }
}

/// Lists every property of `schema` (and of the objects it is made of) as
/// required: serde sends every field of an answer, `null` when empty.
fn require_every_property(schema: &mut RefOr<Schema>) {
    let RefOr::T(schema) = schema else {
        return;
    };
    match schema {
        Schema::Object(object) => {
            object.required = object.properties.keys().cloned().collect();
            object
                .properties
                .values_mut()
                .for_each(require_every_property);
        }
        Schema::AllOf(all_of) => all_of.items.iter_mut().for_each(require_every_property),
        _ => {}
    }
}

/// The document as served, rendered once when the server starts: its JSON
/// and the reference page made from it.
pub struct Published {
    json: String,
    page: String,
}

impl Published {
    /// Renders `document`.
    pub fn new(document: &OpenApi) -> Self {
        let value = serde_json::to_value(document).expect("an OpenAPI document serializes");
        Self {
            page: super::reference::page(&value),
            json: value.to_string(),
        }
    }
}

/// This document, OpenAPI 3.1, as JSON.
///
/// Public, like the reference page at `/api/docs` that is made from it.
#[utoipa::path(
    get,
    path = "/openapi.json",
    operation_id = "openapi",
    tag = "reference",
    responses((status = 200, description = "The OpenAPI 3.1 document of `/api/v1`.", body = Object)),
)]
pub(super) async fn openapi_json(
    Extension(published): Extension<Arc<Published>>,
) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        published.json.clone(),
    )
}

/// `GET /api/docs`: the reference page, every operation and schema of the
/// document in HTML (no script, no asset from elsewhere).
pub(super) async fn reference_page(
    Extension(published): Extension<Arc<Published>>,
) -> Html<String> {
    Html(published.page.clone())
}
