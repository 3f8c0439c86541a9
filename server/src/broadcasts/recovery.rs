//! Archives that were not finalized: broadcasts the last run never finished (found at start and
//! repaired in the background once the server is serving) and broadcasts whose archive was not
//! finalized in time as they ended. Either way the archive is repaired, and the recording row
//! says how it went; no room stays "live" after a restart.

use crate::db::Db;
use crate::models::recording::{Recording, RecordingOutcome, RecordingStatus};
use crate::models::room::Room;
use std::path::{Path, PathBuf};
use tracing::{info, warn};

/// Clears live flags left by the last run and returns the recordings it never finished. Fast:
/// called before the listeners open, so that no recording of this run is among them.
///
/// A node of a cluster shares the database with nodes that are live right now: it clears no
/// flag (the registry's sweep takes its old rooms offline) and takes only the unfinished
/// recordings whose archive is in its own `recordings_dir`.
pub async fn unfinished(
    db: &Db,
    clustered: bool,
    recordings_dir: &Path,
) -> anyhow::Result<Vec<Recording>> {
    let (mut unfinished, cleared) = db
        .run(move |conn| {
            let cleared = if clustered {
                0
            } else {
                Room::clear_all_live(conn)?
            };
            Ok((Recording::unfinished(conn)?, cleared))
        })
        .await?;
    if clustered {
        unfinished.retain(|r| r.archive_file(recordings_dir).is_some_and(|p| p.exists()));
    }
    if cleared > 0 {
        info!(
            rooms = cleared,
            "rooms left live by the last run are offline"
        );
    }
    Ok(unfinished)
}

/// Repairs each recording's archive and records the outcome, one after the other.
pub async fn repair_all(db: Db, recordings_dir: PathBuf, recordings: Vec<Recording>) {
    let count = recordings.len();
    for recording in recordings {
        if let Err(e) = repair(&db, &recordings_dir, recording, "server_restart").await {
            warn!(error = %e, "could not record a repaired archive");
        }
    }
    if count > 0 {
        info!(
            recordings = count,
            "recovered broadcasts interrupted by the last run"
        );
    }
}

/// Repairs one recording's archive (a remux that rebuilds the index) and marks the row complete,
/// or failed if the archive cannot be read.
pub async fn repair(
    db: &Db,
    recordings_dir: &Path,
    recording: Recording,
    end_reason: &str,
) -> anyhow::Result<()> {
    let repaired = match recording.archive_file(recordings_dir) {
        Some(path) => tokio::task::spawn_blocking(move || engine::archive_repair::repair(&path))
            .await?
            .map_err(|e| e.to_string()),
        None => Err("the stored archive name is not a plain file name".to_owned()),
    };
    let (status, duration_ms, bytes) = match repaired {
        Ok(r) => {
            info!(recording = %recording.id, duration = ?r.duration, "repaired an unfinished archive");
            (
                RecordingStatus::Complete,
                r.duration.as_millis() as i64,
                r.bytes as i64,
            )
        }
        Err(e) => {
            warn!(recording = %recording.id, error = %e, "could not repair an unfinished archive");
            (RecordingStatus::Failed, 0, 0)
        }
    };
    let outcome = RecordingOutcome {
        status,
        ended_at: recording.started_at + duration_ms,
        duration_ms,
        bytes,
        stored_bytes: bytes,
        end_reason: end_reason.to_owned(),
    };
    let stream_id = recording.stream_id.clone();
    db.run(move |conn| Ok(Recording::finish(conn, &stream_id, &outcome)?))
        .await?;
    Ok(())
}
