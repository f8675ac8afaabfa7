//! Native code compiled from components, cached on local disk so that a
//! restart does not compile everything again. Files are named by the
//! component's SHA-256 and the engine's compatibility hash, written
//! atomically, and carry a checksum: a damaged file is recompiled, never
//! trusted.

#![allow(unsafe_code)] // `Component::deserialize`, justified below.

use std::hash::{Hash, Hasher};
use std::io;
use std::path::{Path, PathBuf};

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
            Ok(component) => Some(component),
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
}
