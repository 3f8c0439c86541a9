//! Restreaming's live side: for every room with a publisher on this node (granted, starting or
//! live), the list of destinations its stream pushes to, as a `watch` channel the media engine
//! follows, and each live stream's latest report of its destinations.
//!
//! Every publisher of a room shares the room's one sender (a publisher taking over, or one
//! reconnecting, while the previous one is still tracked), so a change reaches whichever of them
//! is live. Reloads are numbered: a list loaded earlier never replaces one loaded later, and a
//! room's entry exists before its first load, so a change saved while a publisher is being
//! granted is never lost.

use crate::db::{Db, DbError};
use crate::models::destination::Destination as Row;
use crate::restream_keys::KeySealer;
use engine::restream::{Destination, DestinationStats, Destinations};
use media::StreamId;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// The destination lists of the rooms with a publisher on this node, and the live streams'
/// reports of them. Cheap to clone.
#[derive(Clone)]
pub struct Restreams {
    db: Db,
    sealer: Arc<KeySealer>,
    state: Arc<Mutex<State>>,
    /// Numbers the reloads, so that the newest load wins.
    loads: Arc<AtomicU64>,
}

#[derive(Default)]
struct State {
    rooms: HashMap<String, RoomPush>,
    /// The latest report of each live stream's destinations.
    reports: HashMap<StreamId, Vec<DestinationStats>>,
}

/// One room's destination list and the publishers following it.
struct RoomPush {
    sender: watch::Sender<Vec<Destination>>,
    streams: HashSet<StreamId>,
    /// The number of the load last sent.
    sent: u64,
}

impl Restreams {
    /// Destination lists loaded from `db`, their keys opened with `sealer`.
    pub fn new(db: Db, sealer: Arc<KeySealer>) -> Self {
        Self {
            db,
            sealer,
            state: Arc::default(),
            loads: Arc::default(),
        }
    }

    /// Seals and opens destinations' stream keys.
    pub fn sealer(&self) -> &KeySealer {
        &self.sealer
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The destinations a newly granted publisher of `room_id` pushes to, kept current while it
    /// is tracked. Fails (and tracks nothing) when the list cannot be loaded.
    pub async fn attach(
        &self,
        room_id: &str,
        stream_id: &StreamId,
    ) -> Result<Destinations, DbError> {
        let receiver = {
            let mut state = self.lock();
            let room = state
                .rooms
                .entry(room_id.to_owned())
                .or_insert_with(|| RoomPush {
                    sender: watch::channel(Vec::new()).0,
                    streams: HashSet::new(),
                    sent: 0,
                });
            room.streams.insert(stream_id.clone());
            room.sender.subscribe()
        };
        if let Err(e) = self.reload(room_id).await {
            self.detach(stream_id);
            return Err(e);
        }
        Ok(receiver)
    }

    /// Loads the room's destinations again and hands them to its publishers, if it has any on
    /// this node (after every change through the API).
    pub async fn reload(&self, room_id: &str) -> Result<(), DbError> {
        if !self.lock().rooms.contains_key(room_id) {
            return Ok(());
        }
        let number = self.loads.fetch_add(1, Ordering::Relaxed) + 1;
        let (room, sealer) = (room_id.to_owned(), self.sealer.clone());
        let list = self
            .db
            .run(move |conn| Ok(Row::push_targets(conn, &room, &sealer)?))
            .await?;
        let mut state = self.lock();
        if let Some(room) = state.rooms.get_mut(room_id) {
            if number > room.sent {
                room.sent = number;
                room.sender.send_if_modified(|current| {
                    let changed = *current != list;
                    *current = list;
                    changed
                });
            }
        }
        Ok(())
    }

    /// Stops tracking a stream that ended or never started; its room's list goes with the
    /// room's last tracked stream (the engine's receivers then see the channel closed).
    pub fn detach(&self, stream_id: &StreamId) {
        let mut state = self.lock();
        state.reports.remove(stream_id);
        state.rooms.retain(|_, room| {
            room.streams.remove(stream_id);
            !room.streams.is_empty()
        });
    }

    /// Keeps a live stream's latest report of its destinations (streams of rooms only).
    pub fn report(&self, stream_id: &StreamId, destinations: &[DestinationStats]) {
        let mut state = self.lock();
        let tracked = state
            .rooms
            .values()
            .any(|room| room.streams.contains(stream_id));
        if tracked {
            state
                .reports
                .insert(stream_id.clone(), destinations.to_vec());
        }
    }

    /// The latest report of a live stream's destinations; `None` before its first.
    pub fn reports(&self, stream_id: &StreamId) -> Option<Vec<DestinationStats>> {
        self.lock().reports.get(stream_id).cloned()
    }

    /// Whether a publisher of `room_id` is tracked on this node.
    pub fn has_room(&self, room_id: &str) -> bool {
        self.lock().rooms.contains_key(room_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::destination::TooManyDestinations;
    use diesel::connection::SimpleConnection;
    use std::time::Duration;

    const SECRET: &[u8] = b"a-restream-secret-of-at-least-32-characters";

    async fn database(dir: &std::path::Path) -> Db {
        let url = format!("sqlite://{}", dir.join("test.db").display());
        let db = tokio::task::spawn_blocking(move || Db::connect(&url, 2, Duration::from_secs(2)))
            .await
            .expect("task")
            .expect("connects");
        db.run(|conn| {
            conn.batch_execute(
                "INSERT INTO users (id, username, password_hash, role, created_at) \
                 VALUES ('u1', 'olive', 'x', 'streamer', 0); \
                 INSERT INTO presets (id, name, renditions, passthrough, segment_seconds, window_segments, updated_at) \
                 VALUES ('p1', 'test', '[]', 1, 2, 6, 0); \
                 INSERT INTO rooms (id, owner_id, title, description, preset_id, chat_enabled, stream_key_hash, created_at) \
                 VALUES ('r1', 'u1', 'Room', '', 'p1', 1, 'hash', 0);",
            )?;
            Ok(())
        })
        .await
        .expect("rows");
        db
    }

    async fn add(
        db: &Db,
        sealer: &KeySealer,
        id: &str,
        key: &str,
        enabled: bool,
        limit: usize,
    ) -> Result<(), TooManyDestinations> {
        let row = Row {
            id: id.into(),
            room_id: "r1".into(),
            name: id.into(),
            url: format!("rtmp://{id}.example/live"),
            stream_key_sealed: sealer.seal(id, key).expect("seals"),
            stream_key_hint: String::new(),
            enabled,
            created_at: 0,
        };
        db.run(move |conn| Ok(Row::insert_within_limit(conn, &row, limit)?))
            .await
            .expect("the insert runs")
    }

    #[tokio::test]
    async fn publishers_of_a_room_follow_its_enabled_destinations_until_the_last_one_ends() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = database(dir.path()).await;
        let sealer = Arc::new(KeySealer::new(SECRET));
        add(&db, &sealer, "a", "key-a", true, 5)
            .await
            .expect("added");
        add(&db, &sealer, "b", "key-b", false, 5)
            .await
            .expect("added");
        let restreams = Restreams::new(db.clone(), sealer.clone());
        let (first, second) = (StreamId::random(), StreamId::random());

        let mut rx = restreams.attach("r1", &first).await.expect("attached");
        let targets = rx.borrow_and_update().clone();
        assert_eq!(
            targets,
            [Destination {
                id: "a".into(),
                url: "rtmp://a.example/live".into(),
                stream_key: "key-a".into(),
            }],
            "enabled ones only, keys opened"
        );

        add(&db, &sealer, "c", "key-c", true, 5)
            .await
            .expect("added");
        restreams.reload("r1").await.expect("reloads");
        assert!(rx.has_changed().expect("open"));
        let ids: Vec<String> = rx
            .borrow_and_update()
            .iter()
            .map(|d| d.id.clone())
            .collect();
        assert_eq!(ids, ["a", "c"]);
        restreams.reload("r1").await.expect("reloads");
        assert!(
            !rx.has_changed().expect("open"),
            "an unchanged list wakes nobody"
        );

        // A second publisher of the room (taking over) shares the list; the first one's end
        // leaves it to the second.
        let rx2 = restreams.attach("r1", &second).await.expect("attached");
        assert_eq!(rx2.borrow().len(), 2);
        restreams.report(&first, &[]);
        assert!(restreams.reports(&first).is_some());
        restreams.detach(&first);
        assert!(restreams.reports(&first).is_none());
        assert!(restreams.has_room("r1"));
        restreams.detach(&second);
        assert!(!restreams.has_room("r1"));
        assert!(
            rx.has_changed().is_err(),
            "the list went with the room's last stream"
        );

        // A stream the room no longer tracks reports nothing; a room without a publisher here
        // loads nothing.
        restreams.report(&second, &[]);
        assert!(restreams.reports(&second).is_none());
        restreams.reload("r1").await.expect("nothing to do");
    }

    #[tokio::test]
    async fn a_room_takes_destinations_up_to_its_limit() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = database(dir.path()).await;
        let sealer = KeySealer::new(SECRET);
        add(&db, &sealer, "a", "key-a", true, 2)
            .await
            .expect("first");
        add(&db, &sealer, "b", "key-b", true, 2)
            .await
            .expect("second");
        assert_eq!(
            add(&db, &sealer, "c", "key-c", true, 2).await,
            Err(TooManyDestinations)
        );
        let count = db
            .run(|conn| Ok(Row::count_for_room(conn, "r1")?))
            .await
            .expect("counts");
        assert_eq!(count, 2, "the refused one was rolled back");
    }

    #[tokio::test]
    async fn a_key_sealed_under_another_secret_is_left_out() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = database(dir.path()).await;
        let before = KeySealer::new(b"the-secret-the-keys-were-sealed-with-long");
        add(&db, &before, "a", "key-a", true, 5)
            .await
            .expect("added");
        let restreams = Restreams::new(db, Arc::new(KeySealer::new(SECRET)));
        let rx = restreams
            .attach("r1", &StreamId::random())
            .await
            .expect("attached");
        assert!(rx.borrow().is_empty());
    }
}
