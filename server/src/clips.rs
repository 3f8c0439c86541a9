//! Cutting clips: which whole segments of a recording's HLS VOD a clip takes, gathered from the
//! recordings directory or object storage into the two inputs of [`engine::clip_cutter::cut`], and
//! where the MP4 it makes is kept.
//!
//! ```text
//! recording's master.m3u8 ─ the best H.264 variant + its audio group
//!   media playlists ─ the segments covering [start, start + duration), by number
//!   init + segments ─▶ <data>/clips/<id>.video.mp4, .audio.mp4 ─ cut at keyframes ─▶ <id>.mp4
//!                                                          (storage.s3: uploaded, local copy gone)
//! ```
//!
//! A live broadcast's VOD grows while it lasts (its playlists are `EVENT` playlists), so a clip
//! of its last minute is cut the same way, on the node running the broadcast.

use crate::models::recording::Recording;
use crate::object_storage::{ObjectStorage, StorageError};
use bytes::Bytes;
use hls::layout::{plain_name, MULTIVARIANT_FILE};
use std::path::{Path, PathBuf};
use std::time::Duration;
use thiserror::Error;

/// The longest clip, and how far back a clip of a live broadcast may start.
pub const MAX_CLIP: Duration = Duration::from_secs(60);

/// Where a node keeps clips (and cuts them): `<data_dir>/clips`.
pub fn clips_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("clips")
}

/// Removes what a cut left in `dir` that no clip row names (inputs and outputs of cuts the
/// last run never finished): run at start, before any cut. Returns how many files went.
pub async fn sweep(db: &crate::db::Db, dir: &Path) -> anyhow::Result<usize> {
    let Ok(mut entries) = tokio::fs::read_dir(dir).await else {
        return Ok(0);
    };
    let mut removed = 0;
    while let Some(entry) = entries.next_entry().await? {
        let name = entry.file_name().to_string_lossy().into_owned();
        // `<id>.mp4` is a clip if its row exists; anything else (`<id>.video.mp4`,
        // `<id>.audio.mp4`, `<id>.faststart`) is a cut's scratch.
        let clip = match name.strip_suffix(".mp4") {
            Some(id) if plain_name(id) && !id.contains('.') => Some(id.to_owned()),
            _ => None,
        };
        let kept = match clip {
            Some(id) => db
                .run(move |conn| Ok(crate::models::clip::Clip::find(conn, &id)?))
                .await?
                .is_some(),
            None => false,
        };
        if !kept {
            tokio::fs::remove_file(entry.path()).await?;
            tracing::info!(file = %name, "removed a clip file no clip names");
            removed += 1;
        }
    }
    Ok(removed)
}

/// Why a clip could not be cut.
#[derive(Debug, Error)]
pub enum ClipError {
    #[error("the recording has no replay to cut from")]
    NoReplay,
    #[error("the replay has no H.264 video to cut")]
    NoVideo,
    #[error("the stretch asked for is not in the recording")]
    OutOfRange,
    #[error("a playlist of the replay is unreadable: {0}")]
    Playlist(String),
    #[error("reading the replay: {0}")]
    Storage(#[from] StorageError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Cut(#[from] engine::clip_cutter::ClipError),
}

/// Where a recording's VOD files are read from.
pub enum Source<'a> {
    /// This node's recordings directory (also a live broadcast's growing VOD).
    Local(PathBuf),
    Objects(&'a ObjectStorage, &'a Recording),
}

impl Source<'_> {
    /// Where `recording`'s VOD is read from: object storage once stored there, else here.
    pub fn of<'a>(
        recording: &'a Recording,
        recordings_dir: &Path,
        objects: Option<&'a ObjectStorage>,
    ) -> Result<Source<'a>, ClipError> {
        match (&recording.object_key, objects) {
            (Some(_), Some(objects)) => Ok(Source::Objects(objects, recording)),
            _ => recording
                .vod_dir(recordings_dir)
                .map(Source::Local)
                .ok_or(ClipError::NoReplay),
        }
    }

    /// One file of the VOD (a playlist, a segment), whole.
    pub async fn read(&self, file: &str) -> Result<Bytes, ClipError> {
        match self {
            Source::Local(dir) => match tokio::fs::read(dir.join(file)).await {
                Ok(bytes) => Ok(Bytes::from(bytes)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ClipError::NoReplay),
                Err(e) => Err(e.into()),
            },
            Source::Objects(objects, recording) => {
                let read = objects
                    .read(&ObjectStorage::vod_key(recording, file), None)
                    .await?;
                let mut body = Vec::with_capacity(read.size as usize);
                let mut chunks = read.body;
                use futures_util::StreamExt;
                while let Some(chunk) = chunks.next().await {
                    body.extend_from_slice(&chunk.map_err(StorageError::Store)?);
                }
                Ok(Bytes::from(body))
            }
        }
    }
}

/// What to cut: from `start` for `duration`. For a live broadcast `start` counts back from its
/// newest segment's end.
#[derive(Debug, Clone, Copy)]
pub struct Stretch {
    pub start: Duration,
    pub duration: Duration,
    pub from_live_edge: bool,
}

/// A cut clip, in `file`.
#[derive(Debug)]
pub struct Cut {
    pub file: PathBuf,
    /// Where it starts in the recording (on a segment boundary, so on a keyframe).
    pub start: Duration,
    pub duration: Duration,
    pub bytes: u64,
}

/// One segment a media playlist lists.
#[derive(Debug, Clone)]
struct Segment {
    msn: u64,
    /// From the recording's start.
    start: Duration,
    duration: Duration,
    /// Its file; `None` for a gap.
    file: Option<String>,
}

/// One media playlist: its header (the first `EXT-X-MAP`) and its segments.
struct Listed {
    init: Option<String>,
    segments: Vec<Segment>,
}

fn media_playlist(text: &[u8]) -> Result<Listed, ClipError> {
    let playlist = m3u8_rs::parse_media_playlist_res(text)
        .map_err(|e| ClipError::Playlist(format!("{e:?}")))?;
    let mut at = Duration::ZERO;
    let mut init = None;
    let mut segments = Vec::new();
    for (i, s) in playlist.segments.iter().enumerate() {
        if let Some(map) = &s.map {
            // One header per clip: a header change ends what can be taken in one piece.
            init.get_or_insert_with(|| map.uri.clone());
        }
        let duration = Duration::from_secs_f64(f64::from(s.duration).max(0.0));
        let gap = s.unknown_tags.iter().any(|t| t.tag == "X-GAP");
        let msn = playlist.media_sequence + i as u64;
        segments.push(Segment {
            msn,
            start: at,
            duration,
            file: (!gap).then(|| s.uri.clone()),
        });
        at += duration;
    }
    Ok(Listed { init, segments })
}

/// The H.264 variant a clip is copied from: the source as published when it is H.264 (never
/// re-encoded, not even by the ladder), otherwise the first (they are listed best first); and
/// the media playlist of its audio group, if it has one.
fn choose(master: &[u8]) -> Result<(String, Option<String>), ClipError> {
    let master = m3u8_rs::parse_master_playlist_res(master)
        .map_err(|e| ClipError::Playlist(format!("{e:?}")))?;
    let h264: Vec<_> = master
        .variants
        .iter()
        .filter(|v| v.codecs.as_deref().is_some_and(|c| c.starts_with("avc1.")))
        .collect();
    let source = format!("{}/", media::ladder::SOURCE_RENDITION);
    let variant = h264
        .iter()
        .find(|v| v.uri.starts_with(&source))
        .or(h264.first())
        .ok_or(ClipError::NoVideo)?;
    let audio = variant.audio.as_ref().and_then(|group| {
        master
            .alternatives
            .iter()
            .find(|a| &a.group_id == group)
            .and_then(|a| a.uri.clone())
    });
    Ok((variant.uri.clone(), audio))
}

/// A playlist's folder (`720p` of `720p/playlist.m3u8`), if it is a plain name.
fn folder(uri: &str) -> Result<&str, ClipError> {
    match uri.split_once('/') {
        Some((dir, "playlist.m3u8")) if plain_name(dir) => Ok(dir),
        _ => Err(ClipError::Playlist(format!(
            "unexpected playlist URI {uri}"
        ))),
    }
}

/// Cuts `stretch` of the VOD in `source` into `<clips_dir>/<id>.mp4`.
pub async fn cut(
    source: &Source<'_>,
    clips_dir: &Path,
    id: &str,
    stretch: Stretch,
) -> Result<Cut, ClipError> {
    let (video_uri, audio_uri) = choose(&source.read(MULTIVARIANT_FILE).await?)?;
    let video = media_playlist(&source.read(&video_uri).await?)?;
    let taken = select(&video.segments, stretch)?;
    let init = video.init.clone().ok_or(ClipError::NoVideo)?;
    tokio::fs::create_dir_all(clips_dir).await?;
    let video_input = clips_dir.join(format!("{id}.video.mp4"));
    let audio_input = clips_dir.join(format!("{id}.audio.mp4"));
    let out = clips_dir.join(format!("{id}.mp4"));
    let result = async {
        let video_dir = folder(&video_uri)?;
        gather(
            source,
            video_dir,
            &init,
            &video.segments,
            &taken.msns,
            &video_input,
        )
        .await?;
        let with_audio = match &audio_uri {
            Some(uri) => gather_audio(source, uri, &taken.msns, &audio_input).await?,
            None => false,
        };
        let (v, a, o, keep) = (
            video_input.clone(),
            audio_input.clone(),
            out.clone(),
            taken.keep,
        );
        let cut = tokio::task::spawn_blocking(move || {
            engine::clip_cutter::cut(&v, with_audio.then_some(a.as_path()), &o, keep)
        })
        .await
        .map_err(|e| ClipError::Io(std::io::Error::other(e)))??;
        let bytes = tokio::fs::metadata(&out).await?.len();
        Ok::<_, ClipError>((cut, bytes))
    }
    .await;
    for input in [&video_input, &audio_input] {
        let _ = tokio::fs::remove_file(input).await;
    }
    let _ = tokio::fs::remove_file(out.with_extension("faststart")).await;
    match result {
        Ok((cut, bytes)) => Ok(Cut {
            file: out,
            start: taken.start + cut.start,
            duration: cut.duration,
            bytes,
        }),
        Err(e) => {
            let _ = tokio::fs::remove_file(&out).await;
            Err(e)
        }
    }
}

/// The whole segments a clip takes, and the stretch to keep of them.
struct Taken {
    msns: Vec<u64>,
    /// Where the first taken segment starts in the recording.
    start: Duration,
    /// The stretch, from the first taken segment's start.
    keep: engine::clip_cutter::Stretch,
}

/// From the segment holding the stretch's start to the one holding its end, gaps left out (a
/// segment that only grazes the stretch, by rounding, is not taken).
fn select(segments: &[Segment], stretch: Stretch) -> Result<Taken, ClipError> {
    let end = segments
        .last()
        .map_or(Duration::ZERO, |s| s.start + s.duration);
    let start = if stretch.from_live_edge {
        // A broadcast younger than that is clipped from its start.
        end.saturating_sub(stretch.start)
    } else {
        stretch.start
    };
    let until = start + stretch.duration;
    if start >= end || stretch.duration.is_zero() {
        return Err(ClipError::OutOfRange);
    }
    let graze = Duration::from_millis(50);
    let taken: Vec<&Segment> = segments
        .iter()
        .filter(|s| s.start + s.duration > start + graze && s.start + graze < until)
        .collect();
    let Some(first) = taken.first() else {
        return Err(ClipError::OutOfRange);
    };
    Ok(Taken {
        msns: taken.iter().map(|s| s.msn).collect(),
        start: first.start,
        keep: engine::clip_cutter::Stretch {
            from: start.saturating_sub(first.start),
            until: until.saturating_sub(first.start),
        },
    })
}

/// The audio rendition's segments numbered `msns` into `to`; false if it has no header.
async fn gather_audio(
    source: &Source<'_>,
    uri: &str,
    msns: &[u64],
    to: &Path,
) -> Result<bool, ClipError> {
    let audio_dir = folder(uri)?;
    let audio = media_playlist(&source.read(uri).await?)?;
    let Some(init) = &audio.init else {
        return Ok(false);
    };
    gather(source, audio_dir, init, &audio.segments, msns, to).await?;
    Ok(true)
}

/// Writes `init` and the segments numbered `msns` of one rendition into `to`, one after another:
/// a fragmented MP4 of that stretch.
async fn gather(
    source: &Source<'_>,
    dir: &str,
    init: &str,
    segments: &[Segment],
    msns: &[u64],
    to: &Path,
) -> Result<(), ClipError> {
    use tokio::io::AsyncWriteExt;
    let mut file = tokio::fs::File::create(to).await?;
    file.write_all(&source.read(&format!("{dir}/{init}")).await?)
        .await?;
    for segment in segments.iter().filter(|s| msns.contains(&s.msn)) {
        if let Some(uri) = segment.file.as_deref().filter(|u| plain_name(u)) {
            file.write_all(&source.read(&format!("{dir}/{uri}")).await?)
                .await?;
        }
    }
    file.flush().await?;
    Ok(())
}
