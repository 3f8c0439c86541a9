//! One WebSocket connection to a room's chat: a `select!` loop over access changes, client
//! frames, hub frames, the token's expiry and a heartbeat. Every write to the client has a
//! deadline: a client that stops reading is dropped, never waited for. What a frame asks for is
//! answered by `chatter` (login), `posting` and `moderation`.

use super::chatter::{log_in, recheck, Chatter};
use super::errors::ChatError;
use super::latency::Reporter;
use super::moderation::{moderate, ModerationAction};
use super::posting::{post, view};
use super::protocol::{ClientFrame, ServerFrame, MAX_FRAME_BYTES, PROTOCOL_VERSION};
use super::{AccessChange, ChatContext, HISTORY_LEN};
use crate::models::chat::ChatMessage;
use crate::models::room::Room;
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, MessageStream, Session};
use futures_util::StreamExt;
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::RecvError;

/// A single frame that takes longer than this to hand to the socket means a stuck client.
const SEND_TIMEOUT: Duration = Duration::from_secs(5);

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
pub async fn run(cx: ChatContext, room: Room, mut session: Session, stream: MessageStream) {
    // Fragmented messages are assembled, up to the same bound as a single frame.
    let mut stream = stream
        .max_frame_size(MAX_FRAME_BYTES)
        .aggregate_continuations()
        .max_continuation_size(MAX_FRAME_BYTES);
    let chat = cx.chat.clone();
    let mut access = chat.access_changes();
    let mut subscription = chat.hub.clone().subscribe(&room.id);
    let latency = chat.latency.reporter(&room.id);
    if !matches!(greet(&cx, &room, &mut session).await, Outcome::Continue) {
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
            change = access.recv() => match concerns(&change, chatter.as_ref(), &room) {
                true => match recheck(&cx, &room, &mut chatter).await {
                    Some(frame) => deliver(&mut session, &frame.to_text()).await,
                    None => Outcome::Continue,
                },
                false => Outcome::Continue,
            },
            _ = sleep_until(expires) => {
                chatter = None;
                let frame = ServerFrame::from(ChatError::Unauthenticated("your session expired; log in again to chat"));
                deliver(&mut session, &frame.to_text()).await
            }
            incoming = stream.next() => {
                last_seen = Instant::now();
                match incoming {
                    None | Some(Ok(AggregatedMessage::Close(_))) => break None,
                    Some(message) => on_message(&cx, &room, &mut chatter, &latency, message, &mut session).await,
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
            _ = heartbeat.tick() => keep_alive(&mut session, last_seen, idle_timeout).await,
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

/// The first frames a client gets: `hello` (the room's chat settings and viewer count), then
/// the recent history.
async fn greet(cx: &ChatContext, room: &Room, session: &mut Session) -> Outcome {
    let chat = &cx.chat;
    let settings = chat.settings(room);
    let hello = ServerFrame::Hello {
        protocol: PROTOCOL_VERSION,
        room_id: room.id.clone(),
        chat_enabled: settings.enabled,
        slow_mode_seconds: settings.slow_mode_seconds,
        viewer_count: chat.hub.viewer_count(&room.id),
    };
    if !matches!(deliver(session, &hello.to_text()).await, Outcome::Continue) {
        return Outcome::Gone;
    }
    let room_id = room.id.clone();
    let history = cx
        .db
        .run(move |conn| Ok(ChatMessage::recent(conn, &room_id, HISTORY_LEN)?))
        .await;
    let frame = match history {
        Ok(messages) => ServerFrame::History {
            messages: messages.iter().map(view).collect(),
        },
        Err(e) => {
            tracing::error!(room = %room.id, error = %e, "chat history unavailable");
            ChatError::Unavailable("chat history could not be loaded").into()
        }
    };
    deliver(session, &frame.to_text()).await
}

/// Whether an access change concerns this connection's chatter (a lagged receiver may have
/// missed one that did).
fn concerns(
    change: &Result<AccessChange, RecvError>,
    chatter: Option<&Chatter>,
    room: &Room,
) -> bool {
    match (change, chatter) {
        (_, None) | (Err(RecvError::Closed), _) => false,
        (Ok(AccessChange::User(id)), Some(c)) => *id == c.user.id,
        (Ok(AccessChange::Room(id)), Some(_)) => *id == room.id,
        (Err(RecvError::Lagged(_)), Some(_)) => true,
    }
}

/// One message from the client (a close was handled by the caller).
async fn on_message(
    cx: &ChatContext,
    room: &Room,
    chatter: &mut Option<Chatter>,
    latency: &Reporter,
    message: Result<AggregatedMessage, actix_ws::ProtocolError>,
    session: &mut Session,
) -> Outcome {
    match message {
        Err(e) => {
            tracing::info!(room = %room.id, error = %e, "chat protocol error");
            Outcome::Close(CloseReason {
                code: CloseCode::Protocol,
                description: Some("protocol error".into()),
            })
        }
        Ok(AggregatedMessage::Text(text)) => match ClientFrame::parse(&text) {
            Ok(frame) => handle(cx, room, chatter, latency, frame, session).await,
            Err(e) => {
                tracing::debug!(room = %room.id, error = %e, "unreadable chat frame");
                reply(
                    session,
                    ChatError::BadFrame("unreadable frame: expected a JSON object of a known type")
                        .into(),
                )
                .await
            }
        },
        Ok(AggregatedMessage::Ping(bytes)) => {
            match tokio::time::timeout(SEND_TIMEOUT, session.pong(&bytes)).await {
                Ok(Ok(())) => Outcome::Continue,
                _ => Outcome::Gone,
            }
        }
        Ok(AggregatedMessage::Binary(_)) => {
            reply(
                session,
                ChatError::BadFrame("binary frames are not supported").into(),
            )
            .await
        }
        Ok(_) => Outcome::Continue,
    }
}

/// Closes a connection silent for `idle_timeout`; pings it otherwise.
async fn keep_alive(session: &mut Session, last_seen: Instant, idle_timeout: Duration) -> Outcome {
    if last_seen.elapsed() > idle_timeout {
        return Outcome::Close(CloseReason {
            code: CloseCode::Away,
            description: Some("idle".into()),
        });
    }
    match tokio::time::timeout(SEND_TIMEOUT, session.ping(b"")).await {
        Ok(Ok(())) => Outcome::Continue,
        _ => Outcome::Gone,
    }
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

async fn reply(session: &mut Session, frame: ServerFrame) -> Outcome {
    deliver(session, &frame.to_text()).await
}

/// Answers one client frame.
async fn handle(
    cx: &ChatContext,
    room: &Room,
    chatter: &mut Option<Chatter>,
    latency: &Reporter,
    frame: ClientFrame,
    session: &mut Session,
) -> Outcome {
    let answer = match frame {
        ClientFrame::Ping => Ok(ServerFrame::Pong),
        ClientFrame::Auth { token } => match log_in(cx, room, &token).await {
            Some(c) => {
                let frame = ServerFrame::Authenticated {
                    user: c.author(),
                    can_moderate: c.can_moderate,
                };
                *chatter = Some(c);
                Ok(frame)
            }
            None => Err(ChatError::Unauthenticated(
                "the token is invalid or expired; log in again",
            )),
        },
        ClientFrame::Send { text } => post(cx, room, chatter.as_ref(), &text).await,
        // Recorded, never answered.
        ClientFrame::Latency { seconds } => {
            match latency.report(seconds, chatter.as_ref().map(|c| c.user.id.as_str())) {
                true => return Outcome::Continue,
                false => Err(ChatError::BadFrame(
                    "latency: seconds must be between 0 and 600",
                )),
            }
        }
        other => match ModerationAction::try_from(other) {
            Ok(action) => moderate(cx, room, chatter.as_ref(), action).await,
            Err(_) => Err(ChatError::BadFrame("not a moderation action")),
        },
    };
    reply(session, answer.unwrap_or_else(ServerFrame::from)).await
}
