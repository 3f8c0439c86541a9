//! The Livestream server: HTTP API and HLS delivery around the `pipelines` media engine.

pub mod configuration;
pub mod errors;
pub mod ingest_auth;
pub mod live_streams;
pub mod routes;
pub mod startup;
pub mod telemetry;
