//! The API reference page at `/api/docs`: the OpenAPI document rendered
//! as one HTML page, so that people read the same document that clients
//! download. One section per tag lists its operations (method, path,
//! summary, parameters, request body, answers), then every schema with its
//! fields. Plain HTML with its style inline: no script and nothing loaded
//! from elsewhere, so it works offline and behind any firewall.

use std::fmt::Write;

use serde_json::{Map, Value};

/// The methods an operation can have, in the order the page lists them.
const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The page's style: readable type, a table per list, a colour per method.
const STYLE: &str = "
body { font: 15px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 0 auto; padding: 1rem 2rem; color: #1d2430; }
h1, h2 { border-bottom: 1px solid #d8dee8; padding-bottom: .25rem; }
h3 { margin: 1.75rem 0 .25rem; font-size: 1.05rem; }
code { font: 13px ui-monospace, monospace; background: #f1f4f8; padding: 0 .25rem; border-radius: 3px; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { text-align: left; vertical-align: top; border-bottom: 1px solid #e5e9f0; padding: .3rem .5rem; }
th { font-weight: 600; background: #f7f9fb; }
.method { display: inline-block; min-width: 4rem; text-align: center; color: #fff; border-radius: 3px; padding: 0 .4rem; font-size: 13px; }
.get { background: #2f7d4f; } .post { background: #2563a8; } .put { background: #8a5a00; }
.patch { background: #6b4fa0; } .delete { background: #b03030; }
.muted { color: #5b6576; }
nav ul { columns: 2; }
";

/// The whole page for `document` (an OpenAPI document as JSON).
pub fn page(document: &Value) -> String {
    let schemas = document
        .pointer("/components/schemas")
        .and_then(Value::as_object);
    let text = Text { schemas };
    let mut html = String::new();
    let title = plain(document.pointer("/info/title"));
    let _ = write!(
        html,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head><body><h1>{title}</h1><p>{}</p>\
         <p>The same, for programs: <a href=\"/api/v1/openapi.json\"><code>/api/v1/openapi.json</code></a> \
         (OpenAPI {}). <a href=\"/\">Back to Fnlab</a>.</p>",
        text.prose(document.pointer("/info/description")),
        plain(document.get("openapi")),
    );
    security_schemes(&mut html, &text, document);
    let operations = operations(document);
    let tags = document.get("tags").and_then(Value::as_array);
    let tags: Vec<&Value> = tags.map(|tags| tags.iter().collect()).unwrap_or_default();
    html.push_str("<nav><h2>Operations</h2><ul>");
    for operation in &operations {
        let _ = write!(
            html,
            "<li><a href=\"#{}\">{} <code>{}</code></a></li>",
            operation.anchor(),
            operation.method.to_uppercase(),
            escape(operation.path),
        );
    }
    html.push_str("</ul></nav>");
    for tag in tags {
        let name = tag.get("name").and_then(Value::as_str).unwrap_or_default();
        let _ = write!(
            html,
            "<h2>{}</h2><p>{}</p>",
            escape(name),
            text.prose(tag.get("description"))
        );
        for operation in operations.iter().filter(|o| o.tag() == Some(name)) {
            operation_section(&mut html, &text, operation);
        }
    }
    if let Some(schemas) = schemas {
        html.push_str("<h2>Schemas</h2>");
        for (name, schema) in schemas {
            schema_section(&mut html, &text, name, schema);
        }
    }
    html.push_str("</body></html>");
    html
}

/// How to authenticate: the document's security schemes.
fn security_schemes(html: &mut String, text: &Text, document: &Value) {
    let Some(schemes) = document
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
    else {
        return;
    };
    html.push_str("<h2>Authentication</h2><ul>");
    for (name, scheme) in schemes {
        let _ = write!(
            html,
            "<li><code>{}</code>: {}</li>",
            escape(name),
            text.prose(scheme.get("description"))
        );
    }
    html.push_str("</ul>");
}

/// One operation of the document.
struct Operation<'a> {
    path: &'a str,
    method: &'a str,
    spec: &'a Value,
}

impl Operation<'_> {
    /// Its first tag.
    fn tag(&self) -> Option<&str> {
        self.spec.pointer("/tags/0").and_then(Value::as_str)
    }

    /// The id of its section.
    fn anchor(&self) -> String {
        let id = self.spec.get("operationId").and_then(Value::as_str);
        format!("op-{}", id.unwrap_or(self.method))
    }
}

/// Every operation of `document`, by path, then method.
fn operations(document: &Value) -> Vec<Operation<'_>> {
    let paths = document.get("paths").and_then(Value::as_object);
    paths
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| {
            METHODS.into_iter().filter_map(move |method| {
                let spec = item.get(method)?;
                Some(Operation { path, method, spec })
            })
        })
        .collect()
}

/// An operation's section: what it does, takes and answers.
fn operation_section(html: &mut String, text: &Text, operation: &Operation) {
    let spec = operation.spec;
    let _ = write!(
        html,
        "<h3 id=\"{}\"><span class=\"method {}\">{}</span> <code>{}</code></h3><p><strong>{}</strong></p><p>{}</p>",
        operation.anchor(),
        operation.method,
        operation.method.to_uppercase(),
        escape(operation.path),
        text.prose(spec.get("summary")),
        text.prose(spec.get("description")),
    );
    let security = spec.get("security").and_then(Value::as_array);
    let schemes: Vec<&str> = security
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(Map::keys)
        .map(String::as_str)
        .collect();
    let _ = write!(
        html,
        "<p class=\"muted\">Authentication: {}</p>",
        if schemes.is_empty() {
            "none".to_owned()
        } else {
            schemes.join(" or ")
        }
    );
    if let Some(parameters) = spec.get("parameters").and_then(Value::as_array) {
        html.push_str(
            "<table><tr><th>Parameter</th><th>In</th><th>Type</th><th>Description</th></tr>",
        );
        for parameter in parameters {
            let required = parameter.get("required") == Some(&Value::Bool(true));
            let _ = write!(
                html,
                "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                plain(parameter.get("name")),
                if required { " (required)" } else { "" },
                plain(parameter.get("in")),
                text.type_of(parameter.get("schema")),
                text.prose(parameter.get("description")),
            );
        }
        html.push_str("</table>");
    }
    if let Some(body) = spec.get("requestBody") {
        let _ = write!(
            html,
            "<p>Body: {} {}</p>",
            text.contents(body.get("content")),
            text.prose(body.get("description"))
        );
        let json = body.pointer("/content/application~1json/schema");
        if let Some(schema) = json.filter(|schema| schema.get("properties").is_some()) {
            html.push_str(&fields(text, schema));
        }
    }
    html.push_str("<table><tr><th>Status</th><th>Answer</th><th>Body</th></tr>");
    let responses = spec.get("responses").and_then(Value::as_object);
    for (status, response) in responses.into_iter().flatten() {
        let headers = response.get("headers").and_then(Value::as_object);
        let headers: String = headers
            .into_iter()
            .flatten()
            .map(|(name, header)| {
                let about = text.prose(header.get("description"));
                format!("<br>Header <code>{}</code>: {about}", escape(name))
            })
            .collect();
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}{headers}</td><td>{}</td></tr>",
            escape(status),
            text.prose(response.get("description")),
            text.contents(response.get("content")),
        );
    }
    html.push_str("</table>");
}

/// A schema's section: its description and fields.
fn schema_section(html: &mut String, text: &Text, name: &str, schema: &Value) {
    let _ = write!(
        html,
        "<h3 id=\"schema-{0}\">{0}</h3><p>{1}</p>{2}",
        escape(name),
        text.prose(schema.get("description")),
        fields(text, schema),
    );
}

/// The fields of an object `schema` as a table (those of the schemas it is
/// made of named first), or its type when it has none.
fn fields(text: &Text, schema: &Value) -> String {
    let parts: Vec<&Value> = match schema.get("allOf").and_then(Value::as_array) {
        Some(parts) => parts.iter().collect(),
        None => vec![schema],
    };
    let mut rows = String::new();
    for part in parts {
        if part.get("$ref").is_some() {
            let _ = write!(
                rows,
                "<tr><td colspan=\"3\">Every field of {}</td></tr>",
                text.type_of(Some(part))
            );
        }
        let required = part.get("required").and_then(Value::as_array);
        let required: Vec<&str> = required
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let properties = part.get("properties").and_then(Value::as_object);
        for (field, property) in properties.into_iter().flatten() {
            let _ = write!(
                rows,
                "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td></tr>",
                escape(field),
                if required.contains(&field.as_str()) {
                    ""
                } else {
                    " (optional)"
                },
                text.type_of(Some(property)),
                text.prose(description(property)),
            );
        }
    }
    if rows.is_empty() {
        format!("<p>Type: {}</p>", text.type_of(Some(schema)))
    } else {
        format!("<table><tr><th>Field</th><th>Type</th><th>Description</th></tr>{rows}</table>")
    }
}

/// A property's description, which utoipa puts on the schema of an
/// optional one (`null` or that schema) rather than beside it.
fn description(property: &Value) -> Option<&Value> {
    property.get("description").or_else(|| {
        let alternatives = property.get("oneOf").and_then(Value::as_array)?;
        alternatives
            .iter()
            .find_map(|schema| schema.get("description"))
    })
}

/// A string of the document, escaped; empty when absent.
fn plain(value: Option<&Value>) -> String {
    escape(value.and_then(Value::as_str).unwrap_or_default())
}

/// `text`, escaped for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Turns parts of the document into HTML, linking the schemas it names.
struct Text<'a> {
    schemas: Option<&'a Map<String, Value>>,
}

impl Text<'_> {
    /// A description: escaped, with `code` spans and `[Schema]` links
    /// (rustdoc's [`Schema`] links too).
    fn prose(&self, value: Option<&Value>) -> String {
        let escaped = plain(value).replace("[`", "[").replace("`]", "]");
        let mut html = String::new();
        for (i, piece) in escaped.split('`').enumerate() {
            if i % 2 == 1 {
                let _ = write!(html, "<code>{piece}</code>");
            } else {
                html.push_str(&self.link_schemas(piece));
            }
        }
        html
    }

    /// `text` with each `[Name]` of a schema as a link to it.
    fn link_schemas(&self, text: &str) -> String {
        let mut html = String::new();
        let mut rest = text;
        while let Some(start) = rest.find('[') {
            let (before, from) = rest.split_at(start);
            html.push_str(before);
            let name = from[1..].split(']').next().unwrap_or_default();
            let known = self.schemas.is_some_and(|s| s.contains_key(name));
            if known && from[1..].contains(']') {
                let _ = write!(html, "<a href=\"#schema-{name}\">{name}</a>");
                rest = &from[name.len() + 2..];
            } else {
                html.push('[');
                rest = &from[1..];
            }
        }
        html.push_str(rest);
        html
    }

    /// The media types of a body and the type of each.
    fn contents(&self, content: Option<&Value>) -> String {
        let content = content.and_then(Value::as_object);
        let described: Vec<String> = content
            .into_iter()
            .flatten()
            .map(|(media_type, media)| {
                let schema = media.get("schema");
                let of = if schema.is_some() {
                    format!(": {}", self.type_of(schema))
                } else {
                    String::new()
                };
                format!("<code>{}</code>{of}", escape(media_type))
            })
            .collect();
        described.join("; ")
    }

    /// A schema's type in words, with links to the schemas it names.
    fn type_of(&self, schema: Option<&Value>) -> String {
        let Some(schema) = schema.and_then(Value::as_object) else {
            return "any".to_owned();
        };
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let name = escape(reference.rsplit('/').next().unwrap_or(reference));
            return format!("<a href=\"#schema-{name}\">{name}</a>");
        }
        for (combinator, joined) in [("oneOf", " or "), ("anyOf", " or "), ("allOf", " and ")] {
            if let Some(items) = schema.get(combinator).and_then(Value::as_array) {
                let items: Vec<String> = items.iter().map(|i| self.type_of(Some(i))).collect();
                return items.join(joined);
            }
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            let values: Vec<String> = values
                .iter()
                .map(|v| format!("<code>{}</code>", escape(&v.to_string())))
                .collect();
            return format!("one of {}", values.join(", "));
        }
        let types: Vec<String> = match schema.get("type") {
            Some(Value::Array(types)) => types.iter().map(|t| plain(Some(t))).collect(),
            Some(one) => vec![plain(Some(one))],
            None => vec!["any".to_owned()],
        };
        types
            .into_iter()
            .map(|t| match t.as_str() {
                "array" => format!("array of {}", self.type_of(schema.get("items"))),
                _ => t,
            })
            .collect::<Vec<_>>()
            .join(" or ")
    }
}
