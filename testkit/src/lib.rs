//! What the API tests (`server/tests/api`) and the benchmarks (`bench`) both need, written once:
//! the API client ([`api`]), what a player asks of a live stream ([`hls`]), nginx as a reference
//! server and nginx-rtmp as a restream destination ([`nginx`], [`nginx_rtmp`]), the ffmpeg
//! publishers both use ([`publish`]) and free loopback ports.
//!
//! Test helpers panic with a message when what they need is missing (a tool, a port); what a
//! benchmark reports on is returned as an error.

pub mod api;
pub mod hls;
pub mod nginx;
pub mod nginx_rtmp;
pub mod publish;

/// A TCP port free on loopback right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free loopback port")
}
