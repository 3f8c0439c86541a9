//! What a broadcast may cost, checked before it starts (by the authorizer) and while it runs
//! (by a watcher every few seconds):
//!
//! ```text
//!  authorizer ──may_start(owner, room)──▶ disk above storage.min_free_mib?
//!                                         owner's other rooms live < limits.broadcasts_per_user?
//!                                         owner's recordings and clips < limits.stored_mib_per_user?
//!  watcher (every 5 s) ──▶ disk below storage.stop_free_mib: every broadcast here ends
//!                      ──▶ each broadcast: longer than limits.max_broadcast_seconds, ingest above
//!                          limits.max_ingest_kbps three times running, or its owner's storage
//!                          (with what it has written so far) at the limit: it ends
//! ```
//!
//! A clip is refused (409 `limit_reached`) on the same two grounds as a new broadcast: the disk
//! below `storage.min_free_mib`, or its cutter's recordings and clips at the limit.
//!
//! A broadcast ended here ends cleanly (archive finalized, replay written) with the reason
//! `limit_reached` and a detail saying which. Admins are held only to the disk.

use super::{LiveStreams, StreamRooms};
use crate::configuration::{LimitsSettings, Settings};
use crate::db::Db;
use crate::models::clip::Clip;
use crate::models::recording::Recording;
use crate::models::user::{Role, User};
use hls::OutputLayout;
use ingest::IngestHandle;
use media::StreamId;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// How often running broadcasts are checked.
const WATCH_EVERY: Duration = Duration::from_secs(5);
/// Reports in a row above the ingest limit that end a broadcast.
const OVER_BITRATE_REPORTS: u32 = 3;
const MIB: u64 = 1024 * 1024;

/// The limits, and where they are measured.
pub struct BroadcastLimits {
    limits: LimitsSettings,
    min_free: u64,
    stop_free: u64,
    data_dir: PathBuf,
    /// Consecutive checks each broadcast was above `max_ingest_kbps`.
    over_bitrate: Mutex<HashMap<StreamId, u32>>,
}

impl BroadcastLimits {
    pub fn new(settings: &Settings) -> Arc<Self> {
        Arc::new(Self {
            limits: settings.limits.clone(),
            min_free: settings.storage.min_free_mib * MIB,
            stop_free: settings.storage.stop_free_mib * MIB,
            data_dir: settings.storage.data_dir.clone(),
            over_bitrate: Mutex::default(),
        })
    }

    /// Free bytes on the data directory's disk (none known counts as plenty).
    fn free(&self) -> u64 {
        crate::storage::free_bytes(&self.data_dir).unwrap_or(u64::MAX)
    }

    /// Why no broadcast may start now, whoever publishes: the disk is nearly full.
    pub fn refuse_any(&self) -> Option<String> {
        self.disk_full("publish", "publishing is paused")
    }

    /// The reason `what` is refused while the disk is below `storage.min_free_mib`.
    fn disk_full(&self, what: &'static str, paused: &str) -> Option<String> {
        let free = self.free();
        (free < self.min_free).then(|| {
            warn!(
                refused = what,
                free_mib = free / MIB,
                min_free_mib = self.min_free / MIB,
                "refused: the disk is nearly full (storage.min_free_mib)"
            );
            format!("the server's disk is nearly full; {paused}")
        })
    }

    /// The reason `user`'s recordings and clips leave no room at `limits.stored_mib_per_user`
    /// (0: no limit).
    async fn over_quota(
        &self,
        db: &Db,
        user: &str,
        to: &str,
    ) -> Result<Option<String>, crate::db::DbError> {
        let quota = self.limits.stored_mib_per_user;
        if quota == 0 {
            return Ok(None);
        }
        let stored = stored_bytes(db, user).await?;
        Ok((stored >= quota * MIB).then(|| {
            format!(
                "this account's recordings and clips take {} MiB of its {quota} MiB; delete some to {to}",
                stored / MIB
            )
        }))
    }

    /// Why `owner` may not start a broadcast in `room`, if not: another of their rooms live past
    /// `limits.broadcasts_per_user` (a new publish of a room already live, a reconnect, does not
    /// count), or their stored bytes at `limits.stored_mib_per_user`.
    pub async fn refuse_owner(
        &self,
        db: &Db,
        rooms: &StreamRooms,
        owner: &User,
        room: &str,
    ) -> Result<Option<String>, crate::db::DbError> {
        if owner.role == Role::Admin {
            return Ok(None);
        }
        let mut live_rooms: Vec<String> = rooms
            .all()
            .into_iter()
            .filter(|(_, g)| g.owner_id == owner.id && g.room_id != room)
            .map(|(_, g)| g.room_id)
            .collect();
        live_rooms.sort();
        live_rooms.dedup();
        let most = self.limits.broadcasts_per_user;
        if live_rooms.len() >= most {
            return Ok(Some(format!(
                "this account already broadcasts in {} rooms, the most at once ({most})",
                live_rooms.len()
            )));
        }
        self.over_quota(db, &owner.id, "broadcast").await
    }

    /// Why `user` may not cut a clip now, if not: the disk below `storage.min_free_mib`, or
    /// (admins aside) their recordings and clips at `limits.stored_mib_per_user`.
    pub async fn refuse_clip(
        &self,
        db: &Db,
        user: &str,
        admin: bool,
    ) -> Result<Option<String>, crate::db::DbError> {
        if let Some(why) = self.disk_full("clip", "clips are paused") {
            return Ok(Some(why));
        }
        if admin {
            return Ok(None);
        }
        self.over_quota(db, user, "cut more").await
    }
}

/// Bytes of `owner`'s rooms' recordings and of the clips they cut.
async fn stored_bytes(db: &Db, owner: &str) -> Result<u64, crate::db::DbError> {
    let owner = owner.to_owned();
    let bytes = db
        .run(move |conn| {
            Ok(Recording::stored_bytes_of_owner(conn, &owner)? + Clip::bytes_by(conn, &owner)?)
        })
        .await?;
    Ok(bytes.max(0) as u64)
}

/// What the watcher acts on.
pub struct Watched {
    pub limits: Arc<BroadcastLimits>,
    pub db: Db,
    pub rooms: StreamRooms,
    pub live: LiveStreams,
    pub ingest: IngestHandle,
    pub layout: OutputLayout,
}

/// Checks the running broadcasts every [`WATCH_EVERY`] until `shutdown`.
pub async fn watch(watched: Watched, shutdown: CancellationToken) {
    let mut ticker = tokio::time::interval(WATCH_EVERY);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = ticker.tick() => {}
        }
        if let Err(e) = check(&watched).await {
            warn!(error = %e, "could not check the broadcasts' limits");
        }
    }
}

async fn check(w: &Watched) -> Result<(), crate::db::DbError> {
    let free = w.limits.free();
    let live = w.live.list();
    if free < w.limits.stop_free {
        for stream in &live {
            let why = "the server's disk is nearly full".to_owned();
            if w.ingest.stop(&stream.id, why) {
                warn!(stream = %stream.id, free_mib = free / MIB, "broadcast ended: the disk is nearly full (storage.stop_free_mib)");
            }
        }
        return Ok(());
    }
    let limits = &w.limits.limits;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut owners: HashMap<String, Option<User>> = HashMap::new();
    for (stream, grant) in w.rooms.all() {
        let Some(view) = live.iter().find(|s| s.id == stream) else {
            continue;
        };
        if !owners.contains_key(&grant.owner_id) {
            let id = grant.owner_id.clone();
            let owner = w.db.run(move |conn| Ok(User::find(conn, &id)?)).await?;
            owners.insert(grant.owner_id.clone(), owner);
        }
        if owners
            .get(&grant.owner_id)
            .and_then(Option::as_ref)
            .is_none_or(|o| o.role == Role::Admin)
        {
            continue;
        }
        let mut why = None;
        let age = now.saturating_sub(view.started_at);
        if limits.max_broadcast_seconds > 0 && age >= limits.max_broadcast_seconds {
            why = Some(format!(
                "the broadcast reached its time limit ({} s)",
                limits.max_broadcast_seconds
            ));
        }
        let kbps = view.stats["input_kbps"].as_f64().unwrap_or(0.0);
        if why.is_none() && limits.max_ingest_kbps > 0 {
            let mut over = w
                .limits
                .over_bitrate
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            let count = over.entry(stream.clone()).or_insert(0);
            *count = if kbps > limits.max_ingest_kbps as f64 {
                *count + 1
            } else {
                0
            };
            if *count >= OVER_BITRATE_REPORTS {
                why = Some(format!(
                    "the stream sends {kbps:.0} kbit/s, more than the {} kbit/s allowed",
                    limits.max_ingest_kbps
                ));
            }
        }
        if why.is_none() && limits.stored_mib_per_user > 0 {
            let stored = stored_bytes(&w.db, &grant.owner_id).await?;
            let writing = written_so_far(&w.layout, &stream).await;
            if stored + writing >= limits.stored_mib_per_user * MIB {
                why = Some(format!(
                    "this account's recordings reached its {} MiB",
                    limits.stored_mib_per_user
                ));
            }
        }
        if let Some(why) = why {
            info!(stream = %stream, owner = %grant.owner_id, %why, "broadcast ended at a limit");
            w.ingest.stop(&stream, why);
        }
    }
    // Forget the counts of streams that are gone.
    w.limits
        .over_bitrate
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .retain(|id, _| live.iter().any(|s| &s.id == id));
    Ok(())
}

/// What a running broadcast has written: its archive and its replay so far.
async fn written_so_far(layout: &OutputLayout, stream: &StreamId) -> u64 {
    let archive = tokio::fs::metadata(layout.archive(stream))
        .await
        .map_or(0, |m| m.len());
    archive + crate::storage::dir_bytes(layout.vod(stream)).await
}
