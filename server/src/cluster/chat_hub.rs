//! Chat across nodes: each node's [`LocalHub`] serves its own connections, and every frame a
//! node publishes also goes out on Redis, on the room's channel `{prefix}:chat:{room}`, tagged
//! with the node's id. Each node takes every room's channel with one pattern subscription (so a
//! viewer who just joined misses nothing while a per-room subscription would still be on its
//! way), skips its own echo and hands the rest to its local listeners.
//!
//! What changes access (a user disabled, a room's moderators) or a room's chat switches goes to
//! the other nodes on `{prefix}:chat-control`, so that their connections follow at once.
//!
//! Messages are stored in SQL before they are published, so a client that reconnects after a
//! Redis outage reloads what it missed from the history; frames published while Redis is away
//! reach only the publishing node's listeners.

use super::presence::Presence;
use super::Cluster;
use crate::chat::hub::{announce_viewer_counts, ChatHub, LocalHub, Subscription};
use crate::chat::protocol::ServerFrame;
use crate::chat::{ChatControl, ControlFanout};
use anyhow::Context;
use redis::aio::ConnectionManager;
use redis::{PushInfo, PushKind, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::mpsc;
use tracing::{debug, warn};

/// Frames waiting to go out to Redis, and frames from Redis waiting for local delivery, before
/// more are dropped (and counted).
const QUEUE: usize = 8192;
/// Frames sent to Redis in one pipeline.
const BATCH: usize = 256;

/// The chat hub of a node in a cluster.
pub struct RedisHub {
    local: Arc<LocalHub>,
    node_id: String,
    /// (channel, message) pairs for Redis, in order.
    outgoing: mpsc::Sender<(String, Arc<str>)>,
    control_channel: String,
    room_channel_prefix: String,
    presence: Arc<Presence>,
    /// Frames not sent to other nodes because the queue to Redis was full.
    pub dropped: AtomicU64,
    /// Applies what other nodes announce ([`ChatControl`]), in order with their frames.
    on_control: Arc<OnceLock<ControlHandler>>,
}

/// What applies another node's [`ChatControl`] here.
pub type ControlHandler = Box<dyn Fn(ChatControl) + Send + Sync>;

impl RedisHub {
    /// The hub, with its publisher and subscriber tasks running; fails if Redis cannot be
    /// subscribed to.
    pub async fn start(
        cluster: &Arc<Cluster>,
        presence: Arc<Presence>,
    ) -> anyhow::Result<Arc<Self>> {
        let local = Arc::new(LocalHub::default());
        let (outgoing, to_redis) = mpsc::channel(QUEUE);
        let on_control = Arc::new(OnceLock::new());
        let hub = Arc::new(Self {
            local: local.clone(),
            node_id: cluster.node_id.clone(),
            outgoing,
            control_channel: cluster.key("chat-control"),
            room_channel_prefix: cluster.key("chat:"),
            presence,
            dropped: AtomicU64::new(0),
            on_control: on_control.clone(),
        });
        subscribe(cluster, local.clone(), on_control).await?;
        tokio::spawn(send_to_redis(cluster.clone(), to_redis));
        announce_viewer_counts(hub.clone(), local, Duration::from_secs(1));
        Ok(hub)
    }

    /// Has `handler` apply what the other nodes announce; the first handler set stays.
    pub fn on_control(&self, handler: ControlHandler) {
        let _ = self.on_control.set(handler);
    }

    /// Queues `text` for `channel`, tagged with this node's id.
    fn send(&self, channel: String, text: &str) {
        let message: Arc<str> = Arc::from(format!("{}\n{text}", self.node_id));
        if self.outgoing.try_send((channel, message)).is_err()
            && self
                .dropped
                .fetch_add(1, Ordering::Relaxed)
                .is_multiple_of(1000)
        {
            warn!("chat frames for other nodes dropped: the queue to Redis is full");
        }
    }

    /// This node's own hub (its connections, by room).
    pub fn local(&self) -> &Arc<LocalHub> {
        &self.local
    }
}

impl ChatHub for RedisHub {
    fn subscribe(self: Arc<Self>, room: &str) -> Subscription {
        self.local.clone().subscribe(room)
    }

    fn publish(&self, room: &str, frame: &ServerFrame) {
        let text: Arc<str> = Arc::from(frame.to_text());
        self.local.publish_text(room, text.clone());
        self.send(format!("{}{room}", self.room_channel_prefix), &text);
    }

    fn viewer_count(&self, room: &str) -> usize {
        self.local.viewer_count(room) + self.presence.elsewhere(room)
    }
}

impl ControlFanout for RedisHub {
    fn send(&self, control: &ChatControl) {
        if let Ok(json) = serde_json::to_string(control) {
            RedisHub::send(self, self.control_channel.clone(), &json);
        }
    }
}

/// Publishes queued frames in order, a pipeline at a time.
async fn send_to_redis(cluster: Arc<Cluster>, mut frames: mpsc::Receiver<(String, Arc<str>)>) {
    let mut redis = cluster.redis();
    let mut batch = Vec::with_capacity(BATCH);
    while frames.recv_many(&mut batch, BATCH).await > 0 {
        let mut pipe = redis::pipe();
        for (channel, message) in batch.drain(..) {
            pipe.cmd("PUBLISH")
                .arg(channel)
                .arg(message.as_bytes())
                .ignore();
        }
        if let Err(e) = pipe.query_async::<()>(&mut redis).await {
            warn!(error = %e, "could not send chat frames to the other nodes");
        }
    }
}

/// Subscribes to every room's channel and to the control channel on a connection of its own
/// (RESP3 pushes, subscriptions renewed on every reconnection); delivers what other nodes
/// publish to this node's listeners, and their control messages to `on_control`.
async fn subscribe(
    cluster: &Arc<Cluster>,
    local: Arc<LocalHub>,
    on_control: Arc<OnceLock<ControlHandler>>,
) -> anyhow::Result<()> {
    let (pushes, mut received) = mpsc::channel::<PushInfo>(QUEUE);
    let dropped = Arc::new(AtomicU64::new(0));
    let counter = dropped.clone();
    let sender = move |push: PushInfo| {
        if pushes.try_send(push).is_err()
            && counter.fetch_add(1, Ordering::Relaxed).is_multiple_of(1000)
        {
            warn!("chat frames from other nodes dropped: delivery is behind");
        }
        Ok::<(), redis::aio::SendError>(())
    };
    let config = Cluster::config()
        .set_push_sender(sender)
        .set_automatic_resubscription();
    let mut connection: ConnectionManager = cluster
        .client
        .get_connection_manager_with_config(config.clone())
        .await
        .context("connecting to Redis for chat")?;
    let pattern = cluster.key("chat:*");
    connection.psubscribe(&pattern).await?;
    connection.subscribe(cluster.key("chat-control")).await?;
    let channel_prefix = cluster.key("chat:");
    let node_id = cluster.node_id.clone();
    tokio::spawn(async move {
        // Held so that the subscription lives as long as the task.
        let _connection = connection;
        while let Some(push) = received.recv().await {
            match push.kind {
                PushKind::PMessage => deliver(&local, &channel_prefix, &node_id, push.data),
                PushKind::Message => {
                    // [channel, payload]: the control channel is the only plain subscription.
                    let Some(text) = from_elsewhere(push.data.into_iter().nth(1), &node_id) else {
                        continue;
                    };
                    match serde_json::from_str::<ChatControl>(&text) {
                        Ok(control) => {
                            if let Some(apply) = on_control.get() {
                                apply(control);
                            }
                        }
                        Err(e) => warn!(error = %e, "unreadable chat control message"),
                    }
                }
                PushKind::Disconnection => {
                    warn!("lost Redis: chat from other nodes pauses until it is back")
                }
                kind => debug!(?kind, "Redis push"),
            }
        }
    });
    Ok(())
}

/// The payload of a message another node published (`node\ntext`), without the node's tag.
fn from_elsewhere(payload: Option<Value>, node_id: &str) -> Option<String> {
    let Some(Value::BulkString(payload)) = payload else {
        return None;
    };
    let payload = String::from_utf8(payload).ok()?;
    let (from, text) = payload.split_once('\n')?;
    (from != node_id).then(|| text.to_owned())
}

/// Hands one message of another node to this node's listeners of its room.
fn deliver(local: &LocalHub, channel_prefix: &str, node_id: &str, data: Vec<Value>) {
    // A pattern message is [pattern, channel, payload].
    let mut data = data.into_iter().skip(1);
    let Some(Value::BulkString(channel)) = data.next() else {
        return;
    };
    let Ok(channel) = String::from_utf8(channel) else {
        return;
    };
    let Some(room) = channel.strip_prefix(channel_prefix) else {
        return;
    };
    if let Some(text) = from_elsewhere(data.next(), node_id) {
        local.publish_text(room, Arc::from(text));
    }
}
