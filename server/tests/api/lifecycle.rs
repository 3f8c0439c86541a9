//! Who may publish, and how streams end: refusals, independence, drops and shutdown.

use crate::helpers::*;
use pipelines::EndReason;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_key_is_refused() {
    let mut app = TestApp::spawn().await;
    let publisher = app.publish_ffmpeg("not-a-valid-key-at-all", Clip::small(3.0), &[]);
    assert!(
        !finished_ok(publisher, Duration::from_secs(20)).await,
        "ffmpeg is turned away"
    );
    assert!(app.events.try_recv().is_err(), "no stream started");
    let body: serde_json::Value = app.get("/api/streams").await.json().await.expect("json");
    assert_eq!(body["streams"], serde_json::json!([]));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_publisher_on_a_live_key_is_refused() {
    let mut app = TestApp::spawn().await;
    let key = app.keys[0].clone();
    let first = app.publish_ffmpeg(&key, Clip::small(5.0), &[]);
    let id = app.wait_started().await;
    let second = app.publish_ffmpeg(&key, Clip::small(3.0), &[]);
    assert!(
        !finished_ok(second, Duration::from_secs(20)).await,
        "second publisher refused"
    );
    assert!(
        finished_ok(first, Duration::from_secs(30)).await,
        "first publisher unaffected"
    );
    let (reason, archive, _, _) = app.wait_ended(&id).await;
    assert_eq!(reason, EndReason::PublisherStopped);
    assert!((ffprobe_duration(&archive) - 5.0).abs() <= 0.5);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupted_stream_ends_with_an_error_while_another_keeps_playing() {
    let mut app = TestApp::spawn().await;
    let (good_key, bad_key) = (app.keys[0].clone(), app.keys[1].clone());
    let good = app.publish_ffmpeg(&good_key, Clip::small(6.0), &[]);
    let good_id = app.wait_started().await;
    // Clean for 1.5 s, then every 20th byte of every video packet is garbage.
    let bad = app.publish_ffmpeg(
        &bad_key,
        Clip::small(6.0),
        &["-bsf:v", "noise=amount=if(gt(n\\,45)\\,20\\,0)"],
    );
    let bad_id = app.wait_started().await;
    assert_ne!(good_id, bad_id);

    let (reason, bad_archive, bad_duration, finalized) = app.wait_ended(&bad_id).await;
    assert!(reason.is_error(), "corruption is an error: {reason:?}");
    assert!(finalized, "the broken stream's archive is still finalized");
    assert!(bad_duration >= Duration::from_secs(1));
    assert!(
        ffprobe_duration(&bad_archive) >= 1.0,
        "what arrived intact is kept"
    );
    let _ = finished_ok(bad, Duration::from_secs(5)).await;

    assert!(
        finished_ok(good, Duration::from_secs(30)).await,
        "healthy publisher unaffected"
    );
    let (reason, archive, _, _) = app.wait_ended(&good_id).await;
    assert_eq!(reason, EndReason::PublisherStopped);
    assert!((ffprobe_duration(&archive) - 6.0).abs() <= 0.5);
    let playlist = app
        .get_text(&format!("/hls/{good_id}/360p/playlist.m3u8"))
        .await;
    assert!(
        segments(&playlist).len() >= 5 && playlist.contains("#EXT-X-ENDLIST"),
        "{playlist}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abrupt_disconnect_still_finalizes_the_archive() {
    let mut app = TestApp::spawn().await;
    let key = app.keys[0].clone();
    let mut publisher = app.publish_ffmpeg(&key, Clip::small(30.0), &[]);
    let id = app.wait_started().await;
    app.wait_playable(&id).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    // SIGKILL: no FCUnpublish, no deleteStream, the TCP connection just goes away.
    publisher.start_kill().expect("kill ffmpeg");
    let _ = publisher.wait().await;
    let (reason, archive, duration, finalized) = app.wait_ended(&id).await;
    assert_eq!(reason, EndReason::ConnectionLost);
    assert!(finalized);
    let probed = ffprobe_duration(&archive);
    assert!(probed >= 2.0, "archive holds what was sent: {probed} s");
    assert!(
        (probed - duration.as_secs_f64()).abs() <= 0.5,
        "ffprobe {probed} s vs pushed {duration:?}"
    );
    let playlist = app
        .get_text(&format!("/hls/{id}/source/playlist.m3u8"))
        .await;
    assert!(playlist.contains("#EXT-X-ENDLIST"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_ends_live_streams_cleanly() {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let (http_port, rtmp_port) = (free_port(), free_port());
    let key = random_key();
    let mut server = server_command(data_dir.path(), http_port, rtmp_port)
        .env("LIVESTREAM_INGEST__STREAM_KEYS", &key)
        .spawn()
        .expect("server binary starts");
    let client = reqwest::Client::new();
    let streams_url = format!("http://127.0.0.1:{http_port}/api/streams");
    wait_until_up(&client, &format!("http://127.0.0.1:{http_port}")).await;
    let _publisher = publish_video_only(&format!("rtmp://127.0.0.1:{rtmp_port}/live/{key}"), 30);
    let mut id = None;
    for _ in 0..200 {
        let body: serde_json::Value = client
            .get(&streams_url)
            .send()
            .await
            .expect("GET")
            .json()
            .await
            .expect("json");
        if body["streams"][0]["playable"] == true {
            id = body["streams"][0]["id"].as_str().map(str::to_owned);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let id = id.expect("stream became playable");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let pid = server.id().expect("server pid").to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(30), server.wait())
        .await
        .expect("server exits")
        .expect("wait");
    assert!(status.success(), "graceful exit: {status}");
    let archive = data_dir.path().join("recordings").join(format!("{id}.mkv"));
    assert!(
        ffprobe_duration(&archive) >= 2.0,
        "archive finalized with its duration"
    );
    let playlist = std::fs::read_to_string(
        data_dir
            .path()
            .join("hls")
            .join(&id)
            .join("source/playlist.m3u8"),
    )
    .expect("playlist");
    assert!(playlist.contains("#EXT-X-ENDLIST"));
}
