//! A room's restream destinations: list, add, change, delete (room owner or admin). Each change
//! reaches the room's broadcast at once when it is live on this node. A destination's stream key
//! is write-only: sealed when saved, never shown again (only a hint of it).

use super::access::managed_room;
use super::error_responses::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, Unauthorized, Unavailable,
    ValidationFailed,
};
use crate::auth::AuthUser;
use crate::errors::ApiError;
use crate::models::destination::{Destination, DestinationChanges, TooManyDestinations};
use crate::models::{new_id, now_ms};
use crate::restream_keys::hint;
use crate::state::AppState;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use engine::restream::{DestinationState, DestinationStats};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A new destination.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDestination {
    /// What the streamer calls it ("YouTube"): 1 to 64 characters, not only white space, no
    /// control characters; stored trimmed.
    #[schema(
        max_length = 64,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub name: String,
    /// The server to push to, without the key: `rtmp://host[:port]/app` or `rtmps://...`, with
    /// an application path; no user name, password, query or fragment, no spaces (422 with the
    /// reason otherwise, e.g. for a port out of range).
    #[schema(
        max_length = 1024,
        pattern = r"^[Rr][Tt][Mm][Pp][Ss]?://[^/?#@\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]+/[^?#@\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^/?#@\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^?#@\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
    )]
    pub url: String,
    /// The destination's stream key: 1 to 512 characters, no white space or control characters.
    /// Sealed when saved and never shown again.
    #[schema(
        write_only,
        min_length = 1,
        max_length = 512,
        pattern = r"^[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]+$"
    )]
    pub stream_key: String,
    /// Whether broadcasts are pushed to it (`true` when omitted).
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// Changes to a destination: any of its fields (a new `stream_key` replaces the old one).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DestinationUpdate {
    /// As in `NewDestination`.
    #[schema(
        max_length = 64,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub name: Option<String>,
    /// As in `NewDestination`.
    #[schema(
        max_length = 1024,
        pattern = r"^[Rr][Tt][Mm][Pp][Ss]?://[^/?#@\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]+/[^?#@\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^/?#@\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^?#@\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
    )]
    pub url: Option<String>,
    /// As in `NewDestination`.
    #[schema(
        write_only,
        min_length = 1,
        max_length = 512,
        pattern = r"^[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]+$"
    )]
    pub stream_key: Option<String>,
    pub enabled: Option<bool>,
}

/// Where a destination stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DestinationStatus {
    /// Not pushed to: turned off, or the room is not live on this server.
    Idle,
    /// Connecting, or waiting for the next keyframe to start from.
    Connecting,
    /// It takes the broadcast.
    Live,
    /// The last attempt failed (see `last_error`); the next starts after a pause.
    Retrying,
}

impl From<DestinationState> for DestinationStatus {
    fn from(state: DestinationState) -> Self {
        match state {
            DestinationState::Connecting => Self::Connecting,
            DestinationState::Live => Self::Live,
            DestinationState::Retrying => Self::Retrying,
        }
    }
}

/// A destination as its room's owner sees it. Its stream key is never part of it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DestinationView {
    pub id: String,
    pub name: String,
    pub url: String,
    /// `…` and the key's last 4 characters when it has at least 12, otherwise empty.
    pub stream_key_hint: String,
    pub enabled: bool,
    pub status: DestinationStatus,
    /// Why the last attempt of the current broadcast failed (the key blanked out); `null` when
    /// none did.
    pub last_error: Option<String>,
    /// Bytes the room's current broadcast has sent to it; 0 while idle.
    pub bytes_sent: u64,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
}

impl DestinationView {
    /// `destination` as shown; `live` holds the room's live stream's latest report of its
    /// destinations (empty before the first), `None` when the room is not live on this server.
    fn new(destination: Destination, live: Option<&[DestinationStats]>) -> Self {
        let report = live
            .filter(|_| destination.enabled)
            .map(|reports| reports.iter().find(|r| r.id == destination.id));
        let (status, last_error, bytes_sent) = match report {
            None => (DestinationStatus::Idle, None, 0),
            Some(None) => (DestinationStatus::Connecting, None, 0),
            Some(Some(r)) => (r.state.into(), r.last_error.clone(), r.bytes_sent),
        };
        Self {
            id: destination.id,
            name: destination.name,
            url: destination.url,
            stream_key_hint: destination.stream_key_hint,
            enabled: destination.enabled,
            status,
            last_error,
            bytes_sent,
            created_at: destination.created_at,
        }
    }
}

/// The latest report of the destinations of the room's live stream on this node (empty before
/// the first); `None` when the room is not live here.
fn live_reports(state: &AppState, room_id: &str) -> Option<Vec<DestinationStats>> {
    let stream = state
        .live
        .list()
        .into_iter()
        .rev()
        .find(|s| s.room_id.as_deref() == Some(room_id))?;
    Some(state.restreams.reports(&stream.id).unwrap_or_default())
}

/// One message per invalid field, for the fields given.
fn validate(
    name: Option<&str>,
    url: Option<&str>,
    stream_key: Option<&str>,
) -> Result<(), ApiError> {
    let mut fields = BTreeMap::new();
    if let Some(name) = name {
        if name.trim().is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control)
        {
            fields.insert(
                "name".to_owned(),
                "must be 1 to 64 characters, without control characters".to_owned(),
            );
        }
    }
    if let Some(Err(invalid)) = url.map(engine::restream::check_url) {
        fields.insert("url".to_owned(), invalid.to_string());
    }
    if let Some(key) = stream_key {
        if key.is_empty()
            || key.chars().count() > 512
            || key.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            fields.insert(
                "stream_key".to_owned(),
                "must be 1 to 512 characters, without spaces or control characters".to_owned(),
            );
        }
    }
    if fields.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(fields))
    }
}

/// `stream_key` sealed for the destination `id`.
fn seal(state: &AppState, id: &str, stream_key: &str) -> Result<String, ApiError> {
    state
        .restreams
        .sealer()
        .seal(id, stream_key)
        .map_err(|e| ApiError::Internal(e.into()))
}

/// Hands the room's new destination list to its broadcast, if it is live on this node. The
/// change is saved either way: should the list not load now, it applies from the next broadcast.
async fn apply_live(state: &AppState, room_id: &str) {
    if let Err(e) = state.restreams.reload(room_id).await {
        tracing::warn!(room = %room_id, error = %e, "a restream change is saved but could not reach the live broadcast");
    }
}

/// The room's restream destinations, oldest first, each with its status in the current
/// broadcast (room owner or admin).
#[utoipa::path(operation_id = "list_destinations", tag = "restream", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = Vec<DestinationView>), Unauthorized, Forbidden, NotFound, Unavailable))]
#[get("/rooms/{id}/destinations")]
pub async fn list(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<String>,
) -> Result<web::Json<Vec<DestinationView>>, ApiError> {
    let room = managed_room(&state, &caller, path.into_inner()).await?;
    let id = room.id.clone();
    let destinations = state
        .db
        .run(move |conn| Ok(Destination::list_for_room(conn, &id)?))
        .await?;
    let live = live_reports(&state, &room.id);
    Ok(web::Json(
        destinations
            .into_iter()
            .map(|d| DestinationView::new(d, live.as_deref()))
            .collect(),
    ))
}

/// Adds a destination the room's broadcasts are pushed to (room owner or admin); a live
/// broadcast starts pushing to it at once. 409 when the room has `restream.max_destinations_per_room`
/// already.
#[utoipa::path(operation_id = "create_destination", tag = "restream", security(("bearer" = [])), params(("id" = String, Path)), request_body = NewDestination, responses(
    (status = 201, body = DestinationView), BadRequest, Unauthorized, Forbidden, NotFound,
    Conflict, PayloadTooLarge, ValidationFailed, Unavailable))]
#[post("/rooms/{id}/destinations")]
pub async fn create(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<String>,
    body: web::Json<NewDestination>,
) -> Result<HttpResponse, ApiError> {
    let room = managed_room(&state, &caller, path.into_inner()).await?;
    let body = body.into_inner();
    validate(Some(&body.name), Some(&body.url), Some(&body.stream_key))?;
    let id = new_id();
    let destination = Destination {
        stream_key_sealed: seal(&state, &id, &body.stream_key)?,
        stream_key_hint: hint(&body.stream_key),
        id,
        room_id: room.id.clone(),
        name: body.name.trim().to_owned(),
        url: body.url,
        enabled: body.enabled,
        created_at: now_ms(),
    };
    let (row, limit) = (destination.clone(), state.limits.destinations_per_room);
    state
        .db
        .run(move |conn| Ok(Destination::insert_within_limit(conn, &row, limit)?))
        .await?
        .map_err(|TooManyDestinations| {
            ApiError::Conflict(format!(
                "a room may have at most {limit} restream destinations"
            ))
        })?;
    tracing::info!(room = %room.id, destination = %destination.id, by = %caller.id(), "restream destination added");
    apply_live(&state, &room.id).await;
    let live = live_reports(&state, &room.id);
    Ok(HttpResponse::Created().json(DestinationView::new(destination, live.as_deref())))
}

/// Changes a destination (room owner or admin): any of its name, URL, key and whether it is on.
/// A URL naming another server (scheme, host or port) needs its stream key with it (422
/// otherwise): the key sealed for one server is never sent to another. A live broadcast
/// follows at once.
#[utoipa::path(operation_id = "update_destination", tag = "restream", security(("bearer" = [])), params(("id" = String, Path), ("dest_id" = String, Path)), request_body = DestinationUpdate, responses(
    (status = 200, body = DestinationView), BadRequest, Unauthorized, Forbidden, NotFound,
    PayloadTooLarge, ValidationFailed, Unavailable))]
#[patch("/rooms/{id}/destinations/{dest_id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<(String, String)>,
    body: web::Json<DestinationUpdate>,
) -> Result<web::Json<DestinationView>, ApiError> {
    let (room_id, destination_id) = path.into_inner();
    let room = managed_room(&state, &caller, room_id).await?;
    let body = body.into_inner();
    validate(
        body.name.as_deref(),
        body.url.as_deref(),
        body.stream_key.as_deref(),
    )?;
    if let (Some(url), None) = (&body.url, &body.stream_key) {
        // The key was given for one server: another one must be given its own.
        let (id, destination) = (room.id.clone(), destination_id.clone());
        let current = state
            .db
            .run(move |conn| Ok(Destination::find(conn, &id, &destination)?))
            .await?
            .ok_or(ApiError::NotFound)?;
        if !engine::restream::same_server(&current.url, url) {
            return Err(ApiError::field(
                "stream_key",
                "must be given again when the URL's scheme, host or port changes",
            ));
        }
    }
    let (stream_key_sealed, stream_key_hint) = match &body.stream_key {
        Some(key) => (Some(seal(&state, &destination_id, key)?), Some(hint(key))),
        None => (None, None),
    };
    let changes = DestinationChanges {
        name: body.name.map(|n| n.trim().to_owned()),
        url: body.url,
        stream_key_sealed,
        stream_key_hint,
        enabled: body.enabled,
    };
    let (id, destination) = (room.id.clone(), destination_id.clone());
    let updated = state
        .db
        .run(move |conn| {
            Destination::update(conn, &id, &destination, &changes)?;
            Ok(Destination::find(conn, &id, &destination)?)
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    tracing::info!(room = %room.id, destination = %destination_id, by = %caller.id(), "restream destination changed");
    apply_live(&state, &room.id).await;
    let live = live_reports(&state, &room.id);
    Ok(web::Json(DestinationView::new(updated, live.as_deref())))
}

/// Deletes a destination (room owner or admin); a live broadcast stops pushing to it at once.
#[utoipa::path(operation_id = "delete_destination", tag = "restream", security(("bearer" = [])), params(("id" = String, Path), ("dest_id" = String, Path)), responses(
    (status = 204, description = "the destination is deleted"), Unauthorized, Forbidden, NotFound,
    Unavailable))]
#[delete("/rooms/{id}/destinations/{dest_id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (room_id, destination_id) = path.into_inner();
    let room = managed_room(&state, &caller, room_id).await?;
    let (id, destination) = (room.id.clone(), destination_id.clone());
    let deleted = state
        .db
        .run(move |conn| Ok(Destination::delete(conn, &id, &destination)?))
        .await?;
    if deleted == 0 {
        return Err(ApiError::NotFound);
    }
    tracing::info!(room = %room.id, destination = %destination_id, by = %caller.id(), "restream destination deleted");
    apply_live(&state, &room.id).await;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(enabled: bool) -> Destination {
        Destination {
            id: "d1".into(),
            room_id: "r1".into(),
            name: "YouTube".into(),
            url: "rtmp://a.rtmp.youtube.com/live2".into(),
            stream_key_sealed: "sealed".into(),
            stream_key_hint: "…abcd".into(),
            enabled,
            created_at: 1,
        }
    }

    fn report(id: &str, state: DestinationState) -> DestinationStats {
        DestinationStats {
            id: id.into(),
            state,
            last_error: Some("connection refused".into()),
            bytes_sent: 1234,
        }
    }

    #[test]
    fn the_status_comes_from_the_live_streams_report() {
        let view = |enabled, live: Option<&[DestinationStats]>| {
            let v = DestinationView::new(row(enabled), live);
            (v.status, v.last_error, v.bytes_sent)
        };
        assert_eq!(view(true, None), (DestinationStatus::Idle, None, 0));
        assert_eq!(
            view(true, Some(&[])),
            (DestinationStatus::Connecting, None, 0)
        );
        let retrying = [report("d1", DestinationState::Retrying)];
        assert_eq!(
            view(true, Some(&retrying)),
            (
                DestinationStatus::Retrying,
                Some("connection refused".into()),
                1234
            )
        );
        assert_eq!(
            view(false, Some(&retrying)),
            (DestinationStatus::Idle, None, 0)
        );
        let other = [report("d2", DestinationState::Live)];
        assert_eq!(
            view(true, Some(&other)).0,
            DestinationStatus::Connecting,
            "a destination the report does not name yet is being connected"
        );
    }

    #[test]
    fn each_invalid_field_gets_its_message() {
        fn fields(name: Option<&str>, url: Option<&str>, key: Option<&str>) -> Vec<String> {
            match validate(name, url, key) {
                Err(ApiError::Validation(fields)) => fields.into_keys().collect(),
                Ok(()) => Vec::new(),
                Err(other) => panic!("{other}"),
            }
        }
        assert!(fields(Some("YouTube"), Some("rtmp://host/live"), Some("abc-123")).is_empty());
        assert_eq!(fields(Some("  "), None, None), ["name"]);
        assert_eq!(fields(Some("a\u{7}b"), None, None), ["name"]);
        assert_eq!(fields(Some(&"x".repeat(65)), None, None), ["name"]);
        assert!(fields(Some(&"é".repeat(64)), None, None).is_empty());
        assert_eq!(fields(None, Some("http://host/live"), None), ["url"]);
        assert_eq!(fields(None, None, Some("")), ["stream_key"]);
        assert_eq!(fields(None, None, Some("has space")), ["stream_key"]);
        assert_eq!(fields(None, None, Some(&"k".repeat(513))), ["stream_key"]);
        assert_eq!(
            fields(Some(""), Some("rtmp://host"), Some("\n")),
            ["name", "stream_key", "url"]
        );
    }
}
