//! Who is an admin: granted and revoked by whoever runs the server
//! (`fnlab admin grant USERNAME`), stored with the account and read with
//! it ([`User::is_admin`](crate::User::is_admin)). Never decided by a
//! username in the configuration, which anyone could register first.

use crate::{AccountError, Accounts};

impl Accounts {
    /// Grants (or, with `admin` false, revokes) the admin view to
    /// `username`; not found when there is no such user.
    #[tracing::instrument(skip(self))]
    pub async fn set_admin(&self, username: &str, admin: bool) -> Result<(), AccountError> {
        let granted_at = admin.then(fnlab_db::now_ms);
        let updated = sqlx::query("update users set admin_granted_at = $1 where username = $2")
            .bind(granted_at)
            .bind(username)
            .execute(&self.pool)
            .await?;
        if updated.rows_affected() == 0 {
            return Err(AccountError::NotFound);
        }
        tracing::info!("admin changed");
        Ok(())
    }

    /// The admins' usernames, by name.
    pub async fn admins(&self) -> Result<Vec<String>, AccountError> {
        Ok(sqlx::query_scalar(
            "select username from users where admin_granted_at is not null order by username",
        )
        .fetch_all(&self.pool)
        .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn admins_are_granted_and_revoked_by_username() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/t.db", dir.path().display());
        let accounts = Accounts::new(fnlab_db::open(&url, 2).await.unwrap());
        let ann = accounts.sign_up("ann", "correct horse").await.unwrap();
        assert!(!accounts.user(ann.id).await.unwrap().unwrap().is_admin);
        accounts.set_admin("ann", true).await.unwrap();
        assert!(accounts.user(ann.id).await.unwrap().unwrap().is_admin);
        assert_eq!(accounts.admins().await.unwrap(), ["ann"]);
        accounts.set_admin("ann", false).await.unwrap();
        assert!(!accounts.user(ann.id).await.unwrap().unwrap().is_admin);
        assert!(matches!(
            accounts.set_admin("nobody", true).await,
            Err(AccountError::NotFound)
        ));
    }
}
