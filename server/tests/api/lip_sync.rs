//! Every rung presents each frame at the source's time, the passthrough included, whatever the
//! source's B-frame delay. A clip with B-frames flashes white and beeps at the same instant every
//! second. On every rung, against the audio rendition, the flash and the beep keep the source's
//! offset, and every rung's first frame has the same timestamp.
//!
//! Times come from the boxes, read as ISO/IEC 14496-12 says (`support::fmp4`). ffmpeg only
//! decodes: it gives each frame's brightness in presentation order and the audio samples.

use crate::support::fmp4::Timeline;
use crate::support::hls::ffprobe;
use crate::support::*;
use std::path::Path;
use std::time::Duration;
use tokio::process::Command;

/// Frame rate and audio sample rate of the clip.
const FPS: u32 = 30;
const SAMPLE_RATE: u32 = 48_000;
const SECONDS: u32 = 4;

/// Encodes the clip: 640x360 black with one white frame a third of a second into every second
/// (frame 10 of each 30, a B-frame), and a 1 kHz beep starting on the same instant (sample
/// 16,000 of each 48,000). x264 always puts two B-frames between references, so each frame is
/// presented two frames after it is decoded.
async fn encode_flash_and_beep(path: &Path) {
    let video = format!(
        "color=c=black:s=640x360:r={FPS}:d={SECONDS},\
         drawbox=x=0:y=0:w=iw:h=ih:c=white:t=fill:enable='eq(mod(n,{FPS}),{})',format=yuv420p",
        FPS / 3
    );
    let audio = format!(
        "aevalsrc=exprs='if(between(mod(n,{SAMPLE_RATE}),{on},{off}),0.8*sin(2*PI*1000*n/{SAMPLE_RATE}),0)':s={SAMPLE_RATE}:d={SECONDS}",
        on = SAMPLE_RATE / 3,
        off = SAMPLE_RATE / 3 + SAMPLE_RATE / 20,
    );
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args(["-f", "lavfi", "-i", &video, "-f", "lavfi", "-i", &audio])
        .args(["-c:v", "libx264", "-preset", "veryfast", "-g", "30"])
        .args(["-x264-params", "bframes=2:b-adapt=0:scenecut=0"])
        .args(["-b:v", "500k", "-c:a", "aac", "-b:a", "96k", "-f", "flv"])
        .arg(path)
        .output()
        .await
        .expect("ffmpeg is installed (deploy/install-deps.sh)");
    assert!(
        out.status.success(),
        "encode the clip: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What ffmpeg writes to stdout for `args` (after `-i path`); panics unless it succeeds.
fn ffmpeg_stdout(path: &Path, args: &[&str]) -> Vec<u8> {
    let out = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-i"])
        .arg(path)
        .args(args)
        .arg("-")
        .output()
        .expect("ffmpeg is installed");
    assert!(
        out.status.success(),
        "ffmpeg on {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Each video frame's mean brightness, in presentation order, every frame decoded once.
fn frame_brightness(path: &Path) -> Vec<f64> {
    const SIDE: usize = 8;
    let raw = ffmpeg_stdout(
        path,
        &[
            "-map",
            "0:v:0",
            "-fps_mode",
            "passthrough",
            "-vf",
            "scale=8:8,format=gray",
            "-f",
            "rawvideo",
        ],
    );
    raw.chunks_exact(SIDE * SIDE)
        .map(|frame| frame.iter().map(|&p| f64::from(p)).sum::<f64>() / (SIDE * SIDE) as f64)
        .collect()
}

/// The first audio stream as mono 16-bit samples at its own rate, every sample decoded.
fn audio_samples(path: &Path) -> Vec<i16> {
    let raw = ffmpeg_stdout(
        path,
        &[
            "-map",
            "0:a:0",
            "-ac",
            "1",
            "-f",
            "s16le",
            "-c:a",
            "pcm_s16le",
        ],
    );
    raw.chunks_exact(2)
        .map(|s| i16::from_le_bytes([s[0], s[1]]))
        .collect()
}

/// When each flash starts: a frame brighter than mid-grey after one that is not.
fn flash_times(brightness: &[f64], presentation_seconds: &[f64]) -> Vec<f64> {
    assert_eq!(
        brightness.len(),
        presentation_seconds.len(),
        "every frame was decoded once"
    );
    let mut times = Vec::new();
    let mut lit = false;
    for (&b, &t) in brightness.iter().zip(presentation_seconds) {
        if b > 128.0 && !lit {
            times.push(t);
        }
        lit = b > 128.0;
    }
    times
}

/// When each beep starts: the first loud sample after at least half a second of quiet.
fn beep_times(samples: &[i16], first_sample_seconds: f64) -> Vec<f64> {
    let quiet_gap = (SAMPLE_RATE / 2) as usize;
    let mut times = Vec::new();
    let mut last_loud: Option<usize> = None;
    for (i, s) in samples.iter().enumerate() {
        if s.unsigned_abs() > 3_000 {
            if last_loud.is_none_or(|l| i - l > quiet_gap) {
                times.push(first_sample_seconds + i as f64 / f64::from(SAMPLE_RATE));
            }
            last_loud = Some(i);
        }
    }
    times
}

/// Each flash's beep minus the flash, in seconds, pairing a flash with the beep nearest to it.
fn offsets(flashes: &[f64], beeps: &[f64]) -> Vec<f64> {
    flashes
        .iter()
        .map(|&f| {
            beeps
                .iter()
                .map(|&b| b - f)
                .min_by(|a, b| a.abs().total_cmp(&b.abs()))
                .expect("beeps were heard")
        })
        .collect()
}

/// The source's presentation times from its FLV tags, sorted: the timeline every rung must keep.
fn flv_presentation_seconds(path: &Path, stream: &str) -> Vec<f64> {
    let text = ffprobe(
        path,
        &[
            "-select_streams",
            stream,
            "-show_entries",
            "packet=pts_time",
        ],
    );
    let mut times: Vec<f64> = text
        .lines()
        .map(|l| l.trim().trim_end_matches(',').parse().expect("a time"))
        .collect();
    times.sort_by(f64::total_cmp);
    times
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rung_keeps_the_sources_lip_sync_and_start_time() {
    let work = tempfile::tempdir().expect("temp dir");
    let clip = work.path().join("flash-and-beep.flv");
    encode_flash_and_beep(&clip).await;

    // The source's own offset between each flash and its beep.
    let source_video = flv_presentation_seconds(&clip, "v:0");
    let source_audio = flv_presentation_seconds(&clip, "a:0");
    let source_samples = audio_samples(&clip);
    let source_flashes = flash_times(&frame_brightness(&clip), &source_video);
    let source_beeps = beep_times(&source_samples, source_audio[0]);
    assert_eq!(
        source_flashes.len(),
        SECONDS as usize,
        "one flash a second in the source: {source_flashes:?}"
    );
    let source_offsets = offsets(&source_flashes, &source_beeps);

    let mut app = TestApp::builder().spawn().await;
    let key = app.keys[0].clone();
    let publisher = publish_file(&app.rtmp_url(&key), &clip);
    let id = app.wait_started().await;
    assert_published(publisher, Duration::from_secs(30)).await;
    app.wait_ended(&id).await;

    let master = app.get_text(&format!("/hls/{id}/master.m3u8")).await;
    let parsed = m3u8_rs::parse_master_playlist_res(master.as_bytes()).expect("it parses");
    let audio_uri = parsed
        .alternatives
        .iter()
        .find_map(|a| a.uri.clone())
        .unwrap_or_else(|| panic!("an audio rendition:\n{master}"));

    let (audio, _) = app.join_rendition(&id, &audio_uri).await;
    let audio_timeline = Timeline::read(&audio);
    assert_eq!(
        audio_timeline.timescale, SAMPLE_RATE,
        "audio ticks are samples"
    );
    let samples = audio_samples(&audio);
    assert_eq!(
        samples.len(),
        audio_timeline.presentation_ticks.len() * 1024,
        "every AAC frame of the audio rendition decodes to 1024 samples"
    );
    let beeps = beep_times(&samples, audio_timeline.start_seconds());

    let mut starts = Vec::new();
    for variant in &parsed.variants {
        let (joined, _) = app.join_rendition(&id, &variant.uri).await;
        let timeline = Timeline::read(&joined);
        let flashes = flash_times(&frame_brightness(&joined), &timeline.presentation_seconds());
        let rung_offsets = offsets(&flashes, &beeps);
        assert_eq!(
            rung_offsets.len(),
            source_offsets.len(),
            "{}: every flash of the source is shown ({flashes:?})",
            variant.uri
        );
        for (second, (got, want)) in rung_offsets.iter().zip(&source_offsets).enumerate() {
            assert!(
                (got - want).abs() <= 0.010,
                "{} at second {second}: beep - flash is {:.1} ms, the source's {:.1} ms \
                 (rung: {rung_offsets:?}, source: {source_offsets:?})",
                variant.uri,
                got * 1e3,
                want * 1e3
            );
        }
        starts.push((variant.uri.clone(), timeline.start_seconds()));
    }
    assert!(
        starts.len() >= 2,
        "a passthrough and a transcoded rung: {starts:?}"
    );
    let (_, first) = &starts[0];
    for (uri, start) in &starts {
        assert!(
            (start - first).abs() < 0.001,
            "{uri}'s first frame is presented at {start:.4} s, not with the others: {starts:?}"
        );
    }
}
