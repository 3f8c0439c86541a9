//! A stream key claimed by a publisher, or taken over from one that went quiet.

use crate::live_keys::LiveKey;
use crate::shared::Shared;
use crate::PublishGrant;
use media::StreamKey;
use std::net::SocketAddr;
use std::time::Duration;
use tracing::info;

/// How long a takeover waits for the quiet publisher to give its key up.
const TAKEOVER_WAIT: Duration = Duration::from_secs(5);

/// Claims `key` for a publisher at `peer`. A publisher already on it keeps it, unless it has
/// gone quiet for `takeover_quiet`: then it is told to give the key up (its broadcast is parked,
/// and the new one may continue it) and the new one waits briefly for the key.
pub(crate) async fn claim(
    shared: &Shared,
    key: &StreamKey,
    grant: &PublishGrant,
    peer: SocketAddr,
) -> Option<LiveKey> {
    let registry = &shared.registry;
    let holder = match registry.claim(key, &grant.stream_id, peer) {
        Ok(live_key) => return Some(live_key),
        Err(holder) => holder,
    };
    let quiet = registry.quiet_for(&holder);
    if quiet < shared.config.takeover_quiet {
        return None;
    }
    info!(
        key = %key.redacted(),
        previous_peer = %holder.peer,
        new_peer = %peer,
        quiet_seconds = quiet.as_secs_f64(),
        "publisher takeover: the key's publisher went quiet and a new one presents the key"
    );
    holder.take_over.cancel();
    let deadline = tokio::time::Instant::now() + TAKEOVER_WAIT;
    while tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if let Ok(live_key) = registry.claim(key, &grant.stream_id, peer) {
            return Some(live_key);
        }
    }
    None
}
