//! What the API tests stand on: `TestApp` (the whole server in-process, started through one
//! builder), typed API calls that read like the feature, the publishers and probes a streamer
//! and a player would use, real chat clients, and the real binary for process-level behaviour.
//!
//! | file | holds |
//! |---|---|
//! | `app.rs` | `TestApp`, its builder, and the server's own events |
//! | `database.rs` | `Backend`, a fresh MariaDB database per test, `on_both_databases!` |
//! | `client.rs` | `Api` (requests as a user or anonymously) and `Reply` |
//! | `users.rs` | accounts: registering, logging in, the built-in admin, admin calls |
//! | `rooms.rs` | rooms, stream keys, moderators, restream destinations, presets and recordings |
//! | `publishers.rs` | ffmpeg and rtmp2sink publishers and how they ended |
//! | `hls.rs` | ffprobe and playlist probes |
//! | `fmp4.rs` | a rendition's sample times, read from its boxes as the spec says |
//! | `chat.rs` | real WebSocket chat clients |
//! | `real_server.rs` | the real `livestream` binary, with its log |
//! | `nodes.rs` | several real binaries as one cluster (MariaDB, Redis) |
//! | `rtmp_peer.rs` | a raw RTMP peer that sends what no encoder would |
//! | `private_mariadb.rs` | a MariaDB server of the test's own, to stop and restart |
//! | `tls.rs` | a self-signed certificate (openssl) and clients that trust it |
//! | `http2.rs` | one HTTP/2 connection over TLS held by the test |
//! | `nginx_rtmp.rs` | nginx with libnginx-mod-rtmp, a real server to restream to |
//! | `ts.rs` | MPEG-TS written byte by byte, and an SRT caller that sends exactly it |
//! | `tmpfs.rs` | a small file system of the test's own, for a nearly full disk |
//! | `dns.rs` | a DNS server whose answers for one name change (DNS rebinding) |

#[macro_use]
pub mod database;

pub mod app;
pub mod chat;
pub mod client;
pub mod dns;
pub mod fmp4;
pub mod hls;
pub mod http2;
pub mod nodes;
pub mod private_mariadb;
pub mod publishers;
pub mod real_server;
pub mod rooms;
pub mod rtmp_peer;
pub mod tls;
pub mod tmpfs;
pub mod ts;

pub use app::TestApp;
pub use chat::ChatClient;
pub use client::{HttpServer, Reply};
pub use database::{Backend, MariadbDatabase};
pub use hls::{
    centre_yuv, ffprobe, ffprobe_colour_tags, ffprobe_decode_size, ffprobe_duration, frame_at,
    keyframe_times, picture_distance, segments, test_pattern, variant_codecs, vui_colour,
};
pub use publishers::{
    assert_published, assert_refused, assert_refused_with, encode_clip, encode_noisy_clip,
    publish_enhanced, publish_ffmpeg, publish_file, publish_srt, publish_video_only, run_to_end,
    srt_url, Clip,
};
pub use real_server::RealServer;
pub use testkit::api::accounts::{access_token, Accounts, ADMIN, PASSWORD};
pub use testkit::nginx_rtmp::NginxRtmp;

pub use testkit::api::User;

/// The server internals the tests reach below the API, named once here so that a module that
/// moves inside the server is renamed in one line.
pub mod internals {
    pub use livestream::broadcasts::StreamRooms;
    pub use livestream::models::destination::Destination as DestinationRow;
    pub use livestream::restream_keys::{KeySealer, SECRET_FILE as RESTREAM_SECRET_FILE};
}

/// A random alphanumeric string of 24 characters (stream keys, database names, usernames).
pub fn random_key() -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric.sample_string(&mut rand::rng(), 24)
}

/// The data directory of a server: the one the test gave (and owns), or a fresh temporary one
/// that is removed with this value.
pub struct DataDir {
    path: std::path::PathBuf,
    _temporary: Option<tempfile::TempDir>,
}

impl DataDir {
    /// `given`, or a new temporary directory when there is none.
    pub fn given_or_temporary(given: Option<&std::path::Path>) -> Self {
        match given {
            Some(dir) => Self {
                path: dir.to_path_buf(),
                _temporary: None,
            },
            None => {
                let temporary = tempfile::tempdir().expect("temp dir");
                Self {
                    path: temporary.path().to_path_buf(),
                    _temporary: Some(temporary),
                }
            }
        }
    }

    /// Where it is.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

pub use testkit::free_port;
