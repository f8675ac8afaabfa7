//! Fnlab's functions: each belongs to one user, has a URL-safe name unique
//! for that user, immutable numbered versions, and one live version that
//! the gateway runs. Versions point at components stored once by their
//! SHA-256, so any server node can load any version from the database.
//!
//! No HTTP and no sandbox here: the use-case layer validates and compiles
//! a component with `fnlab-sandbox` before it hands the bytes to
//! [`Functions::add_version`]. Nor plans: the caller says how much a user
//! may store, and `storage` counts what they do and refuses what would
//! not fit.
//!
//! Without its default `store` feature the crate is only [`model`]: plain
//! data that the browser half of the UI shares (a [`Language`] is the same
//! enum from the database row to the page).
//!
//! With the `openapi` feature (the server's), the types the REST API
//! answers with also describe themselves for its OpenAPI document
//! (`utoipa::ToSchema`).
//!
//! # Layout
//! - [`model`]: what a function, a version, a language and the live
//!   version look like.
//! - `catalog`: creating, listing, deploying, rolling back and deleting.
//! - `drafts`: the source saved in the editor, and each version's source.
//! - `env`: each function's variables and sealed secrets, and the key
//!   that seals them.
//! - `sharing`: public functions and forks.
//! - `storage`: what a user's functions store, the quota check, and the
//!   collection of components nobody refers to.
//! - `test_events`: the JSON events each function's owner saved to invoke
//!   it with.

#![deny(missing_docs)]

#[cfg(feature = "store")]
pub mod catalog;
#[cfg(feature = "store")]
pub mod drafts;
#[cfg(feature = "store")]
pub mod env;
pub mod model;
#[cfg(feature = "store")]
pub mod sharing;
#[cfg(feature = "store")]
pub mod storage;
#[cfg(feature = "store")]
pub mod test_events;

pub use model::{
    CourseTie, Deployed, Draft, Environment, Forked, FunctionDetail, FunctionSummary, GuestEnv,
    Language, Limits, LiveFunction, SecretInfo, Shared, Source, UnknownLanguage, VersionInfo,
};

#[cfg(feature = "store")]
pub use catalog::NewVersion;
#[cfg(feature = "store")]
pub use env::{EnvChange, SecretsKey};
#[cfg(feature = "store")]
pub use sharing::{NewFork, SharedFunction};
#[cfg(feature = "store")]
pub use storage::{Collected, Growth, StorageQuota};
#[cfg(feature = "store")]
pub use store::*;
#[cfg(feature = "store")]
pub use test_events::TestEvent;

/// Longest function name (it is part of a public URL).
pub const NAME_LEN: std::ops::RangeInclusive<usize> = 1..=48;

/// Longest source a user may save or build, in bytes.
pub const MAX_SOURCE_BYTES: usize = 256 * 1024;

/// Where function URLs live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FunctionsOrigin {
    /// One origin for every user's functions, each under
    /// `{base}/fn/{user}/{name}/`: the dashboard's own origin, or a
    /// separate one such as `https://fn.example.org`.
    Shared {
        /// The origin, without a trailing slash.
        base: String,
    },
    /// An origin per user, `{scheme}://{user}.{domain}`, each function
    /// under `/{name}/`: set as `https://*.fn.example.org`.
    PerUser {
        /// `http` or `https`.
        scheme: String,
        /// The domain below which each user has a name (with any port).
        domain: String,
    },
}

impl FunctionsOrigin {
    /// Reads an origin: `https://*.fn.example.org` gives each user their
    /// own; anything else is shared.
    pub fn parse(url: &str) -> Self {
        let url = url.trim_end_matches('/');
        match url.split_once("://*.") {
            Some((scheme, domain)) => Self::PerUser {
                scheme: scheme.to_owned(),
                domain: domain.to_ascii_lowercase(),
            },
            None => Self::Shared {
                base: url.to_owned(),
            },
        }
    }

    /// The public URL of `username`'s function `name`.
    pub fn url(&self, username: &str, name: &str) -> String {
        match self {
            Self::Shared { base } => format!("{base}/fn/{username}/{name}/"),
            Self::PerUser { scheme, domain } => format!("{scheme}://{username}.{domain}/{name}/"),
        }
    }

    /// The user whose own origin `host` (a `Host` header) is, if any;
    /// ports are not compared.
    pub fn user_of_host<'h>(&self, host: &'h str) -> Option<&'h str> {
        let Self::PerUser { domain, .. } = self else {
            return None;
        };
        let (user, rest) = hostname(host).split_once('.')?;
        (rest.eq_ignore_ascii_case(hostname(domain)) && !user.is_empty()).then_some(user)
    }

    /// Whether `host` is this origin's own host (for a per-user origin,
    /// the bare domain); ports are not compared.
    pub fn is_host(&self, host: &str) -> bool {
        let own = match self {
            Self::Shared { base } => base.split_once("://").map_or(base.as_str(), |(_, b)| b),
            Self::PerUser { domain, .. } => domain,
        };
        hostname(host).eq_ignore_ascii_case(hostname(own))
    }
}

/// `host` without its port.
fn hostname(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

#[cfg(feature = "store")]
mod store {
    use fnlab_db::Pool;

    use crate::{Language, MAX_SOURCE_BYTES, NAME_LEN, Source};

    /// The functions service: a handle on the database, cheap to clone.
    #[derive(Clone)]
    pub struct Functions {
        pub(crate) pool: Pool,
    }

    impl Functions {
        /// Functions kept in `pool`.
        pub fn new(pool: Pool) -> Self {
            Self { pool }
        }
    }

    /// What can go wrong with a function.
    #[derive(Debug, thiserror::Error)]
    pub enum FunctionError {
        /// The name breaks the URL naming rule; the message says how.
        #[error("{0}")]
        InvalidName(String),
        /// The source is over [`MAX_SOURCE_BYTES`].
        #[error("the source is {} KiB; the limit is {} KiB", .0 >> 10, MAX_SOURCE_BYTES >> 10)]
        SourceTooLarge(usize),
        /// Limits outside what this server allows; the message says which.
        #[error("{0}")]
        InvalidLimits(String),
        /// Variables or secrets that break a rule; the message says which.
        #[error("{0}")]
        InvalidEnvironment(String),
        /// A test event that breaks a rule; the message says which.
        #[error("{0}")]
        InvalidTestEvent(String),
        /// A description over the length limit; the message says so.
        #[error("{0}")]
        InvalidDescription(String),
        /// No such function for this user (or not theirs).
        #[error("no such function")]
        NotFound,
        /// The function exists but has no such version.
        #[error("function {name} has no version {version}")]
        NoSuchVersion {
            /// The function.
            name: String,
            /// The version asked for.
            version: i64,
        },
        /// Storing this would take the user past their storage quota;
        /// nothing was stored.
        #[error("{what} ({adding} bytes) would take the storage to {} bytes, over the quota of {quota} bytes", .used + .adding)]
        OverQuota {
            /// What was refused, such as "this component".
            what: &'static str,
            /// Bytes the user stores now.
            used: i64,
            /// Bytes it would add.
            adding: i64,
            /// The quota, bytes.
            quota: i64,
        },
        /// The database failed.
        #[error("database: {0}")]
        Database(#[from] sqlx::Error),
    }

    /// Checks a function name against the URL naming rule (after lowercasing).
    pub fn validate_name(name: &str) -> Result<(), FunctionError> {
        fnlab_db::slug::check("a function name", name, NAME_LEN).map_err(FunctionError::InvalidName)
    }

    /// Checks source about to be saved or built: at most [`MAX_SOURCE_BYTES`].
    pub fn check_source(source: &Source) -> Result<(), FunctionError> {
        if source.source.len() > MAX_SOURCE_BYTES {
            return Err(FunctionError::SourceTooLarge(source.source.len()));
        }
        Ok(())
    }

    /// The SHA-256 of a component, hex encoded: its identity everywhere.
    pub fn sha256_hex(bytes: &[u8]) -> String {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(bytes))
    }

    /// A stored language name as a [`Language`]; a name no Fnlab wrote is a
    /// decoding error.
    pub(crate) fn decode_language(name: Option<String>) -> Result<Option<Language>, sqlx::Error> {
        name.map(|name| {
            name.parse()
                .map_err(|e: crate::UnknownLanguage| sqlx::Error::ColumnDecode {
                    index: "language".into(),
                    source: e.into(),
                })
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::FunctionsOrigin;

    #[test]
    fn a_wildcard_gives_each_user_an_origin() {
        let origin = FunctionsOrigin::parse("https://*.fn.example.org/");
        assert_eq!(
            origin.url("ann", "echo"),
            "https://ann.fn.example.org/echo/"
        );
        assert_eq!(origin.user_of_host("ann.fn.example.org"), Some("ann"));
        assert_eq!(origin.user_of_host("Ann.FN.example.org:443"), Some("Ann"));
        assert_eq!(origin.user_of_host("fn.example.org"), None);
        assert_eq!(origin.user_of_host("a.b.fn.example.org"), None);
        assert_eq!(origin.user_of_host("ann.fn.example.org.evil"), None);
        assert!(origin.is_host("fn.example.org:8080"));
        assert!(!origin.is_host("ann.fn.example.org"));
    }

    #[test]
    fn otherwise_functions_share_an_origin_by_path() {
        let origin = FunctionsOrigin::parse("http://127.0.0.1:3000/");
        assert_eq!(
            origin.url("ann", "echo"),
            "http://127.0.0.1:3000/fn/ann/echo/"
        );
        assert_eq!(origin.user_of_host("ann.127.0.0.1"), None);
        assert!(origin.is_host("127.0.0.1:3000"));
    }
}
