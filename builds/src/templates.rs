//! The functions a user can start from in the editor. Their sources live in
//! `guests/templates/` and are embedded here; the build tests deploy every
//! one of them.

use serde::Serialize;

use crate::Language;

/// A starting point for a new function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Template {
    /// Stable id, such as `rust-hello`.
    pub id: &'static str,
    /// Short name for the picker.
    pub name: &'static str,
    /// Its language.
    pub language: Language,
    /// One sentence on what it shows.
    pub description: &'static str,
    /// The source.
    pub source: &'static str,
}

/// Every template, in the order the picker shows them.
pub const TEMPLATES: &[Template] = &[
    Template {
        id: "rust-hello",
        name: "Hello world",
        language: Language::Rust,
        description: "The smallest function: answers every request with a greeting.",
        source: include_str!("../../guests/templates/rust/hello.rs"),
    },
    Template {
        id: "rust-json-echo",
        name: "JSON echo",
        language: Language::Rust,
        description: "Reads a JSON body and sends it back, with a 400 for malformed JSON.",
        source: include_str!("../../guests/templates/rust/json-echo.rs"),
    },
    Template {
        id: "rust-greeter",
        name: "Query-string greeter",
        language: Language::Rust,
        description: "Greets ?name=…, showing how to read the query string.",
        source: include_str!("../../guests/templates/rust/greeter.rs"),
    },
    Template {
        id: "rust-router",
        name: "Router with two routes",
        language: Language::Rust,
        description: "Dispatches on method and path, with a 404 for everything else.",
        source: include_str!("../../guests/templates/rust/router.rs"),
    },
    Template {
        id: "rust-lambda",
        name: "Lambda-style handler",
        language: Language::Rust,
        description: "The classic AWS shape: handler(event, context) returning statusCode, headers and body.",
        source: include_str!("../../guests/templates/rust/lambda.rs"),
    },
    Template {
        id: "rust-webhook-relay",
        name: "Webhook relay",
        language: Language::Rust,
        description: "Forwards each POST to the URL in the secret WEBHOOK_URL: outbound HTTP with fnlab::Fetch.",
        source: include_str!("../../guests/templates/rust/webhook-relay.rs"),
    },
    Template {
        id: "rust-visit-counter",
        name: "Visit counter",
        language: Language::Rust,
        description: "Counts visits in a key-value store that outlives each request: fnlab::kv.",
        source: include_str!("../../guests/templates/rust/visit-counter.rs"),
    },
    Template {
        id: "rust-scheduled-job",
        name: "Scheduled job",
        language: Language::Rust,
        description: "Runs on a cron schedule and keeps a count of its runs: fnlab::ScheduledRun.",
        source: include_str!("../../guests/templates/rust/scheduled-job.rs"),
    },
    Template {
        id: "rust-queue-consumer",
        name: "Queue consumer",
        language: Language::Rust,
        description: "Adds up the orders sent to it as events; a bad one is retried, then dead-lettered.",
        source: include_str!("../../guests/templates/rust/queue-consumer.rs"),
    },
    Template {
        id: "rust-word-count",
        name: "File processor",
        language: Language::Rust,
        description: "Counts the words of each text file uploaded to a store: fnlab::lambda::S3Event.",
        source: include_str!("../../guests/templates/rust/word-count.rs"),
    },
    Template {
        id: "python-lambda",
        name: "Lambda-style handler",
        language: Language::Python,
        description: "The AWS Lambda shape: lambda_handler(event, context) returning statusCode, headers and body.",
        source: include_str!("../../guests/templates/python/lambda.py"),
    },
    Template {
        id: "python-hello-world",
        name: "Hello world (Cloud Functions)",
        language: Language::Python,
        description: "The Google Cloud Functions shape: hello_world(request) returning the response.",
        source: include_str!("../../guests/templates/python/hello_world.py"),
    },
    Template {
        id: "python-json-api",
        name: "JSON API with routes",
        language: Language::Python,
        description: "Dispatches on method and path to small JSON handlers, with 400 and 404 answers.",
        source: include_str!("../../guests/templates/python/json_api.py"),
    },
    Template {
        id: "python-webhook-relay",
        name: "Webhook relay",
        language: Language::Python,
        description: "Forwards each POST to the URL in the secret WEBHOOK_URL: outbound HTTP with fnlab.fetch.",
        source: include_str!("../../guests/templates/python/webhook_relay.py"),
    },
    Template {
        id: "python-visit-counter",
        name: "Visit counter",
        language: Language::Python,
        description: "Counts visits in a key-value store that outlives each request: fnlab.kv.increment.",
        source: include_str!("../../guests/templates/python/visit_counter.py"),
    },
    Template {
        id: "python-scheduled-job",
        name: "Scheduled job",
        language: Language::Python,
        description: "Runs on a cron schedule, receiving the EventBridge scheduled event, and keeps a count of its runs.",
        source: include_str!("../../guests/templates/python/scheduled_job.py"),
    },
    Template {
        id: "python-queue-consumer",
        name: "Queue consumer",
        language: Language::Python,
        description: "Adds up the orders sent to it as events (SQS-shaped); a bad one is retried, then dead-lettered.",
        source: include_str!("../../guests/templates/python/queue_consumer.py"),
    },
    Template {
        id: "python-word-count",
        name: "File processor",
        language: Language::Python,
        description: "Counts the words of each text file uploaded to a store, from the S3 event of the upload.",
        source: include_str!("../../guests/templates/python/word_count.py"),
    },
    Template {
        id: "javascript-worker",
        name: "Fetch handler (Workers)",
        language: Language::JavaScript,
        description: "The Cloudflare Workers shape: export default { fetch(request) } returning a Response.",
        source: include_str!("../../guests/templates/javascript/worker.js"),
    },
    Template {
        id: "javascript-lambda",
        name: "Lambda-style handler",
        language: Language::JavaScript,
        description: "The AWS Lambda shape: handler(event, context) returning statusCode, headers and body.",
        source: include_str!("../../guests/templates/javascript/lambda.js"),
    },
    Template {
        id: "javascript-json-api",
        name: "JSON API with routes",
        language: Language::JavaScript,
        description: "A fetch handler dispatching on method and path to small JSON handlers, with 400 and 404 answers.",
        source: include_str!("../../guests/templates/javascript/json_api.js"),
    },
    Template {
        id: "javascript-webhook-relay",
        name: "Webhook relay",
        language: Language::JavaScript,
        description: "Forwards each POST to the URL in the secret WEBHOOK_URL: outbound HTTP with fetch.",
        source: include_str!("../../guests/templates/javascript/webhook_relay.js"),
    },
    Template {
        id: "javascript-visit-counter",
        name: "Visit counter",
        language: Language::JavaScript,
        description: "Counts visits in a key-value store that outlives each request: kv.increment.",
        source: include_str!("../../guests/templates/javascript/visit_counter.js"),
    },
    Template {
        id: "javascript-scheduled-job",
        name: "Scheduled job",
        language: Language::JavaScript,
        description: "Runs on a cron schedule through scheduled(controller, env, ctx), as Workers' cron triggers, and keeps a count of its runs.",
        source: include_str!("../../guests/templates/javascript/scheduled_job.js"),
    },
    Template {
        id: "javascript-queue-consumer",
        name: "Queue consumer",
        language: Language::JavaScript,
        description: "Adds up the orders sent to it as events through queue(batch, env, ctx); a bad one is retried, then dead-lettered.",
        source: include_str!("../../guests/templates/javascript/queue_consumer.js"),
    },
    Template {
        id: "javascript-word-count",
        name: "File processor",
        language: Language::JavaScript,
        description: "Counts the words of each text file uploaded to a store, from the S3 event of the upload.",
        source: include_str!("../../guests/templates/javascript/word_count.js"),
    },
];

/// The template with this id.
pub fn find(id: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|template| template.id == id)
}
