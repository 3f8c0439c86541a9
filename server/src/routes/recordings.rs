//! Recordings: stream or download an archive (with Range), delete it.

use super::error_responses::{
    BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unavailable,
};
use crate::auth::{AuthUser, MaybeUser};
use crate::errors::ApiError;
use crate::models::recording::{Recording, RecordingStatus};
use crate::models::room::Room;
use crate::object_storage::{ObjectStorage, StorageError};
use crate::state::AppState;
use actix_files::NamedFile;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
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

/// A file kept on this node or in object storage (a recording's archive, a clip).
pub(super) struct StoredFile<'a> {
    /// Its key, once stored in object storage (read from there when `storage.s3` is set).
    pub object_key: Option<&'a str>,
    /// Where it is on this node otherwise.
    pub local: Option<std::path::PathBuf>,
    pub content_type: &'static str,
    /// The file name a download is saved under.
    pub name: String,
    /// Sent as an attachment rather than inline.
    pub download: bool,
}

/// Sends a [`StoredFile`] with Range support, inline or as a download.
pub(super) async fn stored_file(
    req: &HttpRequest,
    state: &AppState,
    stored: StoredFile<'_>,
) -> Result<HttpResponse, ApiError> {
    let disposition = ContentDisposition {
        disposition: if stored.download {
            DispositionType::Attachment
        } else {
            DispositionType::Inline
        },
        parameters: vec![DispositionParam::Filename(stored.name)],
    };
    if let (Some(key), Some(objects)) = (stored.object_key, &state.objects) {
        return from_object_storage(req, objects, key, stored.content_type, Some(disposition))
            .await;
    }
    let path = stored.local.ok_or(ApiError::NotFound)?;
    let named = NamedFile::open_async(&path)
        .await
        .map_err(|_| ApiError::NotFound)?;
    let mime: mime_guess::mime::Mime = stored
        .content_type
        .parse()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?;
    Ok(named
        .set_content_type(mime)
        .set_content_disposition(disposition)
        .into_response(req))
}

const MATROSKA: &str = "video/x-matroska";

/// A stored file of a recording, streamed from object storage as a local one would be: one byte
/// range honoured (206), a range outside it refused (416), anything else the whole object.
pub(super) async fn from_object_storage(
    req: &HttpRequest,
    objects: &ObjectStorage,
    key: &str,
    content_type: &'static str,
    disposition: Option<ContentDisposition>,
) -> Result<HttpResponse, ApiError> {
    let unavailable = |e: StorageError| match e {
        StorageError::NotFound => {
            tracing::error!(%key, "a stored recording is missing from object storage");
            ApiError::NotFound
        }
        e => {
            tracing::warn!(%key, error = %e, "could not read a recording from object storage");
            ApiError::Unavailable
        }
    };
    let size = objects.size(key).await.map_err(unavailable)?;
    let asked = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok());
    let range = match asked {
        Some(value) if value.starts_with("bytes=") => {
            match super::hls::byte_range(value, size as usize) {
                Some((first, last)) => Some((first as u64, Some(last as u64))),
                None => {
                    return Ok(HttpResponse::RangeNotSatisfiable()
                        .insert_header((header::CONTENT_RANGE, format!("bytes */{size}")))
                        .finish())
                }
            }
        }
        _ => None,
    };
    if size == 0 {
        let mut empty = HttpResponse::Ok();
        empty.insert_header((header::CONTENT_TYPE, content_type));
        if let Some(disposition) = disposition {
            empty.insert_header(disposition);
        }
        return Ok(empty.finish());
    }
    let read = objects.read(key, range).await.map_err(unavailable)?;
    let mut response = match range {
        Some(_) => {
            let mut partial = HttpResponse::PartialContent();
            partial.insert_header((
                header::CONTENT_RANGE,
                format!(
                    "bytes {}-{}/{}",
                    read.range.start,
                    read.range.end.saturating_sub(1),
                    read.size
                ),
            ));
            partial
        }
        None => HttpResponse::Ok(),
    };
    response
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::ACCEPT_RANGES, "bytes"));
    if let Some(disposition) = disposition {
        response.insert_header(disposition);
    }
    Ok(response
        .no_chunking(read.range.end - read.range.start)
        .streaming(crate::object_storage::body_stream(read.body)))
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

/// Whether what a room left (its recordings, their replays, its clips) is served to `caller`:
/// to anyone while the room exists; once it is deleted, only to its owner and to admins (404 for
/// everyone else, as if it were gone).
pub(super) async fn check_room_visible(
    state: &AppState,
    caller: Option<&AuthUser>,
    room_id: String,
) -> Result<(), ApiError> {
    let room = state
        .db
        .run(move |conn| Ok(Room::find_including_deleted(conn, &room_id)?))
        .await?
        .ok_or(ApiError::NotFound)?;
    let allowed = room.deleted_at.is_none()
        || caller.is_some_and(|c| c.is_admin() || c.id() == room.owner_id);
    allowed.then_some(()).ok_or(ApiError::NotFound)
}

/// 403 unless `caller` owns the room `room_id` or is an admin. The room may be soft-deleted: its
/// owner still owns what it left (recordings, clips).
pub(super) async fn check_room_owner(
    state: &AppState,
    caller: &AuthUser,
    room_id: String,
) -> Result<(), ApiError> {
    let owner = state
        .db
        .run(move |conn| Ok(Room::find_including_deleted(conn, &room_id)?.map(|r| r.owner_id)))
        .await?;
    if owner.as_deref() != Some(caller.id()) && !caller.is_admin() {
        return Err(ApiError::Forbidden);
    }
    Ok(())
}
