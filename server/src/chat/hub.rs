//! The room hub: who listens to which room, and fan-out of frames to them.
//!
//! Handlers talk to [`ChatHub`], not to [`LocalHub`], so a hub that links several server instances
//! (Redis pub/sub) can replace it without touching them.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

use super::protocol::ServerFrame;

/// Frames queued for one connection before it counts as too slow and is dropped.
pub const CONNECTION_QUEUE: usize = 256;

/// Fan-out of chat frames to the connections of each room.
pub trait ChatHub: Send + Sync + 'static {
    /// Starts listening to `room`; the connection counts as a viewer until the subscription drops.
    fn subscribe(self: Arc<Self>, room: &str) -> Subscription;
    /// Sends `frame` to every listener of `room`. Listeners whose queue is full are dropped.
    fn publish(&self, room: &str, frame: &ServerFrame);
    /// How many connections listen to `room`.
    fn viewer_count(&self, room: &str) -> usize;
}

/// A connection's place in a room. Its queue closes if the connection falls too far behind.
pub struct Subscription {
    pub frames: mpsc::Receiver<Arc<str>>,
    leave: Option<Box<dyn FnOnce() + Send>>,
}

impl Subscription {
    /// A subscription reading `frames`; `leave` runs when it is dropped.
    pub fn new(frames: mpsc::Receiver<Arc<str>>, leave: Box<dyn FnOnce() + Send>) -> Self {
        Self {
            frames,
            leave: Some(leave),
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(leave) = self.leave.take() {
            leave();
        }
    }
}

/// The listeners of one room, by connection id.
type Listeners = HashMap<u64, mpsc::Sender<Arc<str>>>;

/// The hub of one process.
#[derive(Default)]
pub struct LocalHub {
    rooms: Mutex<HashMap<String, Listeners>>,
    /// Rooms whose viewer count changed since the last broadcast of counts.
    changed: Mutex<HashSet<String>>,
    next_id: AtomicU64,
}

impl LocalHub {
    /// A hub, with a task that announces viewer counts at most once per `interval` per room.
    pub fn start(interval: Duration) -> Arc<Self> {
        let hub = Arc::new(Self::default());
        let weak = Arc::downgrade(&hub);
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(interval);
            loop {
                ticker.tick().await;
                let Some(hub) = weak.upgrade() else { break };
                let rooms: Vec<String> = hub
                    .changed
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .drain()
                    .collect();
                for room in rooms {
                    let count = hub.viewer_count(&room);
                    hub.publish(&room, &ServerFrame::ViewerCount { count });
                }
            }
        });
        hub
    }

    fn unsubscribe(&self, room: &str, id: u64) {
        let mut rooms = self.rooms.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(subs) = rooms.get_mut(room) {
            subs.remove(&id);
            if subs.is_empty() {
                rooms.remove(room);
            }
        }
        drop(rooms);
        self.changed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(room.to_owned());
    }
}

impl ChatHub for LocalHub {
    fn subscribe(self: Arc<Self>, room: &str) -> Subscription {
        let (tx, rx) = mpsc::channel(CONNECTION_QUEUE);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.rooms
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(room.to_owned())
            .or_default()
            .insert(id, tx);
        self.changed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(room.to_owned());
        let room = room.to_owned();
        Subscription::new(rx, Box::new(move || self.unsubscribe(&room, id)))
    }

    fn publish(&self, room: &str, frame: &ServerFrame) {
        let text: Arc<str> = Arc::from(frame.to_text());
        let mut rooms = self.rooms.lock().unwrap_or_else(|p| p.into_inner());
        let Some(subs) = rooms.get_mut(room) else {
            return;
        };
        let mut slow = Vec::new();
        for (id, tx) in subs.iter() {
            if let Err(mpsc::error::TrySendError::Full(_)) = tx.try_send(text.clone()) {
                slow.push(*id);
            }
        }
        // A full queue means the client stopped keeping up: it is dropped (its queue closes and
        // its connection ends with a close code) so that nobody else waits for it.
        for id in slow {
            subs.remove(&id);
            tracing::warn!(%room, connection = id, "chat client too slow; disconnecting");
        }
    }

    fn viewer_count(&self, room: &str) -> usize {
        self.rooms
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(room)
            .map_or(0, HashMap::len)
    }
}
