//! Recordings: stream or download an archive (with Range), delete it.

use super::error_responses::{
    BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unavailable,
};
use crate::auth::{AuthUser, MaybeUser};
use crate::errors::ApiError;
use crate::models::recording::{Recording, RecordingStatus};
use crate::state::AppState;
use actix_files::NamedFile;
use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{delete, get, web, HttpRequest, HttpResponse};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FileQuery {
    /// `true` to download instead of playing inline.
    pub download: Option<bool>,
}

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
    _caller: MaybeUser,
    path: web::Path<String>,
    query: web::Query<FileQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let recording = state
        .db
        .run(move |conn| Ok(Recording::find(conn, &id)?))
        .await?
        .ok_or(ApiError::NotFound)?;
    // Only files of the recordings directory are ever served.
    let path = recording
        .archive_file(&state.layout.recordings_dir())
        .ok_or(ApiError::NotFound)?;
    let named = NamedFile::open_async(&path)
        .await
        .map_err(|_| ApiError::NotFound)?;
    let mime: mime_guess::mime::Mime = "video/x-matroska"
        .parse()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?;
    let disposition = ContentDisposition {
        disposition: if query.download.unwrap_or(false) {
            DispositionType::Attachment
        } else {
            DispositionType::Inline
        },
        parameters: vec![DispositionParam::Filename(format!(
            "recording-{}.mkv",
            recording.id
        ))],
    };
    Ok(named
        .set_content_type(mime)
        .set_content_disposition(disposition)
        .into_response(&req))
}

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
    let found = state
        .db
        .run(move |conn| {
            use crate::db::schema::rooms;
            use diesel::prelude::*;
            let Some(recording) = Recording::find(conn, &id)? else {
                return Ok(None);
            };
            // The room may be soft-deleted; its owner still owns the recording.
            let owner: Option<String> = rooms::table
                .find(&recording.room_id)
                .select(rooms::owner_id)
                .first(conn)
                .optional()?;
            Ok(Some((recording, owner)))
        })
        .await?;
    let (recording, owner) = found.ok_or(ApiError::NotFound)?;
    if owner.as_deref() != Some(caller.id()) && !caller.is_admin() {
        return Err(ApiError::Forbidden);
    }
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
    if let Some(path) = recording.archive_file(&state.layout.recordings_dir()) {
        match tokio::fs::remove_file(&path).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::error!(recording = %recording.id, path = %path.display(), error = %e, "the recording is deleted but its file could not be removed");
            }
        }
    }
    tracing::info!(recording = %recording.id, by = %caller.id(), "recording deleted");
    Ok(HttpResponse::NoContent().finish())
}
