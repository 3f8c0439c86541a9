//! Publishers as a streamer would run them (ffmpeg with libx264 and AAC as OBS sends, GStreamer's
//! rtmp2sink, FFmpeg 8 through PyAV for Enhanced RTMP), and how they ended: published, refused, or still running at a limit.

use super::app::TestApp;
use super::hls::test_pattern;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};

/// A short generated clip to publish.
#[derive(Clone, Copy)]
pub struct Clip {
    pub width: u32,
    pub height: u32,
    pub seconds: f64,
    pub audio: bool,
    pub video: bool,
}

impl Clip {
    /// 640x360, 30 fps, 1 s GOP, AAC audio.
    pub fn small(seconds: f64) -> Self {
        Self {
            width: 640,
            height: 360,
            seconds,
            audio: true,
            video: true,
        }
    }
}

impl TestApp {
    /// Publishes `clip` in real time with ffmpeg (libx264 + AAC, as OBS would send). Its errors
    /// (`Server error: <the server's description>` for a refused publish) are kept for
    /// `run_to_end`.
    pub fn publish_ffmpeg(&self, key: &str, clip: Clip, extra: &[&str]) -> Child {
        self.publish_ffmpeg_to(&self.rtmp_url(key), clip, extra)
    }

    /// `publish_ffmpeg` to any RTMP URL.
    pub fn publish_ffmpeg_to(&self, url: &str, clip: Clip, extra: &[&str]) -> Child {
        publish_ffmpeg(url, clip, extra)
    }
}

/// Publishes `clip` in real time to the RTMP `url` with ffmpeg (libx264 + AAC, as OBS would
/// send), on any server. See `run_to_end`.
pub fn publish_ffmpeg(url: &str, clip: Clip, extra: &[&str]) -> Child {
    ffmpeg_publisher(url, "flv", clip, extra)
}

/// Publishes `clip` in real time as MPEG-TS over SRT with ffmpeg (Debian's has libsrt) to
/// `url` (`srt://host:port?streamid=...`).
pub fn publish_srt(url: &str, clip: Clip, extra: &[&str]) -> Child {
    ffmpeg_publisher(url, "mpegts", clip, extra)
}

/// The `srt://` URL of a caller presenting `stream_id` with `options` after it
/// (`&passphrase=...`). Debian's ffmpeg 5.1 takes the stream id as written (it does not
/// URL-decode it), so the Access Control form goes in literally.
pub fn srt_url(port: u16, stream_id: &str, options: &str) -> String {
    format!("srt://127.0.0.1:{port}?streamid={stream_id}{options}")
}

fn ffmpeg_publisher(url: &str, format: &str, clip: Clip, extra: &[&str]) -> Child {
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-hide_banner", "-loglevel", "error", "-nostdin", "-re"]);
    if clip.video {
        cmd.args(["-f", "lavfi", "-i", &test_pattern(clip.width, clip.height)]);
    }
    if clip.audio {
        cmd.args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]);
    }
    cmd.args(["-t", &clip.seconds.to_string()]);
    if clip.video {
        cmd.args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-tune",
            "zerolatency",
            "-g",
            "30",
            "-pix_fmt",
            "yuv420p",
            "-b:v",
            "1000k",
        ]);
    }
    if clip.audio {
        cmd.args(["-c:a", "aac", "-b:a", "96k"]);
    }
    cmd.args(extra);
    cmd.args(["-f", format, url]);
    cmd.stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd.spawn()
        .expect("ffmpeg is installed (deploy/install-deps.sh)")
}

impl TestApp {
    /// Publishes `clip` in real time with GStreamer's rtmp2sink.
    pub fn publish_rtmp2sink(&self, key: &str, clip: Clip) -> Child {
        let frames = (clip.seconds * 30.0) as u32;
        let buffers = (clip.seconds * 48000.0 / 1024.0) as u32;
        let pipeline = format!(
            "videotestsrc is-live=true num-buffers={frames} pattern=ball ! video/x-raw,format=I420,width={w},height={h},framerate=30/1 \
             ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 bitrate=1000 ! h264parse \
             ! flvmux name=mux streamable=true ! rtmp2sink location={url} \
             audiotestsrc is-live=true num-buffers={buffers} samplesperbuffer=1024 ! audio/x-raw,rate=48000,channels=2 \
             ! avenc_aac ! aacparse ! mux.",
            w = clip.width,
            h = clip.height,
            url = self.rtmp_url(key),
        );
        let mut cmd = Command::new("gst-launch-1.0");
        cmd.arg("-e").args(pipeline.split_whitespace());
        cmd.stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        cmd.spawn()
            .expect("gst-launch-1.0 is installed (deploy/install-deps.sh)")
    }
}

/// How a publisher (or any child process) ended, if it did, within a time limit.
#[derive(Debug)]
pub enum Exit {
    Succeeded,
    /// Exited with a failure; what it wrote to stderr, when that was piped.
    Failed {
        stderr: String,
    },
    /// Still running at the limit, then killed: never a refusal, never a success.
    StillRunning,
}

/// Publishes a media file as it is (`-c copy`), in real time, with ffmpeg: the published bytes
/// are the file's, so a test can compare what comes out with the file. See `run_to_end`.
pub fn publish_file(url: &str, path: &Path) -> Child {
    Command::from(testkit::publish::copy_to_rtmp(path, url, &[]))
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("ffmpeg is installed (deploy/install-deps.sh)")
}

/// Waits up to `limit` for `child` to exit (killing it at the limit) and says how it ended, with
/// what it wrote to stderr when that was piped.
pub async fn run_to_end(mut child: Child, limit: Duration) -> Exit {
    // Read stderr while waiting, so a chatty child never blocks on a full pipe.
    let stderr = child.stderr.take();
    let reader = tokio::spawn(async move {
        use tokio::io::AsyncReadExt;
        let mut text = String::new();
        if let Some(mut stderr) = stderr {
            let _ = stderr.read_to_string(&mut text).await;
        }
        text
    });
    match tokio::time::timeout(limit, child.wait()).await {
        Ok(status) => {
            let status = status.expect("wait for the child");
            if status.success() {
                return Exit::Succeeded;
            }
            let stderr = tokio::time::timeout(Duration::from_secs(5), reader)
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or_default();
            Exit::Failed { stderr }
        }
        Err(_) => {
            let _ = child.kill().await;
            reader.abort();
            Exit::StillRunning
        }
    }
}

/// Publishes `clip` in real time to the RTMP `url` as Enhanced RTMP, with `codec` (`hevc`,
/// libx265, or `av1`, libsvtav1) and AAC: FFmpeg 8's FLV muxer through PyAV, as OBS 29.1+ sends
/// HEVC and AV1 (`publish_enhanced.py`).
pub fn publish_enhanced(url: &str, codec: &str, clip: Clip) -> Child {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = root.join("target/tools/bin/python");
    let script = root.join("server/tests/api/support/publish_enhanced.py");
    Command::new(&python)
        .arg(script)
        .args([url, codec, &clip.seconds.to_string()])
        .args([clip.width.to_string(), clip.height.to_string()])
        .env("SVT_LOG", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "{} runs (PyAV, deploy/install-deps.sh): {e}",
                python.display()
            )
        })
}

/// Panics unless `child` exits successfully within `limit` (a publisher that sent everything).
pub async fn assert_published(child: Child, limit: Duration) {
    match run_to_end(child, limit).await {
        Exit::Succeeded => {}
        other => {
            panic!("the publisher should have finished successfully within {limit:?}: {other:?}")
        }
    }
}

/// Panics unless `child` exits with a failure within `limit`: the server turned it away or cut
/// it off. Returns its stderr. A publisher still running at the limit (a server that accepts and
/// hangs, or accepts and streams) fails this check.
pub async fn assert_refused(child: Child, limit: Duration) -> String {
    match run_to_end(child, limit).await {
        Exit::Failed { stderr } => stderr,
        other => panic!("the publisher should have been refused within {limit:?}: {other:?}"),
    }
}

/// Panics unless the publisher exits with a failure within `limit` after ffmpeg printed
/// `Server error: <description>`, the status text of the server's refusal.
pub async fn assert_refused_with(child: Child, limit: Duration, description: &str) {
    let stderr = assert_refused(child, limit).await;
    assert!(
        stderr.contains(&format!("Server error: {description}")),
        "the refusal says \"{description}\"; ffmpeg printed:\n{stderr}"
    );
}

/// ffmpeg publishing `seconds` of 360p video (no audio) in real time to `url`.
pub fn publish_video_only(url: &str, seconds: u32) -> Child {
    Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "quiet",
            "-nostdin",
            "-re",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=640x360:rate=30",
        ])
        .args([
            "-t",
            &seconds.to_string(),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-g",
            "30",
            "-pix_fmt",
            "yuv420p",
            "-f",
            "flv",
            url,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("ffmpeg is installed")
}

/// Encodes `seconds` of test picture (`size` at `rate` fps, a keyframe every `rate` frames) with
/// a tone into the FLV file `path`, once, so that publishing it later costs no encoding.
pub async fn encode_clip(path: &Path, size: &str, rate: u32, seconds: u32) {
    encode(path, size, rate, seconds, &[]).await;
}

/// As [`encode_clip`], with temporal noise at `mbps` Mbit/s: a picture that costs what camera
/// footage costs to decode and encode, unlike the test pattern alone.
pub async fn encode_noisy_clip(path: &Path, size: &str, rate: u32, seconds: u32, mbps: u32) {
    let bitrate = format!("{mbps}M");
    let buffer = format!("{}M", mbps * 2);
    let noise = [
        "-vf",
        "noise=alls=8:allf=t+u",
        "-b:v",
        &bitrate,
        "-maxrate",
        &bitrate,
        "-bufsize",
        &buffer,
    ];
    encode(path, size, rate, seconds, &noise).await;
}

async fn encode(path: &Path, size: &str, rate: u32, seconds: u32, video: &[&str]) {
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args([
            "-f",
            "lavfi",
            "-i",
            &format!("testsrc2=size={size}:rate={rate}"),
        ])
        .args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"])
        .args(video)
        .args([
            "-t",
            &seconds.to_string(),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
        ])
        .args([
            "-g",
            &rate.to_string(),
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-f",
            "flv",
        ])
        .arg(path)
        .status()
        .await
        .expect("ffmpeg runs");
    assert!(status.success(), "the {size} clip was encoded");
}
