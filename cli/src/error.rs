//! What can go wrong, each failure with the exit code that names its kind,
//! so that a script can tell "fix your input" from "the server said no" from
//! "the server is not there" from "log in again".

use std::path::PathBuf;
use std::process::ExitCode;

/// How a run ended: the process's exit code. `fnlab-cli --help` lists
/// them too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// 0: it did what was asked.
    Ok = 0,
    /// 1: the server refused (its message is printed), the build failed,
    /// or the function answered with a 5xx status.
    Refused = 1,
    /// 2: the command line, or a local file it names, is wrong.
    Usage = 2,
    /// 3: the server cannot be reached, or did not answer like Fnlab.
    Unreachable = 3,
    /// 4: not logged in, or the server refused the API token.
    NotLoggedIn = 4,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        Self::from(exit as u8)
    }
}

/// A failed command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The arguments do not make sense together, or name something missing.
    #[error("{0}")]
    Usage(String),
    /// A local file or folder could not be read or written.
    #[error("{}: {source}", path.display())]
    File {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// No URL or token to call the server with.
    #[error("not logged in: run `fnlab-cli login URL` (or pass --url and --token)")]
    NotLoggedIn,
    /// The server answered with an API error.
    #[error("{message} ({status}, {code})")]
    Api {
        /// The HTTP status.
        status: u16,
        /// The API's machine-readable code.
        code: String,
        /// The server's message.
        message: String,
    },
    /// The server could not be reached.
    #[error("cannot reach {url}: {reason}")]
    Unreachable {
        /// What was asked.
        url: String,
        /// Why it failed, as the HTTP client says.
        reason: String,
    },
    /// Something answered, but not as Fnlab's API does.
    #[error("{url} did not answer like Fnlab: {reason}")]
    NotFnlab {
        /// What was asked.
        url: String,
        /// What was wrong with the answer.
        reason: String,
    },
    /// The build failed; its diagnostics are already printed.
    #[error("the build failed: {0}")]
    BuildFailed(String),
    /// The function answered with a server error.
    #[error("the function answered {0}")]
    FunctionFailed(reqwest::StatusCode),
}

impl Error {
    /// The exit code for this failure.
    pub fn exit(&self) -> Exit {
        match self {
            Self::Usage(_) | Self::File { .. } => Exit::Usage,
            Self::NotLoggedIn | Self::Api { status: 401, .. } => Exit::NotLoggedIn,
            Self::Api { .. } | Self::BuildFailed(_) | Self::FunctionFailed(_) => Exit::Refused,
            Self::Unreachable { .. } | Self::NotFnlab { .. } => Exit::Unreachable,
        }
    }

    /// A local file error, naming the file.
    pub fn file(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::File { path, source }
    }
}

/// What commands return.
pub type Result<T, E = Error> = std::result::Result<T, E>;
