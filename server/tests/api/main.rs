//! Integration tests: the real server, real RTMP publishers (ffmpeg, GStreamer's rtmp2sink),
//! real GStreamer pipelines, real HTTP, and ffprobe on what comes out.

#[macro_use]
mod helpers;

mod accounts;
mod chat;
mod delivery;
mod hostile_input;
mod lifecycle;
mod overload;
mod permissions;
mod publish;
mod reconnect;
mod recordings;
mod rooms;
mod rtmp_client;
mod rtmp_peers;
mod security_headers;
mod timestamps;
