//! Low-latency HLS (draft-pantos-hls-rfc8216bis) packaged in memory: each rendition's CMAF chunks
//! become parts and segments held as [`Bytes`], its media playlist is written from them, and
//! blocking playlist reloads (`_HLS_msn`, `_HLS_part`) wait on its progress.
//!
//! ```text
//! cmafmux chunks ─▶ Rendition::push ─▶ parts, segments (Bytes) ─▶ playlist text, part/segment bodies
//!                                   └▶ progress (watch) ─▶ blocking reloads wake
//! ```
//!
//! [`sink`] is the GStreamer end: `cmafmux` cut into parts, feeding a [`Rendition`]. Nothing
//! here knows HTTP: a refused blocking request is a [`BlockingError`], which the server
//! turns into a status.

mod clock;
mod playlist;
mod rendition;
mod sink;

pub use playlist::{RenditionReport, INIT_URI};
pub use rendition::{
    BlockingError, BlockingRequest, Chunk, Position, Rendition, SegmentBody, Settings,
};
pub use sink::sink;
