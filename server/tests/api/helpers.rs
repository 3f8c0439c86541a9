//! `TestApp`: the whole server on free ports with its own data directory, plus publishers and
//! probes that act and look the way users and players do.

use livestream::configuration::Settings;
use livestream::startup::Application;
use pipelines::{EndReason, StreamEvent, StreamId};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

/// A running server for one test.
pub struct TestApp {
    pub http: String,
    pub rtmp_port: u16,
    pub data_dir: tempfile::TempDir,
    pub keys: Vec<String>,
    pub events: broadcast::Receiver<StreamEvent>,
    pub shutdown: CancellationToken,
    pub server: tokio::task::JoinHandle<anyhow::Result<()>>,
    pub client: reqwest::Client,
}

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

/// Settings for a test server: free ports, a fresh data dir, 1 s segments, two dev keys.
pub fn test_settings(data_dir: &Path) -> (Settings, Vec<String>) {
    let keys = vec![random_key(), random_key()];
    let mut settings = Settings::load(None).expect("default settings load");
    settings.http.port = 0;
    settings.http.host = "127.0.0.1".parse().expect("ip");
    settings.rtmp.port = 0;
    settings.rtmp.host = "127.0.0.1".parse().expect("ip");
    settings.storage.data_dir = data_dir.to_path_buf();
    settings.hls.segment_seconds = 1;
    settings.hls.window_segments = 10;
    settings.ingest.stream_keys = keys.clone();
    (settings, keys)
}

pub fn random_key() -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric.sample_string(&mut rand::rng(), 24)
}

impl TestApp {
    /// Starts the server and waits until it answers HTTP.
    pub async fn spawn() -> Self {
        livestream::telemetry::init();
        let data_dir = tempfile::tempdir().expect("temp dir");
        let (settings, keys) = test_settings(data_dir.path());
        let app = Application::build(settings).await.expect("app builds");
        let http = format!("http://127.0.0.1:{}", app.http_port());
        let rtmp_port = app.rtmp_port();
        let events = app.subscribe();
        let shutdown = app.shutdown_token();
        let server = tokio::spawn(app.run_until_stopped());
        let client = reqwest::Client::new();
        for _ in 0..100 {
            if client.get(format!("{http}/health")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Self {
            http,
            rtmp_port,
            data_dir,
            keys,
            events,
            shutdown,
            server,
            client,
        }
    }

    pub fn rtmp_url(&self, key: &str) -> String {
        format!("rtmp://127.0.0.1:{}/live/{key}", self.rtmp_port)
    }

    /// Publishes `clip` in real time with ffmpeg (libx264 + AAC, as OBS would send).
    pub fn publish_ffmpeg(&self, key: &str, clip: Clip, extra: &[&str]) -> Child {
        let mut cmd = Command::new("ffmpeg");
        cmd.args(["-hide_banner", "-loglevel", "error", "-nostdin", "-re"]);
        if clip.video {
            cmd.args([
                "-f",
                "lavfi",
                "-i",
                &format!("testsrc2=size={}x{}:rate=30", clip.width, clip.height),
            ]);
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
        cmd.args(["-f", "flv", &self.rtmp_url(key)]);
        cmd.stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        cmd.spawn()
            .expect("ffmpeg is installed (deploy/install-deps.sh)")
    }

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
            .stderr(Stdio::null())
            .kill_on_drop(true);
        cmd.spawn()
            .expect("gst-launch-1.0 is installed (deploy/install-deps.sh)")
    }

    /// Waits for the next event matching `pred`.
    pub async fn wait_for<F>(&mut self, what: &str, timeout: Duration, mut pred: F) -> StreamEvent
    where
        F: FnMut(&StreamEvent) -> bool,
    {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(remaining, self.events.recv()).await {
                Ok(Ok(event)) if pred(&event) => return event,
                Ok(Ok(_)) | Ok(Err(broadcast::error::RecvError::Lagged(_))) => continue,
                Ok(Err(e)) => panic!("event channel closed while waiting for {what}: {e}"),
                Err(_) => panic!("timed out after {timeout:?} waiting for {what}"),
            }
        }
    }

    /// Waits for a stream to start and returns its public id.
    pub async fn wait_started(&mut self) -> StreamId {
        match self
            .wait_for("stream start", Duration::from_secs(20), |e| {
                matches!(e, StreamEvent::Started { .. })
            })
            .await
        {
            StreamEvent::Started { stream_id, .. } => stream_id,
            _ => unreachable!(),
        }
    }

    pub async fn wait_playable(&mut self, id: &StreamId) {
        let id = id.clone();
        self.wait_for(
            "playable",
            Duration::from_secs(20),
            |e| matches!(e, StreamEvent::Playable { stream_id, .. } if *stream_id == id),
        )
        .await;
    }

    /// Waits for a stream to end; returns the reason and the archive path and duration.
    pub async fn wait_ended(&mut self, id: &StreamId) -> (EndReason, PathBuf, Duration, bool) {
        let id = id.clone();
        match self
            .wait_for(
                "stream end",
                Duration::from_secs(60),
                |e| matches!(e, StreamEvent::Ended { stream_id, .. } if *stream_id == id),
            )
            .await
        {
            StreamEvent::Ended {
                reason, archive, ..
            } => (reason, archive.path, archive.duration, archive.finalized),
            _ => unreachable!(),
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.http))
            .send()
            .await
            .expect("HTTP request")
    }

    pub async fn get_text(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert!(
            response.status().is_success(),
            "GET {path}: {}",
            response.status()
        );
        response.text().await.expect("body")
    }

    pub fn hls_dir(&self, id: &StreamId) -> PathBuf {
        self.data_dir.path().join("hls").join(id.as_str())
    }

    /// Shuts down like SIGTERM and waits for the server to return.
    pub async fn stop(self) {
        self.shutdown.cancel();
        let result = tokio::time::timeout(Duration::from_secs(30), self.server).await;
        assert!(
            matches!(result, Ok(Ok(Ok(())))),
            "server stopped cleanly: {result:?}"
        );
    }
}

/// Runs a child to completion (bounded) and returns whether it succeeded.
pub async fn finished_ok(mut child: Child, limit: Duration) -> bool {
    match tokio::time::timeout(limit, child.wait()).await {
        Ok(Ok(status)) => status.success(),
        _ => {
            let _ = child.kill().await;
            false
        }
    }
}

/// The container duration ffprobe reads, in seconds.
pub fn ffprobe_duration(path: &Path) -> f64 {
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format=duration",
            "-of",
            "csv=p=0",
        ])
        .arg(path)
        .output()
        .expect("ffprobe is installed");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("ffprobe duration of {}: {:?}", path.display(), out))
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
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=width,height",
            "-of",
            "csv=p=0",
        ])
        .arg(path)
        .output()
        .expect("ffprobe is installed");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text
        .trim()
        .split(',')
        .map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
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

/// Concatenates a rendition's init segment and media segments into one playable MP4.
pub fn join_rendition(dir: &Path, playlist: &str) -> PathBuf {
    let parsed =
        m3u8_rs::parse_media_playlist_res(playlist.as_bytes()).expect("media playlist parses");
    let init = parsed
        .segments
        .iter()
        .find_map(|s| s.map.as_ref().map(|m| m.uri.clone()))
        .expect("EXT-X-MAP present");
    let mut bytes = std::fs::read(dir.join(&init)).expect("init segment exists");
    for s in &parsed.segments {
        bytes.extend(std::fs::read(dir.join(&s.uri)).expect("segment exists"));
    }
    let out = dir.join("joined.mp4");
    std::fs::write(&out, bytes).expect("write joined");
    out
}
