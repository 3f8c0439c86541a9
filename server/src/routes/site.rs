//! What admins decide while the server runs: who may stream (anyone, approved accounts, or by
//! invitation), and the invitations.

use super::error_responses::{
    BadRequest, Forbidden, NotFound, PayloadTooLarge, Unauthorized, Unavailable, ValidationFailed,
};
use crate::auth::AuthUser;
use crate::errors::ApiError;
use crate::models::site::{
    hash_invite_code, new_invite_code, Invite, InviteView, SiteSettings, WhoMayStream,
};
use crate::models::user::Role;
use crate::models::{new_id, now_ms};
use crate::state::AppState;
use actix_web::{delete, get, post, put, web, HttpResponse};
use serde::{Deserialize, Serialize};

/// The settings admins change at run time.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Who may register as a streamer: `anyone`; `approved` (registering as a streamer makes a
    /// viewer, whom an admin makes a streamer); `invited` (with an admin's invitation code).
    pub who_may_stream: WhoMayStream,
}

/// The settings (admins only).
#[utoipa::path(operation_id = "get_settings", tag = "admin", security(("bearer" = [])), responses(
    (status = 200, body = Settings), Unauthorized, Forbidden, Unavailable))]
#[get("/admin/settings")]
pub async fn show(
    state: web::Data<AppState>,
    caller: AuthUser,
) -> Result<web::Json<Settings>, ApiError> {
    caller.require(Role::Admin)?;
    let who_may_stream = state
        .db
        .run(|conn| Ok(SiteSettings::who_may_stream(conn)?))
        .await?;
    Ok(web::Json(Settings { who_may_stream }))
}

/// Changes the settings (admins only); they apply to the next registration.
#[utoipa::path(operation_id = "update_settings", tag = "admin", security(("bearer" = [])), request_body = Settings, responses(
    (status = 200, body = Settings), BadRequest, Unauthorized, Forbidden, PayloadTooLarge,
    Unavailable))]
#[put("/admin/settings")]
pub async fn update(
    state: web::Data<AppState>,
    caller: AuthUser,
    body: web::Json<Settings>,
) -> Result<web::Json<Settings>, ApiError> {
    caller.require(Role::Admin)?;
    let who = body.who_may_stream;
    state
        .db
        .run(move |conn| Ok(SiteSettings::set_who_may_stream(conn, who)?))
        .await?;
    tracing::info!(admin = %caller.id(), who_may_stream = who.as_str(), "site settings changed");
    Ok(web::Json(Settings {
        who_may_stream: who,
    }))
}

/// How long a new invitation is valid.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvite {
    /// 1 to 90 days (7 when omitted).
    #[schema(minimum = 1, maximum = 90)]
    #[serde(default, deserialize_with = "crate::models::optional_whole_number")]
    pub valid_days: Option<u32>,
}

/// A new invitation with its code, shown this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedInvite {
    #[serde(flatten)]
    pub invite: InviteView,
    /// What the invited person gives as `invite_code` when registering.
    pub code: String,
}

/// Creates an invitation to register as a streamer (admins only); its code is shown once.
#[utoipa::path(operation_id = "create_invite", tag = "admin", security(("bearer" = [])), request_body = NewInvite, responses(
    (status = 201, body = CreatedInvite), BadRequest, Unauthorized, Forbidden, PayloadTooLarge,
    ValidationFailed, Unavailable))]
#[post("/admin/invites")]
pub async fn create_invite(
    state: web::Data<AppState>,
    caller: AuthUser,
    body: web::Json<NewInvite>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Admin)?;
    let days = body.valid_days.unwrap_or(7);
    if !(1..=90).contains(&days) {
        return Err(ApiError::field("valid_days", "must be between 1 and 90"));
    }
    let code = new_invite_code();
    let now = now_ms();
    let invite = Invite {
        id: new_id(),
        code_hash: hash_invite_code(&code),
        created_by: caller.id().to_owned(),
        created_at: now,
        expires_at: now + i64::from(days) * 86_400_000,
        used_by: None,
        used_at: None,
    };
    let row = invite.clone();
    state
        .db
        .run(move |conn| Ok(Invite::insert(conn, &row)?))
        .await?;
    tracing::info!(admin = %caller.id(), invite = %invite.id, days, "invitation created");
    Ok(HttpResponse::Created().json(CreatedInvite {
        invite: invite.view(),
        code,
    }))
}

/// Every invitation, newest first, used or not (admins only; never their codes).
#[utoipa::path(operation_id = "list_invites", tag = "admin", security(("bearer" = [])), responses(
    (status = 200, body = Vec<InviteView>), Unauthorized, Forbidden, Unavailable))]
#[get("/admin/invites")]
pub async fn list_invites(
    state: web::Data<AppState>,
    caller: AuthUser,
) -> Result<web::Json<Vec<InviteView>>, ApiError> {
    caller.require(Role::Admin)?;
    let invites = state.db.run(|conn| Ok(Invite::list(conn)?)).await?;
    Ok(web::Json(invites.iter().map(Invite::view).collect()))
}

/// Withdraws an invitation (admins only): its code stops working.
#[utoipa::path(operation_id = "delete_invite", tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 204, description = "the invitation is withdrawn"), Unauthorized, Forbidden,
    NotFound, Unavailable))]
#[delete("/admin/invites/{id}")]
pub async fn delete_invite(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Admin)?;
    let id = path.into_inner();
    let deleted = state
        .db
        .run(move |conn| Ok(Invite::delete(conn, &id)?))
        .await?;
    if deleted == 0 {
        return Err(ApiError::NotFound);
    }
    Ok(HttpResponse::NoContent().finish())
}
