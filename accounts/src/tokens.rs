//! API tokens: bearer credentials for scripts. The secret is shown once, at
//! creation; the database keeps only its SHA-256, so a leaked database does
//! not leak working tokens.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{AccountError, Accounts, User};

/// Every token starts with this, so that secret scanners can spot a leak.
pub const TOKEN_PREFIX: &str = "fnlab_";

/// A token as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenInfo {
    /// Database id, used to revoke it.
    pub id: i64,
    /// What the user called it.
    pub name: String,
    /// Creation time, ms since the Unix epoch.
    pub created_at: i64,
    /// Last use, ms since the Unix epoch.
    pub last_used_at: Option<i64>,
}

/// A token just created, with the secret the user sees this one time.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewToken {
    /// Database id.
    pub id: i64,
    /// What the user called it.
    pub name: String,
    /// The bearer secret.
    pub token: String,
}

fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Accounts {
    /// Creates a token called `name` for `user_id`.
    pub async fn create_token(&self, user_id: i64, name: &str) -> Result<NewToken, AccountError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(AccountError::InvalidTokenName(
                "a token name must be 1 to 64 characters long".into(),
            ));
        }
        let token = format!("{TOKEN_PREFIX}{}", fnlab_db::random_hex(32));
        let id: i64 = sqlx::query_scalar(
            "insert into api_tokens (user_id, name, token_hash, created_at) values ($1, $2, $3, $4) \
             returning token_id",
        )
        .bind(user_id)
        .bind(name)
        .bind(digest(&token))
        .bind(fnlab_db::now_ms())
        .fetch_all(&self.pool)
        .await?
        .pop()
        .ok_or(sqlx::Error::RowNotFound)?;
        Ok(NewToken {
            id,
            name: name.to_owned(),
            token,
        })
    }

    /// The tokens of `user_id`, newest first.
    pub async fn list_tokens(&self, user_id: i64) -> Result<Vec<TokenInfo>, AccountError> {
        let rows: Vec<(i64, String, i64, Option<i64>)> = sqlx::query_as(
            "select token_id, name, created_at, last_used_at from api_tokens \
             where user_id = $1 order by token_id desc",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, created_at, last_used_at)| TokenInfo {
                id,
                name,
                created_at,
                last_used_at,
            })
            .collect())
    }

    /// Revokes token `token_id` of `user_id`; another user's token is
    /// [`AccountError::NotFound`], exactly like a missing one.
    pub async fn revoke_token(&self, user_id: i64, token_id: i64) -> Result<(), AccountError> {
        let deleted = sqlx::query("delete from api_tokens where token_id = $1 and user_id = $2")
            .bind(token_id)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(AccountError::NotFound);
        }
        Ok(())
    }

    /// The user a bearer token belongs to, if it is a live token. A token
    /// that matches nothing costs one read: only a live token's last use is
    /// written, so a flood of made-up tokens never queues for SQLite's
    /// write lock with everyone's deploys and usage records.
    pub async fn user_for_token(&self, token: &str) -> Result<Option<User>, AccountError> {
        if !token.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let row: Option<(i64, i64, String, Option<i64>)> = sqlx::query_as(
            "select t.token_id, u.user_id, u.username, u.admin_granted_at from api_tokens t \
             join users u on u.user_id = t.user_id where t.token_hash = $1",
        )
        .bind(digest(token))
        .fetch_optional(&self.pool)
        .await?;
        let Some((token_id, id, username, admin)) = row else {
            return Ok(None);
        };
        sqlx::query("update api_tokens set last_used_at = $1 where token_id = $2")
            .bind(fnlab_db::now_ms())
            .bind(token_id)
            .execute(&self.pool)
            .await?;
        Ok(Some(User {
            id,
            username,
            is_admin: admin.is_some(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_token_authenticates_until_revoked_and_only_by_its_owner() {
        let dir = tempfile::tempdir().unwrap();
        let pool = fnlab_db::open(&format!("sqlite://{}/t.db", dir.path().display()), 2)
            .await
            .unwrap();
        let accounts = Accounts::new(pool);
        let ann = accounts.sign_up("ann", "correct horse").await.unwrap();
        let bob = accounts.sign_up("bob", "battery staple").await.unwrap();

        let token = accounts.create_token(ann.id, " laptop ").await.unwrap();
        assert_eq!(token.name, "laptop");
        assert!(token.token.starts_with(TOKEN_PREFIX));
        assert_eq!(
            accounts.user_for_token(&token.token).await.unwrap(),
            Some(ann.clone())
        );
        assert_eq!(accounts.user_for_token("fnlab_nope").await.unwrap(), None);

        let listed = accounts.list_tokens(ann.id).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert!(listed[0].last_used_at.is_some());
        assert!(accounts.list_tokens(bob.id).await.unwrap().is_empty());

        assert!(matches!(
            accounts.revoke_token(bob.id, token.id).await,
            Err(AccountError::NotFound)
        ));
        accounts.revoke_token(ann.id, token.id).await.unwrap();
        assert_eq!(accounts.user_for_token(&token.token).await.unwrap(), None);
        assert!(matches!(
            accounts.create_token(ann.id, "  ").await,
            Err(AccountError::InvalidTokenName(_))
        ));
    }

    /// The attack: made-up tokens while another connection holds SQLite's
    /// write lock (a deploy, a batch of usage records). Each is answered
    /// at once from a read, instead of waiting for the lock.
    #[tokio::test]
    async fn a_made_up_token_writes_nothing() {
        use sqlx::{Connection, Executor};
        let dir = tempfile::tempdir().unwrap();
        let pool = fnlab_db::open(&format!("sqlite://{}/t.db", dir.path().display()), 4)
            .await
            .unwrap();
        let accounts = Accounts::new(pool.clone());
        let mut writer = pool.acquire().await.unwrap();
        let mut tx = writer.begin().await.unwrap();
        (&mut *tx)
            .execute("insert into users (username, password_hash, created_at) values ('w', 'x', 0)")
            .await
            .unwrap();
        for _ in 0..20 {
            let answer = tokio::time::timeout(
                std::time::Duration::from_secs(2),
                accounts.user_for_token("fnlab_made_up"),
            );
            assert_eq!(
                answer.await.expect("waited for the write lock").unwrap(),
                None
            );
        }
        tx.rollback().await.unwrap();
    }
}
