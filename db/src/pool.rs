//! Opening the database named by a URL and bringing its schema up to date.

use std::str::FromStr;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;

/// The connection pool every part of Fnlab shares.
pub type Pool = sqlx::AnyPool;

/// Which database server a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file (`sqlite://path`).
    Sqlite,
    /// A PostgreSQL server (`postgres://…` or `postgresql://…`).
    Postgres,
}

impl FromStr for Backend {
    type Err = sqlx::Error;

    fn from_str(url: &str) -> Result<Self, Self::Err> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            Err(sqlx::Error::Configuration(
                "DATABASE_URL must start with sqlite: or postgres://".into(),
            ))
        }
    }
}

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

/// Connects to `url`, creating a SQLite file when it does not exist yet, and
/// applies every pending migration.
pub async fn open(url: &str, max_connections: u32) -> Result<Pool, sqlx::Error> {
    install_default_drivers();
    let backend: Backend = url.parse()?;
    let url = match backend {
        // `mode=rwc` creates the file on first run.
        Backend::Sqlite if !url.contains("mode=") => {
            let separator = if url.contains('?') { '&' } else { '?' };
            format!("{url}{separator}mode=rwc")
        }
        _ => url.to_owned(),
    };
    let pool = AnyPoolOptions::new()
        .max_connections(max_connections)
        .connect(&url)
        .await?;
    match backend {
        Backend::Sqlite => {
            // Write-ahead logging lets readers run while a writer commits; the
            // setting is stored in the file, so once is enough.
            sqlx::query("pragma journal_mode = wal")
                .execute(&pool)
                .await?;
            SQLITE_MIGRATIONS.run(&pool).await?;
        }
        Backend::Postgres => POSTGRES_MIGRATIONS.run(&pool).await?,
    }
    Ok(pool)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_is_read_from_the_url_scheme() {
        assert_eq!("sqlite://x.db".parse::<Backend>().unwrap(), Backend::Sqlite);
        assert_eq!(
            "postgres://h/db".parse::<Backend>().unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            "postgresql://h/db".parse::<Backend>().unwrap(),
            Backend::Postgres
        );
        assert!("mysql://h/db".parse::<Backend>().is_err());
    }

    #[tokio::test]
    async fn opening_a_new_sqlite_file_creates_it_and_migrates() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/new.db", dir.path().display());
        let pool = open(&url, 2).await.unwrap();
        let users: i64 = sqlx::query_scalar("select count(*) from users")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(users, 0);
        // Opening again finds nothing left to migrate.
        drop(pool);
        open(&url, 2).await.unwrap();
    }
}
