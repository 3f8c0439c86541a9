//! Recordings: stream or download an archive (with Range), delete it.

use super::access::{check_room_owner, check_room_visible};
use super::error_responses::{
    BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unavailable,
};
use super::files::{stored_file, FileQuery, StoredFile};
use crate::auth::{AuthUser, MaybeUser};
use crate::errors::ApiError;
use crate::models::recording::{Recording, RecordingStatus};
use crate::state::AppState;
use actix_web::{delete, get, web, HttpRequest, HttpResponse};

/// The MKV archive of a broadcast; supports HTTP Range so a `<video>` element can seek.
#[utoipa::path(operation_id = "get_recording_file", tag = "recordings", security((), ("bearer" = [])), params(("id" = String, Path), FileQuery), responses(
    (status = 200, description = "the archive", content_type = "video/x-matroska", body = [u8]),
    (status = 206, description = "a range of it", content_type = "video/x-matroska", body = [u8]),
    (status = 416, description = "the range is outside the file"),
    BadRequest, Unauthorized, NotFound, Unavailable))]
#[get("/recordings/{id}/file")]
pub async fn file(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybeUser,
    path: web::Path<String>,
    query: web::Query<FileQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let recording = state
        .db
        .run(move |conn| Ok(Recording::find(conn, &id)?))
        .await?
        .ok_or(ApiError::NotFound)?;
    check_room_visible(&state, caller.0.as_ref(), recording.room_id.clone()).await?;
    // Only files of the recordings directory are ever served.
    let local = recording.archive_file(&state.layout.recordings_dir());
    let name = format!("recording-{}.mkv", recording.id);
    stored_file(
        &req,
        &state,
        StoredFile {
            object_key: recording.object_key.as_deref(),
            local,
            content_type: MATROSKA,
            name,
            download: query.download.unwrap_or(false),
        },
    )
    .await
}

const MATROSKA: &str = "video/x-matroska";

/// Deletes a recording and its file (room owner or admin).
#[utoipa::path(operation_id = "delete_recording", tag = "recordings", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 204, description = "the recording and its file are deleted"), Unauthorized, Forbidden,
    NotFound, Conflict, Unavailable))]
#[delete("/recordings/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let recording = state
        .db
        .run(move |conn| Ok(Recording::find(conn, &id)?))
        .await?
        .ok_or(ApiError::NotFound)?;
    check_room_owner(&state, &caller, recording.room_id.clone()).await?;
    if recording.status == RecordingStatus::Recording {
        return Err(ApiError::Conflict(
            "the broadcast is still being recorded".into(),
        ));
    }
    // The row goes first: if the file then cannot be removed, an orphaned file is left (and
    // logged), never a recording that points at a missing file.
    let id = recording.id.clone();
    state
        .db
        .run(move |conn| Ok(Recording::delete(conn, &id)?))
        .await?;
    crate::stored::remove_recording(
        state.objects.as_deref(),
        &state.layout.recordings_dir(),
        &recording,
    )
    .await;
    tracing::info!(recording = %recording.id, by = %caller.id(), "recording deleted");
    Ok(HttpResponse::NoContent().finish())
}
