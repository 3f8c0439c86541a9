//! Accounts: register, login, refresh, logout, me.

use super::error_responses::{
    BadRequest, Conflict, PayloadTooLarge, TooManyRequests, Unauthorized, Unavailable,
    ValidationFailed,
};
use crate::auth::{check_strength, hash_password, verify_password, AuthUser};
use crate::chat::AccessChange;
use crate::client_address::limit_key;
use crate::errors::ApiError;
use crate::models::site::{hash_invite_code, SiteSettings, WhoMayStream};
use crate::models::user::{Created, Role, User, UserView};
use crate::models::{new_id, now_ms};
use crate::state::AppState;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// 3 to 32 letters, digits, `.`, `-` or `_`; must not be taken.
    #[schema(pattern = "^[A-Za-z0-9_.-]{3,32}$")]
    pub username: String,
    /// 10 to 256 characters, and hard enough to guess (zxcvbn score 3 or more): too easy a
    /// password is refused with 422.
    #[schema(min_length = 10, max_length = 256)]
    pub password: String,
    /// `viewer` (default) or `streamer`. Admins are made by other admins. Whether `streamer`
    /// is granted depends on who may stream (`GET /api/admin/settings`): anyone; only once an
    /// admin approves (the account is made a viewer until then); or with an invitation code.
    #[schema(value_type = Option<RegistrationRole>)]
    pub role: Option<Role>,
    /// An admin's invitation code, needed to register as a streamer when streaming is by
    /// invitation; used once.
    #[schema(max_length = 64)]
    pub invite_code: Option<String>,
}

/// The roles one may register with.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)] // a schema only: the body's `role` is a `Role`, `admin` refused with 422
pub enum RegistrationRole {
    Viewer,
    Streamer,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// A session: the user and an access token to send as `Authorization: Bearer <token>`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuthResponse {
    pub user: UserView,
    pub access_token: String,
    pub token_type: &'static str,
    /// Seconds until the token expires; call `/api/auth/refresh` before, or log in again after.
    pub expires_in: u64,
}

/// A token for `user`, in the session that began at `started` (`None`: a new one).
fn session(state: &AppState, user: &User, started: Option<u64>) -> Result<AuthResponse, ApiError> {
    let (token, expires_in) = state
        .accounts
        .tokens
        .issue(&user.id, user.token_version, user.role.as_str(), started)
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(AuthResponse {
        user: user.view(),
        access_token: token,
        token_type: "Bearer",
        expires_in,
    })
}

fn valid_username(name: &str) -> bool {
    (3..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
}

/// Creates an account and logs it in. Rate limited per client address. A streamer account is
/// made as the admins' setting says (`who_may_stream`): at once, as a viewer awaiting approval,
/// or with an invitation code (422 on `invite_code` without a valid one).
#[utoipa::path(operation_id = "register", tag = "auth", request_body = RegisterRequest, responses(
    (status = 201, body = AuthResponse), BadRequest, Conflict, PayloadTooLarge, ValidationFailed,
    TooManyRequests, Unavailable))]
#[post("/auth/register")]
pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let client = state.proxies.client_ip(&req);
    if !state
        .accounts
        .registration_limiter
        .allow(&limit_key(client))
        .await
    {
        tracing::warn!(%client, "registration rate limit hit");
        return Err(ApiError::RateLimited);
    }
    let body = body.into_inner();
    let mut fields = std::collections::BTreeMap::new();
    if !valid_username(&body.username) {
        fields.insert(
            "username".to_owned(),
            "must be 3 to 32 letters, digits, '.', '-' or '_'".to_owned(),
        );
    }
    let (password, username) = (body.password.clone(), body.username.clone());
    let weak = state
        .accounts
        .password_work
        .run(move || check_strength(&password, &username))
        .await?;
    if let Some(problem) = weak {
        fields.insert("password".to_owned(), problem);
    }
    if body
        .invite_code
        .as_ref()
        .is_some_and(|code| code.len() > 64)
    {
        fields.insert(
            "invite_code".to_owned(),
            "must be at most 64 characters".to_owned(),
        );
    }
    let mut role = body.role.unwrap_or(Role::Viewer);
    if role == Role::Admin {
        fields.insert("role".to_owned(), "must be viewer or streamer".to_owned());
    }
    let mut invite = None;
    if role == Role::Streamer {
        match state
            .db
            .run(|conn| Ok(SiteSettings::who_may_stream(conn)?))
            .await?
        {
            WhoMayStream::Anyone => {}
            WhoMayStream::Approved => role = Role::Viewer,
            WhoMayStream::Invited => match body.invite_code.as_deref() {
                Some(code) if !code.is_empty() => invite = Some(hash_invite_code(code)),
                _ => {
                    fields.insert(
                        "invite_code".to_owned(),
                        "an invitation code is needed to register as a streamer".to_owned(),
                    );
                }
            },
        }
    }
    if !fields.is_empty() {
        return Err(ApiError::Validation(fields));
    }
    let password = body.password;
    let hash = state
        .accounts
        .password_work
        .run(move || hash_password(&password))
        .await?
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?;
    let user = User {
        id: new_id(),
        username: body.username,
        password_hash: hash,
        role,
        disabled: false,
        token_version: 0,
        created_at: now_ms(),
    };
    let row = user.clone();
    let created = state
        .db
        .run(move |conn| Ok(User::insert_with_invite(conn, &row, invite.as_deref())?))
        .await?;
    match created {
        Created::Yes => {}
        Created::NameTaken => return Err(ApiError::Conflict("that username is taken".into())),
        Created::InviteInvalid => {
            return Err(ApiError::field(
                "invite_code",
                "is not a valid invitation (unknown, used or expired)",
            ))
        }
    }
    if body.role == Some(Role::Streamer) && user.role == Role::Viewer {
        tracing::info!(user = %user.id, "registered as a viewer: streaming waits for an admin's approval");
    }
    Ok(HttpResponse::Created().json(session(&state, &user, None)?))
}

/// Exchanges username and password for an access token. Rate limited per client address.
#[utoipa::path(operation_id = "login", tag = "auth", request_body = LoginRequest, responses(
    (status = 200, body = AuthResponse), BadRequest, Unauthorized, PayloadTooLarge, TooManyRequests,
    Unavailable))]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let client = state.proxies.client_ip(&req);
    if !state.accounts.login_limiter.allow(&limit_key(client)).await {
        tracing::warn!(%client, "login rate limit hit");
        return Err(ApiError::RateLimited);
    }
    let body = body.into_inner();
    let name = body.username.clone();
    let user = state
        .db
        .run(move |conn| Ok(User::find_by_username(conn, &name)?))
        .await?;
    // Verify even for unknown users so timing does not reveal which usernames exist.
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| state.accounts.dummy_hash.clone());
    let password = body.password;
    let ok = state
        .accounts
        .password_work
        .run(move || verify_password(&password, &hash))
        .await?;
    match user {
        Some(user) if ok && !user.disabled => {
            Ok(HttpResponse::Ok().json(session(&state, &user, None)?))
        }
        _ => {
            tracing::info!(username = ?body.username, %client, "failed login");
            Err(ApiError::Unauthorized)
        }
    }
}

/// Issues a fresh token for a still-valid one, in the same session: no token of a session is
/// valid more than `auth.max_session_hours` after its login, however often it is refreshed.
#[utoipa::path(operation_id = "refresh_token", tag = "auth", security(("bearer" = [])), responses(
    (status = 200, body = AuthResponse), Unauthorized, Unavailable))]
#[post("/auth/refresh")]
pub async fn refresh(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(session(&state, &user.0, Some(user.session_started()))?))
}

/// Revokes every token of the caller (logout everywhere).
#[utoipa::path(operation_id = "logout", tag = "auth", security(("bearer" = [])), responses(
    (status = 204, description = "every token of the caller is revoked"), Unauthorized, Unavailable))]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let id = user.0.id.clone();
    state
        .db
        .run(move |conn| Ok(User::revoke_tokens(conn, &id)?))
        .await?;
    state
        .chat
        .access_changed(AccessChange::User(user.0.id.clone()));
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's account.
#[utoipa::path(operation_id = "current_user", tag = "auth", security(("bearer" = [])), responses(
    (status = 200, body = UserView), Unauthorized, Unavailable))]
#[get("/auth/me")]
pub async fn me(user: AuthUser) -> web::Json<UserView> {
    web::Json(user.0.view())
}
