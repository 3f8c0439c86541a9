//! What every connection of both protocols shares: the configuration, the authorizer, the events
//! channel, the registry of live keys, and the per-address connection count.

use crate::live_keys::Registry;
use crate::{Authorizer, IngestConfig};
use engine::StreamEvent;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// State shared by every connection.
pub(crate) struct Shared {
    pub(crate) config: IngestConfig,
    pub(crate) authorizer: Arc<dyn Authorizer>,
    pub(crate) events: mpsc::Sender<StreamEvent>,
    /// Keys with a publisher right now, and broadcasts waiting for theirs to come back.
    pub(crate) registry: Arc<Registry>,
    /// Every connection task and every parked broadcast's timer, waited for at shutdown.
    pub(crate) tracker: TaskTracker,
    /// Open connections by peer address, for the per-address limit.
    pub(crate) per_address: Mutex<HashMap<IpAddr, usize>>,
    pub(crate) shutdown: CancellationToken,
}

/// One connection counted against its address's limit while it lives.
pub(crate) struct AddressSlot {
    shared: Arc<Shared>,
    ip: IpAddr,
}

/// The key a per-address limit counts under: the IPv4 address (IPv4-mapped ones as IPv4), or
/// the /64 network of an IPv6 address (one subscriber usually holds a whole /64).
pub(crate) fn address_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(std::net::Ipv6Addr::from(bits))
        }
        v4 => v4,
    }
}

impl AddressSlot {
    /// A slot for a connection from `ip` (counted by [`address_key`]), if its address has one.
    pub(crate) fn claim(shared: &Arc<Shared>, ip: IpAddr) -> Option<Self> {
        let ip = address_key(ip);
        let mut open = shared.per_address.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(ip).or_insert(0);
        if *count >= shared.config.max_connections_per_address {
            return None;
        }
        *count += 1;
        Some(Self {
            shared: shared.clone(),
            ip,
        })
    }
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut open = self
            .shared
            .per_address
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_ipv6_64_counts_as_one_address() {
        let key = |ip: &str| super::address_key(ip.parse().expect("an address"));
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff::9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:192.0.2.7"), key("192.0.2.7"));
        assert_eq!(key("192.0.2.7").to_string(), "192.0.2.7");
    }
}
