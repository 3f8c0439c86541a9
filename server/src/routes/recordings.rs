//! Recordings: stream or download an archive (with Range), delete it.

use super::error_responses::{
    BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unavailable,
};
use crate::auth::{AuthUser, MaybeUser};
use crate::errors::ApiError;
use crate::models::recording::{Recording, RecordingStatus};
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
    if let (Some(key), Some(objects)) = (&recording.object_key, &state.objects) {
        return from_object_storage(&req, objects, key, disposition).await;
    }
    // Only files of the recordings directory are ever served.
    let path = recording
        .archive_file(&state.layout.recordings_dir())
        .ok_or(ApiError::NotFound)?;
    let named = NamedFile::open_async(&path)
        .await
        .map_err(|_| ApiError::NotFound)?;
    let mime: mime_guess::mime::Mime = MATROSKA
        .parse()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?;
    Ok(named
        .set_content_type(mime)
        .set_content_disposition(disposition)
        .into_response(&req))
}

const MATROSKA: &str = "video/x-matroska";

/// A stored archive, streamed from object storage as a local one would be: one byte range
/// honoured (206), a range outside it refused (416), anything else the whole object.
async fn from_object_storage(
    req: &HttpRequest,
    objects: &ObjectStorage,
    key: &str,
    disposition: ContentDisposition,
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
        return Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, MATROSKA))
            .insert_header(disposition)
            .finish());
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
    Ok(response
        .insert_header((header::CONTENT_TYPE, MATROSKA))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header(disposition)
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
    if let (Some(key), Some(objects)) = (&recording.object_key, &state.objects) {
        if let Err(e) = objects.delete(key).await {
            tracing::error!(recording = %recording.id, %key, error = %e, "the recording is deleted but its object could not be removed");
        }
    }
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
