//! Past broadcasts: every recording is also an HLS VOD of its live ladder, ready as the broadcast
//! ends, seekable, with a timeline preview and a poster, from disk or from object storage.

use crate::support::*;
use std::path::Path;
use std::time::Duration;

/// A recording's VOD, as a player walks it: the multivariant playlist, every media playlist
/// (VOD, ended, as long as the broadcast), every segment. Returns the media playlists' URIs.
async fn walk_vod(app: &TestApp, playback: &str, seconds: f64) -> Vec<String> {
    let master = app.get(playback).await;
    assert_eq!(master.status(), 200, "GET {playback}");
    assert_eq!(
        master.headers()["content-type"],
        "application/vnd.apple.mpegurl"
    );
    let master = master.text().await.expect("master");
    let parsed = m3u8_rs::parse_master_playlist_res(master.as_bytes())
        .unwrap_or_else(|e| panic!("the multivariant playlist parses ({e:?}):\n{master}"));
    let base = playback.rsplit_once('/').map_or("", |(b, _)| b).to_owned();
    let mut uris: Vec<String> = parsed.variants.iter().map(|v| v.uri.clone()).collect();
    uris.extend(parsed.alternatives.iter().filter_map(|a| a.uri.clone()));
    assert!(uris.len() >= 2, "a ladder and its audio:\n{master}");
    for uri in &uris {
        let url = format!("{base}/{uri}");
        let text = app.get_text(&url).await;
        let media = m3u8_rs::parse_media_playlist_res(text.as_bytes())
            .unwrap_or_else(|e| panic!("{url} parses ({e:?}):\n{text}"));
        assert_eq!(
            media.playlist_type,
            Some(m3u8_rs::MediaPlaylistType::Vod),
            "{text}"
        );
        assert!(media.end_list, "{text}");
        let total: f64 = media.segments.iter().map(|s| f64::from(s.duration)).sum();
        assert!(
            (total - seconds).abs() <= 0.6,
            "{url} lasts {total} s, the broadcast {seconds} s"
        );
        let folder = url.rsplit_once('/').map_or("", |(b, _)| b).to_owned();
        let init = media.segments[0]
            .map
            .as_ref()
            .expect("EXT-X-MAP")
            .uri
            .clone();
        let init = app.get(&format!("{folder}/{init}")).await;
        assert_eq!(init.status(), 200);
        assert_eq!(init.headers()["content-type"], "video/mp4");
        for segment in &media.segments {
            let got = app.get(&format!("{folder}/{}", segment.uri)).await;
            assert_eq!(got.status(), 200, "{folder}/{}", segment.uri);
            assert_eq!(got.headers()["content-type"], "video/iso.segment");
            assert!(got.headers()["cache-control"]
                .to_str()
                .unwrap_or_default()
                .contains("immutable"));
        }
    }
    uris
}

async fn a_broadcast_replays_body(backend: Backend) {
    let mut app = TestApp::builder().backend(backend).spawn().await;
    let olive = app.register_streamer("olive").await;
    let created = app.as_user(&olive).create_room("Replays").await;
    let publisher = app.publish_ffmpeg(&created.stream_key, Clip::small(8.0), &[]);
    let stream = app.wait_started().await;
    let during = app
        .anonymous()
        .recordings(&created.id)
        .await
        .assert_status(200);
    assert!(
        during[0]["playback_url"].is_null(),
        "no replay while recording: {during}"
    );
    assert_published(publisher, Duration::from_secs(30)).await;
    app.wait_ended(&stream).await;

    // Ready as the broadcast ends: no waiting, no processing.
    let list = app
        .anonymous()
        .recordings(&created.id)
        .await
        .assert_status(200);
    let recording = &list[0];
    assert_eq!(recording["status"], "complete", "{list}");
    let id = recording["id"].as_str().expect("id").to_owned();
    let playback = recording["playback_url"].as_str().expect("playback_url");
    assert_eq!(playback, format!("/vod/{id}/master.m3u8"));
    assert_eq!(
        recording["download_url"],
        format!("/api/recordings/{id}/file?download=true").as_str()
    );
    let uris = walk_vod(&app, playback, 8.0).await;
    assert!(uris.iter().any(|u| u == "source/playlist.m3u8"), "{uris:?}");
    assert!(uris.iter().any(|u| u == "audio/playlist.m3u8"), "{uris:?}");

    // A media tool reads it over HTTP as one seekable programme...
    let url = format!("{}{playback}", app.http);
    let duration = ffprobe_duration(Path::new(&url));
    assert!((duration - 8.0).abs() <= 0.6, "the VOD lasts {duration} s");
    // ...and a seek to 75 % shows the picture published 6 s in, not one a second either side.
    let shown = frame_at(&url, 6.0, false);
    let pattern = test_pattern(640, 360);
    let distance = |at: f64| picture_distance(&shown, &frame_at(&pattern, at, true));
    let (before, right, after) = (distance(5.0), distance(6.0), distance(7.0));
    assert!(
        right < before && right < after && right < 12.0,
        "the frame at 6 s is the published one: {before:.1} / {right:.1} / {after:.1}"
    );

    // The timeline preview: a WebVTT track whose cues point into JPEG sprite sheets.
    let vtt_url = recording["thumbnails_vtt_url"].as_str().expect("vtt url");
    let vtt = app.get(vtt_url).await;
    assert_eq!(vtt.status(), 200);
    assert_eq!(vtt.headers()["content-type"], "text/vtt; charset=utf-8");
    let vtt = vtt.text().await.expect("vtt");
    assert!(vtt.starts_with("WEBVTT\n"), "{vtt}");
    assert!(vtt.contains("00:00:00.000 --> 00:00:05."), "{vtt}");
    assert!(vtt.matches(" --> ").count() >= 2, "{vtt}");
    let cue = vtt
        .lines()
        .find(|l| l.contains("#xywh="))
        .expect("a cue names a tile");
    let (sprite, tile) = cue.split_once("#xywh=").expect("xywh");
    assert_eq!(tile, "0,0,160,90", "{vtt}");
    let sprite = app.get(&format!("/vod/{id}/{sprite}")).await;
    assert_eq!(sprite.status(), 200);
    assert_eq!(sprite.headers()["content-type"], "image/jpeg");
    let sprite_path = app.data_dir().join("sprite.jpg");
    std::fs::write(&sprite_path, sprite.bytes().await.expect("sprite")).expect("write");
    assert_eq!(
        ffprobe(
            &sprite_path,
            &[
                "-show_entries",
                "stream=width,height",
                "-select_streams",
                "v"
            ]
        )
        .trim(),
        "1600,90",
        "one row of ten 160×90 tiles"
    );
    let poster = recording["poster_url"].as_str().expect("poster url");
    let poster = app.get(poster).await;
    assert_eq!(poster.status(), 200);
    assert_eq!(poster.headers()["content-type"], "image/jpeg");
    assert_eq!(&poster.bytes().await.expect("poster")[..2], [0xff, 0xd8]);

    // Only the writer's own names are served.
    for (path, status) in [
        (format!("/vod/{id}/source/99999.m4s"), 404),
        (format!("/vod/{id}/..%2f..%2fetc%2fpasswd"), 404),
        (format!("/vod/{id}/archive.mkv"), 404),
        ("/vod/no-such-recording/master.m3u8".to_owned(), 404),
    ] {
        assert_eq!(app.get(&path).await.status(), status, "{path}");
    }

    // Deleting the recording deletes its replay.
    let vod_dir = ::hls::OutputLayout::new(app.data_dir()).vod(&stream);
    assert!(vod_dir.join("master.m3u8").exists());
    app.as_user(&olive)
        .delete_recording(&id)
        .await
        .assert_status(204);
    assert!(!vod_dir.exists(), "the VOD folder is removed");
    assert_eq!(app.get(playback).await.status(), 404);
    app.stop().await;
}

on_both_databases!(
    a_broadcast_replays_as_seekable_hls_vod,
    a_broadcast_replays_body
);

/// Once its room is deleted, what the room left (the replay, the archive, its clips, their
/// pages) is gone for everyone but its owner and admins: anonymous clients and other users get
/// 404 and cannot cut new clips, while the owner and an admin still reach each of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_rooms_replays_and_clips_are_only_for_its_owner_and_admins() {
    let mut app = TestApp::builder().spawn().await;
    let olive = app.register_streamer("olive").await;
    let vic = app.register_viewer("vic").await;
    let admin = app.admin().await;
    let created = app.as_user(&olive).create_room("Gone soon").await;
    let room = created.id.clone();
    let publisher = app.publish_ffmpeg(&created.stream_key, Clip::small(4.0), &[]);
    let stream = app.wait_started().await;
    assert_published(publisher, Duration::from_secs(30)).await;
    app.wait_ended(&stream).await;
    let recordings = app.anonymous().recordings(&room).await.assert_status(200);
    let recording = recordings[0]["id"].as_str().expect("id").to_owned();
    let clip = app
        .as_user(&vic)
        .post(
            &format!("/api/recordings/{recording}/clips"),
            Some(serde_json::json!({"start_seconds": 0.0, "duration_seconds": 2.0})),
        )
        .await
        .assert_status(201);
    let clip = clip["id"].as_str().expect("clip id").to_owned();
    let paths = [
        format!("/vod/{recording}/master.m3u8"),
        format!("/api/recordings/{recording}/file"),
        format!("/api/clips/{clip}"),
        format!("/api/clips/{clip}/file"),
    ];
    let status = async |token: Option<&str>, path: &str| {
        let mut request = app.client.get(format!("{}{path}", app.http));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("answered").status().as_u16()
    };
    for path in &paths {
        assert_eq!(status(None, path).await, 200, "{path} before");
    }
    app.as_user(&olive)
        .delete(&format!("/api/rooms/{room}"))
        .await
        .assert_status(204);
    for path in &paths {
        assert_eq!(status(None, path).await, 404, "{path}, anonymous");
        assert_eq!(
            status(Some(&vic.token), path).await,
            404,
            "{path}, another user"
        );
        assert_eq!(
            status(Some(&olive.token), path).await,
            200,
            "{path}, its owner"
        );
        assert_eq!(
            status(Some(&admin.token), path).await,
            200,
            "{path}, an admin"
        );
    }
    let cut = app
        .as_user(&vic)
        .post(
            &format!("/api/recordings/{recording}/clips"),
            Some(serde_json::json!({"start_seconds": 0.0, "duration_seconds": 2.0})),
        )
        .await;
    assert_eq!(cut.status, 404, "{cut}");
    let page = app.get(&format!("/clips/{clip}")).await;
    let html = page.text().await.expect("page");
    assert!(
        !html.contains("og:video"),
        "no preview of a deleted room's clip: {html}"
    );
    app.stop().await;
}
