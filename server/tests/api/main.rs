//! Integration tests: the real server, real RTMP publishers (ffmpeg, GStreamer's rtmp2sink),
//! real GStreamer pipelines, real HTTP, and ffprobe on what comes out.

#[macro_use]
mod support;

mod abuse;
mod accounts;
mod admins;
mod audio_ladder;
mod chat;
mod chat_rights;
mod clips;
mod colour;
mod database_outage;
mod delivery;
mod destinations;
mod enhanced_rtmp;
mod hostile_input;
mod lifecycle;
mod limits;
mod lip_sync;
mod llhls;
mod nodes;
mod operations;
mod overload;
mod permissions;
mod publish;
mod reconnect;
mod recordings;
mod replays;
mod restream;
mod revocation;
mod rooms;
mod rtmp_peers;
mod security_headers;
mod srt;
mod timestamps;
mod tls;
