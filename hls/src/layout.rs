//! Where a server's output goes under its data directory. Every path of the live HLS output and
//! of the archives is built here, and only here:
//!
//! ```text
//! DATA_DIR/hls/<stream-id>/thumbnail.jpg              the live thumbnail
//! DATA_DIR/recordings/<stream-id>.mkv                  the archive
//! DATA_DIR/recordings/<stream-id>/master.m3u8          the recording as HLS VOD (written by the engine's VOD recorder, listed by crate::vod):
//!                     <rendition>/playlist.m3u8, init.mp4, <msn>.m4s      the live segments, kept
//!                     thumbnails.vtt, sprite-<n>.jpg, poster.jpg           timeline preview, poster
//! ```
//!
//! The live HLS itself is held in memory ([`crate::live`]); its URLs keep this shape:
//! `<stream-id>/master.m3u8`, `<stream-id>/<rendition>/playlist.m3u8`, `…/init.mp4`,
//! `…/<msn>.m4s` and `…/<msn>.<part>.m4s`.

use media::StreamId;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically (`<path>.tmp`, then a rename), so readers never see half
/// a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// File name of the multivariant playlist, at the root of a stream's HLS output.
pub const MULTIVARIANT_FILE: &str = "master.m3u8";
/// The live thumbnail, beside the multivariant playlist.
pub const THUMBNAIL_FILE: &str = "thumbnail.jpg";
/// File name of a rendition's media playlist, in the rendition's folder.
pub const MEDIA_PLAYLIST_FILE: &str = "playlist.m3u8";
/// A recording's WebVTT thumbnails track, beside its multivariant playlist.
pub const THUMBNAILS_VTT_FILE: &str = "thumbnails.vtt";
/// A recording's poster frame, beside its multivariant playlist.
pub const POSTER_FILE: &str = "poster.jpg";

/// The file name of a recording's `index`th thumbnail sprite sheet.
pub fn sprite_file(index: usize) -> String {
    format!("sprite-{index}.jpg")
}

/// One segment of a file path that came from outside (a URL, a database row) and may name a
/// file to serve or open: letters, digits, `-`, `_` and `.`, not hidden, at most 64 bytes. No
/// `..`, no separators, nothing percent-encoded.
pub fn plain_name(part: &str) -> bool {
    !part.is_empty()
        && part.len() <= 64
        && !part.starts_with('.')
        && part
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The layout of a data directory: `hls/<stream-id>/…` (live output) and
/// `recordings/<stream-id>.mkv` (archives).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputLayout {
    data_dir: PathBuf,
}

impl OutputLayout {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
        }
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Every stream's HLS output.
    pub fn hls_root(&self) -> PathBuf {
        self.data_dir.join("hls")
    }

    /// One stream's HLS output: the multivariant playlist, thumbnail and one folder per rendition.
    pub fn hls_dir(&self, stream: &StreamId) -> PathBuf {
        self.hls_root().join(stream.as_str())
    }

    /// One stream's HLS output, with the paths of what is in it.
    pub fn hls(&self, stream: &StreamId) -> HlsDir {
        HlsDir(self.hls_dir(stream))
    }

    /// The MKV archives.
    pub fn recordings_dir(&self) -> PathBuf {
        self.data_dir.join("recordings")
    }

    /// The file name of a stream's archive in [`Self::recordings_dir`].
    pub fn archive_name(stream: &StreamId) -> String {
        format!("{stream}.mkv")
    }

    /// A stream's archive.
    pub fn archive(&self, stream: &StreamId) -> PathBuf {
        self.recordings_dir().join(Self::archive_name(stream))
    }

    /// A stream's recording as HLS VOD: the live segments kept, with its playlists, timeline
    /// preview and poster (see the module's drawing).
    pub fn vod(&self, stream: &StreamId) -> PathBuf {
        self.recordings_dir().join(stream.as_str())
    }

    /// Where the repair of `archive` writes before it replaces the archive.
    pub fn repair_output(archive: &Path) -> PathBuf {
        archive.with_extension("repair.mkv")
    }
}

/// One stream's HLS output directory (see the module's drawing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HlsDir(PathBuf);

impl HlsDir {
    /// The directory itself.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// The live thumbnail.
    pub fn thumbnail(&self) -> PathBuf {
        self.0.join(THUMBNAIL_FILE)
    }

    /// How the multivariant playlist refers to a rendition's media playlist.
    pub fn media_playlist_uri(rendition: &str) -> String {
        format!("{rendition}/{MEDIA_PLAYLIST_FILE}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_is_under_the_data_directory() {
        let layout = OutputLayout::new("/srv/live");
        let id = StreamId::random();
        assert_eq!(
            layout.hls_dir(&id),
            Path::new("/srv/live/hls").join(id.as_str())
        );
        assert_eq!(
            layout.archive(&id),
            Path::new("/srv/live/recordings").join(format!("{id}.mkv"))
        );
        assert_eq!(OutputLayout::archive_name(&id), format!("{id}.mkv"));
        assert_eq!(
            layout.vod(&id),
            Path::new("/srv/live/recordings").join(id.as_str())
        );
        assert_eq!(
            OutputLayout::repair_output(&layout.archive(&id)),
            Path::new("/srv/live/recordings").join(format!("{id}.repair.mkv"))
        );
    }

    #[test]
    fn a_streams_thumbnail_is_in_its_folder() {
        let layout = OutputLayout::new("/srv/live");
        let id = StreamId::random();
        let hls = layout.hls(&id);
        let root = Path::new("/srv/live/hls").join(id.as_str());
        assert_eq!(hls.path(), root);
        assert_eq!(hls.thumbnail(), root.join("thumbnail.jpg"));
        assert_eq!(HlsDir::media_playlist_uri("720p"), "720p/playlist.m3u8");
    }
}
