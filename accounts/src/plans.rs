//! Which plan each user is on. Plans themselves (their quotas) are
//! configuration, read by `fnlab-billing`; a user without one is on the
//! configured default.

use serde::Serialize;

use crate::{AccountError, Accounts};

/// A user and their plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserPlan {
    /// Database id.
    pub id: i64,
    /// Username.
    pub username: String,
    /// The plan's name; `None` for the default plan.
    pub plan: Option<String>,
}

impl Accounts {
    /// The plan of user `id` (`None`: the default plan, or no such user).
    pub async fn plan(&self, id: i64) -> Result<Option<String>, AccountError> {
        let plan: Option<Option<String>> =
            sqlx::query_scalar("select plan from users where user_id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(plan.flatten())
    }

    /// Puts `username` on `plan` (checked against the configuration by the
    /// caller).
    #[tracing::instrument(skip(self))]
    pub async fn set_plan(&self, username: &str, plan: &str) -> Result<(), AccountError> {
        let updated = sqlx::query("update users set plan = $1 where username = $2")
            .bind(plan)
            .bind(username)
            .execute(&self.pool)
            .await?;
        if updated.rows_affected() == 0 {
            return Err(AccountError::NotFound);
        }
        tracing::info!("plan changed");
        Ok(())
    }

    /// Every user with their plan, by username.
    pub async fn users_with_plans(&self) -> Result<Vec<UserPlan>, AccountError> {
        let rows: Vec<(i64, String, Option<String>)> =
            sqlx::query_as("select user_id, username, plan from users order by username")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(id, username, plan)| UserPlan { id, username, plan })
            .collect())
    }
}
