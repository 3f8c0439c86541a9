//! Crash recovery at start: broadcasts the last run never finished get their archives repaired
//! and their rows fixed, and no room stays "live".

use crate::db::Db;
use crate::models::recording::{Recording, RecordingStatus};
use crate::models::room::Room;
use std::path::PathBuf;
use tracing::{info, warn};

/// Repairs unfinished recordings and clears live flags. Returns how many recordings it fixed.
pub async fn recover(db: &Db) -> anyhow::Result<usize> {
    let (unfinished, cleared) = db
        .run(|conn| {
            let cleared = Room::clear_all_live(conn)?;
            Ok((Recording::unfinished(conn)?, cleared))
        })
        .await?;
    if cleared > 0 {
        info!(
            rooms = cleared,
            "rooms left live by the last run are offline"
        );
    }
    let mut fixed = 0;
    for recording in unfinished {
        let path = PathBuf::from(&recording.archive_path);
        let repaired =
            tokio::task::spawn_blocking(move || pipelines::archive::repair(&path)).await?;
        let (status, duration_ms, bytes) = match repaired {
            Ok(r) => {
                info!(recording = %recording.id, duration = ?r.duration, "repaired an interrupted archive");
                (
                    RecordingStatus::Complete,
                    r.duration.as_millis() as i64,
                    r.bytes as i64,
                )
            }
            Err(e) => {
                warn!(recording = %recording.id, error = %e, "could not repair an interrupted archive");
                (RecordingStatus::Failed, 0, 0)
            }
        };
        let ended_at = recording.started_at + duration_ms;
        let stream_id = recording.stream_id.clone();
        db.run(move |conn| {
            Ok(Recording::finish(
                conn,
                &stream_id,
                status,
                ended_at,
                duration_ms,
                bytes,
                "server_restart",
            )?)
        })
        .await?;
        fixed += 1;
    }
    Ok(fixed)
}
