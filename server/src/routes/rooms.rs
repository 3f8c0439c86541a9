//! Rooms: create, list and search, show, edit, delete, regenerate the key, list recordings.

use super::error_responses::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, Unauthorized, Unavailable,
    ValidationFailed,
};
use super::views::{RoomView, Urls};
use crate::auth::{AuthUser, MaybeUser};
use crate::broadcasts::revoke_where;
use crate::chat::ChatSettings;
use crate::errors::ApiError;
use crate::models::preset::Preset;
use crate::models::recording::{Recording, RecordingView};
use crate::models::room::{hash_stream_key, new_stream_key, Room, RoomChanges};
use crate::models::user::Role;
use crate::models::{new_id, now_ms};
use crate::state::AppState;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use media::StreamId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRoom {
    /// 1 to 200 characters, not only white space (the pattern spells out what `str::trim`
    /// removes: engines differ on `\s`); stored trimmed.
    #[schema(
        max_length = 200,
        pattern = r"[^\t\n\u000B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub description: String,
    /// The default preset when omitted; an unknown preset is refused with 422.
    pub preset_id: Option<String>,
    #[serde(default = "yes")]
    pub chat_enabled: bool,
    /// Replays and clips older than this many days are removed; 0 or omitted keeps them.
    #[schema(minimum = 0, maximum = 3650)]
    #[serde(default, deserialize_with = "crate::models::optional_whole_number")]
    pub retention_days: Option<u32>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoomUpdate {
    /// As in `NewRoom`.
    #[schema(
        max_length = 200,
        pattern = r"[^\t\n\u000B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub title: Option<String>,
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    /// An unknown preset is refused with 422.
    pub preset_id: Option<String>,
    pub chat_enabled: Option<bool>,
    /// As in `NewRoom`: 0 keeps replays and clips for ever.
    #[schema(minimum = 0, maximum = 3650)]
    #[serde(default, deserialize_with = "crate::models::optional_whole_number")]
    pub retention_days: Option<u32>,
}

/// The stored form of a retention: 0 is none.
fn retention(days: Option<u32>) -> Result<Option<i32>, ApiError> {
    match days {
        None | Some(0) => Ok(None),
        Some(days @ 1..=3650) => Ok(Some(days as i32)),
        Some(_) => Err(ApiError::field(
            "retention_days",
            "must be between 0 (keep) and 3650",
        )),
    }
}

/// A stream key, shown only when created or regenerated.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StreamKeyView {
    pub stream_key: String,
    /// Where to point OBS: `rtmp://HOST:PORT/APP`.
    pub ingest_url: String,
    /// The SRT ingest, `srt://HOST:PORT` (the key goes in `?streamid=`); `null` while SRT is off.
    pub srt_ingest_url: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedRoom {
    pub room: RoomView,
    #[serde(flatten)]
    pub key: StreamKeyView,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RoomQuery {
    /// Text to search for in titles and descriptions.
    pub q: Option<String>,
    /// Only the rooms of this user.
    pub owner_id: Option<String>,
    /// At most this many rooms (50 when omitted; values are brought into 1 to 200).
    pub limit: Option<i64>,
    /// Rooms to skip (a negative value counts as 0).
    pub offset: Option<i64>,
}

fn validate(title: Option<&str>, description: Option<&str>) -> Result<(), ApiError> {
    let mut fields = BTreeMap::new();
    if let Some(t) = title {
        if t.trim().is_empty() || t.chars().count() > 200 {
            fields.insert("title".to_owned(), "must be 1 to 200 characters".to_owned());
        }
    }
    if description.is_some_and(|d| d.chars().count() > 5000) {
        fields.insert(
            "description".to_owned(),
            "must be at most 5000 characters".to_owned(),
        );
    }
    if fields.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(fields))
    }
}

async fn view(state: &AppState, urls: &Urls, room: Room, owner: String) -> RoomView {
    let live = match room.live_stream_id.as_deref().and_then(StreamId::parse) {
        Some(id) => state.live_stream(&id).await,
        None => None,
    };
    let viewers = state.chat.hub.viewer_count(&room.id);
    let latency = state.chat.latency.of_room(&room.id);
    RoomView::new(room, owner, live.as_ref(), urls, viewers, latency)
}

fn key_view(urls: &Urls, key: String) -> StreamKeyView {
    StreamKeyView {
        stream_key: key,
        ingest_url: urls.ingest.clone(),
        srt_ingest_url: urls.srt.clone(),
    }
}

async fn check_preset(state: &AppState, id: &str) -> Result<(), ApiError> {
    let id = id.to_owned();
    match state
        .db
        .run(move |conn| Ok(Preset::find(conn, &id)?))
        .await?
    {
        Some(_) => Ok(()),
        None => Err(ApiError::field("preset_id", "no such preset")),
    }
}

/// Lists rooms, live ones first; `q` searches titles and descriptions, `owner_id` picks one
/// user's rooms.
#[utoipa::path(operation_id = "list_rooms", tag = "rooms", params(RoomQuery), responses(
    (status = 200, body = Vec<RoomView>), BadRequest, Unavailable))]
#[get("/rooms")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<RoomQuery>,
) -> Result<web::Json<Vec<RoomView>>, ApiError> {
    let query = query.into_inner();
    let limit = query.limit.unwrap_or(50).clamp(1, 200);
    let offset = query.offset.unwrap_or(0).max(0);
    let text = query.q.map(|q| q.chars().take(100).collect::<String>());
    let rooms = state
        .db
        .run(move |conn| {
            Ok(Room::search(
                conn,
                text.as_deref(),
                query.owner_id.as_deref(),
                limit,
                offset,
            )?)
        })
        .await?;
    let urls = Urls::of(&req, &state);
    let views = rooms
        .into_iter()
        .map(|(room, owner)| view(&state, &urls, room, owner));
    Ok(web::Json(futures_util::future::join_all(views).await))
}

/// Creates a room for the caller (streamers and admins) and returns its stream key, once. A
/// streamer may own `limits.rooms_per_user` rooms (409 `limit_reached` beyond).
#[utoipa::path(operation_id = "create_room", tag = "rooms", security(("bearer" = [])), request_body = NewRoom, responses(
    (status = 201, body = CreatedRoom), BadRequest, Unauthorized, Forbidden, Conflict,
    PayloadTooLarge, ValidationFailed, Unavailable))]
#[post("/rooms")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    body: web::Json<NewRoom>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Streamer)?;
    let body = body.into_inner();
    validate(Some(&body.title), Some(&body.description))?;
    let retention_days = retention(body.retention_days)?;
    if !caller.is_admin() {
        let owner = caller.id().to_owned();
        let owned = state
            .db
            .run(move |conn| Ok(Room::count_of_owner(conn, &owner)?))
            .await?;
        let limit = state.limits.account.rooms_per_user;
        if owned >= limit as i64 {
            return Err(ApiError::LimitReached(format!(
                "you have {owned} rooms, the most one account may have ({limit}); delete one first"
            )));
        }
    }
    let preset_id = match body.preset_id {
        Some(id) => {
            check_preset(&state, &id).await?;
            id
        }
        None => state
            .db
            .run(|conn| Ok(Preset::find_default(conn)?))
            .await?
            .map(|p| p.id)
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no default preset")))?,
    };
    let key = new_stream_key();
    let room = Room {
        id: new_id(),
        owner_id: caller.id().to_owned(),
        title: body.title.trim().to_owned(),
        description: body.description,
        preset_id,
        chat_enabled: body.chat_enabled,
        stream_key_hash: hash_stream_key(&key),
        live_stream_id: None,
        live_since: None,
        created_at: now_ms(),
        deleted_at: None,
        slow_mode_seconds: 0,
        retention_days,
    };
    let row = room.clone();
    state
        .db
        .run(move |conn| Ok(Room::insert(conn, &row)?))
        .await?;
    tracing::info!(room = %room.id, owner = %caller.id(), "room created");
    let urls = Urls::of(&req, &state);
    let owner = caller.0.username.clone();
    Ok(HttpResponse::Created().json(CreatedRoom {
        room: view(&state, &urls, room, owner).await,
        key: key_view(&urls, key),
    }))
}

/// One room, with its live status and playback URL.
#[utoipa::path(operation_id = "get_room", tag = "rooms", params(("id" = String, Path)), responses(
    (status = 200, body = RoomView), NotFound, Unavailable))]
#[get("/rooms/{id}")]
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<RoomView>, ApiError> {
    let id = path.into_inner();
    let (room, owner) = state
        .db
        .run(move |conn| Ok(Room::find_with_owner(conn, &id)?))
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(web::Json(
        view(&state, &Urls::of(&req, &state), room, owner).await,
    ))
}

/// Edits a room (owner or admin). A new preset applies from the next broadcast.
#[utoipa::path(operation_id = "update_room", tag = "rooms", security(("bearer" = [])), params(("id" = String, Path)), request_body = RoomUpdate, responses(
    (status = 200, body = RoomView), BadRequest, Unauthorized, Forbidden, NotFound,
    PayloadTooLarge, ValidationFailed, Unavailable))]
#[patch("/rooms/{id}")]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<String>,
    body: web::Json<RoomUpdate>,
) -> Result<web::Json<RoomView>, ApiError> {
    let room = super::access::managed_room(&state, &caller, path.into_inner()).await?;
    let body = body.into_inner();
    validate(body.title.as_deref(), body.description.as_deref())?;
    if let Some(preset) = &body.preset_id {
        check_preset(&state, preset).await?;
    }
    let chat_switched = body.chat_enabled.is_some();
    let retention_days = match body.retention_days {
        Some(days) => Some(retention(Some(days))?),
        None => None,
    };
    let changes = RoomChanges {
        title: body.title.map(|t| t.trim().to_owned()),
        description: body.description,
        preset_id: body.preset_id,
        chat_enabled: body.chat_enabled,
        retention_days,
    };
    let id = room.id.clone();
    let (room, owner) = state
        .db
        .run(move |conn| {
            Room::update(conn, &id, &changes)?;
            Ok(Room::find_with_owner(conn, &id)?)
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    if chat_switched {
        // Open chat connections follow the switch at once.
        state
            .chat
            .change_settings(&room.id, ChatSettings::stored(&room));
    }
    Ok(web::Json(
        view(&state, &Urls::of(&req, &state), room, owner).await,
    ))
}

/// Deletes a room (owner or admin): its key stops working; its recordings stay until deleted.
#[utoipa::path(operation_id = "delete_room", tag = "rooms", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 204, description = "the room is deleted"), Unauthorized, Forbidden, NotFound,
    Unavailable))]
#[delete("/rooms/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let room = super::access::managed_room(&state, &caller, path.into_inner()).await?;
    let id = room.id.clone();
    state
        .db
        .run(move |conn| Ok(Room::soft_delete(conn, &id)?))
        .await?;
    // A broadcast in the deleted room ends now, started or not.
    revoke_where(&state.rooms, &state.ingest.handle, |g| g.room_id == room.id);
    // Its replays are served only to its owner and admins from now on.
    state.replays.forget_all();
    tracing::info!(room = %room.id, by = %caller.id(), "room deleted");
    Ok(HttpResponse::NoContent().finish())
}

/// Replaces the room's stream key; the old one stops working at once. Shown this once.
#[utoipa::path(operation_id = "regenerate_stream_key", tag = "rooms", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = StreamKeyView), Unauthorized, Forbidden, NotFound, Unavailable))]
#[post("/rooms/{id}/stream-key")]
pub async fn regenerate_key(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<String>,
) -> Result<web::Json<StreamKeyView>, ApiError> {
    let room = super::access::managed_room(&state, &caller, path.into_inner()).await?;
    let key = new_stream_key();
    let (id, hash) = (room.id.clone(), hash_stream_key(&key));
    let new_hash = hash.clone();
    state
        .db
        .run(move |conn| Ok(Room::set_key_hash(conn, &id, &new_hash)?))
        .await?;
    // A publisher that presented the old key stops now, started or not.
    let ended = revoke_where(&state.rooms, &state.ingest.handle, |g| {
        g.room_id == room.id && g.key_hash != hash
    });
    tracing::info!(room = %room.id, publishers_ended = ended, "stream key regenerated");
    Ok(web::Json(key_view(&Urls::of(&req, &state), key)))
}

/// The room's recordings, newest first. A deleted room's recordings stay listed for its owner
/// and admins, who may still delete them.
#[utoipa::path(operation_id = "list_room_recordings", tag = "recordings", security((), ("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = Vec<RecordingView>), Unauthorized, NotFound, Unavailable))]
#[get("/rooms/{id}/recordings")]
pub async fn recordings(
    state: web::Data<AppState>,
    caller: MaybeUser,
    path: web::Path<String>,
) -> Result<web::Json<Vec<RecordingView>>, ApiError> {
    let id = path.into_inner();
    let found = state
        .db
        .run(move |conn| {
            let Some(room) = Room::find_including_deleted(conn, &id)? else {
                return Ok(None);
            };
            Ok(Some((room, Recording::list_for_room(conn, &id)?)))
        })
        .await?;
    let (room, recordings) = found.ok_or(ApiError::NotFound)?;
    if room.deleted_at.is_some() {
        let may_see = caller
            .0
            .as_ref()
            .is_some_and(|c| c.is_admin() || c.id() == room.owner_id);
        if !may_see {
            return Err(ApiError::NotFound);
        }
    }
    Ok(web::Json(recordings.iter().map(Recording::view).collect()))
}
