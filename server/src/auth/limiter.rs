//! A sliding-window rate limiter (login attempts, registrations, chat messages). In one process
//! it lives in memory, bounded in size: at most `MAX_TRACKED` keys, the least recently active
//! evicted first. With several nodes it lives in Redis (one sorted set of attempt times per key,
//! expiring with the window), so that a limit holds across nodes; while Redis is away each node
//! falls back to its own memory.

use futures_util::future::BoxFuture;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const MAX_TRACKED: usize = 10_000;

/// A window shared by several nodes (the cluster's Redis), so that a limit holds across them.
pub trait SharedWindow: Send + Sync {
    /// Records an attempt of `key` in limiter `name` unless it already has `limit` within
    /// `window`: `Ok(true)` if recorded. An error makes this node's own memory apply.
    fn allow<'a>(
        &'a self,
        name: &'a str,
        key: &'a str,
        window: Duration,
        limit: usize,
    ) -> BoxFuture<'a, Result<bool, String>>;
}

/// Allows `limit` attempts per `window` for each key (a client address, a user).
pub struct RateLimiter {
    limit: usize,
    window: Duration,
    attempts: Mutex<HashMap<String, VecDeque<Instant>>>,
    /// The cluster's shared window, and this limiter's name in it.
    shared: Option<(Arc<dyn SharedWindow>, &'static str)>,
}

impl RateLimiter {
    pub fn new(limit: usize, window: Duration) -> Self {
        Self {
            limit: limit.max(1),
            window,
            attempts: Mutex::default(),
            shared: None,
        }
    }

    /// The same limits, held across the nodes that share `window` (`name` keeps limiters apart).
    pub fn across(mut self, window: Option<Arc<dyn SharedWindow>>, name: &'static str) -> Self {
        self.shared = window.map(|w| (w, name));
        self
    }

    /// Records an attempt; `false` if the key is over its limit.
    pub async fn allow(&self, key: &str) -> bool {
        let Some((shared, name)) = &self.shared else {
            return self.allow_here(key);
        };
        match shared.allow(name, key, self.window, self.limit).await {
            Ok(allowed) => allowed,
            Err(e) => {
                tracing::warn!(error = %e, limiter = name, "shared rate limit unavailable; this node's own applies");
                self.allow_here(key)
            }
        }
    }

    /// The in-memory limit of this process.
    fn allow_here(&self, key: &str) -> bool {
        let now = Instant::now();
        let mut attempts = self.attempts.lock().unwrap_or_else(|p| p.into_inner());
        if attempts.len() >= MAX_TRACKED && !attempts.contains_key(key) {
            attempts.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < self.window)
            });
            // Still full of active keys (someone rotating addresses): forget the tenth that was
            // active longest ago rather than grow.
            if attempts.len() >= MAX_TRACKED {
                let mut last: Vec<Instant> = attempts
                    .values()
                    .map(|times| times.back().copied().unwrap_or(now))
                    .collect();
                let cut = MAX_TRACKED / 10;
                let (_, threshold, _) = last.select_nth_unstable(cut);
                let threshold = *threshold;
                attempts.retain(|_, times| times.back().is_some_and(|t| *t > threshold));
            }
        }
        let times = attempts.entry(key.to_owned()).or_default();
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            times.pop_front();
        }
        if times.len() >= self.limit {
            return false;
        }
        times.push_back(now);
        true
    }

    /// How many keys are tracked now.
    pub fn tracked(&self) -> usize {
        self.attempts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_key() {
        let limiter = RateLimiter::new(2, Duration::from_secs(60));
        assert!(limiter.allow_here("a") && limiter.allow_here("a"));
        assert!(!limiter.allow_here("a"));
        assert!(limiter.allow_here("b"));
    }

    #[test]
    fn memory_stays_bounded_when_every_key_is_new() {
        let limiter = RateLimiter::new(5, Duration::from_secs(3600));
        for i in 0..(3 * MAX_TRACKED) {
            assert!(limiter.allow_here(&format!("address-{i}")));
            assert!(
                limiter.tracked() <= MAX_TRACKED,
                "{} keys",
                limiter.tracked()
            );
        }
    }
}
