//! Livestream's HLS packaging, in pure Rust (no GStreamer): what the engine's CMAF chunks become
//! and the playlists that list them.
//!
//! ```text
//! CMAF chunks (from the engine) ─▶ live: Rendition (parts, segments in memory, blocking reloads)
//!                                        ├▶ media playlists (LL-HLS)
//!                                        └▶ Recorder ─▶ vod: the recording's playlists (EVENT, then VOD)
//! renditions' codecs and sizes  ─▶ multivariant: the master playlist, live and recorded
//! layout: where every file of a stream goes under the data directory, and its URL shape
//! ```
//!
//! Nothing here knows HTTP or GStreamer: a refused blocking request is a
//! [`live::BlockingError`], which the server turns into a status; the engine's sink pushes
//! chunks in.

pub mod layout;
pub mod live;
pub mod multivariant;
pub mod vod;

pub use layout::{write_atomic, HlsDir, OutputLayout};
pub use live::LiveHls;
