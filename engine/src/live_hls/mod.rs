//! The GStreamer end of the live HLS: each rendition's encoded buffers are cut into CMAF
//! segments and parts by `cmafmux` where the [`split`] probe says, and handed to the in-memory
//! [`hls::live::Rendition`] that serves them.
//!
//! ```text
//! encoded buffers ─ split probe ─ cmafmux ─ appsink ─▶ hls::live::Rendition::push ─▶ parts, segments
//! ```

mod sink;
mod split;

pub use sink::sink;
pub use split::Track;
