//! Blocking HLS requests (a playlist reload with `_HLS_msn`, the hinted part) waiting at once.
//! Each is a task woken on every part of its rendition, so how many there are is what a client
//! can make the server hold and work for: they are bounded per connection (an HTTP/2
//! connection multiplexes any number of requests), per client address (an IPv6 /64 counts as
//! one) and per rendition (`hls.max_waiting_*`). Beyond a bound the request is answered 503
//! with `Retry-After` at once.

use crate::client_address::limit_key;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// The bounds, from `hls.max_waiting_per_connection`, `_per_address` and `_per_rendition`.
#[derive(Debug, Clone, Copy)]
pub struct WaitLimits {
    pub per_connection: usize,
    pub per_address: usize,
    pub per_rendition: usize,
}

/// One connection's waiting requests, attached to the connection when it opens.
#[derive(Clone, Default)]
pub struct ConnectionWaiters(Arc<AtomicUsize>);

/// Every waiting request of this server, by client address and by rendition.
pub struct Waiters {
    limits: WaitLimits,
    by_address: Mutex<HashMap<String, usize>>,
    by_rendition: Mutex<HashMap<String, usize>>,
    /// When a refusal was last logged: one line a second at most, however many are refused.
    logged: Mutex<Option<std::time::Instant>>,
}

/// Which bound a request would pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TooMany {
    Connection,
    Address,
    Rendition,
}

impl std::fmt::Display for TooMany {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Connection => "hls.max_waiting_per_connection",
            Self::Address => "hls.max_waiting_per_address",
            Self::Rendition => "hls.max_waiting_per_rendition",
        })
    }
}

/// A place among the waiting requests, given back when dropped (the request answered, or its
/// client gone).
pub struct Ticket<'a> {
    waiters: &'a Waiters,
    connection: Option<ConnectionWaiters>,
    address: String,
    rendition: String,
}

fn count_up(map: &Mutex<HashMap<String, usize>>, key: &str, limit: usize) -> bool {
    let mut map = map.lock().unwrap_or_else(PoisonError::into_inner);
    let count = map.entry(key.to_owned()).or_insert(0);
    if *count >= limit {
        if *count == 0 {
            map.remove(key);
        }
        return false;
    }
    *count += 1;
    true
}

fn count_down(map: &Mutex<HashMap<String, usize>>, key: &str) {
    let mut map = map.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(count) = map.get_mut(key) {
        *count -= 1;
        if *count == 0 {
            map.remove(key);
        }
    }
}

impl Waiters {
    pub fn new(limits: WaitLimits) -> Self {
        Self {
            limits,
            by_address: Mutex::default(),
            by_rendition: Mutex::default(),
            logged: Mutex::default(),
        }
    }

    /// Whether a refusal should be logged now (one a second at most).
    pub fn log_refusal(&self) -> bool {
        let mut logged = self.logged.lock().unwrap_or_else(PoisonError::into_inner);
        let due = logged.is_none_or(|at| at.elapsed() >= std::time::Duration::from_secs(1));
        if due {
            *logged = Some(std::time::Instant::now());
        }
        due
    }

    /// A place for one more request from `client` on `connection` waiting on `rendition` (a
    /// stream's rendition, named `<stream>/<rendition>`), or the bound it would pass.
    pub fn enter(
        &self,
        connection: Option<&ConnectionWaiters>,
        client: IpAddr,
        rendition: String,
    ) -> Result<Ticket<'_>, TooMany> {
        if let Some(ConnectionWaiters(count)) = connection {
            let taken = count.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.limits.per_connection).then_some(n + 1)
            });
            if taken.is_err() {
                return Err(TooMany::Connection);
            }
        }
        let release_connection = || {
            if let Some(ConnectionWaiters(count)) = connection {
                count.fetch_sub(1, Ordering::AcqRel);
            }
        };
        let address = limit_key(client);
        if !count_up(&self.by_address, &address, self.limits.per_address) {
            release_connection();
            return Err(TooMany::Address);
        }
        if !count_up(&self.by_rendition, &rendition, self.limits.per_rendition) {
            count_down(&self.by_address, &address);
            release_connection();
            return Err(TooMany::Rendition);
        }
        Ok(Ticket {
            waiters: self,
            connection: connection.cloned(),
            address,
            rendition,
        })
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        if let Some(ConnectionWaiters(count)) = &self.connection {
            count.fetch_sub(1, Ordering::AcqRel);
        }
        count_down(&self.waiters.by_address, &self.address);
        count_down(&self.waiters.by_rendition, &self.rendition);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bound_holds_and_places_come_back() {
        let waiters = Waiters::new(WaitLimits {
            per_connection: 2,
            per_address: 3,
            per_rendition: 4,
        });
        let one: IpAddr = "2001:db8::1".parse().expect("ip");
        let same_64: IpAddr = "2001:db8::ffff".parse().expect("ip");
        let other: IpAddr = "192.0.2.1".parse().expect("ip");
        let c1 = ConnectionWaiters::default();
        let c2 = ConnectionWaiters::default();
        let a = waiters.enter(Some(&c1), one, "s/r".into()).expect("1");
        let b = waiters.enter(Some(&c1), one, "s/r".into()).expect("2");
        assert_eq!(
            waiters.enter(Some(&c1), one, "s/r".into()).err(),
            Some(TooMany::Connection)
        );
        let c = waiters.enter(Some(&c2), same_64, "s/r".into()).expect("3");
        assert_eq!(
            waiters.enter(Some(&c2), one, "s/r".into()).err(),
            Some(TooMany::Address),
            "an IPv6 /64 is one address"
        );
        let d = waiters.enter(None, other, "s/r".into()).expect("4");
        assert_eq!(
            waiters.enter(None, other, "s/r".into()).err(),
            Some(TooMany::Rendition)
        );
        drop((a, b, c, d));
        assert!(waiters.by_address.lock().expect("lock").is_empty());
        assert!(waiters.by_rendition.lock().expect("lock").is_empty());
        assert_eq!(c1.0.load(Ordering::Acquire), 0);
        waiters
            .enter(Some(&c1), one, "s/r".into())
            .expect("room again");
    }
}
