//! Native code compiled from components, cached on local disk so that a
//! restart does not compile everything again. Files are named by the
//! component's SHA-256 and the engine's compatibility hash, written
//! atomically, and carry a checksum: a damaged file is recompiled, never
//! trusted.
//!
//! The cache is bounded ([`DiskCache::sweep`]): a file's modification
//! time is when it was last used (a reload from disk, or a sweep that
//! finds its program in memory, sets it), and a sweep removes the native
//! code of components no longer referenced, unused for [`MAX_IDLE`], or
//! of another engine (an older wasmtime), then the least recently used
//! until the cache fits its size. Each node sweeps its own directory;
//! losing a file only costs a compilation.

#![allow(unsafe_code)] // `Component::deserialize`, justified below.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// The on-disk cache of one engine configuration.
pub(crate) struct DiskCache {
    dir: PathBuf,
    engine_key: String,
}

/// Length of the SHA-256 checksum that ends every cache file.
const CHECKSUM_LEN: usize = 32;

/// Native code unused for this long is removed, even of a component still
/// referenced (a function nobody calls).
pub(crate) const MAX_IDLE: Duration = Duration::from_secs(30 * 24 * 3600);

/// A file still being written (`*.tmp<pid>`) older than this was left by a
/// process that died; it is removed.
const ABANDONED_AFTER: Duration = Duration::from_secs(3600);

/// What one sweep of the code cache did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheSweep {
    /// Files removed.
    pub removed: u64,
    /// Their bytes.
    pub freed_bytes: u64,
    /// Bytes of native code left.
    pub kept_bytes: u64,
}

/// A cache file as a sweep sees it.
struct Entry {
    path: PathBuf,
    bytes: u64,
    used: SystemTime,
}

impl DiskCache {
    /// Opens (creating) the cache directory for `engine`'s settings.
    pub(crate) fn open(dir: &Path, engine: &Engine) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        Ok(Self {
            dir: dir.to_owned(),
            engine_key: format!("{:016x}", hasher.finish()),
        })
    }

    fn path(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{sha256}-{}.cwasm", self.engine_key))
    }

    /// The cached native code of component `sha256`, if present and intact.
    pub(crate) fn load(&self, engine: &Engine, sha256: &str) -> Option<Component> {
        let path = self.path(sha256);
        let file = std::fs::read(&path).ok()?;
        let Some(split) = file.len().checked_sub(CHECKSUM_LEN) else {
            return self.discard(&path, "too short");
        };
        let (code, checksum) = file.split_at(split);
        if Sha256::digest(code).as_slice() != checksum {
            return self.discard(&path, "checksum mismatch");
        }
        // SAFETY: `deserialize` trusts its input to be native code produced
        // by `Component::serialize` of a compatible engine. This file was
        // written by `store` below from this engine's own `serialize`
        // output (the engine's compatibility hash is in the name), renamed
        // into place only once complete, and its checksum has just been
        // verified, so its bytes are exactly what this engine produced. The
        // cache directory belongs to Fnlab (inside FNLAB_DATA); anyone able
        // to write there could replace the binary itself.
        match unsafe { Component::deserialize(engine, code) } {
            Ok(component) => {
                mark_used(&path);
                Some(component)
            }
            Err(e) => self.discard(&path, &format!("{e:#}")),
        }
    }

    fn discard(&self, path: &Path, why: &str) -> Option<Component> {
        tracing::warn!(path = %path.display(), why, "damaged code cache file; recompiling");
        let _ = std::fs::remove_file(path);
        None
    }

    /// Caches the native code of `component`. Failures are logged: the
    /// cache only saves time.
    pub(crate) fn store(&self, sha256: &str, component: &Component) {
        let result = component
            .serialize()
            .map_err(io::Error::other)
            .and_then(|mut code| {
                let checksum = Sha256::digest(&code);
                code.extend_from_slice(&checksum);
                let path = self.path(sha256);
                let temp = path.with_extension(format!("tmp{}", std::process::id()));
                std::fs::write(&temp, &code)?;
                std::fs::rename(&temp, &path)
            });
        if let Err(e) = result {
            tracing::warn!(sha256, error = %e, "cannot cache compiled code");
        }
    }

    /// Removes the native code of components not in `referenced`, unused
    /// for [`MAX_IDLE`] (those `in_memory` are in use now), of another
    /// engine, and abandoned temporary files; then the least recently used
    /// until at most `max_bytes` are left. Files it does not recognize are
    /// left alone.
    pub(crate) fn sweep(
        &self,
        referenced: &HashSet<String>,
        in_memory: &HashSet<String>,
        max_bytes: u64,
    ) -> io::Result<CacheSweep> {
        let now = SystemTime::now();
        let idle = |time: SystemTime| now.duration_since(time).unwrap_or_default();
        let mut sweep = CacheSweep::default();
        let mut kept = Vec::new();
        for entry in std::fs::read_dir(&self.dir)? {
            let entry = entry?;
            let meta = entry.metadata()?;
            let name = entry.file_name();
            let Some(name) = name.to_str().filter(|_| meta.is_file()) else {
                continue;
            };
            let modified = meta.modified()?;
            let path = entry.path();
            let remove = match parse_name(name) {
                Some(CacheFile::Code { sha256, engine_key }) if engine_key == self.engine_key => {
                    let used = if in_memory.contains(sha256) {
                        mark_used(&path);
                        now
                    } else {
                        modified
                    };
                    let stale = !referenced.contains(sha256) || idle(used) > MAX_IDLE;
                    if !stale {
                        kept.push(Entry {
                            path: path.clone(),
                            bytes: meta.len(),
                            used,
                        });
                    }
                    stale
                }
                Some(CacheFile::Code { .. }) => true,
                Some(CacheFile::Partial) => idle(modified) > ABANDONED_AFTER,
                None => false,
            };
            if remove {
                sweep.remove(&path, meta.len());
            }
        }
        kept.sort_by_key(|entry| entry.used);
        let mut total: u64 = kept.iter().map(|entry| entry.bytes).sum();
        for entry in kept {
            if total <= max_bytes {
                break;
            }
            total -= entry.bytes;
            sweep.remove(&entry.path, entry.bytes);
        }
        sweep.kept_bytes = total;
        Ok(sweep)
    }
}

impl CacheSweep {
    fn remove(&mut self, path: &Path, bytes: u64) {
        match std::fs::remove_file(path) {
            Ok(()) => {
                self.removed += 1;
                self.freed_bytes += bytes;
            }
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot remove a code cache file")
            }
        }
    }
}

/// What a file in the cache directory is, by its name.
enum CacheFile<'a> {
    /// Native code: `<sha256>-<engine key>.cwasm`.
    Code {
        sha256: &'a str,
        engine_key: &'a str,
    },
    /// Native code being written: `<sha256>-<engine key>.tmp<pid>`.
    Partial,
}

fn parse_name(name: &str) -> Option<CacheFile<'_>> {
    let (stem, extension) = name.rsplit_once('.')?;
    let (sha256, engine_key) = stem.split_once('-')?;
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    match extension {
        "cwasm" => Some(CacheFile::Code { sha256, engine_key }),
        tmp if tmp.starts_with("tmp") => Some(CacheFile::Partial),
        _ => None,
    }
}

/// Records that the file at `path` was used now (its modification time is
/// its last use). Failing only makes it look older.
fn mark_used(path: &Path) {
    let touched = std::fs::File::options()
        .write(true)
        .open(path)
        .and_then(|file| file.set_modified(SystemTime::now()));
    if let Err(e) = touched {
        tracing::debug!(path = %path.display(), error = %e, "cannot mark a code cache file used");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `bytes` bytes to `name` in `dir`, last used `age` ago.
    fn file(dir: &Path, name: &str, bytes: usize, age: Duration) {
        let path = dir.join(name);
        std::fs::write(&path, vec![0u8; bytes]).unwrap();
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(SystemTime::now() - age).unwrap();
    }

    fn sha(c: char) -> String {
        c.to_string().repeat(64)
    }

    #[test]
    fn a_sweep_keeps_referenced_recent_code_within_the_size() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(dir.path(), &Engine::default()).unwrap();
        let key = cache.engine_key.clone();
        let minute = Duration::from_secs(60);
        let code = |c: char| format!("{}-{key}.cwasm", sha(c));
        file(dir.path(), &code('a'), 100, minute);
        file(dir.path(), &code('b'), 100, minute);
        file(
            dir.path(),
            &format!("{}-0123456789abcdef.cwasm", sha('a')),
            100,
            minute,
        );
        file(
            dir.path(),
            &format!("{}-{key}.tmp7", sha('c')),
            100,
            2 * ABANDONED_AFTER,
        );
        file(dir.path(), &format!("{}-{key}.tmp8", sha('d')), 100, minute);
        file(dir.path(), &code('e'), 100, MAX_IDLE + minute);
        file(dir.path(), "notes.txt", 100, MAX_IDLE + minute);
        // The oldest of these goes for the size, unless it is in memory.
        file(dir.path(), &code('f'), 100, 3 * minute);
        file(dir.path(), &code('1'), 100, 2 * minute);
        file(dir.path(), &code('2'), 100, 9 * minute);

        let referenced: HashSet<String> = "aef12".chars().map(sha).collect();
        let in_memory: HashSet<String> = [sha('2'), sha('b')].into();
        let sweep = cache.sweep(&referenced, &in_memory, 300).unwrap();

        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        let mut expected = vec![
            code('1'),
            code('2'),
            code('a'),
            format!("{}-{key}.tmp8", sha('d')),
            "notes.txt".to_owned(),
        ];
        expected.sort();
        assert_eq!(left, expected);
        assert_eq!(
            sweep,
            CacheSweep {
                removed: 5,
                freed_bytes: 500,
                kept_bytes: 300,
            }
        );
    }
}
