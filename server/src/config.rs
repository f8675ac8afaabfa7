//! Fnlab's configuration: command-line flags, each also read from an
//! environment variable. The doc comments below are what `fnlab --help`
//! prints.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

/// Fnlab: write, deploy and host serverless functions in WebAssembly sandboxes.
#[derive(Clone, Parser)]
#[command(name = "fnlab", version, about)]
pub struct Config {
    /// Address and port to listen on.
    #[arg(long, env = "FNLAB_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// Directory for Fnlab's own files (the SQLite database, caches). Created
    /// on first run.
    #[arg(long, env = "FNLAB_DATA", default_value = "./data")]
    pub data: PathBuf,

    /// Database to use: sqlite://path/to/file.db or postgres://user:pass@host/db.
    /// Default: the SQLite file fnlab.db inside FNLAB_DATA.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,

    /// Most database connections this process opens.
    #[arg(long, env = "FNLAB_DB_CONNECTIONS", default_value_t = 16)]
    pub db_connections: u32,

    /// Directory of the built web assets (pkg/, favicon). Default: target/site,
    /// where `cargo leptos build` puts them, relative to the working directory
    /// or else to the binary's own target directory.
    #[arg(long, env = "LEPTOS_SITE_ROOT")]
    pub site_root: Option<PathBuf>,

    /// Mark the session cookie Secure: set this when Fnlab is served over HTTPS.
    #[arg(long, env = "FNLAB_SECURE_COOKIES")]
    pub secure_cookies: bool,
}

impl Config {
    /// The database URL, defaulting to a SQLite file inside the data directory.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data.join("fnlab.db").display()))
    }

    /// Where the built site lives: the configured directory, `target/site`
    /// under the working directory, or `../site` next to the binary (so that
    /// `target/release/fnlab` finds its files from anywhere).
    pub fn site_root(&self) -> PathBuf {
        if let Some(root) = &self.site_root {
            return root.clone();
        }
        let local = PathBuf::from("target/site");
        if local.is_dir() {
            return local;
        }
        std::env::current_exe()
            .ok()
            .and_then(|exe| Some(exe.parent()?.parent()?.join("site")))
            .filter(|dir| dir.is_dir())
            .unwrap_or(local)
    }
}

/// Hides the database password: configuration gets logged.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("data", &self.data)
            .field(
                "database_url",
                &self.database_url.as_deref().map(redact_password),
            )
            .field("db_connections", &self.db_connections)
            .field("site_root", &self.site_root)
            .field("secure_cookies", &self.secure_cookies)
            .finish()
    }
}

/// `postgres://ann:secret@host/db` → `postgres://ann:***@host/db`.
fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_database_password() {
        let config =
            Config::parse_from(["fnlab", "--database-url", "postgres://ann:hunter2@db/fnlab"]);
        let shown = format!("{config:?}");
        assert!(shown.contains("postgres://ann:***@db/fnlab"), "{shown}");
        assert!(!shown.contains("hunter2"));
    }

    #[test]
    fn the_database_defaults_to_sqlite_in_the_data_directory() {
        let config = Config::parse_from(["fnlab", "--data", "/srv/fnlab"]);
        assert_eq!(config.database_url(), "sqlite:///srv/fnlab/fnlab.db");
    }
}
