//! Who is chatting on a connection and what they may do: the login with an access token, and the
//! re-check when their rights change.

use super::errors::ChatError;
use super::protocol::{Author, ServerFrame};
use super::ChatContext;
use crate::db::{DbConnection, DbError};
use crate::models::chat::Moderators;
use crate::models::room::Room;
use crate::models::user::{Role, User};
use diesel::QueryResult;
use std::time::Duration;

/// The logged-in user of a connection, and what their token allows until when.
pub struct Chatter {
    pub user: User,
    pub can_moderate: bool,
    /// The token generation the user logged in with; any change (logout, role change, disabled)
    /// ends the chat login.
    pub token_version: i32,
    pub expires: tokio::time::Instant,
}

impl Chatter {
    /// The user as messages name them.
    pub fn author(&self) -> Author {
        author(&self.user)
    }
}

pub fn author(user: &User) -> Author {
    Author {
        id: user.id.clone(),
        name: user.username.clone(),
        role: user.role.as_str().to_owned(),
    }
}

/// Whether `user` may moderate `room`: an admin, the owner, or one of its moderators.
fn may_moderate(conn: &mut DbConnection, room: &Room, user: &User) -> QueryResult<bool> {
    Ok(user.role == Role::Admin
        || room.owner_id == user.id
        || Moderators::is_moderator(conn, &room.id, &user.id)?)
}

/// The user `user_id` as stored now, and whether they may moderate `room`.
async fn rights(
    cx: &ChatContext,
    room: &Room,
    user_id: String,
) -> Result<Option<(User, bool)>, DbError> {
    let room = room.clone();
    cx.db
        .run(move |conn| {
            let Some(user) = User::find(conn, &user_id)? else {
                return Ok(None);
            };
            let can_moderate = may_moderate(conn, &room, &user)?;
            Ok(Some((user, can_moderate)))
        })
        .await
}

/// The user behind `token` and whether they may moderate, if the token is valid and the user may
/// still use it.
pub async fn log_in(cx: &ChatContext, room: &Room, token: &str) -> Option<Chatter> {
    let claims = cx.tokens.verify(token).ok()?;
    let (user, can_moderate) = match rights(cx, room, claims.sub.clone()).await {
        Ok(Some(found)) => found,
        Ok(None) => return None,
        Err(e) => {
            tracing::error!(error = %e, "chat login failed");
            return None;
        }
    };
    if user.disabled || user.token_version != claims.ver {
        return None;
    }
    let left = claims
        .exp
        .saturating_sub(jsonwebtoken::get_current_timestamp());
    Some(Chatter {
        user,
        can_moderate,
        token_version: claims.ver,
        expires: tokio::time::Instant::now() + Duration::from_secs(left),
    })
}

/// Re-reads the chatter's rights after an access change; the frame tells the client what changed.
pub async fn recheck(
    cx: &ChatContext,
    room: &Room,
    chatter: &mut Option<Chatter>,
) -> Option<ServerFrame> {
    let current = chatter.as_ref()?;
    match rights(cx, room, current.user.id.clone()).await {
        Ok(Some((user, can_moderate)))
            if !user.disabled && user.token_version == current.token_version =>
        {
            let changed = can_moderate != current.can_moderate;
            let author = author(&user);
            if let Some(c) = chatter.as_mut() {
                c.user = user;
                c.can_moderate = can_moderate;
            }
            changed.then_some(ServerFrame::Authenticated {
                user: author,
                can_moderate,
            })
        }
        Ok(_) => {
            *chatter = None;
            Some(ChatError::Unauthenticated("your session ended; log in again to chat").into())
        }
        Err(e) => {
            // Rights cannot be read right now: sending and moderating are re-checked against the
            // database as they happen anyway.
            tracing::error!(room = %room.id, error = %e, "could not re-check chat rights");
            None
        }
    }
}
