//! Posting a message: cleaned, checked against the room's switches, the sender's rate, slow mode
//! and restrictions, stored, then fanned out through the hub.

use super::chatter::Chatter;
use super::errors::ChatError;
use super::protocol::{clean_text, Author, MessageView, ServerFrame};
use super::ChatContext;
use crate::models::chat::{message_id, Bans, ChatMessage, Restriction};
use crate::models::now_ms;
use crate::models::room::Room;
use std::time::Duration;

/// A stored message as clients see it.
pub fn view(m: &ChatMessage) -> MessageView {
    MessageView {
        id: m.id.clone(),
        author: Author {
            id: m.user_id.clone(),
            name: m.author_name.clone(),
            role: m.author_role.clone(),
        },
        text: m.body.clone(),
        sent_at: m.sent_at,
    }
}

/// Posts a message; the answer is an ack (the message itself reaches everyone, the sender
/// included, through the hub) or why it was refused.
pub async fn post(
    cx: &ChatContext,
    room: &Room,
    chatter: Option<&Chatter>,
    text: &str,
) -> Result<ServerFrame, ChatError> {
    let chatter = chatter.ok_or(ChatError::Unauthenticated("log in to chat"))?;
    let text = clean_text(text).map_err(ChatError::InvalidMessage)?;
    let chat = &cx.chat;
    let settings = chat.settings(room);
    if !settings.enabled && !chatter.can_moderate {
        return Err(ChatError::ChatDisabled);
    }
    if !chat.limiter.allow(&chatter.user.id).await {
        return Err(ChatError::RateLimited);
    }
    if settings.slow_mode_seconds > 0 && !chatter.can_moderate {
        if let Some(wait_seconds) = chat.slow_mode_wait(
            &room.id,
            &chatter.user.id,
            Duration::from_secs(u64::from(settings.slow_mode_seconds)),
        ) {
            return Err(ChatError::SlowMode { wait_seconds });
        }
    }
    let sent_at = now_ms();
    let author = chatter.author();
    let message = ChatMessage {
        id: message_id(sent_at),
        room_id: room.id.clone(),
        user_id: author.id,
        author_name: author.name,
        author_role: author.role,
        body: text,
        sent_at,
        deleted: false,
    };
    let row = message.clone();
    let stored = cx
        .db
        .run(move |conn| {
            let now = now_ms();
            match Bans::restriction(conn, &row.room_id, &row.user_id, now)? {
                Some(Restriction::Banned) => return Ok(Err(ChatError::Banned)),
                Some(Restriction::TimedOut { until_ms }) => {
                    let seconds_left = ((until_ms - now) / 1000).max(1);
                    return Ok(Err(ChatError::TimedOut { seconds_left }));
                }
                None => {}
            }
            ChatMessage::insert(conn, &row)?;
            Ok(Ok(()))
        })
        .await;
    match stored {
        Ok(Ok(())) => {
            chat.hub
                .publish(&room.id, &ServerFrame::Message(view(&message)));
            Ok(ServerFrame::Ack {
                text: "sent".into(),
            })
        }
        Ok(Err(refused)) => Err(refused),
        Err(e) => {
            tracing::error!(room = %room.id, error = %e, "could not store a chat message");
            Err(ChatError::Unavailable(
                "the message could not be saved; try again",
            ))
        }
    }
}
