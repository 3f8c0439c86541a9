//! A broadcast's life, from the publisher's first message to its recording row: everything the
//! server does because a stream lives and dies.
//!
//! ```text
//!  OBS ──RTMP──▶ ingest ──authorize(key)──▶ authorizer::RoomKeys
//!                      │                                   │ grant: stream id, ladder, HLS,
//!                      │                                   │ destinations (restream, below)
//!                      │                                   ▼
//!                      │                        stream_rooms::StreamRooms  (stream → room, owner, key)
//!                      │                                   ▲        ▲
//!                      ▼                                   │        │ revoke_where (routes: room
//!             engine::StreamEvent ──▶ reactor::Reactor ─┘        │ deleted, key regenerated,
//!      Started / Playable / Stats /         │   │   │   │           │ owner disabled or demoted)
//!      Ended / Abandoned                    │   │   │   └──▶ restream::Restreams (reports, detach)
//!                                           │   │   └──────▶ database: room live/offline, recording rows
//!                                           │   │            (ordered, retried through outages)
//!                                           │   └──────────▶ live_view::LiveStreams ──▶ HTTP (rooms,
//!                                           │                                          streams, HLS)
//!                                           └──────────────▶ recovery (archives not finalized)
//! ```
//!
//! Restreaming, for each room with a publisher on this node ([`restream::Restreams`]):
//!
//! ```text
//!  authorizer ──attach(room, stream)──▶ Restreams ──watch: enabled destinations, keys opened──▶ grant
//!  routes::destinations (create, update, delete) ──reload(room)──▶ Restreams ──▶ the live stream
//!  reactor: Stats ──report──▶ Restreams ──▶ routes::destinations (each destination's status)
//!  reactor: Ended / Abandoned ──detach(stream)──▶ the room's list goes with its last stream
//! ```
//!
//! What a broadcast may cost (disk, broadcasts at once, storage, duration, bitrate) is checked
//! by the authorizer before it starts and by [`limits::watch`] while it runs.
//!
//! At start, [`recovery::unfinished`] takes the recordings the last run never finished;
//! [`recovery::repair_all`] repairs them once the server serves.

pub mod authorizer;
pub mod limits;
pub mod live_view;
pub mod nodes;
pub mod reactor;
pub mod recovery;
pub mod restream;
pub mod stream_rooms;

pub use authorizer::RoomKeys;
pub use live_view::{LiveStream, LiveStreams};
pub use nodes::{NodeRegistry, RoomClaimError};
pub use reactor::Reactor;
pub use restream::Restreams;
pub use stream_rooms::{revoke_where, RoomGrant, StreamRooms};
