//! The chat protocol, version 1: JSON text frames with a `type` field. See `docs/chat-protocol.md`.
//!
//! Pure Rust, apart from the server (which owns the sockets, the hub and the rules), so the
//! fuzz target and other clients build it alone.

use serde::{Deserialize, Serialize};

pub mod json_schema;

/// Bumped on any incompatible change; sent in `hello`.
pub const PROTOCOL_VERSION: u32 = 1;
/// Largest WebSocket frame a client may send.
pub const MAX_FRAME_BYTES: usize = 16 * 1024;
/// Longest message, in characters, after cleaning.
pub const MAX_MESSAGE_CHARS: usize = 500;

/// What a client may send.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientFrame {
    /// Log in with an access token (from `/api/auth/login`); reading needs none.
    Auth {
        token: String,
    },
    Send {
        text: String,
    },
    /// Moderators: hide a message for everyone.
    Delete {
        message_id: String,
    },
    /// Moderators: keep a user from sending for `seconds`.
    Timeout {
        user_id: String,
        #[schemars(range(min = 1, max = 86_400))]
        seconds: u32,
    },
    /// Moderators: keep a user from sending until unbanned.
    Ban {
        user_id: String,
    },
    Unban {
        user_id: String,
    },
    /// Moderators: minimum seconds between two messages of one user (0 = off).
    SlowMode {
        #[schemars(range(max = 3600))]
        seconds: u32,
    },
    /// Moderators: turn the room's chat on or off.
    SetChat {
        enabled: bool,
    },
    Ping,
    /// Viewers' players: how far behind the live edge the picture is, every few seconds while
    /// playing. Not answered; shown to the streamer (a room's `viewer_latency`).
    Latency {
        #[schemars(range(min = 0, max = 600))]
        seconds: f64,
    },
}

impl ClientFrame {
    /// Reads one text frame from a client.
    pub fn parse(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, schemars::JsonSchema)]
pub struct Author {
    pub id: String,
    pub name: String,
    pub role: String,
}

/// A chat message as clients see it. `text` is plain text: never interpret it as HTML.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct MessageView {
    pub id: String,
    pub author: Author,
    pub text: String,
    /// Server time, milliseconds since the Unix epoch.
    pub sent_at: i64,
}

/// What the server sends.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    Hello {
        protocol: u32,
        room_id: String,
        chat_enabled: bool,
        slow_mode_seconds: u32,
        viewer_count: usize,
    },
    History {
        messages: Vec<MessageView>,
    },
    Authenticated {
        user: Author,
        can_moderate: bool,
    },
    Message(MessageView),
    MessageDeleted {
        id: String,
    },
    ViewerCount {
        count: usize,
    },
    RoomSettings {
        chat_enabled: bool,
        slow_mode_seconds: u32,
    },
    /// Broadcast: the room's stream became playable (`live`), or ended. Pages showing the room
    /// reload it instead of polling for it.
    StreamStatus {
        live: bool,
    },
    /// Broadcast: something happened in the room (moderation actions).
    Notice {
        text: String,
    },
    /// Direct answer to the client's own `send` or moderation frame when it succeeded.
    Ack {
        text: String,
    },
    Error {
        code: String,
        message: String,
    },
    Pong,
}

impl ServerFrame {
    pub fn error(code: &str, message: impl Into<String>) -> Self {
        Self::Error {
            code: code.to_owned(),
            message: message.into(),
        }
    }

    /// The frame as JSON text (serialising these types cannot fail).
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| {
            r#"{"type":"error","code":"internal","message":"encoding"}"#.to_owned()
        })
    }
}

/// Cleans a message: control characters removed (newlines and tabs become spaces), surrounding
/// space trimmed. `Err` says why it cannot be sent.
pub fn clean_text(text: &str) -> Result<String, &'static str> {
    let cleaned: String = text
        .chars()
        .map(|c| if c == '\n' || c == '\t' || c == '\r' { ' ' } else { c })
        .filter(|c| !c.is_control() && !matches!(*c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
        .collect();
    let cleaned = cleaned.trim().to_owned();
    if cleaned.is_empty() {
        return Err("the message is empty");
    }
    if cleaned.chars().count() > MAX_MESSAGE_CHARS {
        return Err("the message is too long (500 characters at most)");
    }
    Ok(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cleaned_and_bounded() {
        assert_eq!(
            clean_text("  hi\u{0007}\nthere\u{202E} ").as_deref(),
            Ok("hi there")
        );
        assert!(clean_text(" \u{0000} ").is_err());
        assert!(clean_text(&"x".repeat(501)).is_err());
        assert_eq!(
            clean_text("<b>bold</b>").as_deref(),
            Ok("<b>bold</b>"),
            "kept as text, never as HTML"
        );
    }

    #[test]
    fn frames_have_a_type_tag() {
        let frame = ServerFrame::Message(MessageView {
            id: "m".into(),
            author: Author {
                id: "u".into(),
                name: "n".into(),
                role: "viewer".into(),
            },
            text: "t".into(),
            sent_at: 1,
        });
        let json: serde_json::Value = serde_json::from_str(&frame.to_text()).expect("json");
        assert_eq!(json["type"], "message");
        assert_eq!(json["author"]["name"], "n");
        let parsed: Result<ClientFrame, _> =
            serde_json::from_str(r#"{"type":"send","text":"x","extra":1}"#);
        assert!(parsed.is_err(), "unknown fields are refused");
    }
}
