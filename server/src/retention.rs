//! Rooms' retention (`retention_days`): their replays (recordings with their archives) and
//! clips older than that are removed, by a sweep at start and every hour after. Rooms without
//! one keep everything.

use crate::db::Db;
use crate::models::clip::Clip;
use crate::models::recording::Recording;
use crate::models::room::Room;
use crate::object_storage::ObjectStorage;
use hls::OutputLayout;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How often the sweep runs after the first one.
const SWEEP_EVERY: Duration = Duration::from_secs(3600);
const DAY_MS: i64 = 86_400_000;

/// What the sweep reads and removes from.
#[derive(Clone)]
pub struct Retention {
    pub db: Db,
    pub layout: OutputLayout,
    pub objects: Option<Arc<ObjectStorage>>,
}

/// Sweeps now and every [`SWEEP_EVERY`] until `shutdown`.
pub async fn run(retention: Retention, shutdown: CancellationToken) {
    loop {
        match sweep(&retention).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(
                removed,
                "recordings and clips past their room's retention removed"
            ),
            Err(e) => tracing::warn!(error = %e, "the retention sweep failed; it runs again later"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(SWEEP_EVERY) => {}
        }
    }
}

/// Removes what every room with a retention holds past it; how many recordings and clips went.
pub async fn sweep(retention: &Retention) -> Result<usize, crate::db::DbError> {
    let rooms = retention
        .db
        .run(|conn| Ok(Room::with_retention(conn)?))
        .await?;
    let now = crate::models::now_ms();
    let mut removed = 0;
    for (room, days) in rooms {
        let before = now - i64::from(days.max(1)) * DAY_MS;
        let room_id = room.clone();
        let (recordings, clips) = retention
            .db
            .run(move |conn| {
                Ok((
                    Recording::ended_before(conn, &room_id, before)?,
                    Clip::created_before(conn, &room_id, before)?,
                ))
            })
            .await?;
        for recording in recordings {
            let id = recording.id.clone();
            if retention
                .db
                .run(move |conn| Ok(Recording::delete(conn, &id)?))
                .await?
                == 1
            {
                crate::stored::remove_recording(
                    retention.objects.as_deref(),
                    &retention.layout.recordings_dir(),
                    &recording,
                )
                .await;
                tracing::info!(recording = %recording.id, %room, days, "recording past its room's retention removed");
                removed += 1;
            }
        }
        for clip in clips {
            let id = clip.id.clone();
            if retention
                .db
                .run(move |conn| Ok(Clip::delete(conn, &id)?))
                .await?
                == 1
            {
                let dir = crate::clips::clips_dir(retention.layout.data_dir());
                crate::stored::remove_clip(retention.objects.as_deref(), &dir, &clip).await;
                tracing::info!(clip = %clip.id, %room, days, "clip past its room's retention removed");
                removed += 1;
            }
        }
    }
    Ok(removed)
}
