//! Local files the CLI keeps: JSON it wrote and reads back (the login, a
//! folder's `fnlab.json`), and files that only their owner may read.

use std::fs;
use std::io::Write;
use std::path::Path;

use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

/// The JSON file at `path`, or `None` when there is none; a file that does
/// not read as `T` is a usage error saying `expected`.
pub fn read_json<T: DeserializeOwned>(path: &Path, expected: &str) -> Result<Option<T>> {
    match fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| Error::Usage(format!("{}: {e} ({expected})", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::file(path)(e)),
    }
}

/// Makes `dir` and its parents; the ones it makes only their owner may
/// enter.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(Error::file(dir))
}

/// Writes `bytes` to `path`, which only its owner may read, even if it
/// was there before with another mode.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let write = || {
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
            options.mode(0o600);
            // `open` keeps the mode of a file that exists.
            if path.exists() {
                fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
            }
        }
        let mut file = options.open(path)?;
        file.write_all(bytes)?;
        file.sync_all()
    };
    write().map_err(Error::file(path))
}
