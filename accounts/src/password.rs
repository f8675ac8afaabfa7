//! Password hashing with argon2id, always on a blocking thread: a hash takes
//! tens of milliseconds of CPU, which would stall every request sharing the
//! async executor. Hashes take turns on half the cores at most
//! ([`hashing`]): a flood of log-ins queues instead of taking hundreds of
//! blocking threads and 19 MiB of memory each, and the rest of the server
//! (functions, `/healthz`) keeps the other half.

use std::sync::OnceLock;

use tokio::sync::{Semaphore, SemaphorePermit};

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::AccountError;

/// An argon2id hash in PHC string form. Not `Serialize`, and hidden from
/// `Debug`, so that it cannot leak through an API answer or a log line.
#[derive(Clone)]
pub struct PasswordHash(String);

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(<hidden>)")
    }
}

impl PasswordHash {
    /// Wraps a PHC string read from the database.
    pub fn from_stored(phc: String) -> Self {
        Self(phc)
    }

    /// The PHC string, for storing.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Hashes `password` with a fresh random salt.
    pub async fn new(password: &str) -> Result<Self, AccountError> {
        let password = password.to_owned();
        let _turn = hashing().await?;
        tokio::task::spawn_blocking(move || {
            Argon2::default()
                .hash_password(password.as_bytes())
                .map(|hash| Self(hash.to_string()))
                .map_err(|e| AccountError::Hashing(e.to_string()))
        })
        .await
        .map_err(|e| AccountError::Hashing(e.to_string()))?
    }

    /// Whether `password` matches this hash.
    pub async fn verify(&self, password: &str) -> Result<bool, AccountError> {
        let (hash, password) = (self.0.clone(), password.to_owned());
        let _turn = hashing().await?;
        tokio::task::spawn_blocking(move || {
            Argon2::default()
                .verify_password(password.as_bytes(), hash.as_str())
                .is_ok()
        })
        .await
        .map_err(|e| AccountError::Hashing(e.to_string()))
    }

    /// A hash of a random password, to verify against when a username does not
    /// exist, so that a wrong username takes as long as a wrong password.
    pub async fn decoy() -> Result<Self, AccountError> {
        static DECOY: OnceLock<PasswordHash> = OnceLock::new();
        if let Some(hash) = DECOY.get() {
            return Ok(hash.clone());
        }
        let hash = Self::new(&fnlab_db::random_hex(16)).await?;
        Ok(DECOY.get_or_init(|| hash).clone())
    }
}

/// A turn to hash: one per two cores (at least one), held until the hash
/// is done.
async fn hashing() -> Result<SemaphorePermit<'static>, AccountError> {
    static TURNS: OnceLock<Semaphore> = OnceLock::new();
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    TURNS
        .get_or_init(|| Semaphore::new((cores / 2).max(1)))
        .acquire()
        .await
        .map_err(|e| AccountError::Hashing(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hash = PasswordHash::new("correct horse battery").await.unwrap();
        assert!(hash.as_str().starts_with("$argon2id$"));
        assert!(hash.verify("correct horse battery").await.unwrap());
        assert!(!hash.verify("correct horse battery!").await.unwrap());
        assert_eq!(format!("{hash:?}"), "PasswordHash(<hidden>)");
    }

    #[tokio::test]
    async fn the_same_password_hashes_differently_each_time() {
        let a = PasswordHash::new("same password").await.unwrap();
        let b = PasswordHash::new("same password").await.unwrap();
        assert_ne!(a.as_str(), b.as_str());
    }
}
