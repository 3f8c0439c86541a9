//! The fan-out: every source frame offered to every destination, and the list of destinations
//! kept in step with the application's.

use super::destination::{self, Feed};
use super::{Destination, DestinationState, DestinationStats, Destinations, SourceFormat};
use media::VideoCodec;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// How long the destinations get to close their connections when the stream ends.
const CLOSE_LIMIT: Duration = Duration::from_secs(3);

/// One running destination.
struct Running {
    destination: Destination,
    feed: Arc<Feed>,
    stop: CancellationToken,
    task: JoinHandle<()>,
}

#[derive(Default)]
struct Slots {
    running: Vec<Running>,
    /// Destinations that stopped during this broadcast keep their byte counts.
    closed_bytes: HashMap<String, u64>,
}

/// The stream's destinations; cheap to clone (the pipeline handle pushes, the supervisor reads
/// stats and stops it).
#[derive(Clone)]
pub(crate) struct Restreamer {
    slots: Arc<Mutex<Slots>>,
    stop: CancellationToken,
    /// Whether the source's own video is sent (H.264), or a rung's ([`Restreamer::tap_rung`]).
    source_video: bool,
}

impl Restreamer {
    /// Starts pushing to `destinations` and follows their changes until [`Restreamer::stop`].
    pub(crate) fn start(
        format: SourceFormat,
        codec: VideoCodec,
        destinations: Option<Destinations>,
    ) -> Self {
        let restreamer = Self {
            slots: Arc::default(),
            stop: CancellationToken::new(),
            source_video: codec == VideoCodec::H264,
        };
        if let Some(mut destinations) = destinations {
            let this = restreamer.clone();
            let span = tracing::info_span!("restream", stream = %format.stream_id);
            tokio::spawn(
                async move {
                    loop {
                        let wanted = destinations.borrow_and_update().clone();
                        this.reconcile(&format, wanted);
                        tokio::select! {
                            _ = this.stop.cancelled() => break,
                            changed = destinations.changed() => if changed.is_err() {
                                // The application let go of the list: keep the last one.
                                this.stop.cancelled().await;
                                break;
                            },
                        }
                    }
                }
                .instrument(span),
            );
        }
        restreamer
    }

    /// Starts what is new or changed in `wanted`, stops what is gone.
    fn reconcile(&self, format: &SourceFormat, wanted: Vec<Destination>) {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        let (keep, gone): (Vec<Running>, Vec<Running>) = std::mem::take(&mut slots.running)
            .into_iter()
            .partition(|r| wanted.contains(&r.destination));
        slots.running = keep;
        for old in gone {
            tracing::info!(destination = %old.destination.id, "destination removed or changed; closing it");
            old.stop.cancel();
            let bytes = old.feed.stats().bytes_sent;
            *slots
                .closed_bytes
                .entry(old.destination.id.clone())
                .or_default() += bytes;
        }
        for destination in wanted {
            if slots.running.iter().any(|r| r.destination == destination)
                || self.stop.is_cancelled()
            {
                continue;
            }
            let feed = Arc::new(Feed::new(destination.id.clone()));
            let stop = self.stop.child_token();
            let task = tokio::spawn(
                destination::run(
                    destination.clone(),
                    format.clone(),
                    feed.clone(),
                    stop.clone(),
                )
                .in_current_span(),
            );
            slots.running.push(Running {
                destination,
                feed,
                stop,
                task,
            });
        }
    }

    /// Offers a source video access unit to every destination, when the source's video is what
    /// they are sent; never waits.
    pub(crate) fn offer_source_video(&self, buffer: &gst::Buffer) {
        if self.source_video {
            self.offer_video(buffer);
        }
    }

    /// Sends the H.264 that reaches `pad` (a rung's encoded output) to the destinations instead
    /// of the source's video, and its caps to `caps`. The probe only offers: it never waits.
    pub(crate) fn tap_rung(
        &self,
        pad: &gst::Pad,
        caps: tokio::sync::watch::Sender<Option<gst::Caps>>,
    ) {
        use gst::prelude::*;
        let this = self.clone();
        // x264enc shifts its output by 1000 hours (its minimum PTS, so that DTS never goes
        // negative) and says so in its segment: running time is the source's stream time again,
        // as the source audio is timed.
        let segment = Mutex::new(gst::FormattedSegment::<gst::ClockTime>::new());
        pad.add_probe(
            gst::PadProbeType::BUFFER | gst::PadProbeType::EVENT_DOWNSTREAM,
            move |_, info| {
                match &info.data {
                    Some(gst::PadProbeData::Buffer(buffer)) => {
                        let segment = segment.lock().unwrap_or_else(|p| p.into_inner());
                        let mut copy = buffer.copy();
                        if let Some(b) = copy.get_mut() {
                            b.set_pts(buffer.pts().and_then(|t| segment.to_running_time(t)));
                            b.set_dts(buffer.dts().and_then(|t| segment.to_running_time(t)));
                        }
                        drop(segment);
                        this.offer_video(&copy);
                    }
                    Some(gst::PadProbeData::Event(event)) => match event.view() {
                        gst::EventView::Caps(c) => {
                            caps.send_replace(Some(c.caps_owned()));
                        }
                        gst::EventView::Segment(s) => {
                            if let Ok(time) = s.segment().clone().downcast::<gst::ClockTime>() {
                                *segment.lock().unwrap_or_else(|p| p.into_inner()) = time;
                            }
                        }
                        _ => {}
                    },
                    _ => {}
                }
                gst::PadProbeReturn::Ok
            },
        );
    }

    /// Offers a video access unit to every destination; never waits.
    fn offer_video(&self, buffer: &gst::Buffer) {
        let slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        for running in &slots.running {
            running.feed.offer_video(buffer);
        }
    }

    /// Offers a source AAC frame to every destination; never waits.
    pub(crate) fn offer_audio(&self, buffer: &gst::Buffer) {
        let slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        for running in &slots.running {
            running.feed.offer_audio(buffer);
        }
    }

    /// Each destination's state, bytes and last error, in the order they were added.
    pub(crate) fn stats(&self) -> Vec<DestinationStats> {
        let slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots
            .running
            .iter()
            .map(|r| {
                let mut stats = r.feed.stats();
                stats.bytes_sent += slots.closed_bytes.get(&stats.id).copied().unwrap_or(0);
                stats
            })
            .collect()
    }

    /// Ends every destination's connection cleanly (FCUnpublish, deleteStream), waiting a
    /// little for them.
    pub(crate) async fn stop(&self) {
        self.stop.cancel();
        let tasks: Vec<JoinHandle<()>> = {
            let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            slots.running.drain(..).map(|r| r.task).collect()
        };
        let _ = tokio::time::timeout(CLOSE_LIMIT, futures_util::future::join_all(tasks)).await;
    }
}

impl DestinationStats {
    pub(super) fn connecting(id: String) -> Self {
        Self {
            id,
            state: DestinationState::Connecting,
            last_error: None,
            bytes_sent: 0,
        }
    }
}
