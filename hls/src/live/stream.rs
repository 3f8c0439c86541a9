//! One stream's live HLS: its renditions, its multivariant playlist and its timeline, shared by
//! the pipeline (which fills them) and the HTTP side (which serves them).

use super::{Rendition, RenditionReport, Settings, Timeline};
use crate::layout::HlsDir;
use bytes::Bytes;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

struct Inner {
    settings: Settings,
    timeline: Timeline,
    renditions: Vec<Rendition>,
    multivariant: RwLock<Option<Bytes>>,
    /// The passthrough is listed in the multivariant playlist.
    passthrough_listed: AtomicBool,
}

/// A stream's live HLS output, held in memory. Cheap to clone.
#[derive(Clone)]
pub struct LiveHls(Arc<Inner>);

impl std::fmt::Debug for LiveHls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveHls")
            .field(
                "renditions",
                &self
                    .0
                    .renditions
                    .iter()
                    .map(Rendition::name)
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl LiveHls {
    /// Empty renditions named `names`, packaged with `settings`, with segments of about
    /// `segment`; `transcoded` when some rendition is encoded here (see [`Timeline::new`]).
    pub fn new<'a>(
        mut settings: Settings,
        segment: std::time::Duration,
        names: impl IntoIterator<Item = &'a str>,
        transcoded: bool,
    ) -> Self {
        let timeline = Timeline::new(segment, transcoded);
        if !transcoded {
            // Segments as long as the source's GOP: the first one sets the target.
            settings.target_duration = settings.target_duration.growing();
        }
        let renditions = names
            .into_iter()
            .map(|name| Rendition::new(name, settings.clone()))
            .collect();
        Self(Arc::new(Inner {
            settings,
            timeline,
            renditions,
            multivariant: RwLock::new(None),
            passthrough_listed: AtomicBool::new(true),
        }))
    }

    pub fn settings(&self) -> &Settings {
        &self.0.settings
    }

    pub fn timeline(&self) -> &Timeline {
        &self.0.timeline
    }

    /// Every rendition, in the order given at creation.
    pub fn renditions(&self) -> &[Rendition] {
        &self.0.renditions
    }

    pub fn rendition(&self, name: &str) -> Option<&Rendition> {
        self.0.renditions.iter().find(|r| r.name() == name)
    }

    /// The multivariant playlist, once written.
    pub fn multivariant(&self) -> Option<Bytes> {
        self.0
            .multivariant
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn set_multivariant(&self, text: Vec<u8>) {
        *self
            .0
            .multivariant
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Some(Bytes::from(text));
    }

    pub fn set_passthrough_listed(&self, listed: bool) {
        self.0.passthrough_listed.store(listed, Ordering::Relaxed);
    }

    /// `EXT-X-RENDITION-REPORT`s for every rendition but `name` that the multivariant lists.
    pub fn reports_for(&self, name: &str) -> Vec<RenditionReport> {
        let passthrough = self.0.passthrough_listed.load(Ordering::Relaxed);
        self.0
            .renditions
            .iter()
            .filter(|r| r.name() != name)
            .filter(|r| passthrough || r.name() != media::ladder::SOURCE_RENDITION)
            .map(|r| r.report(format!("../{}", HlsDir::media_playlist_uri(r.name()))))
            .collect()
    }

    /// Hands every rendition's headers and complete segments to `recorder` from now on.
    pub fn record(&self, recorder: super::Recorder) {
        for rendition in &self.0.renditions {
            rendition.record(recorder.clone());
        }
    }

    /// Ends every rendition: playlists get `EXT-X-ENDLIST`, waiting requests are answered.
    pub fn end(&self) {
        for rendition in &self.0.renditions {
            rendition.end();
        }
    }
}
