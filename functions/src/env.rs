//! A function's configuration: plain variables, shown back to their
//! owner, and secrets, sealed with the server's [`SecretsKey`] and never
//! shown back. Its guests see both as their environment variables.
//!
//! The key is not in the database: a copy of the database alone reveals
//! no secret. Each sealed value is bound to its function and name (the
//! AEAD's associated data), so a sealed value copied onto another row does
//! not open. Each row remembers which key sealed it, so that a server with
//! another key says so instead of failing to open it.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::{Environment, FunctionError, Functions, SecretInfo};

/// Most variables and secrets one function may have, together.
pub const MAX_ENTRIES: usize = 64;
/// Longest value, in bytes.
pub const MAX_VALUE_BYTES: usize = 5 * 1024;
/// Longest name, in bytes.
pub const MAX_NAME_BYTES: usize = 128;
/// Names Fnlab keeps for itself (`FNLAB_SOURCE` carries a script's source).
pub const RESERVED_PREFIX: &str = "FNLAB_";

/// Bytes of a key.
const KEY_BYTES: usize = 32;
/// Bytes of a nonce (XChaCha20: random nonces are safe at any volume).
const NONCE_BYTES: usize = 24;

/// The key that seals secrets, with a short public id derived from it.
#[derive(Clone)]
pub struct SecretsKey {
    cipher: XChaCha20Poly1305,
    id: String,
}

impl std::fmt::Debug for SecretsKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretsKey({})", self.id)
    }
}

impl SecretsKey {
    /// A key from 64 hexadecimal digits (as `FNLAB_SECRETS_KEY` gives it).
    pub fn from_hex(hex_key: &str) -> Result<Self, String> {
        let bytes = hex::decode(hex_key.trim())
            .ok()
            .filter(|bytes| bytes.len() == KEY_BYTES)
            .ok_or_else(|| {
                format!(
                    "a secrets key is {} hexadecimal digits (make one with `openssl rand -hex {KEY_BYTES}`)",
                    KEY_BYTES * 2
                )
            })?;
        Ok(Self::from_bytes(&bytes))
    }

    /// The key kept in the file `path`, created (readable by its owner
    /// only) with a new random key when there is none.
    pub fn load_or_create(path: &Path) -> Result<Self, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_hex(&text).map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let hex_key = fnlab_db::random_hex(KEY_BYTES);
                create_private(path, &hex_key)
                    .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
                tracing::info!(path = %path.display(), "created a new secrets key: back it up");
                Self::from_hex(&hex_key)
            }
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    }

    fn from_bytes(bytes: &[u8]) -> Self {
        let digest = Sha256::new()
            .chain_update(b"fnlab secrets key id\0")
            .chain_update(bytes)
            .finalize();
        Self {
            cipher: XChaCha20Poly1305::new_from_slice(bytes).expect("a 32-byte key"),
            id: hex::encode(&digest[..8]),
        }
    }

    /// The key's public id (stored with each secret it seals).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// `value` sealed for secret `name` of function `function_id`: nonce
    /// then ciphertext.
    fn seal(&self, function_id: i64, name: &str, value: &str) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_BYTES];
        getrandom::fill(&mut nonce).expect("the operating system's random source failed");
        let aad = associated_data(function_id, name);
        let sealed = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: value.as_bytes(),
                    aad: &aad,
                },
            )
            .expect("sealing a short value cannot fail");
        [nonce.as_slice(), &sealed].concat()
    }

    /// The value `seal` sealed, or `None` when it does not open with this
    /// key for this function and name.
    fn open(&self, function_id: i64, name: &str, sealed: &[u8]) -> Option<String> {
        if sealed.len() < NONCE_BYTES {
            return None;
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_BYTES);
        let aad = associated_data(function_id, name);
        let opened = self
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .ok()?;
        String::from_utf8(opened).ok()
    }
}

fn associated_data(function_id: i64, name: &str) -> Vec<u8> {
    format!("fnlab secret\0{function_id}\0{name}").into_bytes()
}

/// Writes `contents` to a new file that only its owner may read.
fn create_private(path: &Path, contents: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

/// A change to a function's configuration: each name set to a value, or
/// to `None` to remove it. A name set as a variable stops being a secret,
/// and the other way round.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvChange {
    /// Plain variables.
    pub vars: BTreeMap<String, Option<String>>,
    /// Secrets.
    pub secrets: BTreeMap<String, Option<String>>,
}

impl EnvChange {
    /// Why this change breaks a rule (before counting what the function
    /// already has).
    fn check(&self) -> Result<(), FunctionError> {
        let invalid = |message: String| Err(FunctionError::InvalidEnvironment(message));
        for (name, value) in self.vars.iter().chain(&self.secrets) {
            check_name(name).map_err(FunctionError::InvalidEnvironment)?;
            if let Some(value) = value {
                if value.len() > MAX_VALUE_BYTES {
                    return invalid(format!(
                        "the value of {name} is {} bytes; the limit is {MAX_VALUE_BYTES} bytes",
                        value.len()
                    ));
                }
                if value.contains('\0') {
                    return invalid(format!("the value of {name} contains a NUL character"));
                }
            }
        }
        if let Some(name) = self
            .vars
            .keys()
            .find(|name| self.secrets.contains_key(*name))
        {
            return invalid(format!(
                "{name} is given both as a variable and as a secret"
            ));
        }
        Ok(())
    }
}

/// Why `name` cannot name a variable, if it cannot.
pub fn check_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let well_formed = chars
        .next()
        .is_some_and(|first| first.is_ascii_uppercase() || first == '_')
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if !well_formed {
        return Err(format!(
            "{name:?} is not a valid name: use capital letters, digits and _, not starting with a digit (like API_KEY)"
        ));
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(format!("a name is at most {MAX_NAME_BYTES} characters"));
    }
    if name.starts_with(RESERVED_PREFIX) {
        return Err(format!(
            "names starting with {RESERVED_PREFIX} are Fnlab's own"
        ));
    }
    Ok(())
}

impl Functions {
    /// The configuration of `user_id`'s function `name`.
    pub async fn environment(
        &self,
        user_id: i64,
        name: &str,
        key: &SecretsKey,
    ) -> Result<Environment, FunctionError> {
        let function_id = self.id_of(user_id, name).await?;
        self.environment_of(function_id, key).await
    }

    /// Applies `change` to `user_id`'s function `name`, all of it or
    /// nothing, and returns its configuration then with its id.
    pub async fn change_environment(
        &self,
        user_id: i64,
        name: &str,
        change: &EnvChange,
        key: &SecretsKey,
    ) -> Result<(i64, Environment), FunctionError> {
        change.check()?;
        let function_id = self.id_of(user_id, name).await?;
        let now = fnlab_db::now_ms();
        let mut tx = self.pool.begin().await?;
        for (secret, entries) in [(false, &change.vars), (true, &change.secrets)] {
            for (entry, value) in entries {
                let Some(value) = value else {
                    sqlx::query("delete from function_env where function_id = $1 and name = $2")
                        .bind(function_id)
                        .bind(entry)
                        .execute(&mut *tx)
                        .await?;
                    continue;
                };
                let (plain, sealed, key_id) = if secret {
                    let sealed = key.seal(function_id, entry, value);
                    (None, Some(sealed), Some(key.id()))
                } else {
                    (Some(value.as_str()), None, None)
                };
                sqlx::query(
                    "insert into function_env (function_id, name, secret, value, sealed, key_id, updated_at) \
                     values ($1, $2, $3, $4, $5, $6, $7) \
                     on conflict (function_id, name) do update set secret = excluded.secret, \
                     value = excluded.value, sealed = excluded.sealed, key_id = excluded.key_id, \
                     updated_at = excluded.updated_at",
                )
                .bind(function_id)
                .bind(entry)
                .bind(i64::from(secret))
                .bind(plain)
                .bind(sealed)
                .bind(key_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
        }
        let count: i64 =
            sqlx::query_scalar("select count(*) from function_env where function_id = $1")
                .bind(function_id)
                .fetch_one(&mut *tx)
                .await?;
        if usize::try_from(count).unwrap_or(usize::MAX) > MAX_ENTRIES {
            return Err(FunctionError::InvalidEnvironment(format!(
                "a function has at most {MAX_ENTRIES} variables and secrets together; this would make {count}"
            )));
        }
        sqlx::query("update functions set updated_at = $1 where function_id = $2")
            .bind(now)
            .bind(function_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(user_id, name, "environment changed");
        Ok((function_id, self.environment_of(function_id, key).await?))
    }

    /// The variables and opened secrets of `function_id`, by name. A
    /// secret that does not open with `key` is left out (and logged).
    pub async fn opened_env(
        &self,
        function_id: i64,
        key: &SecretsKey,
    ) -> Result<Vec<(String, String)>, FunctionError> {
        let rows = self.env_rows(function_id).await?;
        let env = rows
            .into_iter()
            .filter_map(|row| match row.content {
                Content::Plain(value) => Some((row.name, value)),
                Content::Sealed { bytes, .. } => {
                    let value = key.open(function_id, &row.name, &bytes);
                    if value.is_none() {
                        tracing::warn!(function_id, secret = %row.name, key_id = key.id(),
                            "a secret does not open with this server's key: left out");
                    }
                    Some((row.name, value?))
                }
            })
            .collect();
        Ok(env)
    }

    /// How many secrets were sealed with another key than `key` (the key
    /// was lost, or nodes were given different keys).
    pub async fn secrets_under_other_keys(&self, key: &SecretsKey) -> Result<i64, FunctionError> {
        Ok(sqlx::query_scalar(
            "select count(*) from function_env where secret = 1 and key_id <> $1",
        )
        .bind(key.id())
        .fetch_one(&self.pool)
        .await?)
    }

    async fn environment_of(
        &self,
        function_id: i64,
        key: &SecretsKey,
    ) -> Result<Environment, FunctionError> {
        let mut environment = Environment::default();
        for row in self.env_rows(function_id).await? {
            match row.content {
                Content::Plain(value) => {
                    environment.vars.insert(row.name, value);
                }
                Content::Sealed { key_id, .. } => environment.secrets.push(SecretInfo {
                    name: row.name,
                    updated_at: row.updated_at,
                    readable: key_id == key.id(),
                }),
            }
        }
        Ok(environment)
    }

    async fn env_rows(&self, function_id: i64) -> Result<Vec<EnvRow>, FunctionError> {
        let rows = sqlx::query(
            "select name, secret, value, sealed, key_id, updated_at from function_env \
             where function_id = $1 order by name",
        )
        .bind(function_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                let secret: i64 = row.try_get(1)?;
                let content = if secret == 0 {
                    Content::Plain(row.try_get(2)?)
                } else {
                    Content::Sealed {
                        bytes: row.try_get(3)?,
                        key_id: row.try_get(4)?,
                    }
                };
                Ok(EnvRow {
                    name: row.try_get(0)?,
                    content,
                    updated_at: row.try_get(5)?,
                })
            })
            .collect()
    }

    /// The id of `user_id`'s function `name` ([`FunctionError::NotFound`]
    /// when they have none of that name).
    pub async fn id_of(&self, user_id: i64, name: &str) -> Result<i64, FunctionError> {
        sqlx::query_scalar("select function_id from functions where user_id = $1 and name = $2")
            .bind(user_id)
            .bind(name)
            .fetch_all(&self.pool)
            .await?
            .pop()
            .ok_or(FunctionError::NotFound)
    }
}

/// One stored variable or secret.
struct EnvRow {
    name: String,
    content: Content,
    updated_at: i64,
}

enum Content {
    Plain(String),
    Sealed { bytes: Vec<u8>, key_id: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SecretsKey {
        SecretsKey::from_bytes(&[byte; KEY_BYTES])
    }

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_function_and_name() {
        let sealed = key(1).seal(7, "API_KEY", "s3cret");
        assert!(!sealed.windows(6).any(|w| w == b"s3cret"));
        assert_eq!(
            key(1).open(7, "API_KEY", &sealed).as_deref(),
            Some("s3cret")
        );
        assert_eq!(key(2).open(7, "API_KEY", &sealed), None);
        assert_eq!(key(1).open(8, "API_KEY", &sealed), None);
        assert_eq!(key(1).open(7, "OTHER", &sealed), None);
        assert_eq!(key(1).open(7, "API_KEY", &sealed[..10]), None);
        assert_ne!(key(1).seal(7, "API_KEY", "s3cret"), sealed, "nonces differ");
    }

    #[test]
    fn keys_come_from_hex_or_a_private_file() {
        assert!(SecretsKey::from_hex("00ff").is_err());
        let hex_key = "ab".repeat(KEY_BYTES);
        assert_eq!(SecretsKey::from_hex(&hex_key).unwrap().id(), key(0xab).id());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.key");
        let created = SecretsKey::load_or_create(&path).unwrap();
        let again = SecretsKey::load_or_create(&path).unwrap();
        assert_eq!(created.id(), again.id());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "not a key").unwrap();
        let error = SecretsKey::load_or_create(&path).unwrap_err();
        assert!(error.contains("secrets.key"), "{error}");
    }

    #[test]
    fn names_follow_the_environment_rule() {
        for good in ["API_KEY", "_X", "A1"] {
            assert_eq!(check_name(good), Ok(()), "{good}");
        }
        for bad in ["", "1A", "api_key", "A-B", "FNLAB_SOURCE", &"A".repeat(129)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        let both = EnvChange {
            vars: [("X".to_owned(), Some("1".to_owned()))].into(),
            secrets: [("X".to_owned(), Some("2".to_owned()))].into(),
        };
        assert!(both.check().is_err());
        let long = EnvChange {
            vars: [("X".to_owned(), Some("v".repeat(MAX_VALUE_BYTES + 1)))].into(),
            ..EnvChange::default()
        };
        assert!(long.check().is_err());
    }
}
