//! Low-latency HLS (draft-pantos-hls-rfc8216bis) packaged in memory: each rendition's CMAF chunks
//! become parts and segments held as [`Bytes`](bytes::Bytes), its media playlist is written from
//! them, and blocking playlist reloads (`_HLS_msn`, `_HLS_part`) wait on its progress.
//!
//! ```text
//! source frames ─▶ Timeline (segment boundaries, shared by every rendition)
//!                      │
//! encoded buffers ─ split probe ─ cmafmux ─ appsink ─▶ Rendition::push ─▶ parts, segments
//!                                                              └▶ progress (watch) ─▶ reloads wake
//! LiveHls: a stream's renditions + its multivariant playlist, handed to the server
//! ```
//!
//! [`sink`] is the GStreamer end. Nothing here knows HTTP: a refused blocking request is a
//! [`BlockingError`], which the server turns into a status.

mod clock;
mod playlist;
mod rendition;
mod segment;
mod stream;
mod timeline;

pub use playlist::{RenditionReport, INIT_URI};
pub use rendition::{
    BlockingError, BlockingRequest, Chunk, PartStart, Position, Recorded, Recorder, Rendition,
    Settings, TargetDuration,
};
pub use stream::LiveHls;
pub use timeline::{Boundary, Timeline};
