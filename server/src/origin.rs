//! Cross-site request forgery: a request that changes something (any
//! method but GET, HEAD, OPTIONS and TRACE) and that a browser could send
//! with the visitor's session cookie must come from a page of Fnlab's own
//! origin, else it is refused with 403 before any handler runs. Browsers
//! say where a request comes from: `Sec-Fetch-Site`, and `Origin` (older
//! browsers send only this one). Not checked: requests carrying
//! `Authorization` (API tokens, which no page can make a browser add), the
//! public function URLs under `/fn/` (anyone's page may post to a
//! function), and clients that send neither header (curl and scripts are
//! not browsers, so no page can forge them).
//!
//! Log-in and sign-up are checked too: a forged log-in would sign the
//! visitor into the attacker's account. Pages also refuse to be framed
//! (`frame-ancestors 'none'`), so no other site can overlay them.

use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, HOST, ORIGIN};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::api::ApiError;

/// Refuses a state-changing request that a browser sent from another site.
pub async fn same_origin_writes(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if is_checked(&request) && !from_own_origin(&request, &state.config.public_url()) {
        tracing::info!(
            method = %request.method(),
            path = request.uri().path(),
            origin = ?request.headers().get(ORIGIN),
            "refused a cross-site request"
        );
        return ApiError::CrossSite.into_response();
    }
    next.run(request).await
}

/// Whether `request` is one a forged page could make a browser send with
/// its cookies.
fn is_checked(request: &Request) -> bool {
    !request.method().is_safe()
        && !request.headers().contains_key(AUTHORIZATION)
        && !request.uri().path().starts_with("/fn/")
}

/// Whether the browser says `request` comes from Fnlab's own pages: its
/// `Sec-Fetch-Site` is `same-origin` (or `none`, typed by the user), or
/// its `Origin` is Fnlab's public URL or the host it asked.
fn from_own_origin(request: &Request, public_url: &str) -> bool {
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let authority = origin.split_once("://").map(|(_, rest)| rest);
    let host = headers.get(HOST).and_then(|h| h.to_str().ok());
    origin == public_url || (authority.is_some() && authority == host)
}

#[cfg(test)]
mod tests {
    use axum::body::Body;

    use super::*;

    fn request(method: &str, path: &str, headers: &[(&str, &str)]) -> Request {
        let mut builder = Request::builder().method(method).uri(path);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(Body::empty()).unwrap()
    }

    const OURS: &str = "https://fnlab.example";

    #[test]
    fn reads_and_api_tokens_and_functions_are_not_checked() {
        assert!(!is_checked(&request("GET", "/api/v1/me", &[])));
        assert!(!is_checked(&request("POST", "/fn/ann/f/", &[])));
        let bearer = [("authorization", "Bearer x")];
        assert!(!is_checked(&request("DELETE", "/api/v1/tokens/1", &bearer)));
        assert!(is_checked(&request("POST", "/_app/log_out", &[])));
    }

    #[test]
    fn the_browser_says_where_a_request_comes_from() {
        let from = |headers: &[(&str, &str)]| {
            let mut all = vec![("host", "fnlab.example")];
            all.extend_from_slice(headers);
            from_own_origin(&request("POST", "/api/v1/tokens", &all), OURS)
        };
        assert!(from(&[]), "not a browser");
        assert!(from(&[("sec-fetch-site", "same-origin"), ("origin", OURS)]));
        assert!(from(&[("origin", OURS)]));
        assert!(
            from(&[("origin", "http://fnlab.example")]),
            "the host asked"
        );
        assert!(!from(&[("sec-fetch-site", "same-site"), ("origin", OURS)]));
        assert!(!from(&[("sec-fetch-site", "cross-site")]));
        assert!(!from(&[("origin", "https://evil.example")]));
        assert!(!from(&[("origin", "null")]), "a sandboxed function page");
    }
}
