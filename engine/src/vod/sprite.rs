//! The timeline preview: small tiles laid out in JPEG sprite sheets, and the WebVTT thumbnails
//! track that says which part of which sheet shows which moment (`sprite-0.jpg#xywh=160,0,160,90`).
//!
//! One sheet is held at a time (10 × 10 tiles of 160 px, about 2 MB of raw I420); a full one is
//! encoded and written at once.

use gst::prelude::*;
use gst_video::prelude::*;
use hls::layout::{sprite_file, THUMBNAILS_VTT_FILE};
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

/// Width of a preview tile.
pub const TILE_WIDTH: u32 = 160;
/// Tiles per sheet row, and rows per sheet.
pub const TILES_PER_ROW: u32 = 10;
const ROWS_PER_SHEET: u32 = 10;

/// Why a tile or a sheet is left out.
#[derive(Debug, thiserror::Error)]
pub(super) enum SpriteError {
    #[error("the tile is not raw I420 video")]
    Format,
    #[error("the tile's size changed mid-stream")]
    SizeChanged,
    #[error("JPEG encoding: {0}")]
    Encode(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

struct Cue {
    start: Duration,
    sheet: usize,
    slot: u32,
}

/// The sheets of one recording.
#[derive(Default)]
pub(super) struct Sprites {
    tile: Option<(u32, u32)>,
    /// The sheet being filled (I420, [`TILES_PER_ROW`] × [`ROWS_PER_SHEET`] tiles) and how many
    /// tiles it holds.
    sheet: Vec<u8>,
    filled: u32,
    written: usize,
    cues: Vec<Cue>,
}

impl Sprites {
    /// Adds a tile taken at `pts`; writes the sheet when it is full.
    pub(super) fn add(
        &mut self,
        dir: &Path,
        pts: Duration,
        sample: &gst::Sample,
    ) -> Result<(), SpriteError> {
        let caps = sample.caps().ok_or(SpriteError::Format)?;
        let info = gst_video::VideoInfo::from_caps(caps).map_err(|_| SpriteError::Format)?;
        if info.format() != gst_video::VideoFormat::I420 {
            return Err(SpriteError::Format);
        }
        let size = (info.width() & !1, info.height() & !1);
        if *self.tile.get_or_insert(size) != size {
            return Err(SpriteError::SizeChanged);
        }
        if self.cues.last().is_some_and(|c| pts <= c.start) {
            return Ok(());
        }
        let buffer = sample.buffer().ok_or(SpriteError::Format)?;
        let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(buffer, &info)
            .map_err(|_| SpriteError::Format)?;
        if self.sheet.is_empty() {
            self.sheet = blank(size);
        }
        let (tw, th) = size;
        let (sheet_w, sheet_h) = (tw * TILES_PER_ROW, th * ROWS_PER_SHEET);
        let (col, row) = (self.filled % TILES_PER_ROW, self.filled / TILES_PER_ROW);
        let mut offset = 0usize;
        for plane in 0..3u32 {
            let shift = u32::from(plane > 0);
            let (w, h) = (tw >> shift, th >> shift);
            let (pw, ph) = (sheet_w >> shift, sheet_h >> shift);
            let data = frame.plane_data(plane).map_err(|_| SpriteError::Format)?;
            let stride = frame.plane_stride()[plane as usize] as usize;
            for y in 0..h {
                let from = y as usize * stride;
                let to = offset + ((row * h + y) * pw + col * w) as usize;
                let line = data
                    .get(from..from + w as usize)
                    .ok_or(SpriteError::Format)?;
                self.sheet[to..to + w as usize].copy_from_slice(line);
            }
            offset += (pw * ph) as usize;
        }
        self.cues.push(Cue {
            start: pts,
            sheet: self.written,
            slot: self.filled,
        });
        self.filled += 1;
        if self.filled == TILES_PER_ROW * ROWS_PER_SHEET {
            self.write_sheet(dir)?;
        }
        Ok(())
    }

    /// Writes the sheet being filled, cut to the rows it uses.
    fn write_sheet(&mut self, dir: &Path) -> Result<(), SpriteError> {
        let Some((tw, th)) = self.tile.filter(|_| self.filled > 0) else {
            return Ok(());
        };
        let rows = self.filled.div_ceil(TILES_PER_ROW);
        let (sheet_w, sheet_h) = (tw * TILES_PER_ROW, th * ROWS_PER_SHEET);
        let used_h = th * rows;
        // Keep the first `used_h` lines of each plane.
        let mut raw = Vec::with_capacity((sheet_w * used_h * 3 / 2) as usize);
        let mut offset = 0usize;
        for plane in 0..3u32 {
            let shift = u32::from(plane > 0);
            let (pw, ph) = (sheet_w >> shift, sheet_h >> shift);
            raw.extend_from_slice(&self.sheet[offset..offset + (pw * (used_h >> shift)) as usize]);
            offset += (pw * ph) as usize;
        }
        let jpeg = encode_jpeg(raw, sheet_w, used_h)?;
        std::fs::write(dir.join(sprite_file(self.written)), jpeg)?;
        self.written += 1;
        self.filled = 0;
        self.sheet.clear();
        Ok(())
    }

    /// Writes the last sheet and the thumbnails track; the last cue lasts until `end`.
    pub(super) fn finish(&mut self, dir: &Path, end: Duration) -> Result<(), SpriteError> {
        let Some((tw, th)) = self.tile else {
            return Ok(());
        };
        self.write_sheet(dir)?;
        let mut vtt = String::from("WEBVTT\n");
        for (i, cue) in self.cues.iter().enumerate() {
            let until = self
                .cues
                .get(i + 1)
                .map_or(end.max(cue.start + Duration::from_secs(1)), |c| c.start);
            let (x, y) = (
                (cue.slot % TILES_PER_ROW) * tw,
                (cue.slot / TILES_PER_ROW) * th,
            );
            let _ = write!(
                vtt,
                "\n{} --> {}\n{}#xywh={x},{y},{tw},{th}\n",
                timestamp(cue.start),
                timestamp(until),
                sprite_file(cue.sheet)
            );
        }
        std::fs::write(dir.join(THUMBNAILS_VTT_FILE), vtt)?;
        Ok(())
    }
}

/// A black I420 sheet.
fn blank((tw, th): (u32, u32)) -> Vec<u8> {
    let luma = (tw * TILES_PER_ROW * th * ROWS_PER_SHEET) as usize;
    let mut sheet = vec![16u8; luma];
    sheet.resize(luma + luma / 2, 128);
    sheet
}

/// `hh:mm:ss.mmm`, as WebVTT writes a cue time.
fn timestamp(t: Duration) -> String {
    let ms = t.as_millis();
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// Encodes one raw I420 picture as JPEG with GStreamer's `jpegenc`.
fn encode_jpeg(raw: Vec<u8>, width: u32, height: u32) -> Result<Vec<u8>, SpriteError> {
    let fail = |e: &dyn std::fmt::Display| SpriteError::Encode(e.to_string());
    let info = gst_video::VideoInfo::builder(gst_video::VideoFormat::I420, width, height)
        .fps(gst::Fraction::new(0, 1))
        .build()
        .map_err(|e| fail(&e))?;
    let caps = info.to_caps().map_err(|e| fail(&e))?;
    let src = gst_app::AppSrc::builder()
        .caps(&caps)
        .format(gst::Format::Time)
        .build();
    let encoder = gst::ElementFactory::make("jpegenc")
        .property("quality", 75i32)
        .build()
        .map_err(|e| fail(&e))?;
    let sink = gst_app::AppSink::builder().sync(false).build();
    let pipeline = gst::Pipeline::new();
    pipeline
        .add_many([src.upcast_ref(), &encoder, sink.upcast_ref()])
        .map_err(|e| fail(&e))?;
    gst::Element::link_many([src.upcast_ref(), &encoder, sink.upcast_ref()])
        .map_err(|e| fail(&e))?;
    let result = (|| {
        pipeline
            .set_state(gst::State::Playing)
            .map_err(|e| fail(&e))?;
        let mut buffer = gst::Buffer::from_mut_slice(raw);
        if let Some(b) = buffer.get_mut() {
            b.set_pts(gst::ClockTime::ZERO);
        }
        src.push_buffer(buffer).map_err(|e| fail(&e))?;
        let _ = src.end_of_stream();
        let sample = sink
            .try_pull_sample(gst::ClockTime::from_seconds(10))
            .ok_or_else(|| SpriteError::Encode("jpegenc produced nothing".into()))?;
        let map = sample
            .buffer()
            .and_then(|b| b.map_readable().ok())
            .ok_or_else(|| SpriteError::Encode("unreadable output".into()))?;
        Ok(map.as_slice().to_vec())
    })();
    let _ = pipeline.set_state(gst::State::Null);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A raw I420 tile of `w` × `h` whose luma is `y`.
    fn tile(w: u32, h: u32, y: u8) -> gst::Sample {
        let info = gst_video::VideoInfo::builder(gst_video::VideoFormat::I420, w, h)
            .build()
            .expect("info");
        let mut data = vec![y; info.size()];
        let luma = (w * h) as usize;
        data[luma..].fill(128);
        gst::Sample::builder()
            .caps(&info.to_caps().expect("caps"))
            .buffer(&gst::Buffer::from_mut_slice(data))
            .build()
    }

    #[test]
    fn tiles_become_sheets_and_a_thumbnails_track_that_points_into_them() {
        crate::init().expect("GStreamer initialises");
        let dir = std::env::temp_dir().join(format!("vod-sprite-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let mut sprites = Sprites::default();
        // 101 tiles: one full sheet, and one tile on a second.
        for i in 0..101u64 {
            sprites
                .add(
                    &dir,
                    Duration::from_secs(5 * i),
                    &tile(160, 90, (i % 200) as u8 + 16),
                )
                .expect("tile added");
        }
        sprites
            .finish(&dir, Duration::from_secs(507))
            .expect("finished");
        let vtt = std::fs::read_to_string(dir.join(THUMBNAILS_VTT_FILE)).expect("track");
        assert!(vtt.starts_with("WEBVTT\n"));
        assert_eq!(vtt.matches(" --> ").count(), 101);
        assert!(vtt.contains("00:00:00.000 --> 00:00:05.000\nsprite-0.jpg#xywh=0,0,160,90\n"));
        assert!(vtt.contains("00:00:55.000 --> 00:01:00.000\nsprite-0.jpg#xywh=160,90,160,90\n"));
        assert!(vtt.contains("00:08:20.000 --> 00:08:27.000\nsprite-1.jpg#xywh=0,0,160,90\n"));
        let first = std::fs::read(dir.join("sprite-0.jpg")).expect("first sheet");
        let second = std::fs::read(dir.join("sprite-1.jpg")).expect("second sheet");
        assert_eq!(&first[..2], [0xff, 0xd8], "JPEG");
        assert_eq!(&second[..2], [0xff, 0xd8], "JPEG");
        assert!(second.len() < first.len(), "the last sheet has one row");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_tile_of_another_size_or_format_is_refused() {
        crate::init().expect("GStreamer initialises");
        let dir = std::env::temp_dir();
        let mut sprites = Sprites::default();
        sprites
            .add(&dir, Duration::ZERO, &tile(160, 90, 50))
            .expect("first tile");
        assert!(matches!(
            sprites.add(&dir, Duration::from_secs(5), &tile(160, 120, 50)),
            Err(SpriteError::SizeChanged)
        ));
    }
}
