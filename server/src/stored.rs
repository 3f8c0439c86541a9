//! Removing what a recording or a clip keeps, on this node's disk or in the bucket, once its
//! row is gone (by its owner's request, or by its room's retention). What cannot be removed is
//! logged and left: an orphaned file, never a row that names a missing one.

use crate::models::clip::Clip;
use crate::models::recording::Recording;
use crate::object_storage::ObjectStorage;
use std::path::{Path, PathBuf};

/// Removes a file of `what` (its row already deleted): its object, when stored in object
/// storage, and its file on this node.
pub async fn remove(
    objects: Option<&ObjectStorage>,
    what: &str,
    object_key: Option<&str>,
    local: Option<PathBuf>,
) {
    if let (Some(key), Some(objects)) = (object_key, objects) {
        if let Err(e) = objects.delete(key).await {
            tracing::error!(%key, error = %e, "{what} is deleted but its object could not be removed");
        }
    }
    if let Some(path) = local {
        match tokio::fs::remove_file(&path).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::error!(path = %path.display(), error = %e, "{what} is deleted but its file could not be removed");
            }
        }
    }
}

/// Removes a deleted recording's archive and replay, wherever they are.
pub async fn remove_recording(
    objects: Option<&ObjectStorage>,
    recordings_dir: &Path,
    recording: &Recording,
) {
    let what = format!("recording {}", recording.id);
    let archive = recording.archive_file(recordings_dir);
    remove(objects, &what, recording.object_key.as_deref(), archive).await;
    if let (Some(_), Some(objects)) = (&recording.object_key, objects) {
        if recording.vod {
            if let Err(e) = objects.delete_vod(recording).await {
                tracing::error!(recording = %recording.id, error = %e, "the recording is deleted but its VOD objects could not all be removed");
            }
        }
    }
    if let Some(dir) = recording.vod_dir(recordings_dir) {
        match tokio::fs::remove_dir_all(&dir).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::error!(recording = %recording.id, error = %e, "the recording is deleted but its VOD folder could not be removed");
            }
        }
    }
}

/// Removes a deleted clip's MP4, wherever it is.
pub async fn remove_clip(objects: Option<&ObjectStorage>, clips_dir: &Path, clip: &Clip) {
    let local = clip.file_name().map(|name| clips_dir.join(name));
    remove(
        objects,
        &format!("clip {}", clip.id),
        clip.object_key.as_deref(),
        local,
    )
    .await;
}
