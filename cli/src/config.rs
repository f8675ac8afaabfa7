//! Where the login lives. `fnlab-cli login` stores the server's URL and an
//! API token in the user's config directory (`$FNLAB_CONFIG_DIR`, else
//! `$XDG_CONFIG_HOME/fnlab`, else `~/.config/fnlab`), file `config.json`,
//! readable by its owner only. Never in the project folder: a token there
//! would end up committed next to the code.
//!
//! `FNLAB_URL` and `FNLAB_TOKEN` override the stored values, and the
//! `--url` and `--token` flags override both.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::files;

/// The file in the config directory that holds the login.
const FILE: &str = "config.json";

/// What the CLI takes from its surroundings. [`Environment::from_process`]
/// reads the real ones; a test builds its own.
#[derive(Clone, Default)]
pub struct Environment {
    /// Where the login is stored; `None` when there is no home directory.
    pub config_dir: Option<PathBuf>,
    /// `FNLAB_URL`: the server, over the stored one.
    pub url: Option<String>,
    /// `FNLAB_TOKEN`: the API token, over the stored one.
    pub token: Option<String>,
    /// Where relative paths start; empty for the process's current
    /// directory (and messages that show the paths as they were typed).
    pub working_dir: PathBuf,
}

impl Environment {
    /// This process's: `FNLAB_CONFIG_DIR`, `XDG_CONFIG_HOME`, `HOME`,
    /// `FNLAB_URL` and `FNLAB_TOKEN` (empty counts as unset), and its
    /// current directory.
    pub fn from_process() -> Self {
        let var = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty());
        let config_dir = var("FNLAB_CONFIG_DIR").map(PathBuf::from).or_else(|| {
            let base = var("XDG_CONFIG_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::home_dir().map(|home| home.join(".config")))?;
            Some(base.join("fnlab"))
        });
        let text = |name: &str| var(name).and_then(|value| value.into_string().ok());
        Self {
            config_dir,
            url: text("FNLAB_URL"),
            token: text("FNLAB_TOKEN"),
            working_dir: PathBuf::new(),
        }
    }

    /// The config directory, or why there is none.
    fn config_dir(&self) -> Result<&Path> {
        self.config_dir.as_deref().ok_or_else(|| {
            Error::Usage("no home directory to keep the login in: set FNLAB_CONFIG_DIR".into())
        })
    }

    /// The stored login, if there is one.
    pub(crate) fn stored(&self) -> Result<Option<Login>> {
        let Some(dir) = self.config_dir.as_deref() else {
            return Ok(None);
        };
        let expected = "not a login this program wrote: log in again";
        files::read_json(&dir.join(FILE), expected)
    }

    /// Stores `login`, readable by its owner only; returns the file.
    pub(crate) fn store(&self, login: &Login) -> Result<PathBuf> {
        let dir = self.config_dir()?;
        files::create_private_dir(dir)?;
        let path = dir.join(FILE);
        // Written beside it, then renamed: a crash leaves the old login
        // whole rather than half a file.
        let partial = dir.join(format!("{FILE}.partial"));
        let json = serde_json::to_vec_pretty(login).expect("a login serializes");
        files::write_private(&partial, &json)?;
        fs::rename(&partial, &path).map_err(Error::file(&path))?;
        Ok(path)
    }
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Environment")
            .field("config_dir", &self.config_dir)
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "…"))
            .field("working_dir", &self.working_dir)
            .finish()
    }
}

/// A server and the API token that acts for its user there.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Login {
    /// The server's base URL, without a trailing slash.
    pub url: String,
    /// The API token (`fnlab_…`), sent as `Authorization: Bearer`.
    pub token: String,
}

impl fmt::Debug for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Login")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_login_reads_back_and_only_its_owner_can_read_it() {
        let dir = tempfile::tempdir().unwrap();
        let environment = Environment {
            config_dir: Some(dir.path().join("fnlab")),
            ..Environment::default()
        };
        assert!(environment.stored().unwrap().is_none());
        let login = Login {
            url: "http://127.0.0.1:3000".into(),
            token: "fnlab_secret".into(),
        };
        let path = environment.store(&login).unwrap();
        let read = environment.stored().unwrap().unwrap();
        assert!(!format!("{login:?}").contains("secret"));
        assert_eq!((read.url, read.token), (login.url, login.token));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
