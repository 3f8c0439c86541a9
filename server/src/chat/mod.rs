//! Real-time chat in every room: a versioned JSON protocol over WebSocket (`protocol`), a hub
//! that fans frames out to a room's connections (`hub`), and one task per connection
//! (`connection`), which answers logins (`chatter`), messages (`posting`) and moderation
//! (`moderation`), or refuses with a coded error (`errors`); viewers' players report their
//! latency (`latency`). Messages, moderators and bans are stored in the database.

pub mod chatter;
pub mod connection;
pub mod errors;
pub mod hub;
pub mod latency;
pub mod moderation;
pub mod posting;
pub use chat_protocol as protocol;

pub use errors::ChatError;

use crate::auth::RateLimiter;
use hub::ChatHub;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What a chat connection uses of the server.
#[derive(Clone)]
pub struct ChatContext {
    pub db: crate::db::Db,
    /// Checks the access tokens clients log in with.
    pub tokens: crate::auth::TokenKeys,
    pub chat: Arc<ChatService>,
}

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

/// Something that may change what an open chat connection's user is allowed to do.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum AccessChange {
    /// The user's account changed: disabled, role, logged out everywhere.
    User(String),
    /// The room's moderators changed.
    Room(String),
}

/// What one node tells the others so that their connections follow it: an access change, or a
/// room's new chat switches.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ChatControl {
    Access(AccessChange),
    Settings {
        room: String,
        enabled: bool,
        slow_mode_seconds: u32,
    },
}

/// Carries [`ChatControl`] to the other nodes (`cluster::chat_hub::RedisHub`).
pub trait ControlFanout: Send + Sync + 'static {
    fn send(&self, control: &ChatControl);
}

/// Access changes queued for a connection before it re-checks everything instead.
const ACCESS_CHANGES_QUEUE: usize = 1024;

/// Chat state shared by all connections.
pub struct ChatService {
    pub hub: Arc<dyn ChatHub>,
    /// A connection silent this long (no frame, no pong) is closed; pings go out three times
    /// as often.
    pub idle_timeout: Duration,
    pub limiter: RateLimiter,
    settings: Mutex<HashMap<String, ChatSettings>>,
    last_sent: Mutex<HashMap<(String, String), Instant>>,
    access: tokio::sync::broadcast::Sender<AccessChange>,
    connections: Arc<Connections>,
    /// What the viewers' players report of their latency, per room.
    pub latency: Arc<latency::LatencyReports>,
    /// With several nodes: where access and settings changes go for the other nodes.
    fanout: Option<Arc<dyn ControlFanout>>,
}

/// Open chat connections, in all and per client address.
#[derive(Default)]
struct Connections {
    max: usize,
    max_per_address: usize,
    open: Mutex<(usize, HashMap<String, usize>)>,
}

/// A chat connection's place under the connection limits, given back when dropped.
pub struct ConnectionSlot {
    connections: Arc<Connections>,
    address: String,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut open = self
            .connections
            .open
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        open.0 = open.0.saturating_sub(1);
        if let Some(count) = open.1.get_mut(&self.address) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.1.remove(&self.address);
            }
        }
    }
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
            access: tokio::sync::broadcast::channel(ACCESS_CHANGES_QUEUE).0,
            connections: Arc::new(Connections {
                max: 10_000,
                max_per_address: 20,
                open: Mutex::default(),
            }),
            latency: Arc::default(),
            fanout: None,
        }
    }

    /// The same service, telling the other nodes through `fanout` what changes access or a
    /// room's switches.
    pub fn with_fanout(mut self, fanout: Option<Arc<dyn ControlFanout>>) -> Self {
        self.fanout = fanout;
        self
    }

    /// Applies what another node announced, to this node's connections only.
    pub fn apply_control(&self, control: ChatControl) {
        match control {
            ChatControl::Access(change) => {
                let _ = self.access.send(change);
            }
            ChatControl::Settings {
                room,
                enabled,
                slow_mode_seconds,
            } => {
                self.settings
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(
                        room,
                        ChatSettings {
                            enabled,
                            slow_mode_seconds,
                        },
                    );
            }
        }
    }

    /// The service the `[chat]` settings describe, on `hub`; with several nodes, its message
    /// limits hold across them.
    pub fn from_settings(
        settings: &crate::configuration::ChatSettings,
        hub: Arc<dyn ChatHub>,
        shared: Option<Arc<dyn crate::auth::SharedWindow>>,
    ) -> Self {
        let mut service = Self::new(
            hub,
            settings.messages_per_window,
            Duration::from_secs(settings.window_seconds),
        );
        service.limiter = RateLimiter::new(
            settings.messages_per_window,
            Duration::from_secs(settings.window_seconds),
        )
        .across(shared, "chat");
        service
            .with_idle_timeout(Duration::from_secs(settings.idle_timeout_seconds))
            .with_connection_limits(
                settings.max_connections,
                settings.max_connections_per_address,
            )
    }

    /// The same service with other connection limits: in all, and per client address.
    pub fn with_connection_limits(mut self, max: usize, max_per_address: usize) -> Self {
        self.connections = Arc::new(Connections {
            max,
            max_per_address,
            open: Mutex::default(),
        });
        self
    }

    /// Chat connections open now.
    pub fn connections(&self) -> usize {
        self.connections
            .open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .0
    }

    /// A slot for a new connection from `address` (see `client_address::limit_key`), or `None`
    /// if the server or that address is at its limit.
    pub fn admit(&self, address: String) -> Option<ConnectionSlot> {
        let connections = &self.connections;
        let mut open = connections.open.lock().unwrap_or_else(|p| p.into_inner());
        let from_address = open.1.get(&address).copied().unwrap_or(0);
        if open.0 >= connections.max || from_address >= connections.max_per_address {
            return None;
        }
        open.0 += 1;
        *open.1.entry(address.clone()).or_insert(0) += 1;
        Some(ConnectionSlot {
            connections: connections.clone(),
            address,
        })
    }

    /// Tells every open connection that `change` happened; those it concerns re-check their
    /// user's rights at once.
    pub fn access_changed(&self, change: AccessChange) {
        if let Some(fanout) = &self.fanout {
            fanout.send(&ChatControl::Access(change.clone()));
        }
        let _ = self.access.send(change);
    }

    /// The access changes from now on (a lagging receiver must re-check everything).
    pub fn access_changes(&self) -> tokio::sync::broadcast::Receiver<AccessChange> {
        self.access.subscribe()
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
        if let Some(fanout) = &self.fanout {
            fanout.send(&ChatControl::Settings {
                room: room.to_owned(),
                enabled: settings.enabled,
                slow_mode_seconds: settings.slow_mode_seconds,
            });
        }
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
