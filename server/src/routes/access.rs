//! Who may see or manage a room and what it left, shared by the routes of rooms, recordings,
//! clips, chat and destinations.

use crate::auth::AuthUser;
use crate::errors::ApiError;
use crate::models::room::Room;
use crate::state::AppState;

/// Whether what a room left (its recordings, their replays, its clips) is served to `caller`:
/// to anyone while the room exists; once it is deleted, only to its owner and to admins (404 for
/// everyone else, as if it were gone).
pub async fn check_room_visible(
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
pub async fn check_room_owner(
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

/// Loads a room the caller may manage: its owner or an admin.
pub async fn managed_room(
    state: &AppState,
    caller: &AuthUser,
    id: String,
) -> Result<Room, ApiError> {
    let room = state
        .db
        .run(move |conn| Ok(Room::find(conn, &id)?))
        .await?
        .ok_or(ApiError::NotFound)?;
    if room.owner_id != caller.id() && !caller.is_admin() {
        return Err(ApiError::Forbidden);
    }
    Ok(room)
}
