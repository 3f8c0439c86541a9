//! Why the server refused a client's frame: each reason has a stable `code` (the protocol's
//! `error.code`, documented in `docs/chat-protocol.md`) and a message for people.

use super::protocol::ServerFrame;

/// A refusal, sent to the client as an `error` frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatError {
    /// Not logged in, or the login ended; the text says which.
    Unauthenticated(&'static str),
    /// Not a frame of this protocol.
    BadFrame(&'static str),
    /// The message cannot be sent as written (empty, too long).
    InvalidMessage(&'static str),
    ChatDisabled,
    RateLimited,
    /// Slow mode: seconds the user must still wait.
    SlowMode {
        wait_seconds: u64,
    },
    Banned,
    /// Seconds the timeout still lasts.
    TimedOut {
        seconds_left: i64,
    },
    /// No such message in this room.
    NotFound,
    /// A moderation request out of range.
    InvalidRequest(&'static str),
    /// The user may not do this (to this target).
    Forbidden(&'static str),
    /// The database could not be reached; the text says what was not done.
    Unavailable(&'static str),
}

impl ChatError {
    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated(_) => "unauthenticated",
            Self::BadFrame(_) => "bad_frame",
            Self::InvalidMessage(_) => "invalid_message",
            Self::ChatDisabled => "chat_disabled",
            Self::RateLimited => "rate_limited",
            Self::SlowMode { .. } => "slow_mode",
            Self::Banned => "banned",
            Self::TimedOut { .. } => "timed_out",
            Self::NotFound => "not_found",
            Self::InvalidRequest(_) => "invalid_request",
            Self::Forbidden(_) => "forbidden",
            Self::Unavailable(_) => "unavailable",
        }
    }

    /// What a person reads.
    pub fn message(&self) -> String {
        match self {
            Self::Unauthenticated(text)
            | Self::BadFrame(text)
            | Self::InvalidMessage(text)
            | Self::InvalidRequest(text)
            | Self::Forbidden(text)
            | Self::Unavailable(text) => (*text).to_owned(),
            Self::ChatDisabled => "chat is turned off in this room".to_owned(),
            Self::RateLimited => "you are sending too fast; wait a few seconds".to_owned(),
            Self::SlowMode { wait_seconds } => format!("slow mode is on: wait {wait_seconds} s"),
            Self::Banned => "you are banned from this room's chat".to_owned(),
            Self::TimedOut { seconds_left } => {
                format!("you are timed out for {seconds_left} more s")
            }
            Self::NotFound => "no such message in this room".to_owned(),
        }
    }
}

impl From<ChatError> for ServerFrame {
    fn from(error: ChatError) -> Self {
        ServerFrame::error(error.code(), error.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_frame_carries_the_code_and_the_message() {
        let frame = ServerFrame::from(ChatError::SlowMode { wait_seconds: 3 });
        let json: serde_json::Value = serde_json::from_str(&frame.to_text()).unwrap();
        assert_eq!(json["type"], "error");
        assert_eq!(json["code"], "slow_mode");
        assert_eq!(json["message"], "slow mode is on: wait 3 s");
    }
}
