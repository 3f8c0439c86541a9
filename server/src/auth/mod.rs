//! Authentication: argon2 password hashes, JWT access tokens, the [`AuthUser`] extractor and the
//! login rate limit.

mod limiter;
mod passwords;
mod tokens;

pub use limiter::{RateLimiter, SharedWindow};
pub use passwords::{check_strength, hash_password, verify_password, Busy, PasswordWork};
pub use tokens::{token_secret, Claims, SecretError, TokenKeys};

use crate::db::Db;
use crate::errors::ApiError;
use crate::models::user::{Role, User};
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use std::future::Future;
use std::pin::Pin;

/// The caller, authenticated: a valid, unexpired token of an enabled user whose tokens were not
/// revoked since.
#[derive(Debug, Clone)]
pub struct AuthUser(pub User, SessionStart);

/// When the caller's session began (seconds since the Unix epoch): a refreshed token keeps it.
#[derive(Debug, Clone, Copy)]
pub struct SessionStart(pub u64);

impl AuthUser {
    pub fn id(&self) -> &str {
        &self.0.id
    }

    pub fn role(&self) -> Role {
        self.0.role
    }

    pub fn is_admin(&self) -> bool {
        self.role() == Role::Admin
    }

    /// When the session of the caller's token began.
    pub fn session_started(&self) -> u64 {
        self.1 .0
    }

    /// Fails with 403 unless the caller has at least `role`.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.role() >= role {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }
}

/// The caller if a valid token was sent, `None` for anonymous requests.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<AuthUser>);

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))?;
    (!token.is_empty() && token.len() <= 4096).then(|| token.trim().to_owned())
}

/// What the [`AuthUser`] and [`MaybeUser`] extractors read: the token keys and the users.
/// Registered as its own app data, so extractors depend on nothing else.
#[derive(Clone)]
pub struct Authenticator {
    pub tokens: TokenKeys,
    pub db: Db,
}

impl Authenticator {
    /// The user a bearer token belongs to, if the token is valid and the user may still use it.
    pub async fn authenticate(&self, token: String) -> Result<AuthUser, ApiError> {
        let claims = self
            .tokens
            .verify(&token)
            .map_err(|_| ApiError::Unauthorized)?;
        let started = SessionStart(claims.session_started());
        let user = self
            .db
            .run(move |conn| {
                Ok(User::find(conn, &claims.sub)?.filter(|u| u.token_version == claims.ver))
            })
            .await?;
        match user {
            Some(user) if !user.disabled => Ok(AuthUser(user, started)),
            _ => Err(ApiError::Unauthorized),
        }
    }
}

/// The caller a request's bearer token names: `None` without a token; an error for a bad token
/// (even where anonymous callers are welcome, a client that believes it is logged in should learn
/// otherwise).
fn caller(req: &HttpRequest) -> Pin<Box<dyn Future<Output = Result<Option<AuthUser>, ApiError>>>> {
    let auth = req.app_data::<web::Data<Authenticator>>().cloned();
    let token = bearer(req);
    Box::pin(async move {
        let Some(token) = token else { return Ok(None) };
        let auth =
            auth.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no authenticator registered")))?;
        auth.authenticate(token).await.map(Some)
    })
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let caller = caller(req);
        Box::pin(async move { caller.await?.ok_or(ApiError::Unauthorized) })
    }
}

impl FromRequest for MaybeUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let caller = caller(req);
        Box::pin(async move { caller.await.map(MaybeUser) })
    }
}
