//! A ladder heavier than the machine degrades instead of taking the stream down: the rungs drop
//! frames and say so, while the passthrough, the audio and the archive keep up and memory stays
//! bounded.

use crate::support::*;
use std::path::Path;
use std::time::Duration;

const KEY: &str = "overload-test-key";
const SECONDS: u32 = 12;

/// 1080p60 H.264 with AAC and temporal noise, encoded once ahead of time so publishing it costs
/// no CPU. The noise makes every rung cost what camera footage costs: the bare test pattern is
/// cheap enough that the ladder sometimes kept up on two cores once scaling got faster.
async fn heavy_clip(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("heavy.flv");
    encode_noisy_clip(&path, "1920x1080", 60, SECONDS, 8).await;
    path
}

/// Peak resident memory of process `pid`, from `/proc`.
fn peak_rss_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM");
    kib * 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ladder_heavier_than_the_machine_drops_frames_but_keeps_the_stream() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clip = heavy_clip(dir.path()).await;
    let mut server = RealServer::builder()
        .stream_key(KEY)
        .env("LIVESTREAM_HLS__WINDOW_SEGMENTS", "60")
        .env("LIVESTREAM_HLS__THUMBNAIL_SECONDS", "0")
        .spawn()
        .await;
    let pid = server.child.id().expect("pid");
    // One core for the server, whatever the machine has, so the ladder is surely heavier than
    // what it runs on (threads made later, the stream's among them, inherit this).
    let pinned = std::process::Command::new("taskset")
        .args(["-a", "-c", "-p", "0", &pid.to_string()])
        .stdout(std::process::Stdio::null())
        .status()
        .expect("taskset (util-linux) runs");
    assert!(pinned.success(), "the server was pinned to one core");

    // The default ladder on a 1080p60 source: four x264 encoders, more than two cores can run.
    let mut publisher = publish_file(&server.rtmp_url(KEY), &clip);
    let id = server.wait_live(1, Duration::from_secs(20)).await.remove(0);

    let mut most_dropped = 0u64;
    let mut source_behind_max = 0f64;
    let mut reports = 0;
    let published = loop {
        tokio::select! {
            status = publisher.wait() => break status.expect("publisher exit"),
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
        let response = server
            .client
            .get(format!("{}/api/streams", server.http))
            .send()
            .await
            .expect("GET /api/streams");
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.expect("json");
        let Some(stream) = body["streams"].as_array().and_then(|s| s.first()) else {
            continue;
        };
        let Some(renditions) = stream["stats"]["renditions"].as_array() else {
            continue;
        };
        assert!(!renditions.is_empty(), "stats list the renditions");
        reports += 1;
        for r in renditions {
            let dropped = r["dropped_frames"].as_u64().expect("dropped_frames");
            let behind = r["behind"].as_f64().expect("behind");
            if r["name"] == "source" {
                assert_eq!(dropped, 0, "the passthrough never drops");
                source_behind_max = source_behind_max.max(behind);
            } else {
                most_dropped = most_dropped.max(dropped);
            }
        }
    };
    assert!(
        published.success(),
        "the publisher was never held back into failing"
    );
    assert!(reports > 0, "health reports arrived while live");
    assert!(
        most_dropped > 0,
        "a ladder heavier than the machine drops frames and says so"
    );
    assert!(
        source_behind_max < 3.0,
        "the passthrough kept up (at most {source_behind_max} s behind)"
    );

    // The stream ends promptly and completely: every output closed, the archive whole.
    server.wait_live(0, Duration::from_secs(15)).await;
    let get = |path: String| {
        let client = server.client.clone();
        let url = format!("{}{path}", server.http);
        async move {
            let r = client.get(url).send().await.expect("GET");
            assert_eq!(r.status(), 200);
            r.text().await.expect("text")
        }
    };
    for rendition in ["source", "audio", "1080p", "720p", "480p", "360p"] {
        let playlist = get(format!("/hls/{id}/{rendition}/playlist.m3u8")).await;
        assert!(playlist.contains("#EXT-X-ENDLIST"), "{rendition} ended");
        if rendition == "source" || rendition == "audio" {
            let seconds: f32 = segments(&playlist).iter().map(|(_, d)| d).sum();
            assert!(
                (seconds - SECONDS as f32).abs() <= 1.5,
                "{rendition} has the whole broadcast: {seconds} s"
            );
        }
    }
    let archive = std::fs::read_dir(server.data_dir().join("recordings"))
        .expect("recordings dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "mkv"))
        .expect("an archive");
    assert!((ffprobe_duration(&archive) - f64::from(SECONDS)).abs() <= 0.5);

    // Raw frames are bounded by count, not by seconds: far below what queued frames reached
    // before (1.4 GB within 15 s).
    let peak = peak_rss_bytes(pid);
    eprintln!(
        "overload: {most_dropped} frames dropped by the worst rung, source at most {source_behind_max:.2} s behind, peak RSS {} MiB",
        peak / 1024 / 1024
    );
    assert!(
        peak < 600 * 1024 * 1024,
        "peak RSS {} MiB",
        peak / 1024 / 1024
    );
    server.assert_never_crashed();
}
