//! The OpenAPI document as a contract a test holds answers to: which
//! operation a request is, whether the document lists the status it got,
//! and whether its JSON body matches the schema given for that status.
//!
//! The schemas are checked strictly. `$ref`s are inlined from the
//! document's components and every object that is not one part of an
//! `allOf` gets `unevaluatedProperties: false` (JSON Schema 2020-12, which
//! OpenAPI 3.1 uses): together with the document's `required` lists, an
//! answer that gains a field, loses one or changes a type fails.

use std::collections::BTreeSet;
use std::sync::Mutex;

use reqwest::Method;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Map, Value};

use crate::common::{Answer, Client};

/// The methods an operation can have.
pub const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The document, and the operations requests have exercised.
pub struct Contract {
    document: Value,
    exercised: Mutex<BTreeSet<(String, String)>>,
}

impl Contract {
    /// The document the server publishes, fetched without credentials.
    pub async fn fetch(client: &Client) -> Self {
        let answer = client.get("/api/v1/openapi.json").await;
        let document = answer.expect(200);
        assert_eq!(document["openapi"], "3.1.0", "{document}");
        let contract = Self {
            document,
            exercised: Mutex::default(),
        };
        contract.exercise(&Method::GET, "/api/v1/openapi.json");
        contract
    }

    /// Every operation of the document, as (method, path template).
    pub fn operations(&self) -> BTreeSet<(String, String)> {
        let paths = self.document["paths"].as_object().expect("paths");
        paths
            .iter()
            .flat_map(|(path, item)| {
                METHODS
                    .into_iter()
                    .filter(|method| item.get(*method).is_some())
                    .map(|method| (method.to_uppercase(), path.clone()))
            })
            .collect()
    }

    /// The operations no request has exercised yet.
    pub fn unexercised(&self) -> BTreeSet<(String, String)> {
        let exercised = self.exercised.lock().expect("not poisoned");
        self.operations().difference(&exercised).cloned().collect()
    }

    /// The operation `method path` (its query left out) is, which must be
    /// in the document; records it as exercised.
    fn exercise(&self, method: &Method, path: &str) -> (String, &Value) {
        let path = path.split('?').next().unwrap_or(path);
        let paths = self.document["paths"].as_object().expect("paths");
        let (template, operation) = paths
            .iter()
            .filter(|(template, _)| matches(template, path))
            .find_map(|(template, item)| {
                Some((template, item.get(method.as_str().to_lowercase())?))
            })
            .unwrap_or_else(|| panic!("{method} {path} is not in the OpenAPI document"));
        self.exercised
            .lock()
            .expect("not poisoned")
            .insert((method.to_string(), template.clone()));
        (template.clone(), operation)
    }

    /// Sends `method path` with a JSON `body` and checks the answer.
    pub async fn send(
        &self,
        client: &Client,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Answer {
        let answer = client.send(method.clone(), path, body).await;
        self.check(&method, path, answer)
    }

    /// `GET path`, checked.
    pub async fn get(&self, client: &Client, path: &str) -> Answer {
        self.send(client, Method::GET, path, None).await
    }

    /// Checks that the document lists `answer`'s status and content type
    /// for `method path`, and that a JSON body matches the schema; returns
    /// the answer.
    #[track_caller]
    pub fn check(&self, method: &Method, path: &str, answer: Answer) -> Answer {
        let status = answer.status.as_u16();
        let media_type = answer
            .headers
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(|value| {
                value
                    .split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_owned()
            });
        let schema = self.answer_schema(method, path, status, media_type.as_deref());
        if let Some(schema) = schema {
            let what = format!("{method} {path} → {status}");
            self.validate(schema, &answer.body, &what);
        }
        answer
    }

    /// The schema the document gives the JSON body of `status` to
    /// `method path`; `None` for an answer without a body or not JSON.
    /// Panics when the document does not list the status or the type.
    #[track_caller]
    pub fn answer_schema(
        &self,
        method: &Method,
        path: &str,
        status: u16,
        media_type: Option<&str>,
    ) -> Option<&Value> {
        let (template, operation) = self.exercise(method, path);
        let response = operation["responses"]
            .get(status.to_string())
            .unwrap_or_else(|| panic!("the document lists no {status} for {method} {template}"));
        let Some(content) = response.get("content").and_then(Value::as_object) else {
            assert!(
                media_type.is_none() || status == 204,
                "{method} {template} → {status} has a {media_type:?} body the document does not list"
            );
            return None;
        };
        let media_type = media_type.unwrap_or_else(|| {
            panic!(
                "{method} {template} → {status} has no Content-Type, the document says {content:?}"
            )
        });
        let listed = content.get(media_type).unwrap_or_else(|| {
            panic!(
                "{method} {template} → {status} is {media_type}; the document lists {:?}",
                content.keys().collect::<Vec<_>>()
            )
        });
        (media_type == "application/json").then(|| &listed["schema"])
    }

    /// Checks `instance` against the component schema `name` (the data of
    /// a server-sent event, which no response schema describes).
    #[track_caller]
    pub fn validate_component(&self, name: &str, instance: &Value) {
        let schema = &self.document["components"]["schemas"][name];
        assert!(schema.is_object(), "the document has no schema {name}");
        self.validate(schema, instance, name);
    }

    /// Panics with every way `instance` breaks `schema`, made strict.
    #[track_caller]
    fn validate(&self, schema: &Value, instance: &Value, what: &str) {
        let strict = self.strict(schema, false, 0);
        let validator = jsonschema::draft202012::new(&strict)
            .unwrap_or_else(|e| panic!("{what}: the document's schema is not valid: {e}"));
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|error| format!("at {}: {error}", error.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{what}: the answer does not match the document:\n{}\n{instance:#}",
            errors.join("\n")
        );
    }

    /// `schema` with its references inlined and its objects closed, except
    /// the parts of an `allOf`, which the object they make up closes.
    fn strict(&self, schema: &Value, part_of_all_of: bool, depth: usize) -> Value {
        assert!(depth < 32, "the document's schemas nest too deep: {schema}");
        let Value::Object(map) = schema else {
            return schema.clone();
        };
        if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
            let name = reference
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("a reference outside the schemas: {reference}"));
            let target = &self.document["components"]["schemas"][name];
            assert!(target.is_object(), "{reference} is not in the document");
            return self.strict(target, part_of_all_of, depth + 1);
        }
        let each = |items: &Value, part: bool| -> Value {
            let items = items.as_array().expect("a list of schemas");
            items
                .iter()
                .map(|item| self.strict(item, part, depth + 1))
                .collect()
        };
        let mut strict = Map::new();
        for (key, value) in map {
            let value = match key.as_str() {
                "properties" => {
                    let properties = value.as_object().expect("properties");
                    properties
                        .iter()
                        .map(|(name, property)| {
                            (name.clone(), self.strict(property, false, depth + 1))
                        })
                        .collect::<Map<_, _>>()
                        .into()
                }
                "items" => self.strict(value, false, depth + 1),
                "oneOf" | "anyOf" => each(value, false),
                "allOf" => each(value, true),
                _ => value.clone(),
            };
            strict.insert(key.clone(), value);
        }
        let is_object = strict.contains_key("properties") || strict.contains_key("allOf");
        if is_object && !part_of_all_of {
            strict.insert("unevaluatedProperties".into(), Value::Bool(false));
        }
        Value::Object(strict)
    }
}

/// Whether `path` is an instance of the path `template`, whose `{name}`
/// segments stand for any one segment.
fn matches(template: &str, path: &str) -> bool {
    let (template, path): (Vec<&str>, Vec<&str>) =
        (template.split('/').collect(), path.split('/').collect());
    template.len() == path.len()
        && template
            .iter()
            .zip(&path)
            .all(|(t, p)| (t.starts_with('{') && t.ends_with('}') && !p.is_empty()) || t == p)
}
