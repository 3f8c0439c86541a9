//! Moderation: what the room owner, admins and the room's moderators may do to a room's chat.
//! Every action that succeeds is announced to the room as a notice.

use super::chatter::Chatter;
use super::errors::ChatError;
use super::protocol::{ClientFrame, ServerFrame};
use super::ChatContext;
use super::ChatSettings;
use crate::db::DbError;
use crate::models::chat::{Bans, ChatMessage, Restriction};
use crate::models::now_ms;
use crate::models::room::Room;
use crate::models::user::{Role, User};

/// Longest timeout, in seconds (a day).
const MAX_TIMEOUT_SECONDS: u32 = 86_400;
/// Longest slow-mode interval, in seconds.
const MAX_SLOW_MODE_SECONDS: u32 = 3600;

/// A moderation request from a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModerationAction {
    /// Hide a message for everyone.
    Delete {
        message_id: String,
    },
    /// Keep a user from sending for `seconds`.
    Timeout {
        user_id: String,
        seconds: u32,
    },
    /// Keep a user from sending until unbanned.
    Ban {
        user_id: String,
    },
    Unban {
        user_id: String,
    },
    /// Minimum seconds between two messages of one user (0 = off).
    SlowMode {
        seconds: u32,
    },
    /// Turn the room's chat on or off.
    SetChat {
        enabled: bool,
    },
}

impl TryFrom<ClientFrame> for ModerationAction {
    /// The frame, when it asks for no moderation.
    type Error = ClientFrame;

    fn try_from(frame: ClientFrame) -> Result<Self, ClientFrame> {
        Ok(match frame {
            ClientFrame::Delete { message_id } => Self::Delete { message_id },
            ClientFrame::Timeout { user_id, seconds } => Self::Timeout { user_id, seconds },
            ClientFrame::Ban { user_id } => Self::Ban { user_id },
            ClientFrame::Unban { user_id } => Self::Unban { user_id },
            ClientFrame::SlowMode { seconds } => Self::SlowMode { seconds },
            ClientFrame::SetChat { enabled } => Self::SetChat { enabled },
            other @ (ClientFrame::Auth { .. }
            | ClientFrame::Send { .. }
            | ClientFrame::Ping
            | ClientFrame::Latency { .. }) => return Err(other),
        })
    }
}

/// Carries out `action` if the chatter may moderate the room; the answer is an ack with what was
/// done (also announced to the room), or why it was refused.
pub async fn moderate(
    cx: &ChatContext,
    room: &Room,
    chatter: Option<&Chatter>,
    action: ModerationAction,
) -> Result<ServerFrame, ChatError> {
    let chatter = chatter.ok_or(ChatError::Unauthenticated("log in first"))?;
    if !chatter.can_moderate {
        return Err(ChatError::Forbidden("only moderators can do this"));
    }
    let done = match apply(cx, room, action).await {
        Ok(done) => done?,
        Err(e) => {
            tracing::error!(room = %room.id, error = %e, "moderation action failed");
            return Err(ChatError::Unavailable(
                "the action could not be saved; try again",
            ));
        }
    };
    cx.chat
        .hub
        .publish(&room.id, &ServerFrame::Notice { text: done.clone() });
    Ok(ServerFrame::Ack { text: done })
}

/// Does the action; `Ok(Ok(text))` says what was done.
async fn apply(
    cx: &ChatContext,
    room: &Room,
    action: ModerationAction,
) -> Result<Result<String, ChatError>, DbError> {
    let room_id = room.id.clone();
    match action {
        ModerationAction::Delete { message_id } => {
            let id = message_id.clone();
            let deleted = cx
                .db
                .run(move |conn| Ok(ChatMessage::delete(conn, &room_id, &id)?))
                .await?;
            if !deleted {
                return Ok(Err(ChatError::NotFound));
            }
            cx.chat
                .hub
                .publish(&room.id, &ServerFrame::MessageDeleted { id: message_id });
            Ok(Ok("message deleted".to_owned()))
        }
        ModerationAction::Timeout { user_id, seconds } => {
            if !(1..=MAX_TIMEOUT_SECONDS).contains(&seconds) {
                return Ok(Err(ChatError::InvalidRequest(
                    "a timeout lasts 1 to 86400 seconds",
                )));
            }
            let until_ms = now_ms() + i64::from(seconds) * 1000;
            let restricted =
                restrict(cx, room, user_id, Restriction::TimedOut { until_ms }).await?;
            Ok(restricted.map(|name| format!("{name} is timed out for {seconds} s")))
        }
        ModerationAction::Ban { user_id } => {
            let restricted = restrict(cx, room, user_id, Restriction::Banned).await?;
            Ok(restricted.map(|name| format!("{name} is banned from the chat")))
        }
        ModerationAction::Unban { user_id } => {
            cx.db
                .run(move |conn| Ok(Bans::lift(conn, &room_id, &user_id)?))
                .await?;
            Ok(Ok("the user may chat again".to_owned()))
        }
        ModerationAction::SlowMode { seconds } => {
            if seconds > MAX_SLOW_MODE_SECONDS {
                return Ok(Err(ChatError::InvalidRequest(
                    "slow mode is 0 to 3600 seconds",
                )));
            }
            let next = ChatSettings {
                slow_mode_seconds: seconds,
                ..cx.chat.settings(room)
            };
            apply_settings(cx, &room.id, next).await?;
            Ok(Ok(if seconds == 0 {
                "slow mode off".to_owned()
            } else {
                format!("slow mode: {seconds} s")
            }))
        }
        ModerationAction::SetChat { enabled } => {
            let next = ChatSettings {
                enabled,
                ..cx.chat.settings(room)
            };
            apply_settings(cx, &room.id, next).await?;
            Ok(Ok(if enabled { "chat on" } else { "chat off" }.to_owned()))
        }
    }
}

/// Bans or times out `user_id`; returns their username, or why they may not be restricted.
async fn restrict(
    cx: &ChatContext,
    room: &Room,
    user_id: String,
    restriction: Restriction,
) -> Result<Result<String, ChatError>, DbError> {
    let (room_id, owner) = (room.id.clone(), room.owner_id.clone());
    cx.db
        .run(move |conn| {
            let Some(target) = User::find(conn, &user_id)? else {
                return Ok(Err(ChatError::Forbidden("no such user")));
            };
            if target.id == owner || target.role == Role::Admin {
                return Ok(Err(ChatError::Forbidden(
                    "the room owner and admins cannot be restricted",
                )));
            }
            Bans::restrict(conn, &room_id, &user_id, restriction)?;
            Ok(Ok(target.username))
        })
        .await
}

/// Stores the room's new chat switches and announces them.
async fn apply_settings(
    cx: &ChatContext,
    room_id: &str,
    next: ChatSettings,
) -> Result<(), DbError> {
    let id = room_id.to_owned();
    cx.db
        .run(move |conn| {
            Ok(Room::set_chat(
                conn,
                &id,
                Some(next.enabled),
                Some(next.slow_mode_seconds as i32),
            )?)
        })
        .await?;
    cx.chat.change_settings(room_id, next);
    Ok(())
}
