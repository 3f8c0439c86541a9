//! MPEG-TS from an SRT caller into the FLV tag bodies an RTMP publisher would send, so that
//! both ingests share one [`Publisher`](super::super::session::Publisher): its checks, its
//! start, its timestamps and its limits.
//!
//! ```text
//! appsrc (TS bytes) ─ tsdemux ─┬─ h264parse (avc, au)  ─ appsink ─▶ video tags
//!                              ├─ h265parse (hvc1, au) ─ appsink ─▶ Enhanced RTMP video tags
//!                              ├─ aacparse (raw)       ─ appsink ─▶ audio tags
//!                              └─ anything else        ─ fakesink
//! ```
//!
//! GStreamer's `tsdemux` parses the transport stream (PAT, PMT, PES, 33-bit timestamps); the
//! parsers hand over access units with their decoder configuration in the caps, which becomes
//! the sequence header whenever it changes.

use bytes::{BufMut, Bytes, BytesMut};
use gst::prelude::*;
use gst_app::{AppSink, AppSrc};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use thiserror::Error;
use tokio::sync::mpsc;

/// Tags decoded ahead of the publisher.
const TAG_QUEUE: usize = 256;

/// One demuxed FLV tag body, with its RTMP-style timestamp (decode time, milliseconds).
#[derive(Debug)]
pub enum Tag {
    Video { ts: u32, data: Bytes },
    Audio { ts: u32, data: Bytes },
}

/// Why the transport stream could not be used.
#[derive(Debug, Error)]
pub enum DemuxError {
    #[error("could not build the MPEG-TS demuxer: {0}")]
    Build(String),
    #[error("the SRT caller sends faster than its stream is processed")]
    Overrun,
    #[error("unusable MPEG-TS: {0}")]
    Media(String),
    #[error("the MPEG-TS stream carries {0}: publish H.264 or HEVC video with AAC audio")]
    Unsupported(String),
    /// The stream would make the demuxer hold more than its caller may ([`TsGuard`]).
    #[error(transparent)]
    Held(#[from] media::mpegts::Held),
}

/// A running demuxer for one caller.
pub struct Demuxer {
    pipeline: gst::Pipeline,
    src: AppSrc,
    tags: mpsc::Receiver<Tag>,
    unsupported: Arc<Mutex<Option<String>>>,
    /// Input not yet demuxed it may hold; beyond it the caller sends faster than the stream
    /// is processed.
    max_bytes: u64,
    /// What the demuxer and parsers may hold inside, counted from the packets' headers.
    guard: media::mpegts::TsGuard,
}

fn make(factory: &str) -> Result<gst::Element, DemuxError> {
    gst::ElementFactory::make(factory)
        .build()
        .map_err(|e| DemuxError::Build(format!("{factory}: {e}")))
}

impl Demuxer {
    /// Builds and starts a demuxer that holds at most `max_bytes` of input not yet demuxed, and
    /// inside at most what `limits` allow.
    pub fn start(max_bytes: u64, limits: media::mpegts::Limits) -> Result<Self, DemuxError> {
        engine::init().map_err(|e| DemuxError::Build(e.to_string()))?;
        let pipeline = gst::Pipeline::new();
        let caps = gst::Caps::builder("video/mpegts")
            .field("systemstream", true)
            .field("packetsize", 188i32)
            .build();
        let src = AppSrc::builder()
            .caps(&caps)
            .format(gst::Format::Bytes)
            .is_live(true)
            .max_bytes(max_bytes)
            .build();
        let demux = make("tsdemux")?;
        pipeline
            .add_many([src.upcast_ref(), &demux])
            .map_err(|e| DemuxError::Build(e.to_string()))?;
        src.link(&demux)
            .map_err(|e| DemuxError::Build(e.to_string()))?;
        let (tx, tags) = mpsc::channel(TAG_QUEUE);
        let unsupported = Arc::new(Mutex::new(None));
        let taken = Arc::new((AtomicBool::new(false), AtomicBool::new(false)));
        let weak = pipeline.downgrade();
        let seen = unsupported.clone();
        demux.connect_pad_added(move |_, pad| {
            let Some(pipeline) = weak.upgrade() else {
                return;
            };
            let name = pad
                .current_caps()
                .and_then(|c| c.structure(0).map(|s| s.name().to_string()))
                .unwrap_or_default();
            let branch = match name.as_str() {
                "video/x-h264" | "video/x-h265" if taken.0.swap(true, Ordering::SeqCst) => None,
                "video/x-h264" => Some(Kind::H264),
                "video/x-h265" => Some(Kind::H265),
                "audio/mpeg" if !taken.1.swap(true, Ordering::SeqCst) => Some(Kind::Aac),
                "audio/mpeg" => None,
                other => {
                    if other.starts_with("video/") {
                        *seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(other.to_owned());
                    }
                    None
                }
            };
            let linked = match branch {
                Some(kind) => add_branch(&pipeline, pad, kind, tx.clone()),
                None => add_discard(&pipeline, pad),
            };
            if let Err(e) = linked {
                tracing::warn!(error = %e, "could not link a demuxed stream");
            }
        });
        pipeline
            .set_state(gst::State::Playing)
            .map_err(|e| DemuxError::Build(e.to_string()))?;
        Ok(Self {
            pipeline,
            src,
            tags,
            unsupported,
            max_bytes,
            guard: media::mpegts::TsGuard::new(limits),
        })
    }

    /// Feeds received TS bytes. Fails if the demuxer reported an error or is too far behind, or
    /// if the bytes would make it hold more than the caller may.
    pub fn push(&mut self, bytes: Bytes) -> Result<(), DemuxError> {
        self.check()?;
        self.guard.feed(&bytes)?;
        if self.src.current_level_bytes() + bytes.len() as u64 > self.max_bytes {
            return Err(DemuxError::Overrun);
        }
        self.src
            .push_buffer(gst::Buffer::from_slice(bytes))
            .map_err(|e| DemuxError::Media(format!("the demuxer stopped ({e:?})")))?;
        Ok(())
    }

    /// The next demuxed tag; `None` once the demuxer has stopped.
    pub async fn next(&mut self) -> Option<Tag> {
        let tag = self.tags.recv().await;
        if matches!(tag, Some(Tag::Video { .. })) {
            self.guard.frame_out();
        }
        tag
    }

    /// The first error the demuxer posted, if any, or a video codec we cannot take.
    fn check(&self) -> Result<(), DemuxError> {
        if let Some(codec) = self
            .unsupported
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            return Err(DemuxError::Unsupported(codec));
        }
        let Some(bus) = self.pipeline.bus() else {
            return Ok(());
        };
        while let Some(message) = bus.pop_filtered(&[gst::MessageType::Error]) {
            if let gst::MessageView::Error(error) = message.view() {
                return Err(DemuxError::Media(error.error().to_string()));
            }
        }
        Ok(())
    }
}

impl Drop for Demuxer {
    fn drop(&mut self) {
        // Unblocks a streaming thread waiting for room in the queue, so the stop cannot hang.
        self.tags.close();
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

/// What a demuxed stream becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    H264,
    H265,
    Aac,
}

impl Kind {
    /// Its parser, and the caps that parser is asked for: FLV's framing.
    fn parser(self) -> (&'static str, &'static str) {
        match self {
            Self::H264 => ("h264parse", "video/x-h264, stream-format=avc, alignment=au"),
            Self::H265 => (
                "h265parse",
                "video/x-h265, stream-format=hvc1, alignment=au",
            ),
            Self::Aac => ("aacparse", "audio/mpeg, mpegversion=4, stream-format=raw"),
        }
    }
}

/// parser ─ capsfilter ─ appsink, whose samples become tags on `tx`.
fn add_branch(
    pipeline: &gst::Pipeline,
    pad: &gst::Pad,
    kind: Kind,
    tx: mpsc::Sender<Tag>,
) -> Result<(), DemuxError> {
    let (parser, caps) = kind.parser();
    let parse = make(parser)?;
    let filter = make("capsfilter")?;
    let caps: gst::Caps = caps
        .parse()
        .map_err(|_| DemuxError::Build(format!("caps {caps}")))?;
    filter.set_property("caps", &caps);
    let sink = AppSink::builder().sync(false).build();
    let last_config: Mutex<Option<gst::Buffer>> = Mutex::new(None);
    sink.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |sink| {
                let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                let tags = to_tags(&sample, kind, &last_config);
                for tag in tags {
                    tx.blocking_send(tag)
                        .map_err(|_| gst::FlowError::Flushing)?;
                }
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );
    attach(pipeline, pad, &[&parse, &filter, sink.upcast_ref()])
}

fn add_discard(pipeline: &gst::Pipeline, pad: &gst::Pad) -> Result<(), DemuxError> {
    let sink = make("fakesink")?;
    sink.set_property("sync", false);
    attach(pipeline, pad, &[&sink])
}

/// Adds `elements` to the running pipeline as a chain, starts them, and feeds `pad` into it.
fn attach(
    pipeline: &gst::Pipeline,
    pad: &gst::Pad,
    elements: &[&gst::Element],
) -> Result<(), DemuxError> {
    let build = |e: &dyn std::fmt::Display| DemuxError::Build(e.to_string());
    pipeline
        .add_many(elements.iter().copied())
        .map_err(|e| build(&e))?;
    gst::Element::link_many(elements.iter().copied()).map_err(|e| build(&e))?;
    for element in elements {
        element.sync_state_with_parent().map_err(|e| build(&e))?;
    }
    let sinkpad = elements
        .first()
        .and_then(|first| first.static_pad("sink"))
        .ok_or_else(|| DemuxError::Build("the branch has no sink pad".into()))?;
    pad.link(&sinkpad)
        .map_err(|e| DemuxError::Build(format!("{e:?}")))?;
    Ok(())
}

/// The tags of one sample: a sequence header first whenever the configuration changed.
fn to_tags(sample: &gst::Sample, kind: Kind, last_config: &Mutex<Option<gst::Buffer>>) -> Vec<Tag> {
    let mut tags = Vec::with_capacity(2);
    let Some(buffer) = sample.buffer() else {
        return tags;
    };
    let Some(dts) = buffer.dts().or(buffer.pts()) else {
        return tags;
    };
    let pts = buffer.pts().unwrap_or(dts);
    // RTMP time: 32-bit milliseconds, wrapping like a publisher's would.
    let ts = (dts.mseconds() % (1u64 << 32)) as u32;
    let config = sample
        .caps()
        .and_then(|c| c.structure(0))
        .and_then(|s| s.get::<gst::Buffer>("codec_data").ok());
    if let Some(config) = config {
        let mut last = last_config.lock().unwrap_or_else(|p| p.into_inner());
        let changed = last.as_ref().is_none_or(|l| {
            l.map_readable().ok().map(|m| m.to_vec())
                != config.map_readable().ok().map(|m| m.to_vec())
        });
        if changed {
            if let Ok(bytes) = config.map_readable() {
                tags.push(if kind != Kind::Aac {
                    Tag::Video {
                        ts,
                        data: video_tag(kind, true, SEQUENCE_HEADER, 0, &bytes),
                    }
                } else {
                    Tag::Audio {
                        ts,
                        data: audio_tag(0, &bytes),
                    }
                });
            }
            *last = Some(config);
        }
    }
    let Ok(map) = buffer.map_readable() else {
        return tags;
    };
    if kind != Kind::Aac {
        let keyframe = !buffer.flags().contains(gst::BufferFlags::DELTA_UNIT);
        let cts =
            (pts.mseconds() as i64 - dts.mseconds() as i64).clamp(-(1 << 23), (1 << 23) - 1) as i32;
        tags.push(Tag::Video {
            ts,
            data: video_tag(kind, keyframe, CODED_FRAME, cts, &map),
        });
    } else {
        tags.push(Tag::Audio {
            ts,
            data: audio_tag(1, &map),
        });
    }
    tags
}

/// The packet type of a sequence header (AVC's and Enhanced RTMP's SequenceStart).
const SEQUENCE_HEADER: u8 = 0;
/// The packet type of a frame with a composition time (AVC NALU, Enhanced RTMP CodedFrames).
const CODED_FRAME: u8 = 1;

/// An FLV video tag body: for H.264 frame type and codec id, AVC packet type; for HEVC the
/// Enhanced RTMP header (IsExHeader, frame type, packet type, then the FourCC `hvc1`). Then
/// the composition time for a frame, and the payload.
fn video_tag(kind: Kind, keyframe: bool, packet_type: u8, cts: i32, payload: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(9 + payload.len());
    let frame_type: u8 = if keyframe { 1 } else { 2 };
    if kind == Kind::H265 {
        out.put_u8(0x80 | frame_type << 4 | packet_type);
        out.put_slice(b"hvc1");
    } else {
        out.put_u8(frame_type << 4 | 7);
        out.put_u8(packet_type);
    }
    if kind != Kind::H265 || packet_type == CODED_FRAME {
        out.put_slice(&cts.to_be_bytes()[1..]);
    }
    out.put_slice(payload);
    out.freeze()
}

/// An FLV AAC audio tag body (AAC, 44 kHz, 16-bit, stereo flags as every encoder sends them).
fn audio_tag(packet_type: u8, payload: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(2 + payload.len());
    out.put_u8(0xAF);
    out.put_u8(packet_type);
    out.put_slice(payload);
    out.freeze()
}
