//! A small in-memory sliding-window rate limiter (login attempts, registrations, chat messages),
//! bounded in size: at most `MAX_TRACKED` keys, the least recently active evicted first.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const MAX_TRACKED: usize = 10_000;

/// Allows `limit` attempts per `window` for each key (a client address, a user).
pub struct RateLimiter {
    limit: usize,
    window: Duration,
    attempts: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl RateLimiter {
    pub fn new(limit: usize, window: Duration) -> Self {
        Self {
            limit: limit.max(1),
            window,
            attempts: Mutex::default(),
        }
    }

    /// Records an attempt; `false` if the key is over its limit.
    pub fn allow(&self, key: &str) -> bool {
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
        assert!(limiter.allow("a") && limiter.allow("a"));
        assert!(!limiter.allow("a"));
        assert!(limiter.allow("b"));
    }

    #[test]
    fn memory_stays_bounded_when_every_key_is_new() {
        let limiter = RateLimiter::new(5, Duration::from_secs(3600));
        for i in 0..(3 * MAX_TRACKED) {
            assert!(limiter.allow(&format!("address-{i}")));
            assert!(
                limiter.tracked() <= MAX_TRACKED,
                "{} keys",
                limiter.tracked()
            );
        }
    }
}
