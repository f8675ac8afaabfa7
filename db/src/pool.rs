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
            sqlite_ids_never_reused(&pool).await?;
        }
        Backend::Postgres => POSTGRES_MIGRATIONS.run(&pool).await?,
    }
    Ok(pool)
}

/// SQLite's tables whose ids other rows refer to, with their id column.
const SQLITE_IDS: [(&str, &str); 4] = [
    ("users", "user_id"),
    ("api_tokens", "token_id"),
    ("functions", "function_id"),
    ("builds", "build_id"),
];

/// Makes SQLite never give an id twice. Without `autoincrement`, a new row
/// gets the largest id plus one, so deleting the newest function (or
/// token, build, user) handed its id to the next one, which then inherited
/// what referred to it by id: usage, metrics, a bill. (PostgreSQL's
/// identity columns never reuse ids.)
///
/// Each table that lacks it is rebuilt from its own stored definition with
/// `autoincrement` added, as SQLite documents for changing a column, so
/// whatever columns migrations gave it are kept. This is not a migration
/// because sqlx runs each SQLite migration in a transaction, where foreign
/// keys cannot be switched off, and with them on, dropping the old
/// `functions` table would delete every version. So it runs here, after
/// the migrations, on one connection with foreign keys off, in one
/// transaction of its own; a table already rebuilt is left alone.
async fn sqlite_ids_never_reused(pool: &Pool) -> Result<(), sqlx::Error> {
    use sqlx::{Connection, Executor};
    let mut conn = pool.acquire().await?;
    (&mut *conn).execute("pragma foreign_keys = off").await?;
    let rebuilt = async {
        let mut tx = conn.begin().await?;
        let mut rebuilt = Vec::new();
        for (table, id) in SQLITE_IDS {
            let schema: String = sqlx::query_scalar(
                "select sql from sqlite_master where type = 'table' and name = $1",
            )
            .bind(table)
            .fetch_one(&mut *tx)
            .await?;
            if schema.contains("autoincrement") {
                continue;
            }
            let indexes: Vec<String> = sqlx::query_scalar(
                "select sql from sqlite_master where type = 'index' and tbl_name = $1 \
                 and sql is not null",
            )
            .bind(table)
            .fetch_all(&mut *tx)
            .await?;
            let column = format!("{id} integer primary key");
            let (head, rest) = schema.split_once('(').unwrap_or_default();
            if !rest.contains(&column)
                || !head
                    .trim()
                    .eq_ignore_ascii_case(&format!("create table {table}"))
            {
                return Err(sqlx::Error::Protocol(format!(
                    "cannot add autoincrement to {table}: {schema}"
                )));
            }
            let rest = rest.replacen(&column, &format!("{column} autoincrement"), 1);
            let mut script = vec![
                format!("create table {table}_new ({rest}"),
                format!("insert into {table}_new select * from {table}"),
                format!("drop table {table}"),
                format!("alter table {table}_new rename to {table}"),
            ];
            script.extend(indexes);
            (&mut *tx).execute(script.join(";\n").as_str()).await?;
            rebuilt.push(table);
        }
        tx.commit().await?;
        Ok(rebuilt)
    }
    .await;
    (&mut *conn).execute("pragma foreign_keys = on").await?;
    let rebuilt = rebuilt?;
    if !rebuilt.is_empty() {
        tracing::info!(
            ?rebuilt,
            "ids are never reused: tables rebuilt with autoincrement"
        );
    }
    Ok(())
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

    async fn run(pool: &Pool, sql: &str) {
        sqlx::query(sql).execute(pool).await.unwrap();
    }

    async fn count(pool: &Pool, table: &str) -> i64 {
        let sql = format!("select count(*) from {table}");
        sqlx::query_scalar(&sql).fetch_one(pool).await.unwrap()
    }

    #[tokio::test]
    async fn sqlite_ids_are_never_reused_and_an_old_file_keeps_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/old.db?mode=rwc", dir.path().display());
        install_default_drivers();
        // A file from before the rebuild, with a function and its version.
        let old = AnyPoolOptions::new().connect(&url).await.unwrap();
        SQLITE_MIGRATIONS.run(&old).await.unwrap();
        // A column a later migration might add survives the rebuild.
        run(&old, "alter table users add column nickname text").await;
        run(
            &old,
            "insert into users (username, password_hash, created_at, nickname) \
             values ('ann', 'x', 0, 'annie')",
        )
        .await;
        for name in ["a", "b"] {
            let sql = format!(
                "insert into functions (user_id, name, timeout_ms, memory_mb, created_at, updated_at) \
                 values (1, '{name}', 1, 1, 0, 0)"
            );
            run(&old, &sql).await;
        }
        run(&old, "insert into artifacts values ('s', x'00', 1, 0)").await;
        run(
            &old,
            "insert into versions (function_id, version, sha256, created_at) values (2, 1, 's', 0)",
        )
        .await;
        old.close().await;

        let pool = open(&url, 2).await.unwrap();
        assert_eq!(
            count(&pool, "versions").await,
            1,
            "the rebuild deleted nothing"
        );
        let nickname: String = sqlx::query_scalar("select nickname from users")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(nickname, "annie");
        // Deleting the newest function still deletes its versions, and its
        // id is not given again.
        run(&pool, "delete from functions where function_id = 2").await;
        assert_eq!(count(&pool, "versions").await, 0);
        run(
            &pool,
            "insert into functions (user_id, name, timeout_ms, memory_mb, created_at, updated_at) \
             values (1, 'c', 1, 1, 0, 0)",
        )
        .await;
        let id: i64 = sqlx::query_scalar("select function_id from functions where name = 'c'")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(id, 3);
    }
}
