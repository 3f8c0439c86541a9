//! Clips: up to a minute of a broadcast, cut from its recording (or the last minute of a live
//! one) at keyframes without re-encoding ([`crate::clips`]), each with its own page. Any
//! logged-in user cuts (`clips.per_user_per_hour`); the room's owner and admins delete.

use super::access::{check_room_owner, check_room_visible};
use super::error_responses::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, TooManyRequests, Unauthorized,
    Unavailable, ValidationFailed,
};
use super::files::{stored_file, FileQuery, StoredFile};
use crate::auth::{AuthUser, MaybeUser};
use crate::clips::{self, ClipError, Source, Stretch, MAX_CLIP};
use crate::errors::ApiError;
use crate::models::clip::{Clip, ClipView};
use crate::models::recording::{Recording, RecordingStatus};
use crate::models::room::Room;
use crate::models::{new_id, now_ms};
use crate::state::AppState;
use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// What to cut of a recording.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClip {
    /// Where the clip starts, in seconds from the recording's start (a start past the
    /// recording's end is refused with 422). The clip starts on the keyframe at or before this
    /// point.
    #[schema(minimum = 0.0, exclusive_maximum = 10000000.0)]
    pub start_seconds: f64,
    /// How long it lasts: more than 0 and at most 60 seconds (it ends on the keyframe at or
    /// after, so it may be up to a GOP longer).
    #[schema(exclusive_minimum = 0.0, maximum = 60.0)]
    pub duration_seconds: f64,
}

/// What to cut of a live broadcast.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLiveClip {
    /// How many seconds before the live edge the clip starts: more than 0 and at most 60. The
    /// clip starts on the keyframe at or before this point.
    #[schema(exclusive_minimum = 0.0, maximum = 60.0)]
    pub start_seconds: f64,
    /// How long it lasts: more than 0 and at most 60 seconds; it ends at the live edge at the
    /// latest.
    #[schema(exclusive_minimum = 0.0, maximum = 60.0)]
    pub duration_seconds: f64,
}

/// One message per invalid field.
fn validate(body: &NewClip, live: bool) -> Result<Stretch, ApiError> {
    let max = MAX_CLIP.as_secs_f64();
    let mut fields = BTreeMap::new();
    let start_ok = body.start_seconds.is_finite()
        && body.start_seconds >= 0.0
        && (!live || (body.start_seconds > 0.0 && body.start_seconds <= max))
        && body.start_seconds < 1.0e7;
    if !start_ok {
        fields.insert(
            "start_seconds".to_owned(),
            if live {
                format!("must be more than 0 and at most {max} seconds back")
            } else {
                "must be 0 or more seconds into the recording".to_owned()
            },
        );
    }
    if !(body.duration_seconds.is_finite()
        && body.duration_seconds > 0.0
        && body.duration_seconds <= max)
    {
        fields.insert(
            "duration_seconds".to_owned(),
            format!("must be more than 0 and at most {max} seconds"),
        );
    }
    if !fields.is_empty() {
        return Err(ApiError::Validation(fields));
    }
    Ok(Stretch {
        start: Duration::from_secs_f64(body.start_seconds),
        duration: Duration::from_secs_f64(body.duration_seconds),
        from_live_edge: live,
    })
}

/// Cuts `stretch` of `recording` for `caller`, stores it and records it. The cut runs in a task
/// of its own that holds its `clips.max_concurrent` place until the clip is stored and recorded
/// or its files removed: a client that goes away mid-cut frees nothing early and leaves nothing
/// behind (the clip is kept, as if it had waited).
async fn cut_and_store(
    state: &web::Data<AppState>,
    caller: &AuthUser,
    recording: &Recording,
    stretch: Stretch,
) -> Result<HttpResponse, ApiError> {
    if let Some(why) = state
        .limits
        .broadcasts
        .refuse_clip(&state.db, caller.id(), caller.is_admin())
        .await?
    {
        return Err(ApiError::LimitReached(why));
    }
    if !state.clips.limiter.allow(caller.id()).await {
        return Err(ApiError::RateLimited);
    }
    let task = tokio::spawn(cut_in_turn(
        state.clone(),
        caller.id().to_owned(),
        recording.clone(),
        stretch,
    ));
    let clip = task
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("the clip's cut stopped: {e}")))??;
    Ok(HttpResponse::Created().json(clip.view()))
}

/// Waits for a place among the cuts (`clips.queue_seconds`, then 503), cuts, stores the MP4
/// and inserts its row.
async fn cut_in_turn(
    state: web::Data<AppState>,
    by: String,
    recording: Recording,
    stretch: Stretch,
) -> Result<Clip, ApiError> {
    // Cutting reads and writes up to a minute of media: a few at a time per node.
    let _turn = tokio::time::timeout(state.clips.queue, state.clips.cuts.clone().acquire_owned())
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or_else(|| {
            tracing::warn!(recording = %recording.id, "clips.max_concurrent cuts are running; one more is refused");
            ApiError::Unavailable
        })?;
    let id = new_id();
    let clips_dir = clips_dir(&state);
    let recordings_dir = state.layout.recordings_dir();
    let source = Source::of(&recording, &recordings_dir, state.objects.as_deref())
        .map_err(|_| no_replay())?;
    let cut = clips::cut(&source, &clips_dir, &id, stretch)
        .await
        .map_err(|e| match e {
            ClipError::NoReplay | ClipError::NoVideo => no_replay(),
            ClipError::OutOfRange => {
                ApiError::field("start_seconds", "is past the end of the broadcast")
            }
            e => {
                tracing::error!(recording = %recording.id, error = %e, "could not cut a clip");
                ApiError::Internal(e.into())
            }
        })?;
    let mut clip = Clip {
        id,
        room_id: recording.room_id.clone(),
        recording_id: recording.id.clone(),
        created_by: by,
        created_at: now_ms(),
        start_ms: cut.start.as_millis() as i64,
        duration_ms: cut.duration.as_millis() as i64,
        bytes: cut.bytes as i64,
        object_key: None,
    };
    if let Some(objects) = &state.objects {
        let key = clip_key(&clip);
        match objects.upload(&cut.file, &key).await {
            Ok(()) => {
                clip.object_key = Some(key);
                let _ = tokio::fs::remove_file(&cut.file).await;
            }
            Err(e) => {
                tracing::warn!(clip = %clip.id, error = %e, "a clip could not be stored in object storage; it stays on this node");
            }
        }
    }
    let row = clip.clone();
    let inserted = state
        .db
        .run(move |conn| Ok(Clip::insert(conn, &row)?))
        .await;
    if let Err(e) = inserted {
        // No row, no file: what is not recorded is not kept.
        crate::stored::remove_clip(state.objects.as_deref(), &clips_dir, &clip).await;
        return Err(e.into());
    }
    tracing::info!(clip = %clip.id, recording = %recording.id, by = %clip.created_by, start = ?cut.start, duration = ?cut.duration, "clip cut");
    Ok(clip)
}

fn no_replay() -> ApiError {
    ApiError::Conflict("this broadcast has no replay to cut clips from".into())
}

fn clip_key(clip: &Clip) -> String {
    format!("clips/{}/{}.mp4", clip.room_id, clip.id)
}

/// Cuts a clip of a recording (any logged-in user, `clips.per_user_per_hour` at most).
/// 409 when the recording has no replay (still recording, or recorded before replays existed),
/// and 409 `limit_reached` when the disk is nearly full or the caller's recordings and clips
/// take `limits.stored_mib_per_user`.
#[utoipa::path(operation_id = "create_recording_clip", tag = "clips", security(("bearer" = [])), params(("id" = String, Path)), request_body = NewClip, responses(
    (status = 201, body = ClipView), BadRequest, Unauthorized, NotFound, Conflict,
    PayloadTooLarge, ValidationFailed, TooManyRequests, Unavailable))]
#[post("/recordings/{id}/clips")]
pub async fn from_recording(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<String>,
    body: web::Json<NewClip>,
) -> Result<HttpResponse, ApiError> {
    let stretch = validate(&body, false)?;
    let id = path.into_inner();
    let recording = state
        .db
        .run(move |conn| Ok(Recording::find(conn, &id)?))
        .await?
        .ok_or(ApiError::NotFound)?;
    check_room_visible(&state, Some(&caller), recording.room_id.clone()).await?;
    if !(recording.vod && recording.status == RecordingStatus::Complete) {
        return Err(no_replay());
    }
    cut_and_store(&state, &caller, &recording, stretch).await
}

/// Cuts a clip of the room's live broadcast, starting up to 60 s before the live edge (any
/// logged-in user, `clips.per_user_per_hour` at most). 409 when the room is not live on this
/// server, and 409 `limit_reached` as for a recording's clips.
#[utoipa::path(operation_id = "create_live_clip", tag = "clips", security(("bearer" = [])), params(("id" = String, Path)), request_body = NewLiveClip, responses(
    (status = 201, body = ClipView), BadRequest, Unauthorized, NotFound, Conflict,
    PayloadTooLarge, ValidationFailed, TooManyRequests, Unavailable))]
#[post("/rooms/{id}/clips")]
pub async fn from_live(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<String>,
    body: web::Json<NewLiveClip>,
) -> Result<HttpResponse, ApiError> {
    let body = NewClip {
        start_seconds: body.start_seconds,
        duration_seconds: body.duration_seconds,
    };
    let stretch = validate(&body, true)?;
    let room_id = path.into_inner();
    let id = room_id.clone();
    state
        .db
        .run(move |conn| Ok(Room::find(conn, &id)?))
        .await?
        .ok_or(ApiError::NotFound)?;
    let stream = state
        .live
        .list()
        .into_iter()
        .rev()
        .find(|s| s.room_id.as_deref() == Some(room_id.as_str()))
        .ok_or_else(|| ApiError::Conflict("the room is not live on this server".into()))?;
    let stream_id = stream.id.to_string();
    let recording = state
        .db
        .run(move |conn| Ok(Recording::of_stream(conn, &stream_id)?))
        .await?
        .filter(|r| r.status == RecordingStatus::Recording)
        .ok_or_else(|| ApiError::Conflict("the room is not live on this server".into()))?;
    cut_and_store(&state, &caller, &recording, stretch).await
}

/// A room's clips, newest first.
#[utoipa::path(operation_id = "list_room_clips", tag = "clips", params(("id" = String, Path)), responses(
    (status = 200, body = Vec<ClipView>), NotFound, Unavailable))]
#[get("/rooms/{id}/clips")]
pub async fn list(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<Vec<ClipView>>, ApiError> {
    let room_id = path.into_inner();
    let clips = state
        .db
        .run(move |conn| {
            if Room::find(conn, &room_id)?.is_none() {
                return Ok(None);
            }
            Ok(Some(Clip::list_for_room(conn, &room_id)?))
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(web::Json(clips.iter().map(Clip::view).collect()))
}

/// Clip `id`, if `caller` may see it (its room exists, or `caller` owns it or is an admin).
async fn find(state: &AppState, caller: Option<&AuthUser>, id: String) -> Result<Clip, ApiError> {
    let clip = state
        .db
        .run(move |conn| Ok(Clip::find(conn, &id)?))
        .await?
        .ok_or(ApiError::NotFound)?;
    check_room_visible(state, caller, clip.room_id.clone()).await?;
    Ok(clip)
}

/// One clip (once its room is deleted, only for its owner and admins).
#[utoipa::path(operation_id = "get_clip", tag = "clips", security((), ("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = ClipView), Unauthorized, NotFound, Unavailable))]
#[get("/clips/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    caller: MaybeUser,
    path: web::Path<String>,
) -> Result<web::Json<ClipView>, ApiError> {
    Ok(web::Json(
        find(&state, caller.0.as_ref(), path.into_inner())
            .await?
            .view(),
    ))
}

/// A clip's MP4 (H.264 + AAC, index first), with HTTP Range so a `<video>` element can seek.
#[utoipa::path(operation_id = "get_clip_file", tag = "clips", security((), ("bearer" = [])), params(("id" = String, Path), FileQuery), responses(
    (status = 200, description = "the clip", content_type = "video/mp4", body = [u8]),
    (status = 206, description = "a range of it", content_type = "video/mp4", body = [u8]),
    (status = 416, description = "the range is outside the file"),
    BadRequest, Unauthorized, NotFound, Unavailable))]
#[get("/clips/{id}/file")]
pub async fn file(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybeUser,
    path: web::Path<String>,
    query: web::Query<FileQuery>,
) -> Result<HttpResponse, ApiError> {
    let clip = find(&state, caller.0.as_ref(), path.into_inner()).await?;
    let local = clip.file_name().map(|name| clips_dir(&state).join(name));
    stored_file(
        &req,
        &state,
        StoredFile {
            object_key: clip.object_key.as_deref(),
            local,
            content_type: "video/mp4",
            name: format!("clip-{}.mp4", clip.id),
            download: query.download.unwrap_or(false),
        },
    )
    .await
}

/// Where this node keeps clips (and cuts them).
fn clips_dir(state: &AppState) -> std::path::PathBuf {
    crate::clips::clips_dir(state.layout.data_dir())
}

/// Deletes a clip and its file (the room's owner or an admin).
#[utoipa::path(operation_id = "delete_clip", tag = "clips", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 204, description = "the clip and its file are deleted"), Unauthorized, Forbidden,
    NotFound, Unavailable))]
#[delete("/clips/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let clip = find(&state, Some(&caller), path.into_inner()).await?;
    check_room_owner(&state, &caller, clip.room_id.clone()).await?;
    let id = clip.id.clone();
    state
        .db
        .run(move |conn| Ok(Clip::delete(conn, &id)?))
        .await?;
    crate::stored::remove_clip(state.objects.as_deref(), &clips_dir(&state), &clip).await;
    tracing::info!(clip = %clip.id, by = %caller.id(), "clip deleted");
    Ok(HttpResponse::NoContent().finish())
}

/// The clip's page: the app's page, with Open Graph tags naming the clip, its video and its
/// room, so a link shared in chat or elsewhere shows a preview.
pub async fn open_graph(state: &AppState, id: &str) -> Option<(Clip, Option<Recording>, String)> {
    if !hls::layout::plain_name(id) {
        return None;
    }
    let id = id.to_owned();
    state
        .db
        .run(move |conn| {
            let Some(clip) = Clip::find(conn, &id)? else {
                return Ok(None);
            };
            // A deleted room's clips have no public page.
            let Some(room) = Room::find(conn, &clip.room_id)? else {
                return Ok(None);
            };
            let recording = Recording::find(conn, &clip.recording_id)?;
            Ok(Some((clip, recording, room.title)))
        })
        .await
        .ok()
        .flatten()
}
