//! The functions a user can start from in the editor. Their sources live in
//! `guests/templates/` and are embedded here; the build tests deploy every
//! one of them.

use serde::Serialize;

use crate::Language;

/// A starting point for a new function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
];

/// The template with this id.
pub fn find(id: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|template| template.id == id)
}
