//! The one naming rule for everything that appears in a public URL
//! (`/fn/{username}/{function}`): lowercase letters, digits and single
//! dashes, starting with a letter.

use std::ops::RangeInclusive;

/// Checks `name` (already lowercased) against the rule. `what` names the
/// thing in the message, e.g. "a username".
pub fn check(what: &str, name: &str, len: RangeInclusive<usize>) -> Result<(), String> {
    if !len.contains(&name.chars().count()) {
        return Err(format!(
            "{what} must be {} to {} characters long",
            len.start(),
            len.end()
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(format!(
            "{what} may contain only lowercase letters, digits and dashes"
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(format!("{what} must start with a letter"));
    }
    if name.ends_with('-') || name.contains("--") {
        return Err(format!(
            "{what} cannot end with a dash or contain two dashes in a row"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn accepts_url_safe_names_and_explains_the_rest() {
        assert_eq!(check("a name", "hello-2", 2..=8), Ok(()));
        for (bad, why) in [
            ("h", "2 to 8"),
            ("hello-world", "2 to 8"),
            ("Hi", "only lowercase"),
            ("a_b", "only lowercase"),
            ("2ab", "start with a letter"),
            ("ab-", "end with a dash"),
            ("a--b", "two dashes"),
        ] {
            let message = check("a name", bad, 2..=8).unwrap_err();
            assert!(
                message.starts_with("a name") && message.contains(why),
                "{bad}: {message}"
            );
        }
    }
}
