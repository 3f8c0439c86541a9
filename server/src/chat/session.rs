//! One WebSocket connection to a room's chat: a `select!` loop over access changes, client
//! frames, hub frames, the token's expiry and a heartbeat. Every write to the client has a
//! deadline: a client that stops reading is dropped, never waited for.

use super::protocol::{
    clean_text, Author, ClientFrame, MessageView, ServerFrame, PROTOCOL_VERSION,
};
use super::{AccessChange, ChatSettings, HISTORY_LEN};
use crate::db::DbConnection;
use crate::models::chat::{message_id, Bans, ChatMessage, Moderators};
use crate::models::now_ms;
use crate::models::room::Room;
use crate::models::user::{Role, User};
use crate::state::AppState;
use actix_web::web;
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, MessageStream, Session};
use diesel::QueryResult;
use futures_util::StreamExt;
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::RecvError;

/// A single frame that takes longer than this to hand to the socket means a stuck client.
const SEND_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest frame a client may send.
pub const MAX_FRAME_BYTES: usize = 16 * 1024;

/// The logged-in user of a connection, and what their token allows until when.
struct Chatter {
    user: User,
    can_moderate: bool,
    /// The token generation the user logged in with; any change (logout, role change, disabled)
    /// ends the chat login.
    token_version: i32,
    expires: tokio::time::Instant,
}

enum Outcome {
    Continue,
    Close(CloseReason),
    /// The client does not take what is sent (or is gone): stop without waiting for it.
    Gone,
}

/// Writes one frame to the client within [`SEND_TIMEOUT`].
async fn deliver(session: &mut Session, text: &str) -> Outcome {
    match tokio::time::timeout(SEND_TIMEOUT, session.text(text)).await {
        Ok(Ok(())) => Outcome::Continue,
        Ok(Err(_)) | Err(_) => Outcome::Gone,
    }
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
    let mut access = chat.access_changes();
    let settings = chat.settings(&room);
    let mut subscription = chat.hub.clone().subscribe(&room.id);
    let hello = ServerFrame::Hello {
        protocol: PROTOCOL_VERSION,
        room_id: room.id.clone(),
        chat_enabled: settings.enabled,
        slow_mode_seconds: settings.slow_mode_seconds,
        viewer_count: chat.hub.viewer_count(&room.id),
    };
    if !matches!(
        deliver(&mut session, &hello.to_text()).await,
        Outcome::Continue
    ) {
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
    if !matches!(
        deliver(&mut session, &frame.to_text()).await,
        Outcome::Continue
    ) {
        return;
    }

    let mut chatter: Option<Chatter> = None;
    let mut last_seen = Instant::now();
    let idle_timeout = chat.idle_timeout;
    let mut heartbeat = tokio::time::interval(idle_timeout / 3);
    let reason = loop {
        let expires = chatter.as_ref().map(|c| c.expires);
        let outcome = tokio::select! {
            // Losing rights goes before anything the client asks for.
            biased;
            change = access.recv() => {
                let concerns = match (&change, &chatter) {
                    (_, None) | (Err(RecvError::Closed), _) => false,
                    (Ok(AccessChange::User(id)), Some(c)) => *id == c.user.id,
                    (Ok(AccessChange::Room(id)), Some(_)) => *id == room.id,
                    (Err(RecvError::Lagged(_)), Some(_)) => true,
                };
                match concerns {
                    true => match recheck(&state, &room, &mut chatter).await {
                        Some(frame) => deliver(&mut session, &frame.to_text()).await,
                        None => Outcome::Continue,
                    },
                    false => Outcome::Continue,
                }
            }
            _ = sleep_until(expires) => {
                chatter = None;
                let frame = ServerFrame::error("unauthenticated", "your session expired; log in again to chat");
                deliver(&mut session, &frame.to_text()).await
            }
            incoming = stream.next() => {
                last_seen = Instant::now();
                match incoming {
                    None | Some(Ok(AggregatedMessage::Close(_))) => break None,
                    Some(Err(e)) => {
                        tracing::info!(room = %room.id, error = %e, "chat protocol error");
                        Outcome::Close(CloseReason { code: CloseCode::Protocol, description: Some("protocol error".into()) })
                    }
                    Some(Ok(AggregatedMessage::Text(text))) => match ClientFrame::parse(&text) {
                        Ok(frame) => handle(&state, &room, &mut chatter, frame, &mut session).await,
                        Err(e) => {
                            tracing::debug!(room = %room.id, error = %e, "unreadable chat frame");
                            reply(&mut session, ServerFrame::error("bad_frame", "unreadable frame: expected a JSON object of a known type")).await
                        }
                    },
                    Some(Ok(AggregatedMessage::Ping(bytes))) => {
                        match tokio::time::timeout(SEND_TIMEOUT, session.pong(&bytes)).await {
                            Ok(Ok(())) => Outcome::Continue,
                            _ => Outcome::Gone,
                        }
                    }
                    Some(Ok(AggregatedMessage::Binary(_))) => reply(&mut session, ServerFrame::error("bad_frame", "binary frames are not supported")).await,
                    Some(Ok(_)) => Outcome::Continue,
                }
            }
            frame = subscription.frames.recv() => match frame {
                Some(text) => match deliver(&mut session, &text).await {
                    Outcome::Gone => Outcome::Close(too_slow()),
                    other => other,
                },
                // The hub dropped us: our queue overflowed.
                None => Outcome::Close(too_slow()),
            },
            _ = heartbeat.tick() => {
                if last_seen.elapsed() > idle_timeout {
                    Outcome::Close(CloseReason { code: CloseCode::Away, description: Some("idle".into()) })
                } else {
                    match tokio::time::timeout(SEND_TIMEOUT, session.ping(b"")).await {
                        Ok(Ok(())) => Outcome::Continue,
                        _ => Outcome::Gone,
                    }
                }
            }
        };
        match outcome {
            Outcome::Continue => {}
            Outcome::Close(reason) => break Some(reason),
            // Nothing more can reach the client, not even a close frame: drop the connection.
            Outcome::Gone => {
                drop(subscription);
                return;
            }
        }
    };
    drop(subscription);
    // The close frame gets the same deadline as every other write; then the session is dropped.
    let _ = tokio::time::timeout(SEND_TIMEOUT, session.close(reason)).await;
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
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
    deliver(session, &frame.to_text()).await
}

/// Whether `user` may moderate `room`: an admin, the owner, or one of its moderators.
fn may_moderate(conn: &mut DbConnection, room: &Room, user: &User) -> QueryResult<bool> {
    Ok(user.role() == Role::Admin
        || room.owner_id == user.id
        || Moderators::is_moderator(conn, &room.id, &user.id)?)
}

/// The user `user_id` as stored now, and whether they may moderate `room`.
async fn rights(
    state: &web::Data<AppState>,
    room: &Room,
    user_id: String,
) -> Result<Option<(User, bool)>, crate::db::DbError> {
    let room = room.clone();
    state
        .db
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
async fn log_in(state: &web::Data<AppState>, room: &Room, token: &str) -> Option<Chatter> {
    let claims = state.tokens.verify(token).ok()?;
    let (user, can_moderate) = match rights(state, room, claims.sub.clone()).await {
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
async fn recheck(
    state: &web::Data<AppState>,
    room: &Room,
    chatter: &mut Option<Chatter>,
) -> Option<ServerFrame> {
    let current = chatter.as_ref()?;
    match rights(state, room, current.user.id.clone()).await {
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
            Some(ServerFrame::error(
                "unauthenticated",
                "your session ended; log in again to chat",
            ))
        }
        Err(e) => {
            // Rights cannot be read right now: sending and moderating are re-checked against the
            // database as they happen anyway.
            tracing::error!(room = %room.id, error = %e, "could not re-check chat rights");
            None
        }
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
        ClientFrame::Ping => ServerFrame::Pong,
        ClientFrame::Auth { token } => match log_in(state, room, &token).await {
            Some(c) => {
                let frame = ServerFrame::Authenticated {
                    user: author(&c.user),
                    can_moderate: c.can_moderate,
                };
                *chatter = Some(c);
                frame
            }
            None => ServerFrame::error(
                "unauthenticated",
                "the token is invalid or expired; log in again",
            ),
        },
        ClientFrame::Send { text } => send(state, room, chatter.as_ref(), &text).await,
        other => moderate(state, room, chatter.as_ref(), other).await,
    };
    reply(session, answer).await
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
