//! A broadcast's recording as HLS VOD: the live stream's own CMAF segments, every rendition,
//! written to disk as they complete, so the replay is ready the moment the broadcast ends.
//!
//! ```text
//! hls::live::Rendition ─ complete segment / header ─▶ VodRecorder::recorder ─┐  (bounded channel,
//! thumbnail branch ─ 480 px JPEG (poster), tile (preview) ────────────────┤   never blocks)
//!                                                                         ▼
//!                        writer thread: <rendition>/<msn>.m4s, init.mp4, sprite-<n>.jpg,
//!                                       <rendition>/playlist.m3u8 (EVENT, appended), master.m3u8
//! stream ended ─ finish(multivariant) ─▶ <rendition>/playlist.m3u8 (VOD, ENDLIST), master.m3u8,
//!                                          thumbnails.vtt, poster.jpg
//! ```
//!
//! While the broadcast lasts, each rendition's playlist grows by a line per segment (an
//! `EVENT` playlist): what a clip of the last minute is cut from.
//!
//! Nothing is re-encoded and nothing is held beyond one sprite sheet: hours of recording cost
//! disk, not memory. Players seek by segment, exactly as the live ladder was cut (keyframe-aligned
//! across renditions).

mod sprite;

use bytes::Bytes;
use hls::layout::{self, MEDIA_PLAYLIST_FILE, MULTIVARIANT_FILE, POSTER_FILE};
use hls::live::{Recorded, Recorder};
use hls::vod as vod_playlist;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tracing::warn;

pub use sprite::{TILES_PER_ROW, TILE_WIDTH};

/// Messages waiting for the writer: about 30 s of a full ladder's segments.
const QUEUE: usize = 256;
/// The poster is the live thumbnail taken at or after this point (or the first, if the
/// broadcast is shorter).
const POSTER_AT: Duration = Duration::from_secs(10);

/// What a finished recording holds.
#[derive(Debug, Clone, PartialEq)]
pub struct VodSummary {
    /// The folder (the multivariant playlist is at its root).
    pub dir: PathBuf,
    /// Renditions with a media playlist.
    pub renditions: Vec<String>,
    /// Length of the longest rendition.
    pub duration: Duration,
    /// Segments lost because the disk could not keep up (listed as gaps).
    pub lost_segments: u64,
}

enum Message {
    Output(String, Recorded),
    Multivariant(Bytes),
    Tile {
        pts: Duration,
        sample: gst::Sample,
    },
    Poster {
        pts: Duration,
        jpeg: Bytes,
    },
    Finish {
        multivariant: Option<Bytes>,
        reply: std::sync::mpsc::Sender<Option<VodSummary>>,
    },
}

/// Segments whose message did not fit in the queue: listed as gaps, so timing stays right.
type Lost = Arc<Mutex<Vec<(String, u64, Duration)>>>;

/// The handle the pipeline holds: hands output to the writer thread, never waiting for it.
#[derive(Clone)]
pub struct VodRecorder {
    tx: SyncSender<Message>,
    lost: Lost,
    dropped_tiles: Arc<AtomicU64>,
}

impl VodRecorder {
    /// Starts the writer thread for a recording in `dir` (created), whose segments last at most
    /// `target_duration` seconds.
    pub fn start(dir: PathBuf, target_duration: u32) -> std::io::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        let (tx, rx) = sync_channel(QUEUE);
        let lost: Lost = Arc::default();
        let writer = Writer {
            dir,
            target_duration,
            renditions: BTreeMap::new(),
            sprites: sprite::Sprites::default(),
            poster_final: false,
            lost: lost.clone(),
        };
        std::thread::Builder::new()
            .name("vod-writer".into())
            .spawn(move || writer.run(rx))?;
        Ok(Self {
            tx,
            lost,
            dropped_tiles: Arc::default(),
        })
    }

    /// What the live renditions call with each header and complete segment.
    pub fn recorder(&self) -> Recorder {
        let this = self.clone();
        Arc::new(move |name: &str, what: Recorded| {
            let lost = match &what {
                Recorded::Segment { msn, duration, .. } => Some((*msn, *duration)),
                Recorded::Init(_) => None,
            };
            match this.tx.try_send(Message::Output(name.to_owned(), what)) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) => {
                    if let Some((msn, duration)) = lost {
                        warn!(
                            rendition = name,
                            msn, "the recording's disk is behind: a segment is left out"
                        );
                        this.lost
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .push((name.to_owned(), msn, duration));
                    }
                }
                Err(TrySendError::Disconnected(_)) => {}
            }
        })
    }

    /// A preview tile (raw I420 of [`TILE_WIDTH`] wide) taken at `pts`.
    pub fn tile(&self, pts: Duration, sample: gst::Sample) {
        if self.tx.try_send(Message::Tile { pts, sample }).is_err() {
            self.dropped_tiles.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The live multivariant playlist, each time it changes.
    pub fn multivariant(&self, text: Bytes) {
        let _ = self.tx.try_send(Message::Multivariant(text));
    }

    /// A live thumbnail taken at `pts`: the poster, until one late enough is kept.
    pub fn poster(&self, pts: Duration, jpeg: Bytes) {
        let _ = self.tx.try_send(Message::Poster { pts, jpeg });
    }

    /// Writes the playlists, the last sprite sheet and the thumbnails track, once everything
    /// queued is on disk. Blocking: call it off the async workers.
    pub fn finish(&self, multivariant: Option<Bytes>) -> Option<VodSummary> {
        let (reply, answer) = std::sync::mpsc::channel();
        self.tx
            .send(Message::Finish {
                multivariant,
                reply,
            })
            .ok()?;
        answer.recv().ok().flatten()
    }
}

/// One rendition's recorded segments.
#[derive(Default)]
struct Track {
    /// Header files, in the order the muxer wrote them.
    inits: Vec<String>,
    segments: Vec<vod_playlist::Entry>,
    /// The growing `EVENT` playlist, while the broadcast lasts.
    event: Option<std::fs::File>,
    /// The folder could not be written: nothing more is tried.
    broken: bool,
}

struct Writer {
    dir: PathBuf,
    target_duration: u32,
    renditions: BTreeMap<String, Track>,
    sprites: sprite::Sprites,
    poster_final: bool,
    lost: Lost,
}

impl Writer {
    fn run(mut self, rx: Receiver<Message>) {
        while let Ok(message) = rx.recv() {
            match message {
                Message::Output(name, what) => self.output(name, what),
                Message::Multivariant(text) => {
                    let path = self.dir.join(MULTIVARIANT_FILE);
                    if let Err(e) = hls::write_atomic(&path, &text) {
                        warn!(path = %path.display(), error = %e, "could not write the recording's multivariant playlist");
                    }
                }
                Message::Tile { pts, sample } => {
                    if let Err(e) = self.sprites.add(&self.dir, pts, &sample) {
                        warn!(error = %e, "a timeline preview tile is left out");
                    }
                }
                Message::Poster { pts, jpeg } => self.poster(pts, &jpeg),
                Message::Finish {
                    multivariant,
                    reply,
                } => {
                    let _ = reply.send(self.finish(multivariant));
                    return;
                }
            }
        }
    }

    fn output(&mut self, name: String, what: Recorded) {
        if !layout::plain_name(&name) {
            return;
        }
        let folder = self.dir.join(&name);
        let track = self.renditions.entry(name).or_default();
        if track.broken {
            return;
        }
        let written = match what {
            Recorded::Init(data) => {
                let file = match track.inits.len() {
                    0 => hls::live::INIT_URI.to_owned(),
                    n => format!("init-{n}.mp4"),
                };
                let written = std::fs::create_dir_all(&folder)
                    .and_then(|()| std::fs::write(folder.join(&file), &data));
                track.inits.push(file);
                written
            }
            Recorded::Segment {
                msn,
                duration,
                data,
            } => {
                let map = track.inits.len().checked_sub(1);
                let (file, written) = match (&data, map) {
                    (Some(data), Some(_)) => {
                        let file = format!("{msn}.m4s");
                        let written = std::fs::write(folder.join(&file), data);
                        (Some(file), written)
                    }
                    _ => (None, Ok(())),
                };
                let entry = vod_playlist::Entry {
                    msn,
                    duration,
                    map,
                    file: file.filter(|_| written.is_ok()),
                };
                let appended = written
                    .and_then(|()| append_event(track, &folder, &entry, self.target_duration));
                track.segments.push(entry);
                appended
            }
        };
        if let Err(e) = written {
            warn!(path = %folder.display(), error = %e, "could not write the recording's segments; this rendition is left out of the replay");
            track.broken = true;
        }
    }

    fn poster(&mut self, pts: Duration, jpeg: &[u8]) {
        if self.poster_final {
            return;
        }
        match hls::write_atomic(&self.dir.join(POSTER_FILE), jpeg) {
            Ok(()) => self.poster_final = pts >= POSTER_AT,
            Err(e) => warn!(error = %e, "could not write the recording's poster"),
        }
    }

    fn finish(mut self, multivariant: Option<Bytes>) -> Option<VodSummary> {
        let lost: Vec<_> =
            std::mem::take(&mut *self.lost.lock().unwrap_or_else(PoisonError::into_inner));
        for (name, msn, duration) in &lost {
            if let Some(track) = self.renditions.get_mut(name) {
                track.segments.push(vod_playlist::Entry {
                    msn: *msn,
                    duration: *duration,
                    map: None,
                    file: None,
                });
            }
        }
        let mut renditions = Vec::new();
        let mut duration = Duration::ZERO;
        for (name, track) in &mut self.renditions {
            if track.broken || track.inits.is_empty() || track.segments.is_empty() {
                continue;
            }
            track.event = None;
            track.segments.sort_by_key(|s| s.msn);
            track.segments.dedup_by_key(|s| s.msn);
            let text = vod_playlist::render(&track.inits, &track.segments);
            let path = self.dir.join(name).join(MEDIA_PLAYLIST_FILE);
            if let Err(e) = hls::write_atomic(&path, &text) {
                warn!(path = %path.display(), error = %e, "could not write a recording's playlist");
                continue;
            }
            duration = duration.max(track.segments.iter().map(|s| s.duration).sum());
            renditions.push(name.clone());
        }
        if let Err(e) = self.sprites.finish(&self.dir, duration) {
            warn!(error = %e, "could not write the recording's timeline preview");
        }
        let multivariant = multivariant?;
        if renditions.is_empty() {
            return None;
        }
        let master = self.dir.join(MULTIVARIANT_FILE);
        if let Err(e) = hls::write_atomic(&master, &multivariant) {
            warn!(path = %master.display(), error = %e, "could not write the recording's multivariant playlist");
            return None;
        }
        Some(VodSummary {
            dir: self.dir,
            renditions,
            duration,
            lost_segments: lost.len() as u64,
        })
    }
}

/// Appends `entry` to the rendition's `EVENT` playlist (started with its header if new).
fn append_event(
    track: &mut Track,
    folder: &Path,
    entry: &vod_playlist::Entry,
    target_duration: u32,
) -> std::io::Result<()> {
    use std::io::Write as _;
    let header = track.event.is_none();
    if header {
        track.event = Some(
            std::fs::OpenOptions::new()
                .create(true)
                .truncate(true)
                .write(true)
                .open(folder.join(MEDIA_PLAYLIST_FILE))?,
        );
    }
    let previous_map = track
        .segments
        .iter()
        .rev()
        .find_map(|s| s.file.as_ref().and(s.map));
    // A stream with nothing transcoded has segments as long as its source's GOP: the first
    // one sets the target, as the live playlists do.
    let first = entry
        .duration
        .as_secs_f64()
        .round()
        .min(f64::from(u32::MAX)) as u32;
    let target = target_duration.max(first);
    let text = vod_playlist::event_lines(header, target, entry, previous_map, &track.inits);
    match &mut track.event {
        Some(file) => file.write_all(text.as_bytes()),
        None => Ok(()),
    }
}

/// Every file of a recording's folder, as paths relative to it (`720p/3.m4s`, `master.m3u8`):
/// what is uploaded to object storage. At most two levels, as the writer makes them.
pub fn files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = PathBuf::from(entry.file_name());
        if entry.file_type()?.is_dir() {
            for inner in std::fs::read_dir(entry.path())? {
                let inner = inner?;
                if inner.file_type()?.is_file() {
                    found.push(name.join(inner.file_name()));
                }
            }
        } else if entry.file_type()?.is_file() {
            found.push(name);
        }
    }
    found.sort();
    Ok(found)
}
