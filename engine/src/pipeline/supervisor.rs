//! The task that owns a stream's pipeline: bus watching, playlists, stats and the end.

use super::graph::Graph;
use super::{Command, Counters, PipelineConfig, PipelineError};
use crate::events::{ArchiveSummary, EndReason, RenditionStats, StreamEvent, StreamStats};
use crate::restream::Restreamer;
use futures_util::StreamExt;
use gst::prelude::*;
use hls::live::{LiveHls, Timeline};
use hls::multivariant::{self, AudioVariant, VideoVariant};
use media::ladder::SOURCE_RENDITION;
use media::ladder::{audio_rendition, is_audio_rendition, AUDIO_RENDITION};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};
use tracing::{debug, error, info, warn, Instrument};

const STATS_INTERVAL: Duration = Duration::from_secs(2);
/// How long the end of a stream may take before the pipeline is torn down regardless.
const DRAIN_LIMIT: Duration = Duration::from_secs(10);
/// A measured bandwidth this far from the advertised one makes the playlist be rewritten.
const BANDWIDTH_REWRITE_RATIO: f64 = 0.10;

/// What pad probes tell the supervisor; sent with `try_send`, probes never block.
enum Signal {
    Caps { rendition: String, caps: gst::Caps },
    ArchiveClosed,
}

/// Output progress of one rendition, updated by a probe on its HLS sink.
struct Output {
    name: String,
    newest_pts: Arc<AtomicU64>,
    previous_pts: u64,
    previous_dropped: u64,
}

pub(super) struct Supervisor {
    config: PipelineConfig,
    graph: Graph,
    hls: LiveHls,
    counters: Arc<Counters>,
    events: mpsc::Sender<StreamEvent>,
    failure: watch::Sender<Option<String>>,
    signals: mpsc::Receiver<Signal>,
    negotiated: HashMap<String, gst::Caps>,
    outputs: Vec<Output>,
    /// The bandwidths and the passthrough's presence the multivariant playlist says.
    advertised: Option<(Vec<u64>, bool)>,
    archive_closed: bool,
    started: Instant,
    last_tick: (Instant, u64, u64),
    restreamer: Restreamer,
}

impl Supervisor {
    /// Installs the probes and sets the pipeline playing.
    pub(super) fn new(
        config: PipelineConfig,
        graph: Graph,
        hls: LiveHls,
        counters: Arc<Counters>,
        events: mpsc::Sender<StreamEvent>,
        failure: watch::Sender<Option<String>>,
        restreamer: Restreamer,
    ) -> Result<Self, PipelineError> {
        let (signal_tx, signals) = mpsc::channel(64);
        if let Some(pad) = &graph.keyframe_pad {
            install_keyframe_forcing(pad, hls.timeline().clone());
        }
        let mut outputs = Vec::new();
        for (name, sink) in &graph.hls_sinks {
            let Some(pad) = sink.static_pad("sink") else {
                continue;
            };
            let newest_pts = Arc::new(AtomicU64::new(0));
            install_output_probe(&pad, name, newest_pts.clone(), signal_tx.clone());
            outputs.push(Output {
                name: name.clone(),
                newest_pts,
                previous_pts: 0,
                previous_dropped: 0,
            });
        }
        if let Some(pad) = graph.archive_sink.static_pad("sink") {
            let tx = signal_tx.clone();
            pad.add_probe(gst::PadProbeType::EVENT_DOWNSTREAM, move |_, info| {
                if let Some(gst::PadProbeData::Event(ev)) = &info.data {
                    if ev.type_() == gst::EventType::Eos {
                        let _ = tx.try_send(Signal::ArchiveClosed);
                    }
                }
                gst::PadProbeReturn::Ok
            });
        }
        if graph.pipeline.set_state(gst::State::Playing).is_err() {
            let _ = graph.pipeline.set_state(gst::State::Null);
            return Err(PipelineError::StateChange);
        }
        let now = Instant::now();
        Ok(Self {
            config,
            graph,
            hls,
            counters,
            events,
            failure,
            signals,
            negotiated: HashMap::new(),
            outputs,
            advertised: None,
            archive_closed: false,
            started: now,
            last_tick: (now, 0, 0),
            restreamer,
        })
    }

    /// Runs until the stream ends, then answers late `Finish` commands with the summary.
    pub(super) async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        let span = tracing::info_span!("stream", id = %self.config.stream_id);
        async move {
            let Some(bus) = self.graph.pipeline.bus() else {
                error!("pipeline has no bus");
                let _ = self.graph.pipeline.set_state(gst::State::Null);
                return;
            };
            let mut messages = bus.stream();
            // The first report covers a full interval: an immediate tick would report the
            // few frames seen since the pipeline started as the stream's rate.
            let mut ticker = tokio::time::interval_at(
                tokio::time::Instant::now() + STATS_INTERVAL,
                STATS_INTERVAL,
            );
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            // Until the stream is playable: how often its first parts are looked for.
            let mut starting = tokio::time::interval(Duration::from_millis(20));
            let summary = loop {
                tokio::select! {
                    message = messages.next() => {
                        let Some(message) = message else {
                            break self.end(EndReason::PipelineError("bus closed".into()), &mut messages).await;
                        };
                        if let Some(reason) = self.on_message(&message) {
                            let _ = self.failure.send(Some(reason.clone()));
                            break self.end(EndReason::PipelineError(reason), &mut messages).await;
                        }
                    }
                    Some(signal) = self.signals.recv() => self.on_signal(signal).await,
                    command = commands.recv() => match command {
                        Some(Command::Finish { reason, reply }) => {
                            let summary = self.end(reason, &mut messages).await;
                            let _ = reply.send(summary.clone());
                            break summary;
                        }
                        // The handle is gone without saying why: the publisher vanished.
                        None => break self.end(EndReason::ConnectionLost, &mut messages).await,
                    },
                    _ = starting.tick(), if self.advertised.is_none() => self.try_playable().await,
                    _ = ticker.tick() => {
                        self.report_stats();
                        if self.advertised.is_some() {
                            self.write_multivariant();
                        }
                    }
                }
            };
            while let Some(Command::Finish { reply, .. }) = commands.recv().await {
                let _ = reply.send(summary.clone());
            }
        }
        .instrument(span)
        .await
    }

    /// Handles a bus message; returns the failure reason if the pipeline failed.
    fn on_message(&mut self, message: &gst::Message) -> Option<String> {
        match message.view() {
            gst::MessageView::Error(err) => {
                let path = message
                    .src()
                    .map(|s| s.path_string().to_string())
                    .unwrap_or_default();
                error!(element = %path, error = %err.error(), debug = ?err.debug(), "pipeline error");
                Some(format!("{}: {}", short_element(&path), err.error()))
            }
            gst::MessageView::Warning(w) => {
                let path = message
                    .src()
                    .map(|s| s.path_string().to_string())
                    .unwrap_or_default();
                warn!(element = %path, warning = %w.error(), debug = ?w.debug(), "pipeline warning");
                None
            }
            _ => None,
        }
    }

    async fn on_signal(&mut self, signal: Signal) {
        match signal {
            Signal::ArchiveClosed => self.archive_closed = true,
            Signal::Caps { rendition, caps } => {
                debug!(%rendition, %caps, "rendition negotiated");
                self.negotiated.insert(rendition, caps);
                self.try_playable().await;
            }
        }
    }

    /// Once every rendition has negotiated and holds its first segment, writes the multivariant
    /// playlist and reports the stream playable: a player that loads it finds media at once.
    /// hls.js starts only from a complete segment (a playlist of parts alone makes it reload
    /// every second until one is listed), so a room told earlier would wait longer for its
    /// picture. The passthrough of a ladder needs only its first part: its segments follow the
    /// source's keyframes, which may be far apart, and it leaves the multivariant playlist then.
    async fn try_playable(&mut self) {
        let complete = self.negotiated.len() == self.graph.hls_sinks.len();
        let ladder = !self.config.renditions.is_empty();
        let started = self.hls.renditions().iter().all(|r| {
            let at = r.position();
            let passthrough = ladder && r.name() == SOURCE_RENDITION;
            at.msn > 0 || (passthrough && at.parts > 0)
        });
        if self.advertised.is_none() && complete && started && self.write_multivariant() {
            info!(renditions = self.negotiated.len(), "stream playable");
            let _ = self
                .events
                .send(StreamEvent::Playable {
                    stream_id: self.config.stream_id.clone(),
                    hls: self.hls.clone(),
                })
                .await;
        }
    }

    /// Renders the multivariant playlist and replaces it if it is new, bandwidths moved enough,
    /// or the passthrough came or went.
    fn write_multivariant(&mut self) -> bool {
        let passthrough = self.passthrough_fits();
        let (videos, audios) = self.variants(passthrough);
        let bandwidths: Vec<u64> = videos.iter().map(|v| v.peak_bps).collect();
        if let Some((previous, listed)) = &self.advertised {
            let moved = previous.len() != bandwidths.len()
                || previous.iter().zip(&bandwidths).any(|(a, b)| {
                    (*a as f64 - *b as f64).abs() > *a as f64 * BANDWIDTH_REWRITE_RATIO
                });
            if !moved && *listed == passthrough {
                return false;
            }
            if *listed != passthrough {
                if passthrough {
                    info!(
                        "the source's keyframes fit a segment again: the source rendition is back"
                    );
                } else {
                    warn!(
                        keyframe_interval = ?self.keyframe_interval(),
                        "the source's keyframes are too far apart for its segments: the source rendition leaves the stream until they fit (set the encoder's keyframe interval to the segment duration or less)"
                    );
                }
            }
        }
        self.hls.set_passthrough_listed(passthrough);
        let text = multivariant::render(&videos, &audios);
        if let Some(vod) = &self.graph.vod {
            vod.multivariant(bytes::Bytes::from(text.clone()));
        }
        self.hls.set_multivariant(text);
        self.advertised = Some((bandwidths, passthrough));
        true
    }

    /// Whether the passthrough is offered: while the source's GOP fits a segment, and always
    /// when it is the only video.
    fn passthrough_fits(&self) -> bool {
        self.config.renditions.is_empty() || self.hls.timeline().gop_fits()
    }

    fn keyframe_interval(&self) -> Option<Duration> {
        let interval = self.counters.keyframe_interval_ns.load(Ordering::Relaxed);
        (interval > 0).then(|| Duration::from_nanos(interval))
    }

    /// Measured bandwidth once two segments exist, the configured or announced one before.
    fn bandwidth(&self, rendition: &str, estimate_bps: u64) -> (u64, u64) {
        self.hls
            .rendition(rendition)
            .and_then(|r| r.bandwidth())
            .unwrap_or((estimate_bps + estimate_bps / 10, estimate_bps))
    }

    fn variants(&self, passthrough: bool) -> (Vec<VideoVariant>, Vec<AudioVariant>) {
        let mut videos = Vec::new();
        let mut audios = Vec::new();
        let has_audio = self.config.audio_codec_data.is_some();
        for (name, _) in &self.graph.hls_sinks {
            if name == SOURCE_RENDITION && !passthrough {
                continue;
            }
            let Some(caps) = self.negotiated.get(name) else {
                continue;
            };
            let codec = gst_pbutils::functions::codec_utils_caps_get_mime_codec(caps)
                .map(|c| c.to_string())
                .ok()
                // GStreamer 1.22 says only `av01` for AV1, with no profile, level or depth:
                // the source's av1C says them.
                .filter(|c| c.contains('.'))
                .or_else(|| {
                    (name == SOURCE_RENDITION).then(|| self.config.media.video.codec.clone())
                })
                .unwrap_or_default();
            let Some(s) = caps.structure(0) else { continue };
            if is_audio_rendition(name) {
                // Until segments are measured: the encode's bitrate, or what AAC from encoders
                // typically is (96-160 kbit/s).
                let kbps = name
                    .strip_prefix(AUDIO_RENDITION)
                    .and_then(|rest| rest.strip_prefix('-'))
                    .and_then(|rest| rest.strip_suffix('k'))
                    .and_then(|kbps| kbps.parse::<u64>().ok())
                    .unwrap_or(128);
                let (peak_bps, average_bps) = self.bandwidth(name, kbps * 1000);
                let channels = s.get::<i32>("channels").ok().map(|c| c.max(0) as u32);
                audios.push(AudioVariant {
                    name: name.clone(),
                    codec,
                    channels,
                    peak_bps,
                    average_bps,
                });
                continue;
            }
            let estimate = if name == SOURCE_RENDITION {
                self.source_bps_estimate()
            } else {
                self.config
                    .renditions
                    .iter()
                    .find(|r| &r.name == name)
                    .map_or(1_000_000, |r| u64::from(r.video_kbps) * 1000)
            };
            let (peak_bps, average_bps) = self.bandwidth(name, estimate);
            let audio = has_audio.then(|| {
                audio_rendition(
                    self.config
                        .renditions
                        .iter()
                        .find(|r| &r.name == name)
                        .and_then(|r| r.audio_kbps),
                )
            });
            let frame_rate = s
                .get::<gst::Fraction>("framerate")
                .ok()
                .filter(|f| f.numer() > 0 && f.denom() > 0)
                .map(|f| f64::from(f.numer()) / f64::from(f.denom()))
                .or(self.config.media.video.fps);
            videos.push(VideoVariant {
                name: name.clone(),
                codec,
                width: s.get::<i32>("width").unwrap_or(0).max(0) as u32,
                height: s.get::<i32>("height").unwrap_or(0).max(0) as u32,
                frame_rate,
                peak_bps,
                average_bps,
                audio,
            });
        }
        (videos, audios)
    }

    fn source_bps_estimate(&self) -> u64 {
        if let Some(kbps) = self.config.media.announced_kbps.filter(|k| *k > 0) {
            return u64::from(kbps) * 1000;
        }
        let elapsed = self.started.elapsed().as_secs_f64().max(1.0);
        (self.counters.input_bytes.load(Ordering::Relaxed) as f64 * 8.0 / elapsed) as u64
    }

    fn report_stats(&mut self) {
        let now = Instant::now();
        let (then, bytes_then, frames_then) = self.last_tick;
        let dt = now.duration_since(then).as_secs_f64().max(1e-3);
        let bytes = self.counters.input_bytes.load(Ordering::Relaxed);
        let frames = self.counters.video_frames.load(Ordering::Relaxed);
        self.last_tick = (now, bytes, frames);
        let newest_input = self
            .counters
            .newest_input_pts
            .load(Ordering::Relaxed)
            .saturating_sub(1);
        let renditions = self
            .outputs
            .iter_mut()
            .filter(|o| !is_audio_rendition(&o.name))
            .map(|o| {
                let pts = o.newest_pts.load(Ordering::Relaxed);
                let produced = if o.previous_pts == 0 {
                    0
                } else {
                    pts.saturating_sub(o.previous_pts)
                };
                let speed = produced as f64 / 1e9 / dt;
                o.previous_pts = pts;
                let dropped = self.graph.drops.of(&o.name);
                let dropped_fps = dropped.saturating_sub(o.previous_dropped) as f64 / dt;
                o.previous_dropped = dropped;
                RenditionStats {
                    name: o.name.clone(),
                    speed,
                    behind: Duration::from_nanos(newest_input.saturating_sub(pts)),
                    dropped_frames: dropped,
                    dropped_fps,
                }
            })
            .collect();
        let stats = StreamStats {
            input_kbps: (bytes - bytes_then) as f64 * 8.0 / dt / 1000.0,
            input_fps: (frames - frames_then) as f64 / dt,
            keyframe_interval: self.keyframe_interval(),
            renditions,
            destinations: self.restreamer.stats(),
        };
        // Stats are advisory: drop them rather than wait on a slow consumer.
        let _ = self.events.try_send(StreamEvent::Stats {
            stream_id: self.config.stream_id.clone(),
            stats,
        });
    }

    /// Drains every branch, tears the pipeline down and reports `Ended`.
    async fn end(
        &mut self,
        reason: EndReason,
        messages: &mut gst::bus::BusStream,
    ) -> ArchiveSummary {
        info!(?reason, "ending stream");
        // Destinations unpublish while the stream drains.
        let restreamer = self.restreamer.clone();
        let closing = tokio::spawn(async move { restreamer.stop().await });
        let g = &self.graph;
        for src in [
            Some(&g.video_src),
            g.audio_src.as_ref(),
            Some(&g.archive_video_src),
            g.archive_audio_src.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            let _ = src.end_of_stream();
        }
        let mut failed = reason.is_error();
        let deadline = tokio::time::sleep(DRAIN_LIMIT);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                message = messages.next() => match message.as_ref().map(|m| m.view()) {
                    None | Some(gst::MessageView::Eos(_)) => break,
                    Some(gst::MessageView::Error(_)) => {
                        if let Some(m) = &message { self.on_message(m); }
                        failed = true;
                        if self.archive_closed { break; }
                    }
                    Some(_) => { if let Some(m) = &message { self.on_message(m); } }
                },
                Some(signal) = self.signals.recv() => {
                    let closed = matches!(signal, Signal::ArchiveClosed);
                    self.on_signal(signal).await;
                    // With a failed branch the pipeline never reaches EOS: the archive is what counts.
                    if closed && failed { break; }
                }
                _ = &mut deadline => {
                    warn!(limit = ?DRAIN_LIMIT, "stream did not drain in time");
                    break;
                }
            }
        }
        // Late segment messages and the archive's EOS may still be queued.
        while let Ok(signal) = self.signals.try_recv() {
            self.on_signal(signal).await;
        }
        // Playlists end, and players waiting on a part are answered, even after a timed-out drain.
        self.hls.end();
        let vod = match self.graph.vod.clone() {
            Some(vod) => {
                // The final bandwidths, measured over the whole broadcast.
                self.write_multivariant();
                let multivariant = self.hls.multivariant();
                tokio::task::spawn_blocking(move || vod.finish(multivariant))
                    .await
                    .ok()
                    .flatten()
            }
            None => None,
        };
        let pipeline = self.graph.pipeline.clone();
        let _ = tokio::task::spawn_blocking(move || pipeline.set_state(gst::State::Null)).await;
        let _ = closing.await;
        let path = self.config.archive_path.clone();
        let bytes = tokio::fs::metadata(&path)
            .await
            .map(|m| m.len())
            .unwrap_or(0);
        let summary = ArchiveSummary {
            path,
            duration: Duration::from_nanos(self.counters.archive_end_ns.load(Ordering::Relaxed)),
            bytes,
            finalized: self.archive_closed,
            vod,
        };
        info!(?reason, archive = %summary.path.display(), duration = ?summary.duration, bytes, finalized = summary.finalized, "stream ended");
        let _ = self
            .events
            .send(StreamEvent::Ended {
                stream_id: self.config.stream_id.clone(),
                reason,
                archive: summary.clone(),
            })
            .await;
        summary
    }
}

impl Drop for Supervisor {
    /// Whatever ends the task (even a runtime shutting down mid-stream), the pipeline's
    /// threads are stopped before its elements are freed.
    fn drop(&mut self) {
        let _ = self.graph.pipeline.set_state(gst::State::Null);
    }
}

/// The last element of a path such as `/GstPipeline:stream-x/GstX264Enc:720p-encoder`.
fn short_element(path: &str) -> &str {
    path.rsplit('/')
        .next()
        .and_then(|e| e.split(':').nth(1))
        .unwrap_or(path)
}

/// At the decoder's output, where frames come in presentation order, asks every encoder
/// downstream for a keyframe on the first frame of each segment the timeline decided (at or
/// just before its start), so all renditions share the stream's segment boundaries and every
/// rung's segment lasts the preset's length give or take a frame, whatever the source's GOP.
/// (Before the decoder, in decode order, a source's B-frames would put the keyframe a few
/// frames early.)
///
/// The request carries no running time ("as soon as possible"): the next frame each encoder
/// sees is that keyframe. (A timed request would also be wrong on GStreamer 1.22: x264enc's
/// 1000-hour minimum PTS makes the encoder base class ignore every timed request after the
/// first.)
fn install_keyframe_forcing(pad: &gst::Pad, timeline: Timeline) {
    /// A frame this close before a boundary opens its segment (timestamps in milliseconds).
    const AT: Duration = Duration::from_millis(5);
    let next = AtomicU64::new(0);
    pad.add_probe(gst::PadProbeType::BUFFER, move |pad, info| {
        let Some(pts) = info.buffer().and_then(|b| b.pts()) else {
            return gst::PadProbeReturn::Ok;
        };
        let pts = Duration::from_nanos(pts.nseconds());
        let due = timeline
            .at(pts + AT)
            .filter(|b| b.msn >= next.load(Ordering::Relaxed));
        let Some(boundary) = due else {
            return gst::PadProbeReturn::Ok;
        };
        next.store(boundary.msn + 1, Ordering::Relaxed);
        let event = gst_video::DownstreamForceKeyUnitEvent::builder()
            .timestamp(gst::ClockTime::from_nseconds(pts.as_nanos() as u64))
            .all_headers(true)
            .build();
        pad.push_event(event);
        gst::PadProbeReturn::Ok
    });
}

/// Records each rendition's newest output time and reports its negotiated caps.
fn install_output_probe(
    pad: &gst::Pad,
    name: &str,
    newest_pts: Arc<AtomicU64>,
    signals: mpsc::Sender<Signal>,
) {
    let rendition = name.to_owned();
    pad.add_probe(
        gst::PadProbeType::BUFFER | gst::PadProbeType::EVENT_DOWNSTREAM,
        move |_, info| {
            match &info.data {
                Some(gst::PadProbeData::Buffer(buffer)) => {
                    if let Some(pts) = buffer.pts() {
                        newest_pts.fetch_max(pts.nseconds(), Ordering::Relaxed);
                    }
                }
                Some(gst::PadProbeData::Event(ev)) => {
                    if let gst::EventView::Caps(caps) = ev.view() {
                        let _ = signals.try_send(Signal::Caps {
                            rendition: rendition.clone(),
                            caps: caps.caps_owned(),
                        });
                    }
                }
                _ => {}
            }
            gst::PadProbeReturn::Ok
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_names_the_innermost_element() {
        assert_eq!(
            short_element("/GstPipeline:stream-x/GstX264Enc:720p-encoder"),
            "720p-encoder"
        );
        assert_eq!(
            short_element("/GstPipeline:stream-x/GstHlsCmafSink:hls-audio/GstCmafMux:muxer"),
            "muxer"
        );
        assert_eq!(short_element("no-path"), "no-path");
    }
}
