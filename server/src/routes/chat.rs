//! The chat WebSocket of a room, and its moderators.

use crate::auth::AuthUser;
use crate::chat::session;
use crate::errors::{ApiError, ErrorBody};
use crate::models::chat::Moderators;
use crate::models::room::Room;
use crate::models::user::User;
use crate::startup::AppState;
use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;

/// Opens the room's chat: a WebSocket speaking the JSON protocol of `docs/chat-protocol.md`.
/// Anyone may read; send `{"type":"auth","token":"..."}` to write.
#[utoipa::path(tag = "chat", params(("id" = String, Path)), responses(
    (status = 101, description = "switching to the chat WebSocket"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
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
    let (response, ws, stream) = actix_ws::handle(&req, body)
        .map_err(|_| ApiError::BadRequest("this endpoint expects a WebSocket upgrade".into()))?;
    actix_web::rt::spawn(session::run(state, room, ws, stream));
    Ok(response)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewModerator {
    pub user_id: String,
}

/// Appoints a chat moderator (room owner or admin).
#[utoipa::path(tag = "chat", security(("bearer" = [])), params(("id" = String, Path)), request_body = NewModerator, responses(
    (status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/rooms/{id}/moderators")]
pub async fn add_moderator(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<String>,
    body: web::Json<NewModerator>,
) -> Result<HttpResponse, ApiError> {
    let room = super::rooms::managed_room(&state, &caller, path.into_inner()).await?;
    let user_id = body.into_inner().user_id;
    let added = state
        .db
        .run(move |conn| {
            if User::find(conn, &user_id)?.is_none() {
                return Ok(false);
            }
            Moderators::add(conn, &room.id, &user_id)?;
            Ok(true)
        })
        .await?;
    if !added {
        return Err(ApiError::field("user_id", "no such user"));
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Removes a chat moderator (room owner or admin).
#[utoipa::path(tag = "chat", security(("bearer" = [])), params(("id" = String, Path), ("user_id" = String, Path)), responses(
    (status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[delete("/rooms/{id}/moderators/{user_id}")]
pub async fn remove_moderator(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (room_id, user_id) = path.into_inner();
    let room = super::rooms::managed_room(&state, &caller, room_id).await?;
    state
        .db
        .run(move |conn| Ok(Moderators::remove(conn, &room.id, &user_id)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
