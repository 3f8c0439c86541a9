//! How far behind the live edge each room's viewers are, as their players report it over the
//! room's chat connection (`latency` frames, every few seconds while playing). The streamer's
//! dashboard shows the median and the 90th percentile of the fresh reports.
//!
//! Only logged-in viewers count, each once however many connections they hold: anyone may open
//! an anonymous chat socket, and twenty of them could otherwise set a small room's figures.

use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A report older than this no longer counts: the viewer stopped playing, or left.
pub const FRESH: Duration = Duration::from_secs(15);
/// The largest latency a player may report, in seconds; more is refused as a bad frame.
pub const MAX_SECONDS: f64 = 600.0;

/// The viewers' latency in one room.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ViewerLatency {
    /// Viewers whose player reported in the last 15 s.
    pub viewers: usize,
    /// Seconds behind the live edge: the median viewer.
    pub median_seconds: f64,
    /// Seconds behind the live edge: 90 % of the viewers are at most this far behind.
    pub p90_seconds: f64,
}

/// A room's reports: each connection's viewer, their latest seconds behind live, and when they
/// said so.
type RoomReports = HashMap<u64, (String, f64, Instant)>;

/// Each open connection's latest report, by room. Bounded by the chat connection limits: a
/// connection holds one entry, removed when it closes.
#[derive(Default)]
pub struct LatencyReports {
    rooms: Mutex<HashMap<String, RoomReports>>,
    next_id: AtomicU64,
}

/// A connection's place among the reports; its report goes when it is dropped.
pub struct Reporter {
    reports: Arc<LatencyReports>,
    room: String,
    id: u64,
}

impl LatencyReports {
    /// A reporter for a new connection to `room`.
    pub fn reporter(self: &Arc<Self>, room: &str) -> Reporter {
        Reporter {
            reports: self.clone(),
            room: room.to_owned(),
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// The room's figures over its fresh reports; `None` if there is none.
    pub fn of_room(&self, room: &str) -> Option<ViewerLatency> {
        let rooms = self.rooms.lock().unwrap_or_else(|p| p.into_inner());
        // Each viewer's newest fresh report.
        let mut newest: HashMap<&str, (f64, Instant)> = HashMap::new();
        for (user, seconds, at) in rooms.get(room)?.values() {
            if at.elapsed() >= FRESH {
                continue;
            }
            let entry = newest.entry(user.as_str()).or_insert((*seconds, *at));
            if *at > entry.1 {
                *entry = (*seconds, *at);
            }
        }
        let mut fresh: Vec<f64> = newest.values().map(|(seconds, _)| *seconds).collect();
        drop(rooms);
        if fresh.is_empty() {
            return None;
        }
        fresh.sort_by(f64::total_cmp);
        // Nearest rank: the smallest value with at least p of the reports at or below it.
        let rank =
            |p: f64| fresh[((p * fresh.len() as f64).ceil() as usize).clamp(1, fresh.len()) - 1];
        Some(ViewerLatency {
            viewers: fresh.len(),
            median_seconds: rank(0.5),
            p90_seconds: rank(0.9),
        })
    }
}

impl Reporter {
    /// Records this connection's latest latency, as the report of `viewer` (the logged-in user;
    /// an anonymous report is taken and not counted). `false` (nothing recorded) for a value
    /// that is not a number of seconds between 0 and [`MAX_SECONDS`].
    pub fn report(&self, seconds: f64, viewer: Option<&str>) -> bool {
        if !(0.0..=MAX_SECONDS).contains(&seconds) {
            return false;
        }
        let Some(viewer) = viewer else {
            return true;
        };
        self.reports
            .rooms
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(self.room.clone())
            .or_default()
            .insert(self.id, (viewer.to_owned(), seconds, Instant::now()));
        true
    }
}

impl Drop for Reporter {
    fn drop(&mut self) {
        let mut rooms = self.reports.rooms.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(reports) = rooms.get_mut(&self.room) {
            reports.remove(&self.id);
            if reports.is_empty() {
                rooms.remove(&self.room);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_the_median_and_p90_of_open_connections_reports() {
        let reports = Arc::new(LatencyReports::default());
        assert_eq!(reports.of_room("r"), None);
        let viewers: Vec<Reporter> = (0..10).map(|_| reports.reporter("r")).collect();
        for (i, viewer) in viewers.iter().enumerate() {
            assert!(viewer.report(1.0 + i as f64 / 10.0, Some(&format!("u{i}"))));
        }
        // Anonymous sockets, and a second connection of one viewer, add no viewer.
        let anonymous: Vec<Reporter> = (0..20).map(|_| reports.reporter("r")).collect();
        for socket in &anonymous {
            assert!(socket.report(30.0, None));
        }
        let second_tab = reports.reporter("r");
        assert!(second_tab.report(1.0, Some("u0")));
        let other = reports.reporter("elsewhere");
        assert!(other.report(9.0, Some("u0")));
        assert_eq!(
            reports.of_room("r"),
            Some(ViewerLatency {
                viewers: 10,
                median_seconds: 1.4,
                p90_seconds: 1.8
            })
        );
        // A newer report replaces the connection's last one; a closed connection's goes.
        assert!(viewers[0].report(1.9, Some("u0")));
        drop((viewers, second_tab, anonymous));
        assert_eq!(reports.of_room("r"), None);
        assert_eq!(reports.of_room("elsewhere").map(|l| l.viewers), Some(1));
    }

    #[test]
    fn values_that_are_not_a_latency_are_refused() {
        let reports = Arc::new(LatencyReports::default());
        let viewer = reports.reporter("r");
        for hostile in [-0.1, MAX_SECONDS + 1.0, f64::NAN, f64::INFINITY] {
            assert!(!viewer.report(hostile, Some("u")), "{hostile}");
        }
        assert_eq!(reports.of_room("r"), None);
    }
}
