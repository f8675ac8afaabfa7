//! Compiler messages as editor markers: cargo's `--message-format=json`
//! lines turned into [`Diagnostic`]s on the user's own source lines, and
//! into the plain text of the build log.

use serde::{Deserialize, Serialize};

/// One compiler message at a place in the user's source. Lines and columns
/// count from 1; columns count characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Diagnostic {
    /// First line.
    pub line: u32,
    /// First column.
    pub column: u32,
    /// Last line.
    pub end_line: u32,
    /// Column just past the end.
    pub end_column: u32,
    /// `error`, `warning`, `note` or `help`.
    pub severity: String,
    /// The message, with the compiler's notes after it.
    pub message: String,
}

/// What one line of cargo's JSON output adds to a build.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Message {
    /// Markers on the user's file.
    pub diagnostics: Vec<Diagnostic>,
    /// Text for the build log, as the compiler renders it.
    pub rendered: Option<String>,
}

#[derive(Deserialize)]
struct CargoLine {
    reason: String,
    #[serde(default)]
    message: Option<CompilerMessage>,
}

#[derive(Deserialize)]
struct CompilerMessage {
    message: String,
    level: String,
    #[serde(default)]
    spans: Vec<Span>,
    #[serde(default)]
    children: Vec<CompilerMessage>,
    #[serde(default)]
    rendered: Option<String>,
}

#[derive(Deserialize)]
struct Span {
    file_name: String,
    line_start: u32,
    line_end: u32,
    column_start: u32,
    column_end: u32,
    is_primary: bool,
}

/// Reads one line of `cargo build --message-format=json` output. Only
/// compiler messages count; a message lands on `user_file` (the path rustc
/// reports for the user's source, such as `src/lib.rs`) at its primary
/// span, or at line 1 when it points nowhere in the user's file (a linker
/// error, say) but is an error all the same.
pub fn parse_line(line: &str, user_file: &str) -> Message {
    let Ok(parsed) = serde_json::from_str::<CargoLine>(line) else {
        return Message::default();
    };
    let (true, Some(message)) = (parsed.reason == "compiler-message", parsed.message) else {
        return Message::default();
    };
    let mut text = message.message.clone();
    for child in &message.children {
        if !child.message.is_empty() {
            text.push_str(&format!("\n{}: {}", child.level, child.message));
        }
    }
    let spans: Vec<&Span> = message
        .spans
        .iter()
        .filter(|span| span.is_primary && span.file_name == user_file)
        .collect();
    let diagnostics = if spans.is_empty() {
        if message.level == "error" && !message.message.starts_with("aborting due to") {
            vec![Diagnostic {
                line: 1,
                column: 1,
                end_line: 1,
                end_column: 1,
                severity: "error".into(),
                message: text,
            }]
        } else {
            Vec::new()
        }
    } else {
        spans
            .into_iter()
            .map(|span| Diagnostic {
                line: span.line_start,
                column: span.column_start,
                end_line: span.line_end,
                end_column: span.column_end,
                severity: severity(&message.level).into(),
                message: text.clone(),
            })
            .collect()
    };
    Message {
        diagnostics,
        rendered: message.rendered,
    }
}

/// rustc's levels as the editor's four severities.
fn severity(level: &str) -> &'static str {
    match level {
        "error" | "error: internal compiler error" => "error",
        "warning" => "warning",
        "help" => "help",
        _ => "note",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYPE_ERROR: &str = r#"{"reason":"compiler-message","package_id":"path+file:///build/function#0.1.0","manifest_path":"/build/function/Cargo.toml","target":{"kind":["cdylib"],"crate_types":["cdylib"],"name":"function","src_path":"/build/function/src/lib.rs","edition":"2024","doctest":false,"test":false},"message":{"rendered":"error[E0308]: mismatched types\n --> src/lib.rs:4:18\n","$message_type":"diagnostic","children":[{"children":[],"code":null,"level":"help","message":"try using a conversion method","rendered":null,"spans":[]}],"code":{"code":"E0308","explanation":"..."},"level":"error","message":"mismatched types","spans":[{"byte_end":80,"byte_start":78,"column_end":20,"column_start":18,"expansion":null,"file_name":"src/lib.rs","is_primary":true,"label":"expected `String`, found integer","line_end":4,"line_start":4,"suggested_replacement":null,"suggestion_applicability":null,"text":[]}]}}"#;

    #[test]
    fn a_message_on_the_users_file_marks_its_primary_span() {
        let message = parse_line(TYPE_ERROR, "src/lib.rs");
        assert_eq!(
            message.diagnostics,
            vec![Diagnostic {
                line: 4,
                column: 18,
                end_line: 4,
                end_column: 20,
                severity: "error".into(),
                message: "mismatched types\nhelp: try using a conversion method".into(),
            }]
        );
        assert!(message.rendered.unwrap().starts_with("error[E0308]"));
    }

    #[test]
    fn an_error_elsewhere_lands_on_line_one_and_a_summary_nowhere() {
        let elsewhere = TYPE_ERROR.replace(
            r#""file_name":"src/lib.rs""#,
            r#""file_name":"/sdk/src/lib.rs""#,
        );
        assert_eq!(parse_line(&elsewhere, "src/lib.rs").diagnostics[0].line, 1);
        let summary = r#"{"reason":"compiler-message","message":{"rendered":"error: aborting due to 1 previous error\n","children":[],"level":"error","message":"aborting due to 1 previous error","spans":[]}}"#;
        assert_eq!(parse_line(summary, "src/lib.rs").diagnostics, vec![]);
    }

    #[test]
    fn other_lines_add_nothing() {
        assert_eq!(parse_line("not json", "src/lib.rs"), Message::default());
        assert_eq!(
            parse_line(
                r#"{"reason":"build-finished","success":true}"#,
                "src/lib.rs"
            ),
            Message::default()
        );
    }
}
