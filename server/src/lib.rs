//! The Livestream server: HTTP API, HLS delivery, accounts and rooms around the `pipelines`
//! media engine.

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
pub mod restream_keys;
pub mod retention;
pub mod routes;
pub mod startup;
pub mod state;
pub mod storage;
pub mod stored;
pub mod telemetry;
pub mod tls;
