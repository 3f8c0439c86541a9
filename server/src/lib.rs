//! The Livestream server: HTTP API, HLS delivery, accounts, rooms and chat around the media
//! crates (`ingest` feeds the `engine`, which packages into `hls`); it reacts to the engine's
//! typed events and never the other way round.

pub mod auth;
pub mod broadcasts;
pub mod chat;
pub mod client_address;
pub mod clips;
pub mod cluster;
pub mod configuration;
pub mod db;
pub mod errors;
pub mod models;
pub mod object_storage;
pub mod replays;
pub mod restream_keys;
pub mod retention;
pub mod routes;
pub mod seed;
pub mod startup;
pub mod state;
pub mod storage;
pub mod stored;
pub mod telemetry;
pub mod tls;
