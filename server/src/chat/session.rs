//! One WebSocket connection to a room's chat: a `select!` loop over client frames, hub frames
//! and a heartbeat.

use super::protocol::{
    clean_text, Author, ClientFrame, MessageView, ServerFrame, PROTOCOL_VERSION,
};
use super::{ChatSettings, HISTORY_LEN};
use crate::auth::{authenticate, AuthUser};
use crate::models::chat::{message_id, Bans, ChatMessage, Moderators};
use crate::models::now_ms;
use crate::models::room::Room;
use crate::models::user::{Role, User};
use crate::startup::AppState;
use actix_web::web;
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, MessageStream, Session};
use futures_util::StreamExt;
use std::time::{Duration, Instant};

/// A single frame that takes longer than this to hand to the socket means a stuck client.
const SEND_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest frame a client may send.
pub const MAX_FRAME_BYTES: usize = 16 * 1024;

/// The logged-in user of a connection.
struct Chatter {
    user: User,
    can_moderate: bool,
}

enum Outcome {
    Continue,
    Close(CloseReason),
}

/// Serves one connection until it closes.
pub async fn run(
    state: web::Data<AppState>,
    room: Room,
    mut session: Session,
    stream: MessageStream,
) {
    // Fragmented messages are assembled, up to the same bound as a single frame.
    let mut stream = stream
        .max_frame_size(MAX_FRAME_BYTES)
        .aggregate_continuations()
        .max_continuation_size(MAX_FRAME_BYTES);
    let chat = state.chat.clone();
    let settings = chat.settings(&room);
    let mut subscription = chat.hub.clone().subscribe(&room.id);
    let hello = ServerFrame::Hello {
        protocol: PROTOCOL_VERSION,
        room_id: room.id.clone(),
        chat_enabled: settings.enabled,
        slow_mode_seconds: settings.slow_mode_seconds,
        viewer_count: chat.hub.viewer_count(&room.id),
    };
    if session.text(hello.to_text()).await.is_err() {
        return;
    }
    let room_id = room.id.clone();
    let history = state
        .db
        .run(move |conn| Ok(ChatMessage::recent(conn, &room_id, HISTORY_LEN)?))
        .await;
    let frame = match history {
        Ok(messages) => ServerFrame::History {
            messages: messages.iter().map(view).collect(),
        },
        Err(e) => {
            tracing::error!(room = %room.id, error = %e, "chat history unavailable");
            ServerFrame::error("unavailable", "chat history could not be loaded")
        }
    };
    if session.text(frame.to_text()).await.is_err() {
        return;
    }

    let mut chatter: Option<Chatter> = None;
    let mut last_seen = Instant::now();
    let idle_timeout = chat.idle_timeout;
    let mut heartbeat = tokio::time::interval(idle_timeout / 3);
    let reason = loop {
        tokio::select! {
            incoming = stream.next() => {
                last_seen = Instant::now();
                let outcome = match incoming {
                    None | Some(Ok(AggregatedMessage::Close(_))) => break None,
                    Some(Err(e)) => {
                        tracing::info!(room = %room.id, error = %e, "chat protocol error");
                        break Some(CloseReason { code: CloseCode::Protocol, description: Some("protocol error".into()) });
                    }
                    Some(Ok(AggregatedMessage::Text(text))) => match ClientFrame::parse(&text) {
                        Ok(frame) => handle(&state, &room, &mut chatter, frame, &mut session).await,
                        Err(e) => reply(&mut session, ServerFrame::error("bad_frame", format!("unreadable frame: {e}"))).await,
                    },
                    Some(Ok(AggregatedMessage::Ping(bytes))) => {
                        if session.pong(&bytes).await.is_err() { break None; }
                        Outcome::Continue
                    }
                    Some(Ok(AggregatedMessage::Binary(_))) => reply(&mut session, ServerFrame::error("bad_frame", "binary frames are not supported")).await,
                    Some(Ok(_)) => Outcome::Continue,
                };
                if let Outcome::Close(reason) = outcome { break Some(reason); }
            }
            frame = subscription.frames.recv() => match frame {
                Some(text) => match tokio::time::timeout(SEND_TIMEOUT, session.text(&*text)).await {
                    Ok(Ok(())) => {}
                    Ok(Err(_)) => break None,
                    Err(_) => break Some(too_slow()),
                },
                // The hub dropped us: our queue overflowed.
                None => break Some(too_slow()),
            },
            _ = heartbeat.tick() => {
                if last_seen.elapsed() > idle_timeout {
                    break Some(CloseReason { code: CloseCode::Away, description: Some("idle".into()) });
                }
                if session.ping(b"").await.is_err() { break None; }
            }
        }
    };
    drop(subscription);
    let _ = session.close(reason).await;
}

fn too_slow() -> CloseReason {
    CloseReason {
        code: CloseCode::Policy,
        description: Some("too slow: messages were not read in time".into()),
    }
}

fn view(m: &ChatMessage) -> MessageView {
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

async fn reply(session: &mut Session, frame: ServerFrame) -> Outcome {
    match session.text(frame.to_text()).await {
        Ok(()) => Outcome::Continue,
        Err(_) => Outcome::Close(CloseReason {
            code: CloseCode::Normal,
            description: None,
        }),
    }
}

/// Answers one client frame.
async fn handle(
    state: &web::Data<AppState>,
    room: &Room,
    chatter: &mut Option<Chatter>,
    frame: ClientFrame,
    session: &mut Session,
) -> Outcome {
    let answer = match frame {
        ClientFrame::Ping => Some(ServerFrame::Pong),
        ClientFrame::Auth { token } => Some(match authenticate(state.clone(), token).await {
            Ok(AuthUser(user)) => {
                let (room_id, owner, user_id) =
                    (room.id.clone(), room.owner_id.clone(), user.id.clone());
                let is_admin = user.role() == Role::Admin;
                let moderator = state
                    .db
                    .run(move |conn| Ok(Moderators::is_moderator(conn, &room_id, &user_id)?))
                    .await
                    .unwrap_or(false);
                let can_moderate = is_admin || owner == user.id || moderator;
                let author = author(&user);
                *chatter = Some(Chatter { user, can_moderate });
                ServerFrame::Authenticated {
                    user: author,
                    can_moderate,
                }
            }
            Err(_) => ServerFrame::error(
                "unauthenticated",
                "the token is invalid or expired; log in again",
            ),
        }),
        ClientFrame::Send { text } => Some(send(state, room, chatter.as_ref(), &text).await),
        other => Some(moderate(state, room, chatter.as_ref(), other).await),
    };
    match answer {
        Some(frame) => reply(session, frame).await,
        None => Outcome::Continue,
    }
}

fn author(user: &User) -> Author {
    Author {
        id: user.id.clone(),
        name: user.username.clone(),
        role: user.role.clone(),
    }
}

/// Sends a message; the answer is an error frame, or an ack if nothing is wrong (the message
/// itself reaches everyone, the sender included, through the hub).
async fn send(
    state: &web::Data<AppState>,
    room: &Room,
    chatter: Option<&Chatter>,
    text: &str,
) -> ServerFrame {
    let Some(chatter) = chatter else {
        return ServerFrame::error("unauthenticated", "log in to chat");
    };
    let text = match clean_text(text) {
        Ok(text) => text,
        Err(why) => return ServerFrame::error("invalid_message", why),
    };
    let chat = &state.chat;
    let settings = chat.settings(room);
    if !settings.enabled && !chatter.can_moderate {
        return ServerFrame::error("chat_disabled", "chat is turned off in this room");
    }
    if !chat.limiter.allow(&chatter.user.id) {
        return ServerFrame::error(
            "rate_limited",
            "you are sending too fast; wait a few seconds",
        );
    }
    if settings.slow_mode_seconds > 0 && !chatter.can_moderate {
        if let Some(wait) = chat.slow_mode_wait(
            &room.id,
            &chatter.user.id,
            Duration::from_secs(u64::from(settings.slow_mode_seconds)),
        ) {
            return ServerFrame::error("slow_mode", format!("slow mode is on: wait {wait} s"));
        }
    }
    let sent_at = now_ms();
    let message = ChatMessage {
        id: message_id(sent_at),
        room_id: room.id.clone(),
        user_id: chatter.user.id.clone(),
        author_name: chatter.user.username.clone(),
        author_role: chatter.user.role.clone(),
        body: text,
        sent_at,
        deleted: false,
    };
    let row = message.clone();
    let stored = state
        .db
        .run(move |conn| {
            let now = now_ms();
            match Bans::restriction(conn, &row.room_id, &row.user_id, now)? {
                Some(None) => {
                    return Ok(Err(ServerFrame::error(
                        "banned",
                        "you are banned from this room's chat",
                    )))
                }
                Some(Some(until)) => {
                    let seconds = ((until - now) / 1000).max(1);
                    return Ok(Err(ServerFrame::error(
                        "timed_out",
                        format!("you are timed out for {seconds} more s"),
                    )));
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
            ServerFrame::Ack {
                text: "sent".into(),
            }
        }
        Ok(Err(frame)) => frame,
        Err(e) => {
            tracing::error!(room = %room.id, error = %e, "could not store a chat message");
            ServerFrame::error("unavailable", "the message could not be saved; try again")
        }
    }
}

/// Moderation actions: only the room owner, admins and the room's moderators.
async fn moderate(
    state: &web::Data<AppState>,
    room: &Room,
    chatter: Option<&Chatter>,
    frame: ClientFrame,
) -> ServerFrame {
    let Some(chatter) = chatter else {
        return ServerFrame::error("unauthenticated", "log in first");
    };
    if !chatter.can_moderate {
        return ServerFrame::error("forbidden", "only moderators can do this");
    }
    let chat = &state.chat;
    let room_id = room.id.clone();
    let owner = room.owner_id.clone();
    let result = match frame {
        ClientFrame::Delete { message_id } => {
            let id = message_id.clone();
            match state
                .db
                .run(move |conn| Ok(ChatMessage::delete(conn, &room_id, &id)?))
                .await
            {
                Ok(true) => {
                    chat.hub
                        .publish(&room.id, &ServerFrame::MessageDeleted { id: message_id });
                    Ok("message deleted".to_owned())
                }
                Ok(false) => {
                    return ServerFrame::error("not_found", "no such message in this room")
                }
                Err(e) => Err(e),
            }
        }
        ClientFrame::Timeout { user_id, seconds } => {
            if !(1..=86_400).contains(&seconds) {
                return ServerFrame::error("invalid_request", "a timeout lasts 1 to 86400 seconds");
            }
            match restrict(
                state,
                &room_id,
                &owner,
                &user_id,
                Some(now_ms() + i64::from(seconds) * 1000),
            )
            .await
            {
                Ok(Ok(name)) => Ok(format!("{name} is timed out for {seconds} s")),
                Ok(Err(why)) => return ServerFrame::error("forbidden", why),
                Err(e) => Err(e),
            }
        }
        ClientFrame::Ban { user_id } => {
            match restrict(state, &room_id, &owner, &user_id, None).await {
                Ok(Ok(name)) => Ok(format!("{name} is banned from the chat")),
                Ok(Err(why)) => return ServerFrame::error("forbidden", why),
                Err(e) => Err(e),
            }
        }
        ClientFrame::Unban { user_id } => {
            let id = user_id.clone();
            state
                .db
                .run(move |conn| Ok(Bans::lift(conn, &room_id, &id)?))
                .await
                .map(|_| "the user may chat again".to_owned())
        }
        ClientFrame::SlowMode { seconds } => {
            if seconds > 3600 {
                return ServerFrame::error("invalid_request", "slow mode is 0 to 3600 seconds");
            }
            let current = chat.settings(room);
            let next = ChatSettings {
                slow_mode_seconds: seconds,
                ..current
            };
            apply_settings(state, &room.id, next).await.map(|_| {
                if seconds == 0 {
                    "slow mode off".to_owned()
                } else {
                    format!("slow mode: {seconds} s")
                }
            })
        }
        ClientFrame::SetChat { enabled } => {
            let current = chat.settings(room);
            let next = ChatSettings { enabled, ..current };
            apply_settings(state, &room.id, next).await.map(|_| {
                if enabled {
                    "chat on".to_owned()
                } else {
                    "chat off".to_owned()
                }
            })
        }
        ClientFrame::Auth { .. } | ClientFrame::Send { .. } | ClientFrame::Ping => {
            return ServerFrame::error("bad_frame", "not a moderation action")
        }
    };
    match result {
        Ok(text) => {
            chat.hub
                .publish(&room.id, &ServerFrame::Notice { text: text.clone() });
            ServerFrame::Ack { text }
        }
        Err(e) => {
            tracing::error!(room = %room.id, error = %e, "moderation action failed");
            ServerFrame::error("unavailable", "the action could not be saved; try again")
        }
    }
}

/// Bans or times out `user_id`; `Ok(Err(text))` when the target may not be restricted.
async fn restrict(
    state: &web::Data<AppState>,
    room_id: &str,
    owner: &str,
    user_id: &str,
    until: Option<i64>,
) -> Result<Result<String, String>, crate::db::DbError> {
    let (room_id, owner, user_id) = (room_id.to_owned(), owner.to_owned(), user_id.to_owned());
    state
        .db
        .run(move |conn| {
            let Some(target) = User::find(conn, &user_id)? else {
                return Ok(Err("no such user".to_owned()));
            };
            if target.id == owner || target.role() == Role::Admin {
                return Ok(Err(
                    "the room owner and admins cannot be restricted".to_owned()
                ));
            }
            Bans::restrict(conn, &room_id, &user_id, until)?;
            Ok(Ok(target.username))
        })
        .await
}

async fn apply_settings(
    state: &web::Data<AppState>,
    room_id: &str,
    next: ChatSettings,
) -> Result<(), crate::db::DbError> {
    let id = room_id.to_owned();
    state
        .db
        .run(move |conn| {
            Ok(Room::set_chat(
                conn,
                &id,
                Some(next.enabled),
                Some(next.slow_mode_seconds as i32),
            )?)
        })
        .await?;
    state.chat.change_settings(room_id, next);
    Ok(())
}
