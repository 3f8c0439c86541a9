//! `/vod/<recording-id>/...`: a past broadcast as HLS VOD, from the recordings directory or, once
//! uploaded, from object storage, with CORS for players (the same shape as `/hls`).
//!
//! ```text
//! master.m3u8                      the multivariant playlist             max-age=3600
//! <rendition>/playlist.m3u8        media playlist (VOD, ENDLIST)          max-age=3600
//! <rendition>/init.mp4, <msn>.m4s  CMAF header and segments               immutable
//! thumbnails.vtt, sprite-<n>.jpg   the timeline preview                   max-age=3600
//! poster.jpg                       the poster frame                       max-age=3600
//! ```
//!
//! Only the names the VOD writer makes are served; anything else is a 404.

use super::files::from_object_storage;
use crate::errors::ApiError;
use crate::models::recording::{Recording, RecordingStatus};
use crate::models::room::Room;
use crate::object_storage::ObjectStorage;
use crate::replays::Replay;
use crate::state::AppState;
use actix_files::NamedFile;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use hls::layout::plain_name;
use std::sync::{Arc, PoisonError};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const HOUR: &str = "public, max-age=3600";

/// The `/vod` scope with its CORS policy.
pub fn scope() -> actix_web::Scope<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    web::scope("/vod")
        .wrap(super::files::cors())
        .route("/{recording_id}/{file:.*}", web::get().to(serve))
}

/// What a path under a recording names: its content type and cache policy, if it is one of the
/// files the VOD writer makes (`a/b` at most, every part a plain name).
fn classify(path: &str) -> Option<(&'static str, &'static str)> {
    let parts: Vec<&str> = path.split('/').collect();
    if parts.is_empty() || parts.len() > 2 || !parts.iter().all(|p| plain_name(p)) {
        return None;
    }
    let file = parts.last()?;
    let (_, extension) = file.rsplit_once('.')?;
    let nested = parts.len() == 2;
    match (extension, nested) {
        ("m3u8", _) => Some(("application/vnd.apple.mpegurl", HOUR)),
        ("m4s", true) => Some(("video/iso.segment", IMMUTABLE)),
        ("mp4", true) => Some(("video/mp4", IMMUTABLE)),
        ("vtt", false) => Some(("text/vtt; charset=utf-8", HOUR)),
        ("jpg", false) => Some(("image/jpeg", HOUR)),
        _ => None,
    }
}

/// `<rendition>/<msn>.m4s`: the rendition and the segment's number.
fn segment(file: &str) -> Option<(&str, u64)> {
    let (rendition, name) = file.split_once('/')?;
    let msn = name.strip_suffix(".m4s")?;
    let plain = !msn.is_empty() && msn.len() <= 19 && msn.bytes().all(|b| b.is_ascii_digit());
    Some((rendition, msn.parse().ok().filter(|_| plain)?))
}

/// How many segments `rendition` of `replay` has (its VOD playlist numbers them from 0), read
/// from disk or object storage the first time.
async fn listed_segments(
    state: &AppState,
    replay: &Replay,
    rendition: &str,
) -> Result<u64, ApiError> {
    if let Some(count) = replay
        .listed
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(rendition)
    {
        return Ok(*count);
    }
    let source = crate::clips::Source::of(
        &replay.recording,
        &state.layout.recordings_dir(),
        state.objects.as_deref(),
    )
    .map_err(|_| ApiError::NotFound)?;
    let text = source
        .read(&format!("{rendition}/playlist.m3u8"))
        .await
        .map_err(|_| ApiError::NotFound)?;
    let playlist = m3u8_rs::parse_media_playlist_res(&text).map_err(|_| ApiError::NotFound)?;
    let count = playlist.media_sequence + playlist.segments.len() as u64;
    replay
        .listed
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(rendition.to_owned(), count);
    Ok(count)
}

/// The replay `id`, read from the database (and remembered); 404 unless it is a complete one.
async fn look_up(state: &AppState, id: &str) -> Result<Replay, ApiError> {
    let id = id.to_owned();
    let replay = state
        .db
        .run(move |conn| {
            let Some(recording) = Recording::find(conn, &id)? else {
                return Ok(None);
            };
            let Some(room) = Room::find_including_deleted(conn, &recording.room_id)? else {
                return Ok(None);
            };
            Ok(Some(Replay {
                recording,
                room_owner: room.owner_id,
                room_deleted: room.deleted_at.is_some(),
                listed: Arc::default(),
            }))
        })
        .await?
        .filter(|r| r.recording.vod && r.recording.status == RecordingStatus::Complete)
        .ok_or(ApiError::NotFound)?;
    state.replays.keep(&replay);
    Ok(replay)
}

/// 404 for a deleted room's replay, unless the request carries its owner's or an admin's token.
async fn check_visible(req: &HttpRequest, replay: &Replay) -> Result<(), ApiError> {
    if !replay.room_deleted {
        return Ok(());
    }
    use actix_web::FromRequest;
    let caller = crate::auth::MaybeUser::extract(req).await?;
    let allowed = caller
        .0
        .is_some_and(|c| c.is_admin() || c.id() == replay.room_owner);
    allowed.then_some(()).ok_or(ApiError::NotFound)
}

async fn serve(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, file) = path.into_inner();
    let (content_type, cache) = classify(&file).ok_or(ApiError::NotFound)?;
    if !plain_name(&id) {
        return Err(ApiError::NotFound);
    }
    let (remembered, fresh) = match state.replays.get(&id) {
        Some(remembered) => (remembered, false),
        None => (look_up(&state, &id).await?, true),
    };
    check_visible(&req, &remembered).await?;
    if let Some((rendition, msn)) = segment(&file) {
        if msn >= listed_segments(&state, &remembered, rendition).await? {
            return Err(ApiError::NotFound);
        }
    }
    if fresh {
        return send(
            &req,
            &state,
            &remembered.recording,
            &file,
            content_type,
            cache,
        )
        .await;
    }
    match send(
        &req,
        &state,
        &remembered.recording,
        &file,
        content_type,
        cache,
    )
    .await
    {
        // Moved to object storage, or deleted, since it was read.
        Err(ApiError::NotFound) => {
            let replay = look_up(&state, &id).await?;
            check_visible(&req, &replay).await?;
            send(&req, &state, &replay.recording, &file, content_type, cache).await
        }
        sent => sent,
    }
}

/// `file` of `recording`'s replay, from object storage or this node's recordings directory.
async fn send(
    req: &HttpRequest,
    state: &AppState,
    recording: &Recording,
    file: &str,
    content_type: &'static str,
    cache: &'static str,
) -> Result<HttpResponse, ApiError> {
    if let (Some(_), Some(objects)) = (&recording.object_key, &state.objects) {
        let key = ObjectStorage::vod_key(recording, file);
        let mut response = from_object_storage(req, objects, &key, content_type, None).await?;
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        return Ok(response);
    }
    if !plain_name(&recording.stream_id) {
        return Err(ApiError::NotFound);
    }
    let full = state
        .layout
        .recordings_dir()
        .join(&recording.stream_id)
        .join(file);
    let named = NamedFile::open_async(&full)
        .await
        .map_err(|_| ApiError::NotFound)?;
    let mime: mime_guess::mime::Mime = content_type
        .parse()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?;
    let mut response = named
        .set_content_type(mime)
        .disable_content_disposition()
        .into_response(req);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_named_by_their_number() {
        assert_eq!(segment("720p/12.m4s"), Some(("720p", 12)));
        for other in [
            "720p/init.mp4",
            "720p/a.m4s",
            "720p/.m4s",
            "12.m4s",
            "720p/1.2.m4s",
        ] {
            assert_eq!(segment(other), None, "{other}");
        }
    }

    #[test]
    fn only_the_writers_own_names_are_served() {
        assert!(classify("master.m3u8").is_some());
        assert!(classify("720p/playlist.m3u8").is_some());
        assert!(classify("720p/init.mp4").is_some());
        assert!(classify("720p/12.m4s").is_some());
        assert!(classify("thumbnails.vtt").is_some());
        assert!(classify("sprite-0.jpg").is_some());
        assert!(classify("poster.jpg").is_some());
        for refused in [
            "",
            "../x.m3u8",
            "720p/../../etc/passwd",
            "a/b/c.m4s",
            "12.m4s",
            "720p/poster.jpg",
            ".hidden.m3u8",
            "720p/%2e%2e.m4s",
            "archive.mkv",
            "720p/",
        ] {
            assert!(classify(refused).is_none(), "{refused:?}");
        }
    }
}
