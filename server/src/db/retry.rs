//! Writes that must outlive a database outage (a stream's start and end, its recording row):
//! each is retried with backoff while the database is unavailable, for up to a configured time,
//! and the writes of one key (a stream) are applied in the order they were submitted, without
//! holding up the writes of other keys.
//!
//! Only unavailability is retried ([`DbError::is_unavailable`]): a write the database refuses
//! (a constraint, a bug) would be refused again, so it is logged and dropped at once.

use super::{Db, DbConnection, DbError};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{error, info, warn};

/// How long and how often a write is retried.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// The wait after the first failure; it doubles after each failure, up to `max_delay`.
    pub first_delay: Duration,
    pub max_delay: Duration,
    /// No attempt starts later than this after the first failure (zero: a single attempt).
    pub give_up_after: Duration,
    /// While a write keeps failing, one warning per this much time (the first failure is always
    /// logged).
    pub report_every: Duration,
}

impl RetryPolicy {
    /// Retries for up to `minutes`, 250 ms after the first failure, then at most every 5 s.
    pub fn for_minutes(minutes: u64) -> Self {
        Self {
            first_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(5),
            give_up_after: Duration::from_secs(minutes * 60),
            report_every: Duration::from_secs(60),
        }
    }
}

/// What became of a write when [`OrderedWrites::write`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// Applied.
    Applied,
    /// Queued: retried in the background (the database is away, or an earlier write of the same
    /// key is still waiting for it).
    Queued,
    /// Refused by the database for a reason retrying cannot change; logged.
    Failed,
}

/// One write, called once per attempt.
type Write<T> = dyn Fn(&mut DbConnection) -> Result<T, DbError> + Send + Sync;

/// Database writes retried through outages, in order per key. Cheap to clone.
#[derive(Clone)]
pub struct OrderedWrites {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    policy: RetryPolicy,
    /// The last write submitted for each key, while it is not done: the next one waits for it.
    tails: Mutex<HashMap<String, JoinHandle<()>>>,
    tasks: TaskTracker,
    /// Ends every retry (at shutdown, once the grace period is over).
    stop: CancellationToken,
    /// Set by a write that found the database away, cleared by one that succeeded: meanwhile
    /// callers do not wait for a first attempt (each would wait out the connect timeout).
    outage: AtomicBool,
}

impl OrderedWrites {
    pub fn new(db: Db, policy: RetryPolicy) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                policy,
                tails: Mutex::new(HashMap::new()),
                tasks: TaskTracker::new(),
                stop: CancellationToken::new(),
                outage: AtomicBool::new(false),
            }),
        }
    }

    /// [`Self::write_then`] with nothing to do after.
    pub async fn write<T, F>(&self, key: &str, what: &'static str, write: F) -> Written
    where
        T: Send + 'static,
        F: Fn(&mut DbConnection) -> Result<T, DbError> + Send + Sync + 'static,
    {
        self.write_then(key, what, write, |_| {}).await
    }

    /// Applies `write` after every earlier write of `key`, retrying while the database is
    /// unavailable, then calls `then` with its result. `write` is called once per attempt, so it
    /// must be repeatable (one transaction, or idempotent). Returns once the write is applied
    /// (and `then` has run) or failed, or as soon as it has to wait: behind an earlier write of
    /// `key` that is still retrying, or for the database to come back; `then` runs whenever the
    /// write is applied. `what` names the write in logs ("record the stream end").
    pub async fn write_then<T, F, A>(
        &self,
        key: &str,
        what: &'static str,
        write: F,
        then: A,
    ) -> Written
    where
        T: Send + 'static,
        F: Fn(&mut DbConnection) -> Result<T, DbError> + Send + Sync + 'static,
        A: FnOnce(T) + Send + 'static,
    {
        let (first, first_outcome) = oneshot::channel();
        let wait = {
            let mut tails = self.inner.tails.lock().unwrap_or_else(|p| p.into_inner());
            tails.retain(|_, task| !task.is_finished());
            let earlier = tails.remove(key);
            let wait = earlier.is_none() && !self.inner.outage.load(Ordering::Relaxed);
            let inner = self.inner.clone();
            let key_owned = key.to_owned();
            let task = self.inner.tasks.spawn(async move {
                if let Some(earlier) = earlier {
                    let _ = earlier.await;
                }
                inner
                    .apply(&key_owned, what, Arc::new(write), then, first)
                    .await;
            });
            tails.insert(key.to_owned(), task);
            wait
        };
        if wait {
            first_outcome.await.unwrap_or(Written::Queued)
        } else {
            Written::Queued
        }
    }

    /// Waits for every write submitted so far, for at most `grace`; then stops retrying the
    /// ones left. Returns how many writes were left unapplied.
    pub async fn finish(&self, grace: Duration) -> usize {
        let tasks = &self.inner.tasks;
        tasks.close();
        if tokio::time::timeout(grace, tasks.wait()).await.is_ok() {
            return 0;
        }
        let left = tasks.len();
        self.inner.stop.cancel();
        tasks.wait().await;
        left
    }
}

impl Inner {
    /// Attempts `write` until it is applied (then runs `then`), refused, out of time or
    /// stopped; reports the first attempt's outcome on `first`.
    async fn apply<T: Send + 'static>(
        &self,
        key: &str,
        what: &'static str,
        write: Arc<Write<T>>,
        then: impl FnOnce(T),
        first: oneshot::Sender<Written>,
    ) {
        let mut first = Some(first);
        let mut report = |outcome| {
            if let Some(first) = first.take() {
                let _ = first.send(outcome);
            }
        };
        let mut attempts = 0u32;
        let mut failing_since: Option<Instant> = None;
        let mut reported = Instant::now();
        let mut delay = self.policy.first_delay;
        loop {
            attempts += 1;
            let attempt = write.clone();
            let result = tokio::select! {
                result = self.db.run(move |conn| attempt(conn)) => result,
                () = self.stop.cancelled() => {
                    report(Written::Queued);
                    warn!(key, write = what, attempts, "shutting down: a database write was not applied");
                    return;
                }
            };
            let error = match result {
                Ok(value) => {
                    self.outage.store(false, Ordering::Relaxed);
                    if let Some(since) = failing_since {
                        info!(key, write = what, attempts, after = ?since.elapsed(), "database write applied once the database was back");
                    }
                    then(value);
                    report(Written::Applied);
                    return;
                }
                Err(e) if !e.is_unavailable() => {
                    report(Written::Failed);
                    error!(key, write = what, attempts, error = %e, "database write failed");
                    return;
                }
                Err(e) => e,
            };
            self.outage.store(true, Ordering::Relaxed);
            report(Written::Queued);
            let now = Instant::now();
            let since = *failing_since.get_or_insert(now);
            if now.duration_since(since) >= self.policy.give_up_after {
                error!(key, write = what, attempts, error = %error, "database still unavailable: gave up a write");
                return;
            }
            if attempts == 1 {
                warn!(key, write = what, error = %error, "database unavailable: the write is retried until it is back");
            } else if now.duration_since(reported) >= self.policy.report_every {
                reported = now;
                warn!(key, write = what, attempts, failing_for = ?now.duration_since(since), error = %error, "database still unavailable: still retrying a write");
            }
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = self.stop.cancelled() => {
                    warn!(key, write = what, attempts, "shutting down: a database write was not applied");
                    return;
                }
            }
            delay = (delay * 2).min(self.policy.max_delay);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::{DatabaseErrorKind, Error};
    use std::sync::atomic::AtomicU32;

    fn policy(give_up_after: Duration) -> RetryPolicy {
        RetryPolicy {
            first_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
            give_up_after,
            report_every: Duration::from_secs(60),
        }
    }

    fn lost() -> DbError {
        DbError::Query(Error::DatabaseError(
            DatabaseErrorKind::ClosedConnection,
            Box::new("server closed the connection".to_owned()),
        ))
    }

    async fn database() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let db = tokio::task::spawn_blocking(move || Db::connect(&url, 2, Duration::from_secs(2)))
            .await
            .expect("task")
            .expect("connects");
        (dir, db)
    }

    /// A write that fails as unavailable until `open` is set, recording each success in `log`.
    fn gated(
        open: &Arc<AtomicBool>,
        log: &Arc<Mutex<Vec<&'static str>>>,
        name: &'static str,
    ) -> impl Fn(&mut DbConnection) -> Result<(), DbError> + Send + Sync + 'static {
        let (open, log) = (open.clone(), log.clone());
        move |_| {
            if !open.load(Ordering::SeqCst) {
                return Err(lost());
            }
            log.lock().expect("log").push(name);
            Ok(())
        }
    }

    async fn until(what: &str, mut condition: impl FnMut() -> bool) {
        for _ in 0..1000 {
            if condition() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("{what}");
    }

    #[tokio::test]
    async fn writes_wait_out_an_outage_in_order_per_key_without_holding_up_other_keys() {
        let (_dir, db) = database().await;
        let writes = OrderedWrites::new(db, policy(Duration::from_secs(60)));
        let open = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let always = Arc::new(AtomicBool::new(true));

        let started = writes
            .write("a", "start", gated(&open, &log, "a-start"))
            .await;
        assert_eq!(started, Written::Queued, "the database is away");
        let ended = writes
            .write("a", "end", gated(&always, &log, "a-end"))
            .await;
        assert_eq!(
            ended,
            Written::Queued,
            "behind the start of the same stream"
        );
        writes
            .write("b", "start", gated(&always, &log, "b-start"))
            .await;
        until("another stream's write is applied", || {
            log.lock().expect("log").contains(&"b-start")
        })
        .await;
        assert!(
            !log.lock().expect("log").contains(&"a-end"),
            "an end never overtakes its start"
        );

        open.store(true, Ordering::SeqCst);
        assert_eq!(writes.finish(Duration::from_secs(10)).await, 0);
        assert_eq!(*log.lock().expect("log"), ["b-start", "a-start", "a-end"]);
    }

    #[tokio::test]
    async fn what_follows_a_write_runs_with_its_result_also_after_an_outage() {
        let (_dir, db) = database().await;
        let writes = OrderedWrites::new(db, policy(Duration::from_secs(60)));
        let open = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (gate, after) = (open.clone(), seen.clone());
        let written = writes
            .write_then(
                "a",
                "count",
                move |_| {
                    if gate.load(Ordering::SeqCst) {
                        Ok(7)
                    } else {
                        Err(lost())
                    }
                },
                move |n| after.lock().expect("seen").push(n),
            )
            .await;
        assert_eq!(written, Written::Queued);
        assert!(seen.lock().expect("seen").is_empty());
        open.store(true, Ordering::SeqCst);
        assert_eq!(writes.finish(Duration::from_secs(10)).await, 0);
        assert_eq!(*seen.lock().expect("seen"), [7]);
    }

    #[tokio::test]
    async fn a_write_applied_at_once_is_reported_applied() {
        let (_dir, db) = database().await;
        let writes = OrderedWrites::new(db, policy(Duration::from_secs(60)));
        let written = writes
            .write("a", "select", |conn| {
                use diesel::connection::SimpleConnection;
                Ok(conn.batch_execute("SELECT 1")?)
            })
            .await;
        assert_eq!(written, Written::Applied);
    }

    #[tokio::test]
    async fn a_refused_write_is_not_retried() {
        let (_dir, db) = database().await;
        let writes = OrderedWrites::new(db, policy(Duration::from_secs(60)));
        let attempts = Arc::new(AtomicU32::new(0));
        let counted = attempts.clone();
        let written = writes
            .write("a", "bad", move |conn| {
                counted.fetch_add(1, Ordering::SeqCst);
                use diesel::connection::SimpleConnection;
                Ok(conn.batch_execute("SELECT * FROM no_such_table")?)
            })
            .await;
        assert_eq!(written, Written::Failed);
        assert_eq!(writes.finish(Duration::from_secs(10)).await, 0);
        assert_eq!(attempts.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn retrying_stops_after_the_policy_time_and_at_shutdown() {
        let (_dir, db) = database().await;
        let writes = OrderedWrites::new(db.clone(), policy(Duration::from_millis(50)));
        let never = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        writes.write("a", "x", gated(&never, &log, "x")).await;
        assert_eq!(
            writes.finish(Duration::from_secs(10)).await,
            0,
            "given up within the grace period"
        );

        let writes = OrderedWrites::new(db, policy(Duration::from_secs(3600)));
        writes.write("a", "y", gated(&never, &log, "y")).await;
        assert_eq!(
            writes.finish(Duration::from_millis(100)).await,
            1,
            "stopped at the end of the grace period"
        );
        assert!(log.lock().expect("log").is_empty());
    }
}
