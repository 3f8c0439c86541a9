//! Real-time chat in every room: a versioned JSON protocol over WebSocket (`protocol`), a hub
//! that fans frames out to a room's connections (`hub`), and one task per connection
//! (`session`). Messages, moderators and bans are stored in the database.

pub mod hub;
pub mod protocol;
pub mod session;

use crate::auth::RateLimiter;
use hub::ChatHub;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Messages of history sent on join.
pub const HISTORY_LEN: i64 = 50;

/// A room's chat switches, shared by every connection of the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChatSettings {
    pub enabled: bool,
    pub slow_mode_seconds: u32,
}

impl ChatSettings {
    /// The switches as stored in the room's row.
    pub fn stored(room: &crate::models::room::Room) -> Self {
        Self {
            enabled: room.chat_enabled,
            slow_mode_seconds: room.slow_mode_seconds.max(0) as u32,
        }
    }
}

/// Chat state shared by all connections.
pub struct ChatService {
    pub hub: Arc<dyn ChatHub>,
    /// A connection silent this long (no frame, no pong) is closed; pings go out three times
    /// as often.
    pub idle_timeout: Duration,
    pub limiter: RateLimiter,
    settings: Mutex<HashMap<String, ChatSettings>>,
    last_sent: Mutex<HashMap<(String, String), Instant>>,
}

impl ChatService {
    /// `messages` per `window` for each user.
    pub fn new(hub: Arc<dyn ChatHub>, messages: usize, window: Duration) -> Self {
        Self {
            hub,
            idle_timeout: Duration::from_secs(30),
            limiter: RateLimiter::new(messages, window),
            settings: Mutex::default(),
            last_sent: Mutex::default(),
        }
    }

    /// The same service with another idle timeout.
    pub fn with_idle_timeout(mut self, idle_timeout: Duration) -> Self {
        self.idle_timeout = idle_timeout;
        self
    }

    /// The room's current switches; the first connection seeds them from the room row.
    pub fn settings(&self, room: &crate::models::room::Room) -> ChatSettings {
        let stored = ChatSettings::stored(room);
        *self
            .settings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(room.id.clone())
            .or_insert(stored)
    }

    /// Makes `settings` the room's switches and announces them to every connection of the room.
    pub fn change_settings(&self, room: &str, settings: ChatSettings) {
        self.settings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(room.to_owned(), settings);
        self.hub.publish(
            room,
            &protocol::ServerFrame::RoomSettings {
                chat_enabled: settings.enabled,
                slow_mode_seconds: settings.slow_mode_seconds,
            },
        );
    }

    /// Slow mode: seconds the user must still wait, or `None` if they may send now (recorded).
    pub fn slow_mode_wait(&self, room: &str, user: &str, slow: Duration) -> Option<u64> {
        let mut last = self.last_sent.lock().unwrap_or_else(|p| p.into_inner());
        if last.len() > 100_000 {
            last.retain(|_, t| t.elapsed() < Duration::from_secs(3600));
        }
        let key = (room.to_owned(), user.to_owned());
        if let Some(t) = last.get(&key) {
            let elapsed = t.elapsed();
            if elapsed < slow {
                return Some((slow - elapsed).as_secs().max(1));
            }
        }
        last.insert(key, Instant::now());
        None
    }
}
