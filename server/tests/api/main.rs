//! Integration tests: the real server, real RTMP publishers (ffmpeg, GStreamer's rtmp2sink),
//! real GStreamer pipelines, real HTTP, and ffprobe on what comes out.

mod helpers;

mod delivery;
mod hostile_input;
mod lifecycle;
mod publish;
