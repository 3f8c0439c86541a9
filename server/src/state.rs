//! What request handlers share: the database, token keys, limiters, the live view, chat and the
//! handle on the media engine. Built once by `startup`, read by `routes`, `auth` and `chat`.

use crate::auth::{hash_password, token_secret, PasswordWork, RateLimiter, TokenKeys};
use crate::broadcasts::{LiveStream, LiveStreams, Restreams, StreamRooms};
use crate::chat::ChatService;
use crate::client_address::TrustedProxies;
use crate::cluster::Node;
use crate::configuration::Settings;
use crate::db::Db;
use crate::object_storage::ObjectStorage;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

/// What request handlers share, grouped by what it serves.
pub struct AppState {
    pub db: Db,
    /// Tokens, passwords and the limits on logging in and registering.
    pub accounts: Accounts,
    /// Whose forwarding headers are believed.
    pub proxies: TrustedProxies,
    pub live: LiveStreams,
    /// Where the streams' HLS output and archives are.
    pub layout: hls::OutputLayout,
    /// The built web app (`index.html` and `assets/`).
    pub web_root: PathBuf,
    pub chat: Arc<ChatService>,
    /// The ingest: its handle on running publishers, and the addresses streamers publish to.
    pub ingest: Ingest,
    /// The room, owner and key of every accepted publisher, started or not.
    pub rooms: StreamRooms,
    /// Rooms' restream destination lists followed by their publishers on this node, the
    /// destinations' reports, and the sealer of their keys.
    pub restreams: Restreams,
    /// What one account, one room and the disk may hold.
    pub limits: Limits,
    /// Who may cut clips how often, and how many are cut at once.
    pub clips: ClipWork,
    /// With several nodes: Redis, the live-stream registry and the HLS edge.
    pub node: Option<Arc<Node>>,
    /// Set while the node drains before it stops: it is then not ready.
    pub draining: Arc<AtomicBool>,
    /// With `storage.s3`: where finished recordings are stored.
    pub objects: Option<Arc<ObjectStorage>>,
    /// Blocking HLS requests waiting at once, bounded (`hls.max_waiting_*`).
    pub waiters: crate::routes::waiters::Waiters,
    /// Replays `/vod` served lately, and whether their rooms exist.
    pub replays: crate::replays::RecentReplays,
}

/// Accounts: tokens, password work and the limits on logging in and registering.
pub struct Accounts {
    pub tokens: TokenKeys,
    pub login_limiter: RateLimiter,
    /// Accounts created per client address.
    pub registration_limiter: RateLimiter,
    /// Hashing, verifying and judging passwords, a bounded number at a time.
    pub password_work: PasswordWork,
    /// A real argon2 hash to verify against for unknown users (equal timing).
    pub dummy_hash: String,
}

/// The ingest as the API shows it and acts on it.
pub struct Ingest {
    /// Ends running publishers whose right to stream was taken away.
    pub handle: ingest::IngestHandle,
    pub rtmp_port: u16,
    pub rtmp_app: String,
    /// The SRT ingest's UDP port, unless SRT is off.
    pub srt_port: Option<u16>,
}

/// What one account, one room and the disk may hold.
pub struct Limits {
    /// What one account may use (`limits.*`).
    pub account: crate::configuration::LimitsSettings,
    /// Destinations one room may have (`restream.max_destinations_per_room`).
    pub destinations_per_room: usize,
    /// The disk and storage checks broadcasts and clips share (`storage.min_free_mib`,
    /// `limits.stored_mib_per_user`).
    pub broadcasts: Arc<crate::broadcasts::limits::BroadcastLimits>,
}

/// Clips: how often a user may cut one, and how many are cut at once on this node.
pub struct ClipWork {
    /// Clips cut, per user.
    pub limiter: RateLimiter,
    /// Clips being cut at once, on this node (`clips.max_concurrent`).
    pub cuts: Arc<tokio::sync::Semaphore>,
    /// How long a cut waits for its turn (`clips.queue_seconds`).
    pub queue: Duration,
}

/// What `startup` made that the state is built around.
pub struct Parts {
    pub db: Db,
    pub live: LiveStreams,
    pub layout: hls::OutputLayout,
    pub rooms: StreamRooms,
    pub restreams: Restreams,
    pub ingest: ingest::IngestHandle,
    pub rtmp_port: u16,
    pub srt_port: Option<u16>,
    pub chat: Arc<ChatService>,
    pub node: Option<Arc<Node>>,
    pub draining: Arc<AtomicBool>,
    pub objects: Option<Arc<ObjectStorage>>,
    pub broadcast_limits: Arc<crate::broadcasts::limits::BroadcastLimits>,
}

impl AppState {
    /// A live stream, from this node's view or, with several nodes, the registry.
    pub async fn live_stream(&self, id: &media::StreamId) -> Option<LiveStream> {
        if let Some(stream) = self.live.get(id) {
            return Some(stream);
        }
        let node = self.node.as_ref()?;
        node.registry.lookup(id).await.map(|r| r.stream)
    }

    /// Every live stream, of every node, oldest first.
    pub async fn all_live_streams(&self) -> Vec<LiveStream> {
        let mut streams = self.live.list();
        if let Some(node) = &self.node {
            for record in node.registry.all().await {
                if !streams.iter().any(|s| s.id == record.stream.id) {
                    streams.push(record.stream);
                }
            }
            streams.sort_by_key(|s| s.started_at);
        }
        streams
    }

    /// The state of a server on `settings`, around what `startup` made: the database, the live
    /// view, the output layout, the publishers' rooms, the handle on the RTMP ingest, the chat
    /// and, with several nodes, this node's part in the cluster.
    pub fn build(settings: &Settings, parts: Parts) -> anyhow::Result<Self> {
        let Parts {
            db,
            live,
            layout,
            rooms,
            restreams,
            ingest,
            rtmp_port,
            srt_port,
            chat,
            node,
            draining,
            objects,
            broadcast_limits,
        } = parts;
        let auth = &settings.auth;
        let shared = || {
            node.as_ref()
                .map(|n| n.cluster.clone() as Arc<dyn crate::auth::SharedWindow>)
        };
        Ok(Self {
            db,
            accounts: Accounts {
                tokens: TokenKeys::new(
                    &token_secret(&auth.jwt_secret, &settings.storage.data_dir)?,
                    Duration::from_secs(auth.token_ttl_seconds),
                    Duration::from_secs(auth.max_session_hours * 3600),
                ),
                login_limiter: RateLimiter::new(
                    auth.login_attempts_per_minute,
                    Duration::from_secs(60),
                )
                .across(shared(), "login"),
                registration_limiter: RateLimiter::new(
                    auth.registrations_per_hour,
                    Duration::from_secs(3600),
                )
                .across(shared(), "registration"),
                password_work: PasswordWork::new(
                    auth.max_concurrent_password_hashes,
                    Duration::from_secs(10),
                ),
                dummy_hash: hash_password("dummy password for timing")
                    .map_err(|e| anyhow::anyhow!("{e}"))?,
            },
            clips: ClipWork {
                limiter: RateLimiter::new(
                    settings.clips.per_user_per_hour,
                    Duration::from_secs(3600),
                )
                .across(shared(), "clip"),
                cuts: Arc::new(tokio::sync::Semaphore::new(settings.clips.max_concurrent)),
                queue: Duration::from_secs(settings.clips.queue_seconds),
            },
            proxies: TrustedProxies::parse(&settings.http.trusted_proxies)
                .map_err(|e| anyhow::anyhow!("http.trusted_proxies: {e}"))?,
            live,
            layout,
            web_root: settings.http.web_root.clone(),
            chat,
            ingest: Ingest {
                handle: ingest,
                rtmp_port,
                rtmp_app: settings.rtmp.app.clone(),
                srt_port,
            },
            rooms,
            restreams,
            limits: Limits {
                account: settings.limits.clone(),
                destinations_per_room: settings.restream.max_destinations_per_room,
                broadcasts: broadcast_limits,
            },
            node,
            draining,
            objects,
            waiters: crate::routes::waiters::Waiters::new(crate::routes::waiters::WaitLimits {
                per_connection: settings.hls.max_waiting_per_connection,
                per_address: settings.hls.max_waiting_per_address,
                per_rendition: settings.hls.max_waiting_per_rendition,
            }),
            replays: Default::default(),
        })
    }
}
