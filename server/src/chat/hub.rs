//! The room hub: who listens to which room, and fan-out of frames to them.
//!
//! Handlers talk to [`ChatHub`], not to [`LocalHub`]: with several nodes,
//! `cluster::chat_hub::RedisHub` links the nodes' local hubs through Redis pub/sub.

use std::collections::HashMap;
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
    /// How many connections listen to `room` (on every node).
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
    next_id: AtomicU64,
}

impl LocalHub {
    /// A hub whose rooms are told their viewer count (as the hub counts it) once a second.
    pub fn start() -> Arc<Self> {
        let hub = Arc::new(Self::default());
        announce_viewer_counts(hub.clone(), hub.clone(), Duration::from_secs(1));
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
    }

    /// Sends an encoded frame to this process's listeners of `room`. Listeners whose queue is
    /// full are dropped.
    pub fn publish_text(&self, room: &str, text: Arc<str>) {
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
        metrics::counter!(crate::telemetry::names::CHAT_DELIVERIES)
            .increment((subs.len() - slow.len()) as u64);
        // A full queue means the client stopped keeping up: it is dropped (its queue closes and
        // its connection ends with a close code) so that nobody else waits for it.
        for id in slow {
            subs.remove(&id);
            tracing::warn!(%room, connection = id, "chat client too slow; disconnecting");
        }
    }

    /// Each room with listeners in this process, and how many.
    pub fn room_counts(&self) -> HashMap<String, usize> {
        self.rooms
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(room, subs)| (room.clone(), subs.len()))
            .collect()
    }
}

/// Tells the listeners `local` holds their room's viewer count, as `hub` counts it (on every
/// node), whenever it changed, at most once per `interval`. Stops when the hubs are dropped.
pub fn announce_viewer_counts<H: ChatHub>(hub: Arc<H>, local: Arc<LocalHub>, interval: Duration) {
    let (hub, local) = (Arc::downgrade(&hub), Arc::downgrade(&local));
    tokio::spawn(async move {
        let mut announced: HashMap<String, usize> = HashMap::new();
        let mut ticker = tokio::time::interval(interval);
        loop {
            ticker.tick().await;
            let (Some(hub), Some(local)) = (hub.upgrade(), local.upgrade()) else {
                break;
            };
            let rooms = local.room_counts();
            announced.retain(|room, _| rooms.contains_key(room));
            for room in rooms.into_keys() {
                let count = hub.viewer_count(&room);
                metrics::gauge!(crate::telemetry::names::VIEWERS, "room" => room.clone())
                    .set(count as f64);
                if announced.insert(room.clone(), count) != Some(count) {
                    local.publish_text(&room, ServerFrame::ViewerCount { count }.to_text().into());
                }
            }
        }
    });
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
        let room = room.to_owned();
        Subscription::new(rx, Box::new(move || self.unsubscribe(&room, id)))
    }

    fn publish(&self, room: &str, frame: &ServerFrame) {
        self.publish_text(room, Arc::from(frame.to_text()));
    }

    fn viewer_count(&self, room: &str) -> usize {
        self.rooms
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(room)
            .map_or(0, HashMap::len)
    }
}
