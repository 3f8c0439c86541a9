//! A recorded rendition's media playlist: `EXT-X-PLAYLIST-TYPE:VOD`, every segment, `EXT-X-ENDLIST`.

use m3u8_rs::{ExtTag, Map, MediaPlaylist, MediaPlaylistType, MediaSegment};
use std::time::Duration;

/// One recorded segment.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub msn: u64,
    pub duration: Duration,
    /// Which header (index into the rendition's inits) it follows.
    pub map: Option<usize>,
    /// Its file; `None` is a gap (the rendition had nothing then, or it was lost).
    pub file: Option<String>,
}

/// The lines `entry` adds to a growing `EVENT` playlist: the header first if `header`, and an
/// `EXT-X-MAP` when its init differs from `previous_map` (the last listed segment's).
pub fn event_lines(
    header: bool,
    target_duration: u32,
    entry: &Entry,
    previous_map: Option<usize>,
    inits: &[String],
) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    if header {
        let _ = write!(
            out,
            "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:{target_duration}\n\
             #EXT-X-PLAYLIST-TYPE:EVENT\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-MEDIA-SEQUENCE:0\n"
        );
    }
    match &entry.file {
        Some(file) => {
            if entry.map != previous_map {
                if let Some(init) = entry.map.and_then(|m| inits.get(m)) {
                    let _ = writeln!(out, "#EXT-X-MAP:URI=\"{init}\"");
                }
            }
            let _ = write!(
                out,
                "#EXTINF:{:.5},\n{file}\n",
                entry.duration.as_secs_f64()
            );
        }
        None => {
            let _ = write!(
                out,
                "#EXT-X-GAP\n#EXTINF:{:.5},\n{}.m4s\n",
                entry.duration.as_secs_f64(),
                entry.msn
            );
        }
    }
    out
}

/// Renders the playlist of `segments` (in order) whose headers are `inits`.
pub fn render(inits: &[String], segments: &[Entry]) -> Vec<u8> {
    let longest = segments
        .iter()
        .map(|s| s.duration)
        .max()
        .unwrap_or_default();
    let mut current_map = None;
    let segments = segments
        .iter()
        .map(|entry| {
            let mut segment = MediaSegment {
                duration: entry.duration.as_secs_f32(),
                ..Default::default()
            };
            match &entry.file {
                Some(file) => {
                    segment.uri = file.clone();
                    if entry.map != current_map {
                        current_map = entry.map;
                        segment.map = entry.map.and_then(|m| inits.get(m)).map(|uri| Map {
                            uri: uri.clone(),
                            ..Default::default()
                        });
                    }
                }
                None => {
                    // A gap still needs a URI; players do not fetch it (rfc8216bis 4.4.4.7).
                    segment.uri = format!("{}.m4s", entry.msn);
                    segment.unknown_tags.push(ExtTag {
                        tag: "X-GAP".into(),
                        rest: None,
                    });
                }
            }
            segment
        })
        .collect();
    let playlist = MediaPlaylist {
        version: Some(7),
        target_duration: longest.as_secs_f64().round().max(1.0) as u64,
        media_sequence: 0,
        segments,
        playlist_type: Some(MediaPlaylistType::Vod),
        end_list: true,
        independent_segments: true,
        ..Default::default()
    };
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = playlist.write_to(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(msn: u64, ms: u64, map: Option<usize>, file: bool) -> Entry {
        Entry {
            msn,
            duration: Duration::from_millis(ms),
            map,
            file: file.then(|| format!("{msn}.m4s")),
        }
    }

    #[test]
    fn a_growing_event_playlist_parses_at_every_step() {
        let inits = vec!["init.mp4".to_owned(), "init-1.mp4".to_owned()];
        let entries = [
            entry(0, 2000, Some(0), true),
            entry(1, 2000, None, false),
            entry(2, 1900, Some(0), true),
            entry(3, 2000, Some(1), true),
        ];
        let mut text = String::new();
        let mut previous = None;
        for (i, e) in entries.iter().enumerate() {
            text.push_str(&event_lines(i == 0, 2, e, previous, &inits));
            if e.file.is_some() {
                previous = e.map;
            }
            let parsed = m3u8_rs::parse_media_playlist_res(text.as_bytes())
                .unwrap_or_else(|e| panic!("parses: {e:?}\n{text}"));
            assert_eq!(parsed.segments.len(), i + 1);
            assert_eq!(parsed.playlist_type, Some(MediaPlaylistType::Event));
            assert!(!parsed.end_list);
        }
        assert_eq!(text.matches("#EXT-X-MAP").count(), 2, "{text}");
        assert_eq!(text.matches("#EXT-X-GAP").count(), 1, "{text}");
    }

    #[test]
    fn a_recording_lists_every_segment_with_its_header_and_ends() {
        let inits = vec!["init.mp4".to_owned(), "init-1.mp4".to_owned()];
        let text = render(
            &inits,
            &[
                entry(0, 2000, Some(0), true),
                entry(1, 2100, Some(0), true),
                entry(2, 2000, None, false),
                entry(3, 1500, Some(1), true),
            ],
        );
        let text = String::from_utf8(text).expect("UTF-8");
        let parsed = m3u8_rs::parse_media_playlist_res(text.as_bytes()).expect("parses");
        assert_eq!(parsed.playlist_type, Some(MediaPlaylistType::Vod));
        assert!(parsed.end_list);
        assert_eq!(parsed.target_duration, 2, "2.1 s rounds to 2");
        let uris: Vec<&str> = parsed.segments.iter().map(|s| s.uri.as_str()).collect();
        assert_eq!(uris, ["0.m4s", "1.m4s", "2.m4s", "3.m4s"]);
        assert_eq!(
            parsed.segments[0].map.as_ref().map(|m| m.uri.as_str()),
            Some("init.mp4")
        );
        assert!(parsed.segments[1].map.is_none(), "the header is said once");
        assert_eq!(
            parsed.segments[3].map.as_ref().map(|m| m.uri.as_str()),
            Some("init-1.mp4"),
            "a new header is said before the first segment that needs it"
        );
        assert_eq!(text.matches("#EXT-X-GAP").count(), 1, "{text}");
        let total: f32 = parsed.segments.iter().map(|s| s.duration).sum();
        assert!((total - 7.6).abs() < 0.001, "{total}");
    }
}
