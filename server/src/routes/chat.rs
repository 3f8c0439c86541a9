//! The chat WebSocket of a room, and its moderators.

use super::error_responses::{
    BadRequest, Forbidden, NotFound, PayloadTooLarge, Unauthorized, Unavailable, ValidationFailed,
};
use crate::auth::AuthUser;
use crate::chat::{connection, AccessChange, ChatContext};
use crate::client_address::limit_key;
use crate::errors::{ApiError, ErrorBody};
use crate::models::chat::Moderators;
use crate::models::room::Room;
use crate::models::user::User;
use crate::state::AppState;
use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

/// Opens the room's chat: a WebSocket speaking the JSON protocol of `docs/chat-protocol.md`.
/// Anyone may read; send `{"type":"auth","token":"..."}` to write.
#[utoipa::path(operation_id = "connect_chat", tag = "chat", params(("id" = String, Path)), responses(
    (status = 101, description = "switching to the chat WebSocket"),
    (status = 400, body = ErrorBody, description = "not a WebSocket upgrade request"), NotFound,
    (status = 429, body = ErrorBody, description = "too many chat connections from this address, or in all"),
    Unavailable))]
#[get("/rooms/{id}/chat")]
pub async fn connect(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let room = state
        .db
        .run(move |conn| Ok(Room::find(conn, &id)?))
        .await?
        .ok_or(ApiError::NotFound)?;
    let client = state.proxies.client_ip(&req);
    let slot = state.chat.admit(limit_key(client)).ok_or_else(|| {
        tracing::warn!(%client, "chat connection limit reached");
        ApiError::TooManyConnections
    })?;
    let (response, ws, stream) = actix_ws::handle(&req, body)
        .map_err(|_| ApiError::BadRequest("this endpoint expects a WebSocket upgrade".into()))?;
    let cx = ChatContext {
        db: state.db.clone(),
        tokens: state.accounts.tokens.clone(),
        chat: state.chat.clone(),
    };
    actix_web::rt::spawn(async move {
        // The slot is held for as long as the connection is served.
        let _slot = slot;
        connection::run(cx, room, ws, stream).await
    });
    Ok(response)
}

/// Who to appoint: a user id (as chat messages carry it) or a username (as people know it).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewModerator {
    /// Give exactly one of `user_id` and `username` (422 otherwise, or if no such user).
    pub user_id: Option<String>,
    pub username: Option<String>,
}

/// One moderator of a room.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ModeratorView {
    pub user_id: String,
    pub username: String,
}

/// Lists the room's chat moderators, by username (room owner or admin).
#[utoipa::path(operation_id = "list_moderators", tag = "chat", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = Vec<ModeratorView>), Unauthorized, Forbidden, NotFound, Unavailable))]
#[get("/rooms/{id}/moderators")]
pub async fn moderators(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<String>,
) -> Result<web::Json<Vec<ModeratorView>>, ApiError> {
    let room = super::access::managed_room(&state, &caller, path.into_inner()).await?;
    let list = state
        .db
        .run(move |conn| Ok(Moderators::list(conn, &room.id)?))
        .await?;
    Ok(web::Json(
        list.into_iter()
            .map(|(user_id, username)| ModeratorView { user_id, username })
            .collect(),
    ))
}

/// Appoints a chat moderator by `user_id` or by `username` (room owner or admin).
#[utoipa::path(operation_id = "add_moderator", tag = "chat", security(("bearer" = [])), params(("id" = String, Path)), request_body = NewModerator, responses(
    (status = 200, body = ModeratorView), BadRequest, Unauthorized, Forbidden, NotFound,
    PayloadTooLarge, ValidationFailed, Unavailable))]
#[post("/rooms/{id}/moderators")]
pub async fn add_moderator(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<String>,
    body: web::Json<NewModerator>,
) -> Result<web::Json<ModeratorView>, ApiError> {
    let room = super::access::managed_room(&state, &caller, path.into_inner()).await?;
    let room_id = room.id.clone();
    // Exactly one of the two names the user; the error names the field the caller used.
    let request = body.into_inner();
    let field = match (&request.user_id, &request.username) {
        (Some(_), None) => "user_id",
        (None, Some(_)) => "username",
        _ => {
            return Err(ApiError::field(
                "username",
                "give either a username or a user_id",
            ))
        }
    };
    let added = state
        .db
        .run(move |conn| {
            let user = match (request.user_id, request.username) {
                (Some(id), _) => User::find(conn, &id)?,
                (_, Some(name)) => User::find_by_username(conn, name.trim())?,
                (None, None) => None,
            };
            let Some(user) = user else {
                return Ok(None);
            };
            Moderators::add(conn, &room.id, &user.id)?;
            Ok(Some(ModeratorView {
                user_id: user.id,
                username: user.username,
            }))
        })
        .await?;
    state
        .chat
        .access_changed(AccessChange::Room(room_id.clone()));
    added
        .map(web::Json)
        .ok_or_else(|| ApiError::field(field, "no such user"))
}

/// Removes a chat moderator (room owner or admin).
#[utoipa::path(operation_id = "remove_moderator", tag = "chat", security(("bearer" = [])), params(("id" = String, Path), ("user_id" = String, Path)), responses(
    (status = 204, description = "the user is no moderator of the room (any more)"), Unauthorized,
    Forbidden, NotFound, Unavailable))]
#[delete("/rooms/{id}/moderators/{user_id}")]
pub async fn remove_moderator(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (room_id, user_id) = path.into_inner();
    let room = super::access::managed_room(&state, &caller, room_id).await?;
    let room_id = room.id.clone();
    state
        .db
        .run(move |conn| Ok(Moderators::remove(conn, &room.id, &user_id)?))
        .await?;
    state.chat.access_changed(AccessChange::Room(room_id));
    Ok(HttpResponse::NoContent().finish())
}
