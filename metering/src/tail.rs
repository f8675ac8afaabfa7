//! Invocations as they end, for live tails, from every node.
//!
//! Each node publishes its own invocations on an in-process broadcast the
//! moment the recorder receives them. On PostgreSQL the writer also
//! announces every batch it commits, with `NOTIFY` in the batch's own
//! transaction (so the announcement arrives only once the rows can be
//! read): which invocation ids of which functions. Every other node
//! listens, reads the rows of the functions somebody tails there, and
//! publishes them on its own broadcast. A tail on any node therefore sees
//! every node's invocations, a writer interval (250 ms) and one read
//! after they end.
//!
//! Publishing never waits: a follower that falls behind the broadcast's
//! capacity is told how many it missed ([`Tailed::Skipped`]) and goes on
//! with the newest, so a slow follower never slows a function down.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fnlab_db::Pool;
use sqlx::AnyConnection;
use sqlx::postgres::PgListener;
use tokio::sync::broadcast;

use crate::record::{COLUMNS, UsageRecord};

/// The channel committed batches are announced on.
const CHANNEL: &str = "fnlab_invocations";

/// How many invocations the broadcast keeps for followers that are behind.
/// Each keeps its logs (up to 64 KiB each of stdout and stderr), so this
/// bounds what tails hold to about 32 MiB.
const CAPACITY: usize = 256;

/// The most `function:id` pairs in one announcement (PostgreSQL caps a
/// payload at 8,000 bytes).
const PAIRS_PER_NOTICE: usize = 300;

/// This node's hub. Cheap to clone.
#[derive(Clone)]
pub struct Tails {
    inner: Arc<Inner>,
}

struct Inner {
    published: broadcast::Sender<Arc<UsageRecord>>,
    /// Which functions are followed here, and by how many followers: only
    /// their rows are read when another node announces a batch.
    followed: Mutex<HashMap<i64, usize>>,
    /// Tells this node's announcements from other nodes'.
    node: String,
}

impl Default for Tails {
    fn default() -> Self {
        Self {
            inner: Arc::new(Inner {
                published: broadcast::channel(CAPACITY).0,
                followed: Mutex::default(),
                node: fnlab_db::random_hex(8),
            }),
        }
    }
}

/// What a follower receives next.
#[derive(Debug, Clone)]
pub enum Tailed {
    /// An invocation of the followed function.
    Invocation(Arc<UsageRecord>),
    /// This many invocations (of any function) went by while the follower
    /// was behind.
    Skipped(u64),
}

/// One follower of one function; stops following when dropped.
pub struct Follower {
    tails: Tails,
    function_id: i64,
    received: broadcast::Receiver<Arc<UsageRecord>>,
}

impl Tails {
    /// Publishes an invocation that just ended on this node.
    pub fn publish(&self, record: &UsageRecord) {
        // Nobody follows anything most of the time: skip the copy then.
        if self.inner.published.receiver_count() > 0 {
            let _ = self.inner.published.send(Arc::new(record.clone()));
        }
    }

    /// Starts following the invocations of `function_id` that end from now on.
    pub fn follow(&self, function_id: i64) -> Follower {
        *self.followed().entry(function_id).or_default() += 1;
        Follower {
            tails: self.clone(),
            function_id,
            received: self.inner.published.subscribe(),
        }
    }

    fn followed(&self) -> std::sync::MutexGuard<'_, HashMap<i64, usize>> {
        self.inner
            .followed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Announces, inside the transaction on `conn` that stores them, the
    /// invocations `(function_id, invocation_id)` to the other nodes;
    /// nothing on SQLite, where one node has the database to itself.
    pub(crate) async fn announce(
        &self,
        conn: &mut AnyConnection,
        stored: &[(i64, i64)],
    ) -> Result<(), sqlx::Error> {
        if conn.backend_name() != "PostgreSQL" {
            return Ok(());
        }
        for chunk in stored.chunks(PAIRS_PER_NOTICE) {
            let mut payload = self.inner.node.clone();
            for (function_id, id) in chunk {
                let _ = write!(payload, " {function_id}:{id}");
            }
            sqlx::query("select pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(payload)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }

    /// When `pool` is PostgreSQL's, listens for other nodes' batches for
    /// as long as the process runs, and publishes the invocations of
    /// followed functions. Reconnects after errors.
    pub fn listen(&self, pool: Pool) {
        let url = pool.connect_options().database_url.to_string();
        if !url.starts_with("postgres") {
            return;
        }
        let tails = self.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = tails.relay(&url, &pool).await {
                    tracing::warn!(error = %e, "cannot follow other nodes' invocations; retrying");
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }

    async fn relay(&self, url: &str, pool: &Pool) -> Result<(), sqlx::Error> {
        let mut listener = PgListener::connect(url).await?;
        listener.listen(CHANNEL).await?;
        loop {
            let notice = listener.recv().await?;
            let ids = self.wanted(notice.payload());
            if ids.is_empty() {
                continue;
            }
            let list: Vec<String> = ids.iter().map(i64::to_string).collect();
            let sql = format!(
                "select {} from invocations where invocation_id in ({}) order by invocation_id",
                COLUMNS.join(", "),
                list.join(", ")
            );
            for row in sqlx::query(&sql).fetch_all(pool).await? {
                self.publish(&UsageRecord::from_row(&row, 0)?);
            }
        }
    }

    /// The invocation ids in another node's announcement `payload` whose
    /// function somebody follows here.
    fn wanted(&self, payload: &str) -> Vec<i64> {
        let mut parts = payload.split(' ');
        if parts.next() == Some(self.inner.node.as_str()) {
            return Vec::new();
        }
        let followed = self.followed();
        parts
            .filter_map(|pair| {
                let (function_id, id) = pair.split_once(':')?;
                let function_id: i64 = function_id.parse().ok()?;
                followed
                    .contains_key(&function_id)
                    .then(|| id.parse().ok())?
            })
            .collect()
    }
}

impl Follower {
    /// The next invocation of the followed function, or how many went by
    /// while this follower was behind.
    pub async fn next(&mut self) -> Tailed {
        loop {
            match self.received.recv().await {
                Ok(record) if record.function_id == self.function_id => {
                    return Tailed::Invocation(record);
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(missed)) => return Tailed::Skipped(missed),
                // The hub lives as long as the follower: never closed.
                Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
            }
        }
    }
}

impl Follower {
    /// Takes, without waiting, every invocation that arrived since the
    /// last call, and counts those of the followed function that `admits`
    /// accepts, plus any the follower was too far behind to see.
    pub fn count_waiting(&mut self, admits: impl Fn(&UsageRecord) -> bool) -> u64 {
        let mut count = 0;
        loop {
            match self.received.try_recv() {
                Ok(record) => {
                    if record.function_id == self.function_id && admits(&record) {
                        count += 1;
                    }
                }
                Err(broadcast::error::TryRecvError::Lagged(missed)) => count += missed,
                Err(_) => return count,
            }
        }
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        let mut followed = self.tails.followed();
        if let Some(count) = followed.get_mut(&self.function_id) {
            *count -= 1;
            if *count == 0 {
                followed.remove(&self.function_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announcements_are_read_for_followed_functions_of_other_nodes() {
        let tails = Tails::default();
        let follower = tails.follow(7);
        assert_eq!(tails.wanted("othernode 7:10 8:11 7:12 x:1 7"), vec![10, 12]);
        let own = format!("{} 7:10", tails.inner.node);
        assert!(tails.wanted(&own).is_empty());
        drop(follower);
        assert!(tails.wanted("othernode 7:10").is_empty());
    }
}
