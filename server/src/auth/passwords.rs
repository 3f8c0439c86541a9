//! Password hashing (argon2id) and strength rules.

use crate::errors::ApiError;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Password work (argon2 hashes of about 19 MiB each, zxcvbn strength checks) is CPU- and
/// memory-heavy: it runs on the blocking thread pool, a bounded number at a time, so neither a
/// flood of logins nor long passwords can stall the async workers or exhaust memory.
#[derive(Clone)]
pub struct PasswordWork {
    permits: Arc<Semaphore>,
    /// How long a request waits for its turn before it is told the server is busy.
    wait: Duration,
}

/// Password work had to wait too long for its turn.
#[derive(Debug, thiserror::Error)]
#[error("too much password work is queued")]
pub struct Busy;

impl From<Busy> for ApiError {
    fn from(_: Busy) -> Self {
        tracing::warn!("password work queue full; a request was turned away");
        Self::Unavailable
    }
}

impl PasswordWork {
    pub fn new(at_once: usize, wait: Duration) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(at_once.max(1))),
            wait,
        }
    }

    /// Runs `work` on the blocking pool once a slot is free.
    pub async fn run<T, F>(&self, work: F) -> Result<T, Busy>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| Busy)?
            .map_err(|_| Busy)?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(|_| Busy)
    }
}

/// Minimum length; zxcvbn then judges the rest.
pub const MIN_PASSWORD_LEN: usize = 10;
const MAX_PASSWORD_LEN: usize = 256;

/// Why a password is refused, as a user-facing sentence, or `None` if it is acceptable.
pub fn check_strength(password: &str, username: &str) -> Option<String> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Some(format!("must be at least {MIN_PASSWORD_LEN} characters"));
    }
    if len > MAX_PASSWORD_LEN {
        return Some(format!("must be at most {MAX_PASSWORD_LEN} characters"));
    }
    match zxcvbn::zxcvbn(password, &[username]).score() {
        zxcvbn::Score::Three | zxcvbn::Score::Four => None,
        _ => Some("is too easy to guess; use a longer passphrase or more varied characters".into()),
    }
}

/// An argon2id PHC string for `password`.
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Whether `password` matches the stored hash (false for malformed hashes).
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn password_work_runs_a_bounded_number_at_once() {
        let work = PasswordWork::new(2, Duration::from_secs(30));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let jobs: Vec<_> = (0..8)
            .map(|_| {
                let (work, running, most) = (work.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    work.run(move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        hash_password("a password to hash for the test").expect("hash");
                        running.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await
                })
            })
            .collect();
        for job in jobs {
            job.await.expect("joins").expect("ran");
        }
        assert_eq!(
            most.load(Ordering::SeqCst),
            2,
            "never more than two at once, and two did run together"
        );
        let busy = PasswordWork::new(1, Duration::from_millis(50));
        let (hold_tx, hold_rx) = std::sync::mpsc::channel::<()>();
        let holder = {
            let busy = busy.clone();
            tokio::spawn(async move { busy.run(move || hold_rx.recv()).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(busy.run(|| ()).await.is_err(), "a full queue answers Busy");
        hold_tx.send(()).expect("release");
        holder
            .await
            .expect("joins")
            .expect("ran")
            .expect("received");
    }

    #[test]
    fn hashes_verify_and_weak_passwords_are_refused() {
        let hash = hash_password("correct horse battery staple").expect("hash");
        assert!(verify_password("correct horse battery staple", &hash));
        assert!(!verify_password("wrong", &hash));
        assert!(!verify_password("x", "not a hash"));
        assert!(check_strength("short", "alice").is_some());
        assert!(check_strength("password123", "alice").is_some());
        assert!(check_strength("alice-alice-alice", "alice").is_some());
        assert!(check_strength("Tr4vel-Lamp-Quartz-91", "alice").is_none());
    }
}
