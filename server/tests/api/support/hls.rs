//! What a player and a media tool see in the output: ffprobe's durations and sizes, playlists'
//! segments, a rendition joined into one file.

use std::path::Path;

/// The CODECS the multivariant playlist `master` lists for the variant at `uri` (panics, with
/// the playlist, if it does not parse or lists none).
pub fn variant_codecs(master: &str, uri: &str) -> String {
    m3u8_rs::parse_master_playlist_res(master.as_bytes())
        .unwrap_or_else(|e| panic!("the multivariant playlist parses ({e:?}):\n{master}"))
        .variants
        .into_iter()
        .find(|v| v.uri == uri)
        .and_then(|v| v.codecs)
        .unwrap_or_else(|| panic!("{uri} is listed with CODECS:\n{master}"))
}

/// What ffprobe prints (CSV, no header) for `args` on `path`; panics unless it succeeds.
pub fn ffprobe(path: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("ffprobe")
        .args(["-v", "error"])
        .args(args)
        .args(["-of", "csv=p=0"])
        .arg(path)
        .output()
        .expect("ffprobe is installed");
    assert!(
        out.status.success(),
        "ffprobe {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The container duration ffprobe reads, in seconds.
pub fn ffprobe_duration(path: &Path) -> f64 {
    let text = ffprobe(path, &["-show_entries", "format=duration"]);
    text.trim()
        .parse()
        .unwrap_or_else(|_| panic!("ffprobe duration of {}: {text:?}", path.display()))
}

/// Width and height of the first video stream, after decoding it fully (errors fail the test).
pub fn ffprobe_decode_size(path: &Path) -> (u32, u32) {
    let decode = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-xerror", "-i"])
        .arg(path)
        .args(["-f", "null", "-"])
        .output()
        .expect("ffmpeg is installed");
    assert!(
        decode.status.success(),
        "{} decodes: {}",
        path.display(),
        String::from_utf8_lossy(&decode.stderr)
    );
    let text = ffprobe(
        path,
        &[
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=width,height",
        ],
    );
    let size: Vec<u32> = text
        .trim()
        .split(',')
        .map(|p| {
            p.parse()
                .unwrap_or_else(|_| panic!("ffprobe size of {}: {text:?}", path.display()))
        })
        .collect();
    match size[..] {
        [width, height] => (width, height),
        _ => panic!("ffprobe size of {}: {text:?}", path.display()),
    }
}

/// Keyframe presentation times (ms) of the first video stream of a file; panics if none.
pub fn keyframe_times(path: &Path) -> Vec<i64> {
    let text = ffprobe(
        path,
        &[
            "-select_streams",
            "v:0",
            "-show_entries",
            "packet=pts_time,flags",
        ],
    );
    let keyframes: Vec<i64> = text
        .lines()
        .filter(|l| l.contains('K'))
        .filter_map(|l| l.split(',').next()?.parse::<f64>().ok())
        .map(|t| (t * 1000.0).round() as i64)
        .collect();
    assert!(!keyframes.is_empty(), "{} has keyframes", path.display());
    keyframes
}

/// A media playlist's segments as (uri, duration).
pub fn segments(playlist: &str) -> Vec<(String, f32)> {
    match m3u8_rs::parse_media_playlist_res(playlist.as_bytes()) {
        Ok(p) => p
            .segments
            .into_iter()
            .map(|s| (s.uri, s.duration))
            .collect(),
        Err(e) => panic!("media playlist parses: {e:?}\n{playlist}"),
    }
}

/// The colour a player is told the first video stream is in, as ffprobe reads it (the `colr` box
/// or the VUI), in ffprobe's order: `range,space,transfer,primaries`.
pub fn ffprobe_colour_tags(path: &Path) -> String {
    ffprobe(
        path,
        &[
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=color_space,color_primaries,color_transfer,color_range",
        ],
    )
    .trim()
    .to_owned()
}

/// The mean Y, U and V of a 16x16 block at the picture's centre in the file's 20th frame, as
/// decoded (no conversion: the block is read in the stream's own YUV).
pub fn centre_yuv(path: &Path) -> [f64; 3] {
    let graph = format!(
        "movie={},select=eq(n\\,20),crop=16:16:(iw-16)/2:(ih-16)/2,signalstats",
        path.display()
    );
    let out = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-f", "lavfi", &graph, "-show_entries"])
        .arg("frame_tags=lavfi.signalstats.YAVG,lavfi.signalstats.UAVG,lavfi.signalstats.VAVG")
        .args(["-of", "csv=p=0"])
        .output()
        .expect("ffprobe is installed");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "ffprobe signalstats of {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let values: Vec<f64> = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_else(|| panic!("no frame 20 in {}", path.display()))
        .split(',')
        .map(|v| {
            v.trim()
                .parse()
                .unwrap_or_else(|_| panic!("signalstats: {text:?}"))
        })
        .collect();
    match values[..] {
        [y, u, v] => [y, u, v],
        _ => panic!("signalstats of {}: {text:?}", path.display()),
    }
}

/// The colour description in the first SPS's VUI (primaries, transfer, matrix code points), as
/// the bitstream itself carries it; `None` when the SPS has none.
pub fn vui_colour(path: &Path) -> Option<[u32; 3]> {
    let out = std::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-i"])
        .arg(path)
        .args([
            "-map",
            "0:v:0",
            "-c:v",
            "copy",
            "-bsf:v",
            "trace_headers",
            "-f",
            "null",
            "-",
        ])
        .output()
        .expect("ffmpeg is installed");
    assert!(
        out.status.success(),
        "trace_headers of {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let trace = String::from_utf8_lossy(&out.stderr);
    let code = |field: &str| {
        trace
            .lines()
            .find(|l| l.split_whitespace().nth(4) == Some(field))
            .and_then(|l| l.rsplit("= ").next())
            .and_then(|v| v.trim().parse().ok())
    };
    Some([
        code("colour_primaries")?,
        code("transfer_characteristics")?,
        code("matrix_coefficients")?,
    ])
}

/// The picture of `input` (a file, a URL, or with `lavfi` a filter graph) at `at` seconds,
/// shrunk to 32×18 RGB: enough to tell moments of a moving test pattern apart.
pub fn frame_at(input: &str, at: f64, lavfi: bool) -> Vec<u8> {
    let mut cmd = std::process::Command::new("ffmpeg");
    cmd.args(["-v", "error", "-nostdin"]);
    if lavfi {
        cmd.args(["-f", "lavfi"]);
    }
    let out = cmd
        .args(["-i", input, "-ss", &format!("{at:.3}")])
        .args(["-frames:v", "1", "-vf", "scale=32:18:flags=area"])
        .args(["-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        .output()
        .expect("ffmpeg is installed");
    assert!(
        out.status.success() && out.stdout.len() == 32 * 18 * 3,
        "a frame of {input} at {at} s: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Mean absolute difference of two pictures from [`frame_at`].
pub fn picture_distance(a: &[u8], b: &[u8]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| f64::from(x.abs_diff(*y)))
        .sum::<f64>()
        / a.len().max(1) as f64
}

/// The test pattern every `Clip` publishes (ffmpeg's `testsrc2`), as a lavfi input.
pub fn test_pattern(width: u32, height: u32) -> String {
    format!("testsrc2=size={width}x{height}:rate=30")
}
