//! A rendition's timeline read as ISO/IEC 14496-12 defines it, with the `mp4-atom` crate: each
//! sample's decode time is the fragment's `tfdt` plus the durations before it, and its
//! presentation time adds the `trun` composition offset, signed in a version 1 box. Browsers' MSE
//! parsers read it this way. ffmpeg's mov reader does not: it shifts a track with negative offsets
//! later by the largest one, so ffprobe cannot judge a B-frame rendition's timing.

use mp4_atom::{Any, Decode, Moof, Moov};
use std::path::Path;

/// One track's samples, from an init segment followed by its media segments.
#[derive(Debug)]
pub struct Timeline {
    /// The track's clock rate (ticks per second): the sample rate for audio.
    pub timescale: u32,
    /// Every sample's presentation time in ticks, in decode order.
    pub presentation_ticks: Vec<i64>,
}

impl Timeline {
    /// Reads a file made of an init segment and the segments after it (`join_rendition`).
    pub fn read(path: &Path) -> Self {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let mut rest = bytes.as_slice();
        let mut moov: Option<Moov> = None;
        let mut presentation_ticks = Vec::new();
        while !rest.is_empty() {
            match Any::decode(&mut rest)
                .unwrap_or_else(|e| panic!("{} is ISO BMFF: {e}", path.display()))
            {
                Any::Moov(m) => moov = Some(m),
                Any::Moof(moof) => {
                    let moov = moov.as_ref().expect("the init segment comes first");
                    presentation_ticks.extend(fragment_presentation_ticks(moov, &moof));
                }
                _ => {}
            }
        }
        let moov = moov.expect("an init segment (moov)");
        assert_eq!(moov.trak.len(), 1, "one track per rendition");
        Self {
            timescale: moov.trak[0].mdia.mdhd.timescale,
            presentation_ticks,
        }
    }

    /// Presentation times in seconds, in presentation order: the order a decoder outputs frames.
    pub fn presentation_seconds(&self) -> Vec<f64> {
        let mut ticks = self.presentation_ticks.clone();
        ticks.sort_unstable();
        ticks
            .into_iter()
            .map(|t| t as f64 / f64::from(self.timescale))
            .collect()
    }

    /// When the track's first sample is presented, in seconds.
    pub fn start_seconds(&self) -> f64 {
        let first = self.presentation_ticks.iter().min().expect("samples");
        *first as f64 / f64::from(self.timescale)
    }
}

/// The presentation times of one fragment's samples, in decode order.
fn fragment_presentation_ticks(moov: &Moov, moof: &Moof) -> Vec<i64> {
    let trex = moov
        .mvex
        .as_ref()
        .and_then(|mvex| mvex.trex.first())
        .expect("a fragmented file has trex defaults");
    let mut ticks = Vec::new();
    for traf in &moof.traf {
        let mut decode = traf
            .tfdt
            .as_ref()
            .map(|tfdt| tfdt.base_media_decode_time as i64)
            .expect("every fragment has a tfdt");
        let default_duration = traf
            .tfhd
            .default_sample_duration
            .unwrap_or(trex.default_sample_duration);
        for trun in &traf.trun {
            for sample in &trun.samples {
                ticks.push(decode + sample.cts.unwrap_or(0));
                decode += i64::from(sample.duration.unwrap_or(default_duration));
            }
        }
    }
    ticks
}

/// Whether a part's (or segment's) first sample is a sync sample, as its first `trun` entry, the
/// fragment's default or the init segment's `trex` flags say (`sample_is_non_sync_sample` clear).
pub fn first_sample_is_sync(init: &[u8], part: &[u8]) -> bool {
    let mut rest = init;
    let mut moov = None;
    while !rest.is_empty() {
        if let Any::Moov(m) = Any::decode(&mut rest).expect("the init segment is ISO BMFF") {
            moov = Some(m);
        }
    }
    let moov = moov.expect("an init segment (moov)");
    let trex_flags = moov
        .mvex
        .as_ref()
        .and_then(|mvex| mvex.trex.first())
        .map_or(0, |trex| trex.default_sample_flags);
    let mut rest = part;
    while !rest.is_empty() {
        if let Any::Moof(moof) = Any::decode(&mut rest).expect("the part is ISO BMFF") {
            let traf = moof.traf.first().expect("a track fragment");
            let first = traf
                .trun
                .first()
                .and_then(|trun| trun.samples.get(0))
                .and_then(|entry| entry.flags);
            let flags = first
                .or(traf.tfhd.default_sample_flags)
                .unwrap_or(trex_flags);
            return flags & 0x0001_0000 == 0;
        }
    }
    panic!("the part has no moof");
}
