//! A build root on disk, shared by this process's builds and possibly by
//! other server processes: its lock file, and writing files so that
//! unchanged ones keep their modification time.

use std::path::Path;

/// Takes `root`'s lock file (creating `root`), waiting for any other
/// process building there. The lock holds while the file is open.
pub(crate) async fn lock(root: &Path) -> std::io::Result<std::fs::File> {
    std::fs::create_dir_all(root)?;
    let file = std::fs::File::create(root.join(".lock"))?;
    tokio::task::spawn_blocking(move || file.lock().map(|()| file))
        .await
        .map_err(std::io::Error::other)?
}

/// Writes `contents` to `path` unless it already holds them (so its mtime,
/// which cargo's freshness checks read, stays put).
pub(crate) fn write_if_changed(path: &Path, contents: &str) -> std::io::Result<()> {
    if std::fs::read(path).is_ok_and(|current| current == contents.as_bytes()) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, contents)
}
