//! Usernames, sign-up and log-in.

use std::time::Instant;

use serde::Serialize;

use crate::password::PasswordHash;
use crate::{AccountError, Accounts};

/// A user as the rest of Fnlab sees one: no password hash in sight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    /// Database id.
    pub id: i64,
    /// Lowercase name, part of every public function URL.
    pub username: String,
    /// Whether they see everyone's usage and set plans (granted on the
    /// server with `fnlab admin grant`).
    pub is_admin: bool,
}

/// Shortest and longest allowed usernames.
pub const USERNAME_LEN: std::ops::RangeInclusive<usize> = 2..=32;
/// Shortest and longest allowed passwords.
pub const PASSWORD_LEN: std::ops::RangeInclusive<usize> = 10..=256;

/// Trims and lowercases a username as typed, so that "Ann " signs in as "ann".
pub fn normalize_username(raw: &str) -> String {
    raw.trim().to_lowercase()
}

/// Checks a (normalized) username: it appears in public URLs, so the
/// [`fnlab_db::slug`] rule applies.
pub fn validate_username(username: &str) -> Result<(), AccountError> {
    fnlab_db::slug::check("a username", username, USERNAME_LEN)
        .map_err(AccountError::InvalidUsername)
}

/// Checks that a password is long enough and not trivially guessable.
pub fn validate_password(username: &str, password: &str) -> Result<(), AccountError> {
    let weak = |why: &str| Err(AccountError::WeakPassword(why.to_owned()));
    let len = password.chars().count();
    if len < *PASSWORD_LEN.start() {
        return weak("a password must be at least 10 characters long");
    }
    if len > *PASSWORD_LEN.end() {
        return weak("a password must be at most 256 characters long");
    }
    if password.to_lowercase().contains(username) {
        return weak("a password must not contain the username");
    }
    let mut chars = password.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) {
        return weak("a password must not be one character repeated");
    }
    Ok(())
}

impl Accounts {
    /// Creates an account. The username is normalized first.
    #[tracing::instrument(skip_all, fields(username = %normalize_username(username)))]
    pub async fn sign_up(&self, username: &str, password: &str) -> Result<User, AccountError> {
        let username = normalize_username(username);
        validate_username(&username)?;
        validate_password(&username, password)?;
        let hash = PasswordHash::new(password).await?;
        // `on conflict do nothing` answers "taken" without parsing any
        // backend-specific error text.
        let id: Option<i64> = sqlx::query_scalar(
            "insert into users (username, password_hash, created_at) values ($1, $2, $3) \
             on conflict (username) do nothing returning user_id",
        )
        .bind(&username)
        .bind(hash.as_str())
        .bind(fnlab_db::now_ms())
        .fetch_all(&self.pool)
        .await?
        .pop();
        match id {
            Some(id) => Ok(User {
                id,
                username,
                is_admin: false,
            }),
            None => Err(AccountError::UsernameTaken(username)),
        }
    }

    /// Checks a username and password. A wrong username and a wrong password
    /// get the same error after the same amount of work. A username that
    /// breaks the naming rule cannot exist: it is wrong at once, costing
    /// no hash and no throttle entry. Otherwise the attempt takes its
    /// throttle slot before the password is checked, so that attempts sent
    /// at once get no more hash checks than attempts sent one by one.
    #[tracing::instrument(skip_all, fields(username = %normalize_username(username)))]
    pub async fn log_in(&self, username: &str, password: &str) -> Result<User, AccountError> {
        let username = normalize_username(username);
        if validate_username(&username).is_err() {
            return Err(AccountError::BadCredentials);
        }
        if let Err(wait) = self.throttle.attempt(&username, Instant::now()) {
            return Err(AccountError::Throttled {
                retry_after_secs: wait.as_secs().max(1),
            });
        }
        let row: Option<(i64, String, Option<i64>)> = sqlx::query_as(
            "select user_id, password_hash, admin_granted_at from users where username = $1",
        )
        .bind(&username)
        .fetch_optional(&self.pool)
        .await?;
        let (found, hash) = match row {
            Some((id, hash, admin)) => (Some((id, admin)), PasswordHash::from_stored(hash)),
            None => (None, PasswordHash::decoy().await?),
        };
        match (found, hash.verify(password).await?) {
            (Some((id, admin)), true) => {
                self.throttle.record_success(&username);
                Ok(User {
                    id,
                    username,
                    is_admin: admin.is_some(),
                })
            }
            _ => Err(AccountError::BadCredentials),
        }
    }

    /// The user with this id, if it still exists.
    pub async fn user(&self, id: i64) -> Result<Option<User>, AccountError> {
        let row: Option<(String, Option<i64>)> =
            sqlx::query_as("select username, admin_granted_at from users where user_id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(username, admin)| User {
            id,
            username,
            is_admin: admin.is_some(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_the_url_rules() {
        for good in ["ann", "a1", "ann-lee", "x2-y3"] {
            assert!(validate_username(good).is_ok(), "{good}");
        }
        for bad in [
            "a",
            "Ann",
            "1ann",
            "ann-",
            "an--n",
            "ann lee",
            "ann_lee",
            "ann/x",
            "é-ann",
            &"a".repeat(33),
        ] {
            assert!(validate_username(bad).is_err(), "{bad}");
        }
        assert_eq!(normalize_username("  Ann-Lee "), "ann-lee");
    }

    #[test]
    fn passwords_must_be_long_and_not_trivial() {
        assert!(validate_password("ann", "correct horse").is_ok());
        assert!(validate_password("ann", "short").is_err());
        assert!(validate_password("ann", "aaaaaaaaaaaa").is_err());
        assert!(validate_password("ann", "my-ANN-password").is_err());
        assert!(validate_password("ann", &"ab".repeat(200)).is_err());
    }

    async fn accounts() -> (tempfile::TempDir, Accounts) {
        let dir = tempfile::tempdir().unwrap();
        let pool = fnlab_db::open(&format!("sqlite://{}/a.db", dir.path().display()), 2)
            .await
            .unwrap();
        (dir, Accounts::new(pool))
    }

    #[tokio::test]
    async fn sign_up_then_log_in() {
        let (_dir, accounts) = accounts().await;
        let ann = accounts.sign_up("Ann", "correct horse").await.unwrap();
        assert_eq!(ann.username, "ann");
        assert!(matches!(
            accounts.sign_up("ann", "another password").await,
            Err(AccountError::UsernameTaken(_))
        ));
        assert_eq!(accounts.log_in("ann", "correct horse").await.unwrap(), ann);
        assert!(matches!(
            accounts.log_in("ann", "wrong password").await,
            Err(AccountError::BadCredentials)
        ));
        assert!(matches!(
            accounts.log_in("nobody", "correct horse").await,
            Err(AccountError::BadCredentials)
        ));
        assert_eq!(accounts.user(ann.id).await.unwrap(), Some(ann));
    }

    #[tokio::test]
    async fn repeated_failures_throttle_even_the_right_password() {
        let (_dir, accounts) = accounts().await;
        accounts.sign_up("ann", "correct horse").await.unwrap();
        for _ in 0..crate::throttle::LoginThrottle::MAX_FAILURES {
            let _ = accounts.log_in("ann", "wrong password").await;
        }
        assert!(matches!(
            accounts.log_in("ann", "correct horse").await,
            Err(AccountError::Throttled { .. })
        ));
    }
}
