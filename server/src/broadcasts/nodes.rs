//! What a broadcast needs of the other nodes, when several run: implemented by the cluster
//! (`cluster::registry`, over Redis), so that broadcasts never depend on how nodes share state.

use futures_util::future::BoxFuture;
use media::StreamId;
use std::time::Duration;
use thiserror::Error;

/// Why a room could not be claimed for a new stream on this node.
#[derive(Debug, Error)]
pub enum RoomClaimError {
    #[error("the room is live on node {0}")]
    Elsewhere(String),
    #[error("the registry is unavailable: {0}")]
    Unavailable(String),
}

/// The registry of live streams that every node reads.
pub trait NodeRegistry: Send + Sync {
    /// Claims `room_id` for `stream_id` on this node; refused while another node holds it.
    fn claim<'a>(
        &'a self,
        room_id: &'a str,
        stream_id: &'a StreamId,
    ) -> BoxFuture<'a, Result<(), RoomClaimError>>;
    /// The stream started; its record is written.
    fn started(&self, id: &StreamId);
    /// The stream's view changed; its record is rewritten.
    fn changed(&self, id: &StreamId);
    /// The stream ended; its record goes, and so does the claim of `release`.
    fn ended(&self, id: &StreamId, release: Option<String>);
    /// Waits (at most `limit`) until every update queued so far is written, so that this
    /// node's rooms are free for others at once when it stops.
    fn settle(&self, limit: Duration) -> BoxFuture<'_, ()>;
}
