//! Replays (`/vod`) read lately, remembered for a few seconds so that a player's requests do not
//! each read the database.

use crate::models::recording::Recording;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Replays requested lately, for a few seconds: a player asks for a segment of each rendition
/// every couple of seconds, and a replay's row changes only when it moves to object storage or
/// is deleted, and its room only when it is deleted. A request that finds its file missing reads
/// the row again; deleting a room forgets them all on this node (others within
/// [`REMEMBERED`]).
#[derive(Default)]
pub struct RecentReplays(Mutex<HashMap<String, (Instant, Replay)>>);

/// A replay as `/vod` serves it: its row, and whether its room still exists (if not, only its
/// owner and admins are served).
#[derive(Clone)]
pub struct Replay {
    pub recording: Recording,
    pub room_owner: String,
    pub room_deleted: bool,
    /// Segments each rendition's playlist lists (read once): a segment past them is answered
    /// 404 at once, with no file or object looked for.
    pub listed: Arc<Mutex<HashMap<String, u64>>>,
}

/// How long a replay's row is taken as read.
const REMEMBERED: Duration = Duration::from_secs(10);
/// Rows remembered at most (then all are forgotten).
const REMEMBERED_AT_MOST: usize = 1024;

impl RecentReplays {
    pub fn get(&self, id: &str) -> Option<Replay> {
        let recent = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        recent
            .get(id)
            .filter(|(at, _)| at.elapsed() < REMEMBERED)
            .map(|(_, replay)| replay.clone())
    }

    pub fn keep(&self, replay: &Replay) {
        let mut recent = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if recent.len() >= REMEMBERED_AT_MOST {
            recent.clear();
        }
        recent.insert(
            replay.recording.id.clone(),
            (Instant::now(), replay.clone()),
        );
    }

    /// Forgets every replay read (a room was deleted).
    pub fn forget_all(&self) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}
