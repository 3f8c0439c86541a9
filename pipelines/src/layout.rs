//! Where a server's output goes under its data directory. Every path of the live HLS output and
//! of the archives is built here, and only here.

use crate::media::StreamId;
use std::path::{Path, PathBuf};

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
    }
}
