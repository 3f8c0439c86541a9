//! What request handlers share: the database, token keys, limiters, the live view, chat and the
//! handle on the media engine. Built once by `startup`, read by `routes`, `auth` and `chat`.

use crate::auth::{hash_password, token_secret, PasswordWork, RateLimiter, TokenKeys};
use crate::broadcasts::{LiveStreams, StreamRooms};
use crate::chat::ChatService;
use crate::client_address::TrustedProxies;
use crate::configuration::Settings;
use crate::db::Db;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

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

impl AppState {
    /// The state of a server on `settings`, around what `startup` made: the database, the live
    /// view, the output layout, the publishers' rooms and the handle on the RTMP ingest.
    pub fn build(
        settings: &Settings,
        db: Db,
        live: LiveStreams,
        layout: pipelines::OutputLayout,
        rooms: StreamRooms,
        ingest: pipelines::IngestHandle,
        rtmp_port: u16,
    ) -> anyhow::Result<Self> {
        let auth = &settings.auth;
        Ok(Self {
            db,
            tokens: TokenKeys::new(
                &token_secret(&auth.jwt_secret, &settings.storage.data_dir)?,
                Duration::from_secs(auth.token_ttl_seconds),
            ),
            login_limiter: RateLimiter::new(
                auth.login_attempts_per_minute,
                Duration::from_secs(60),
            ),
            registration_limiter: RateLimiter::new(
                auth.registrations_per_hour,
                Duration::from_secs(3600),
            ),
            password_work: PasswordWork::new(
                auth.max_concurrent_password_hashes,
                Duration::from_secs(10),
            ),
            proxies: TrustedProxies::parse(&settings.http.trusted_proxies)
                .map_err(|e| anyhow::anyhow!("http.trusted_proxies: {e}"))?,
            dummy_hash: hash_password("dummy password for timing")
                .map_err(|e| anyhow::anyhow!("{e}"))?,
            live,
            layout,
            web_root: settings.http.web_root.clone(),
            rtmp_port,
            rtmp_app: settings.rtmp.app.clone(),
            chat: Arc::new(ChatService::from_settings(&settings.chat)),
            ingest,
            rooms,
        })
    }
}
