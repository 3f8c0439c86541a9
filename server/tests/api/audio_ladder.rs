//! The audio ladder: each distinct `audio_kbps` of a preset is one AAC encode, offered as its own
//! audio group that the rungs asking for it name; `null` keeps the source's audio. A source whose
//! audio players cannot take (MP3) is transcoded to AAC instead of refused.

use crate::support::*;
use serde_json::json;
use std::path::Path;
use std::time::Duration;

/// One rendition of a recording's VOD joined into a file: its header and every segment.
async fn join_vod_rendition(app: &TestApp, base: &str, rendition: &str, to: &Path) {
    let playlist = app
        .get_text(&format!("{base}/{rendition}/playlist.m3u8"))
        .await;
    let media = m3u8_rs::parse_media_playlist_res(playlist.as_bytes())
        .unwrap_or_else(|e| panic!("{rendition} parses ({e:?}):\n{playlist}"));
    let init = media.segments[0]
        .map
        .as_ref()
        .expect("EXT-X-MAP")
        .uri
        .clone();
    let mut joined = app.get_bytes(&format!("{base}/{rendition}/{init}")).await;
    for segment in &media.segments {
        joined.extend(
            app.get_bytes(&format!("{base}/{rendition}/{}", segment.uri))
                .await,
        );
    }
    std::fs::write(to, joined).expect("write");
}

/// Bits per second of a file's audio, as ffprobe reads its packets (the container's own
/// bytes, a fragment header every part, left out).
fn bitrate(path: &Path) -> f64 {
    let sizes = ffprobe(
        path,
        &["-select_streams", "a", "-show_entries", "packet=size"],
    );
    let bytes: f64 = sizes
        .lines()
        .filter_map(|l| l.trim().parse::<f64>().ok())
        .sum();
    bytes * 8.0 / ffprobe_duration(path)
}

async fn two_audio_bitrates_body(backend: Backend) {
    let mut app = TestApp::builder().backend(backend).spawn().await;
    let admin = app.admin().await;
    let preset = app
        .as_user(&admin)
        .create_preset(json!({
        "name": "two audio bitrates", "passthrough": true, "segment_seconds": 1,
        "window_segments": 6, "renditions": [
            { "name": "360p", "width": 640, "height": 360, "fps": 30, "video_kbps": 800,
              "audio_kbps": 128, "speed_preset": "ultrafast", "profile": "main" },
            { "name": "180p", "width": 320, "height": 180, "fps": 30, "video_kbps": 300,
              "audio_kbps": 64, "speed_preset": "ultrafast", "profile": "main" }
        ]}))
        .await
        .assert_status(201);
    let olive = app.register_streamer("olive").await;
    let created = app
        .as_user(&olive)
        .create_room_with_preset("Audio ladder", preset["id"].as_str().expect("id"))
        .await;
    let publisher = app.publish_ffmpeg(&created.stream_key, Clip::small(6.0), &[]);
    let stream = app.wait_started().await;
    app.wait_playable(&stream).await;
    let master = app.get_text(&format!("/hls/{stream}/master.m3u8")).await;
    let parsed = m3u8_rs::parse_master_playlist_res(master.as_bytes())
        .unwrap_or_else(|e| panic!("parses ({e:?}):\n{master}"));
    let mut groups: Vec<&str> = parsed
        .alternatives
        .iter()
        .map(|a| a.group_id.as_str())
        .collect();
    groups.sort_unstable();
    assert_eq!(groups, ["audio", "audio-128k", "audio-64k"], "{master}");
    for (variant, group) in [
        ("source/playlist.m3u8", "audio"),
        ("360p/playlist.m3u8", "audio-128k"),
        ("180p/playlist.m3u8", "audio-64k"),
    ] {
        let v = parsed
            .variants
            .iter()
            .find(|v| v.uri == variant)
            .unwrap_or_else(|| panic!("{variant} listed:\n{master}"));
        assert_eq!(v.audio.as_deref(), Some(group), "{master}");
        assert!(
            v.codecs
                .as_deref()
                .is_some_and(|c| c.ends_with(",mp4a.40.2")),
            "{master}"
        );
    }
    let bandwidth = |uri: &str| {
        parsed
            .variants
            .iter()
            .find(|v| v.uri == uri)
            .map_or(0, |v| v.bandwidth)
    };
    assert!(
        bandwidth("180p/playlist.m3u8") >= 300_000 + 64_000,
        "BANDWIDTH counts the audio:\n{master}"
    );
    assert_published(publisher, Duration::from_secs(30)).await;
    app.wait_ended(&stream).await;

    let playback = app.anonymous().newest_replay(&created.id).await;
    let base = playback.trim_end_matches("/master.m3u8").to_owned();
    for (rendition, kbps) in [("audio-128k", 128.0), ("audio-64k", 64.0)] {
        let path = app.data_dir().join(format!("{rendition}.mp4"));
        join_vod_rendition(&app, &base, rendition, &path).await;
        let codec = ffprobe(&path, &["-show_entries", "stream=codec_name"]);
        assert_eq!(codec.trim(), "aac");
        let measured = bitrate(&path) / 1000.0;
        assert!(
            (measured - kbps).abs() <= kbps * 0.1,
            "{rendition}: {measured:.1} kbit/s"
        );
    }
    app.stop().await;
}

on_both_databases!(
    a_preset_with_two_audio_bitrates_makes_two_audio_groups,
    two_audio_bitrates_body
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_mp3_source_is_transcoded_to_aac_and_plays() {
    let mut app = TestApp::builder().spawn().await;
    let olive = app.register_streamer("olive").await;
    let created = app.as_user(&olive).create_room("MP3").await;
    // FLV takes MP3 at 44.1 kHz (not 48).
    let publisher = app.publish_ffmpeg(
        &created.stream_key,
        Clip::small(5.0),
        &["-c:a", "libmp3lame", "-b:a", "128k", "-ar", "44100"],
    );
    let stream = app.wait_started().await;
    app.wait_playable(&stream).await;
    let master = app.get_text(&format!("/hls/{stream}/master.m3u8")).await;
    assert!(master.contains("mp4a.40.2"), "AAC for players:\n{master}");
    assert_published(publisher, Duration::from_secs(30)).await;
    app.wait_ended(&stream).await;

    let playback = app.anonymous().newest_replay(&created.id).await;
    // The archive keeps the MP3 as it came; the replay plays it as AAC.
    let archive = app.archive(&stream);
    assert_eq!(
        ffprobe(
            &archive,
            &["-show_entries", "stream=codec_name", "-select_streams", "a"]
        )
        .trim(),
        "mp3"
    );
    let url = format!("{}{playback}", app.http);
    let streams = ffprobe(Path::new(&url), &["-show_entries", "stream=codec_name"]);
    let mut codecs: Vec<&str> = streams.split_whitespace().collect();
    codecs.sort_unstable();
    codecs.dedup();
    assert_eq!(codecs, ["aac", "h264"], "{streams}");
    let decoded = std::process::Command::new("ffmpeg")
        .args([
            "-v", "error", "-xerror", "-i", &url, "-map", "0:a:0", "-f", "null", "-",
        ])
        .output()
        .expect("ffmpeg");
    assert!(
        decoded.status.success(),
        "the replay's audio decodes: {}",
        String::from_utf8_lossy(&decoded.stderr)
    );
    let duration = ffprobe_duration(Path::new(&url));
    assert!((duration - 5.0).abs() <= 0.6, "{duration} s");
    app.stop().await;
}
