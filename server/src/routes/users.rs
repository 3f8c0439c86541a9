//! Administration of accounts.

use super::error_responses::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, Unauthorized, Unavailable,
};
use crate::auth::AuthUser;
use crate::broadcasts::revoke_where;
use crate::chat::AccessChange;
use crate::errors::ApiError;
use crate::models::user::{canonical_id, LastAdmin, Role, User, UserView};
use crate::state::AppState;
use actix_web::{get, patch, web};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChanges {
    pub role: Option<Role>,
    /// A disabled user cannot log in; their tokens stop working at once.
    pub disabled: Option<bool>,
}

/// Every account (admins only).
#[utoipa::path(operation_id = "list_users", tag = "admin", security(("bearer" = [])), responses(
    (status = 200, body = Vec<UserView>), Unauthorized, Forbidden, Unavailable))]
#[get("/admin/users")]
pub async fn list(
    state: web::Data<AppState>,
    caller: AuthUser,
) -> Result<web::Json<Vec<UserView>>, ApiError> {
    caller.require(Role::Admin)?;
    let users = state.db.run(|conn| Ok(User::list(conn)?)).await?;
    Ok(web::Json(users.iter().map(User::view).collect()))
}

/// Changes a user's role or disables them (admins only; not on their own account).
#[utoipa::path(operation_id = "update_user", tag = "admin", security(("bearer" = [])), request_body = UserChanges, params(("id" = String, Path)), responses(
    (status = 200, body = UserView), BadRequest, Unauthorized, Forbidden, NotFound, Conflict,
    PayloadTooLarge, Unavailable))]
#[patch("/admin/users/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<String>,
    body: web::Json<UserChanges>,
) -> Result<web::Json<UserView>, ApiError> {
    caller.require(Role::Admin)?;
    let id = canonical_id(&path.into_inner());
    if id == caller.id() {
        return Err(ApiError::Conflict(
            "admins cannot change their own role or disable themselves".into(),
        ));
    }
    let changes = body.into_inner();
    let revoke_streams =
        changes.disabled == Some(true) || changes.role.is_some_and(|r| r < Role::Streamer);
    let user = state
        .db
        .run(move |conn| {
            if User::find(conn, &id)?.is_none() {
                return Ok(None);
            }
            match User::update_access(conn, &id, changes.role, changes.disabled)? {
                Ok(_) => Ok(Some(Ok(User::find(conn, &id)?))),
                Err(LastAdmin) => Ok(Some(Err(LastAdmin))),
            }
        })
        .await?
        .ok_or(ApiError::NotFound)?
        .map_err(|LastAdmin| {
            ApiError::Conflict("the system must keep at least one active admin".into())
        })?
        .ok_or(ApiError::NotFound)?;
    // Their open chat connections re-check what they may do.
    state
        .chat
        .access_changed(AccessChange::User(user.id.clone()));
    // A user who may no longer stream stops streaming now, whether their stream has started
    // or is still being set up (a stream starting later is caught as it is marked live).
    if revoke_streams {
        let ended = revoke_where(&state.rooms, &state.ingest.handle, |g| {
            g.owner_id == user.id
        });
        if ended > 0 {
            tracing::info!(user = %user.id, publishers = ended, "publishers ended: the owner may no longer stream");
        }
    }
    tracing::info!(admin = %caller.id(), user = %user.id, role = user.role.as_str(), disabled = user.disabled, "user access changed");
    Ok(web::Json(user.view()))
}
