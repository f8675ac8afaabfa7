//! An assignment's checks: whether they are well formed, and whether an
//! answer passes one. Sending the requests is the caller's (the sandbox,
//! on the version just deployed).

use crate::model::{Check, CheckResult};

/// Most checks one assignment has.
pub const MAX_CHECKS: usize = 20;
/// Most of an answer's body a result keeps, bytes.
pub const BODY_KEPT: usize = 2048;

/// What a check's request got back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The status.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
    /// How long it took, ms.
    pub ms: u64,
}

/// Why `checks` cannot be an assignment's, if they cannot.
pub fn validate(checks: &[Check]) -> Result<(), String> {
    if checks.len() > MAX_CHECKS {
        return Err(format!("an assignment has at most {MAX_CHECKS} checks"));
    }
    for (i, check) in checks.iter().enumerate() {
        let which = format!("check {} ({:?})", i + 1, check.name);
        if check.name.trim().is_empty() {
            return Err(format!("check {} has no name", i + 1));
        }
        if http::Method::from_bytes(check.method.as_bytes()).is_err() {
            return Err(format!("{which}: {:?} is not an HTTP method", check.method));
        }
        if !check.path.starts_with('/') {
            return Err(format!("{which}: the path must start with /"));
        }
        if let Some(pattern) = &check.expect.body_regex {
            regex::Regex::new(pattern).map_err(|e| format!("{which}: body_regex: {e}"))?;
        }
    }
    Ok(())
}

/// How `check` went, given what its request got back (or why it got
/// nothing).
pub fn evaluate(check: &Check, answer: Result<&Answer, &str>) -> CheckResult {
    let mut result = CheckResult {
        name: check.name.clone(),
        passed: false,
        failures: Vec::new(),
        status: None,
        body: None,
        ms: None,
        hidden: check.hidden,
    };
    let answer = match answer {
        Ok(answer) => answer,
        Err(why) => {
            result.failures.push(format!("no answer: {why}"));
            return result;
        }
    };
    let text = String::from_utf8_lossy(&answer.body);
    result.status = Some(answer.status);
    result.ms = Some(answer.ms);
    result.body = Some(text.chars().take(BODY_KEPT).collect());
    let expect = &check.expect;
    let failures = &mut result.failures;
    if let Some(status) = expect.status.filter(|s| *s != answer.status) {
        failures.push(format!("expected status {status}, got {}", answer.status));
    }
    if let Some(whole) = expect.body_equals.as_ref().filter(|w| **w != text) {
        failures.push(format!("expected the body {whole:?}"));
    }
    if let Some(part) = expect
        .body_contains
        .as_ref()
        .filter(|p| !text.contains(p.as_str()))
    {
        failures.push(format!("expected the body to contain {part:?}"));
    }
    if let Some(pattern) = &expect.body_regex {
        match regex::Regex::new(pattern) {
            Ok(re) if re.is_match(&text) => {}
            Ok(_) => failures.push(format!("expected the body to match /{pattern}/")),
            Err(e) => failures.push(format!("body_regex does not compile: {e}")),
        }
    }
    if let Some(wanted) = &expect.json {
        match serde_json::from_slice::<serde_json::Value>(&answer.body) {
            Err(_) => failures.push("expected a JSON body".to_owned()),
            Ok(body) => {
                for (path, value) in wanted {
                    match at(&body, path) {
                        Some(found) if found == value => {}
                        Some(found) => {
                            failures.push(format!("expected {path} = {value}, got {found}"))
                        }
                        None => {
                            failures.push(format!("expected {path} = {value}, but it is missing"))
                        }
                    }
                }
            }
        }
    }
    if let Some(max) = expect.max_ms.filter(|max| answer.ms > *max) {
        failures.push(format!(
            "expected an answer within {max} ms, took {} ms",
            answer.ms
        ));
    }
    result.passed = result.failures.is_empty();
    result
}

/// The value at `path` in `value`: a JSON pointer (`/a/0`) or a dotted
/// path (`a[0].b`, `$.a.b`).
fn at<'a>(value: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    if path.starts_with('/') {
        return value.pointer(path);
    }
    let path = path.strip_prefix('$').unwrap_or(path);
    let pointer: String = path
        .replace('[', ".")
        .replace(']', "")
        .split('.')
        .filter(|part| !part.is_empty())
        .map(|part| format!("/{}", part.replace('~', "~0").replace('/', "~1")))
        .collect();
    value.pointer(&pointer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Expect;
    use serde_json::json;

    fn check(expect: Expect) -> Check {
        Check {
            name: "sum".into(),
            method: "POST".into(),
            path: "/sum".into(),
            headers: Default::default(),
            body: None,
            expect,
            hidden: false,
        }
    }

    fn answer(status: u16, body: &str, ms: u64) -> Answer {
        Answer {
            status,
            body: body.as_bytes().to_vec(),
            ms,
        }
    }

    #[test]
    fn every_condition_must_hold() {
        let expect = Expect {
            status: Some(200),
            body_contains: Some("total".into()),
            body_regex: Some(r#""total":\s*\d+"#.into()),
            json: Some(
                [
                    ("total".to_owned(), json!(6)),
                    ("items[1].n".to_owned(), json!(2)),
                ]
                .into(),
            ),
            max_ms: Some(100),
            ..Expect::default()
        };
        let good = answer(200, r#"{"total": 6, "items": [{"n": 1}, {"n": 2}]}"#, 5);
        assert!(evaluate(&check(expect.clone()), Ok(&good)).passed);
        let bad = answer(500, r#"{"total": 7, "items": []}"#, 150);
        let result = evaluate(&check(expect), Ok(&bad));
        assert!(!result.passed);
        assert_eq!(result.failures.len(), 4, "{:?}", result.failures);
        assert!(result.failures[0].contains("status 200, got 500"));
        let missing = evaluate(&check(Expect::default()), Err("the function trapped"));
        assert_eq!(missing.failures, ["no answer: the function trapped"]);
    }

    #[test]
    fn json_paths_and_validation() {
        let body = json!({"a": {"b": [10, {"c": "x"}]}});
        assert_eq!(at(&body, "a.b[1].c"), Some(&json!("x")));
        assert_eq!(at(&body, "$.a.b[0]"), Some(&json!(10)));
        assert_eq!(at(&body, "/a/b/0"), Some(&json!(10)));
        assert_eq!(at(&body, "a.z"), None);
        let mut bad = check(Expect {
            body_regex: Some("(".into()),
            ..Expect::default()
        });
        assert!(
            validate(std::slice::from_ref(&bad))
                .unwrap_err()
                .contains("body_regex")
        );
        bad.expect.body_regex = None;
        bad.path = "sum".into();
        assert!(validate(&[bad]).unwrap_err().contains("start with /"));
    }
}
