//! What request handlers share: the database, token keys, limiters, the live view, chat and the
//! handle on the media engine. Built once by `startup`, read by `routes`, `auth` and `chat`.

use crate::auth::{PasswordWork, RateLimiter, TokenKeys};
use crate::chat::ChatService;
use crate::client_address::TrustedProxies;
use crate::db::Db;
use crate::ingest_auth::StreamRooms;
use crate::live_streams::LiveStreams;
use std::path::PathBuf;
use std::sync::Arc;

/// What request handlers share.
pub struct AppState {
    pub db: Db,
    pub tokens: TokenKeys,
    pub login_limiter: RateLimiter,
    /// Accounts created per client address.
    pub registration_limiter: RateLimiter,
    /// Hashing, verifying and judging passwords, a bounded number at a time.
    pub password_work: PasswordWork,
    /// Whose forwarding headers are believed.
    pub proxies: TrustedProxies,
    /// A real argon2 hash to verify against for unknown users (equal timing).
    pub dummy_hash: String,
    pub live: LiveStreams,
    /// Where the streams' HLS output and archives are.
    pub layout: pipelines::OutputLayout,
    /// The built web app (`index.html` and `assets/`).
    pub web_root: PathBuf,
    pub rtmp_port: u16,
    pub rtmp_app: String,
    pub chat: Arc<ChatService>,
    /// Ends running publishers whose right to stream was taken away.
    pub ingest: pipelines::IngestHandle,
    /// The room, owner and key of every accepted publisher, started or not.
    pub rooms: StreamRooms,
}
