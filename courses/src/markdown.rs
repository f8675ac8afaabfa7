//! An assignment's instructions, written in Markdown by an instructor, as
//! HTML that is safe to put in a student's page: CommonMark with tables,
//! strikethrough and task lists, where raw HTML is shown as text and a
//! link or image may only go to `http:`, `https:`, `mailto:` or a
//! relative address (never `javascript:` or `data:`).

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, html};

/// `markdown` as safe HTML.
pub fn to_html(markdown: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// `url` when it is relative or of a harmless scheme, else `#`.
fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    let scheme = url
        .split_once(':')
        .map(|(scheme, _)| scheme)
        .filter(|scheme| !scheme.contains(['/', '?', '#']));
    match scheme.map(|s| s.trim().to_ascii_lowercase()) {
        None => url,
        Some(s) if ["http", "https", "mailto"].contains(&s.as_str()) => url,
        Some(_) => CowStr::Borrowed("#"),
    }
}

#[cfg(test)]
mod tests {
    use super::to_html;

    #[test]
    fn markdown_becomes_html() {
        let html = to_html("# Hello\n\nAnswer `GET /` with **Hello**.\n\n- one\n- two\n");
        assert!(html.contains("<h1>Hello</h1>"), "{html}");
        assert!(html.contains("<code>GET /</code>"), "{html}");
        assert!(html.contains("<strong>Hello</strong>"), "{html}");
        assert!(html.contains("<li>one</li>"), "{html}");
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        let html = to_html("<script>alert(1)</script>\n\nHi <img src=x onerror=alert(1)>");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn only_harmless_links_survive() {
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " data:text/html,x",
            "vbscript:x",
        ] {
            let html = to_html(&format!("[x]({bad}) ![y]({bad})"));
            assert!(!html.to_lowercase().contains("script:"), "{bad}: {html}");
            assert!(!html.contains("data:"), "{bad}: {html}");
        }
        let html =
            to_html("[docs](https://example.com/a?b=c:d) [rel](./next) [mail](mailto:a@b.c)");
        assert!(
            html.contains("href=\"https://example.com/a?b=c:d\""),
            "{html}"
        );
        assert!(html.contains("href=\"./next\""), "{html}");
        assert!(html.contains("href=\"mailto:a@b.c\""), "{html}");
    }
}
