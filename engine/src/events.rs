//! Typed events a stream reports to whoever runs the media engine.

use media::ladder::PlannedRendition;
use media::{SourceMedia, StreamId, StreamKey};
use serde::Serialize;
use std::path::PathBuf;
use std::time::Duration;

/// Something that happened to a published stream.
#[derive(Debug, Clone)]
pub enum StreamEvent {
    /// A publisher was accepted and its pipeline is running.
    Started {
        stream_id: StreamId,
        key: StreamKey,
        media: SourceMedia,
        renditions: Vec<PlannedRendition>,
        passthrough: bool,
    },
    /// Every rendition has negotiated and the multivariant playlist exists: `hls` is the
    /// stream's live output, to be served until some time after the stream ends.
    Playable {
        stream_id: StreamId,
        hls: hls::live::LiveHls,
    },
    /// Periodic health figures.
    Stats {
        stream_id: StreamId,
        stats: StreamStats,
    },
    /// The stream is over and its archive is finalized (or as complete as it could be made).
    Ended {
        stream_id: StreamId,
        reason: EndReason,
        archive: ArchiveSummary,
    },
    /// A publisher was accepted but left (or its media was refused) before its stream started:
    /// nothing was recorded.
    Abandoned {
        stream_id: StreamId,
        reason: EndReason,
    },
}

impl StreamEvent {
    /// The stream this event is about.
    pub fn stream_id(&self) -> &StreamId {
        match self {
            Self::Started { stream_id, .. }
            | Self::Playable { stream_id, .. }
            | Self::Stats { stream_id, .. }
            | Self::Ended { stream_id, .. }
            | Self::Abandoned { stream_id, .. } => stream_id,
        }
    }
}

/// Health figures of a live stream over the last stats interval.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StreamStats {
    pub input_kbps: f64,
    pub input_fps: f64,
    /// Time between the last two source keyframes (in JSON: seconds).
    #[serde(serialize_with = "optional_seconds")]
    pub keyframe_interval: Option<Duration>,
    pub renditions: Vec<RenditionStats>,
    /// Each restreaming destination's connection, bytes and last error: for the stream's owner,
    /// never serialized with the public figures.
    #[serde(skip)]
    pub destinations: Vec<crate::restream::DestinationStats>,
}

/// How one rendition keeps up with the source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RenditionStats {
    pub name: String,
    /// Media time produced per wall-clock second; 1.0 is real time.
    pub speed: f64,
    /// How far the rendition's output is behind the newest source frame (in JSON: seconds).
    #[serde(serialize_with = "seconds")]
    pub behind: Duration,
    /// Source frames this rendition has dropped so far to stay real time (the machine cannot
    /// transcode the whole ladder); always 0 for the passthrough.
    pub dropped_frames: u64,
    /// Frames dropped per second since the previous report: above 0, viewers of this rendition
    /// see a jerky picture and the preset is too heavy for the machine.
    pub dropped_fps: f64,
}

fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

fn optional_seconds<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => seconds(d, s),
        None => s.serialize_none(),
    }
}

/// Why a stream ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum EndReason {
    /// The publisher sent FCUnpublish/deleteStream.
    PublisherStopped,
    /// The TCP connection dropped or went silent.
    ConnectionLost,
    /// The server is shutting down.
    ServerShutdown,
    /// The publisher's right to stream was taken away (room deleted, owner disabled).
    Revoked,
    /// The server ended the stream at one of its limits (disk, duration, bitrate, storage);
    /// the detail says which.
    LimitReached(String),
    /// The publisher sent media the engine cannot use.
    InvalidMedia(String),
    /// The pipeline failed.
    PipelineError(String),
}

impl EndReason {
    /// The reason's stable name, as serialized in `kind` (`publisher_stopped`, `revoked`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::PublisherStopped => "publisher_stopped",
            Self::ConnectionLost => "connection_lost",
            Self::ServerShutdown => "server_shutdown",
            Self::Revoked => "revoked",
            Self::LimitReached(_) => "limit_reached",
            Self::InvalidMedia(_) => "invalid_media",
            Self::PipelineError(_) => "pipeline_error",
        }
    }

    /// True for ends caused by a fault rather than by someone stopping.
    pub fn is_error(&self) -> bool {
        matches!(self, Self::InvalidMedia(_) | Self::PipelineError(_))
    }
}

/// The archive a broadcast left behind.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArchiveSummary {
    pub path: PathBuf,
    pub duration: Duration,
    pub bytes: u64,
    /// False if the muxer could not be given end-of-stream in time; the file may need repair.
    pub finalized: bool,
    /// The broadcast as HLS VOD, if it was kept and has playlists.
    #[serde(skip)]
    pub vod: Option<crate::vod::VodSummary>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_is_the_serialized_tag() {
        for reason in [
            EndReason::PublisherStopped,
            EndReason::ConnectionLost,
            EndReason::ServerShutdown,
            EndReason::Revoked,
            EndReason::LimitReached("z".into()),
            EndReason::InvalidMedia("x".into()),
            EndReason::PipelineError("y".into()),
        ] {
            let json = serde_json::to_value(&reason).expect("serializes");
            assert_eq!(json["kind"], reason.kind(), "{reason:?}");
        }
    }
}
