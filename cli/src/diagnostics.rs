//! A failed build's compiler messages, printed the way rustc prints them:
//! `error: message`, ` --> file:line:column`, the line with a caret under
//! the place, and the notes after it. The server reports each message at
//! a line and column of the source it was sent ([`Diagnostic`]); here
//! they point into the local file that source came from, so editors and
//! terminals can jump to it.

use std::fmt::Write;

use fnlab_builds::Diagnostic;

/// `diagnostic` in rustc's shape, pointing into `file` whose text is
/// `source`.
pub fn render(diagnostic: &Diagnostic, file: &str, source: &str) -> String {
    let mut lines = diagnostic.message.lines();
    let headline = lines.next().unwrap_or_default();
    let (line, column) = (diagnostic.line, diagnostic.column);
    let gutter = " ".repeat(line.to_string().len());
    let mut text = format!("{}: {headline}\n", diagnostic.severity);
    let _ = writeln!(text, "{gutter}--> {file}:{line}:{column}");
    if let Some(code) = source.lines().nth(line.saturating_sub(1) as usize) {
        let width = if diagnostic.end_line == line && diagnostic.end_column > column {
            diagnostic.end_column - column
        } else {
            1
        };
        let indent = " ".repeat(column.saturating_sub(1) as usize);
        let _ = writeln!(text, "{gutter} |");
        let _ = writeln!(text, "{line} | {code}");
        let _ = writeln!(text, "{gutter} | {indent}{}", "^".repeat(width as usize));
    }
    for note in lines {
        let _ = writeln!(text, "{gutter} = {note}");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diagnostic_reads_like_rustcs() {
        let diagnostic = Diagnostic {
            line: 3,
            column: 21,
            end_line: 3,
            end_column: 22,
            severity: "error".into(),
            message: "mismatched types\nhelp: try using a conversion method".into(),
        };
        let source = "fn handle() {\n    let n: u32 = 1;\n    let s: String = n;\n}\n";
        assert_eq!(
            render(&diagnostic, "hello/src/lib.rs", source),
            "error: mismatched types\n \
             --> hello/src/lib.rs:3:21\n  \
             |\n\
             3 |     let s: String = n;\n  \
             |                     ^\n  \
             = help: try using a conversion method\n"
        );
    }
}
