//! Who may publish, and how streams end: refusals, independence, drops and shutdown.

use crate::support::*;
use engine::EndReason;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_key_is_refused() {
    let mut app = TestApp::builder().spawn().await;
    // A clip far longer than the limit: only a refusal ends it in time.
    let publisher = app.publish_ffmpeg("not-a-valid-key-at-all", Clip::small(30.0), &[]);
    assert_refused_with(publisher, Duration::from_secs(10), "unknown stream key").await;
    assert!(
        matches!(
            app.events.try_recv(),
            Err(tokio::sync::broadcast::error::TryRecvError::Empty)
        ),
        "no stream started"
    );
    let streams = app.get("/api/streams").await;
    assert_eq!(streams.status(), 200);
    let body: serde_json::Value = streams.json().await.expect("json");
    assert_eq!(body["streams"], serde_json::json!([]));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_publisher_on_a_live_key_is_refused() {
    let mut app = TestApp::builder().spawn().await;
    let key = app.keys[0].clone();
    let first = app.publish_ffmpeg(&key, Clip::small(8.0), &[]);
    let id = app.wait_started().await;
    // Longer than the limit, so a second publisher that is accepted (or queued, or left
    // hanging) is still running at the limit and fails the check.
    let second = app.publish_ffmpeg(&key, Clip::small(30.0), &[]);
    assert_refused_with(
        second,
        Duration::from_secs(10),
        "this stream key is already live",
    )
    .await;
    assert_published(first, Duration::from_secs(30)).await;
    let (reason, archive, _, _) = app.wait_ended(&id).await;
    assert_eq!(reason, EndReason::PublisherStopped);
    let duration = ffprobe_duration(&archive);
    assert!((duration - 8.0).abs() <= 0.5, "archive lasts {duration} s");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupted_stream_ends_with_an_error_while_another_keeps_playing() {
    let mut app = TestApp::builder().spawn().await;
    let good_key = app.keys[0].clone();
    // The broken stream publishes to a room, whose recordings then tell how it ended.
    let olive = app.register_streamer("olive").await;
    let created = app.as_user(&olive).create_room("Shaky").await;
    let (room, bad_key) = (created.id, created.stream_key);
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
    let kind = serde_json::to_value(&reason).expect("reason serializes")["kind"].clone();
    let mut recordings = serde_json::Value::Null;
    for _ in 0..50 {
        let list = app.anonymous().recordings(&room).await.assert_status(200);
        assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
        recordings = list;
        if recordings[0]["status"] != "recording" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let row = &recordings[0];
    // The archive was finalized, so the row is complete; the error shows as its end reason.
    assert_eq!(
        (&row["status"], &row["end_reason"]),
        (&serde_json::json!("complete"), &kind),
        "{row}"
    );
    assert!(
        row["duration_ms"].as_i64().is_some_and(|ms| ms >= 1000),
        "{row}"
    );
    // The server ends the broken broadcast; whether ffmpeg notices before its clip ends depends
    // on timing, so only its exit is awaited.
    let _ = run_to_end(bad, Duration::from_secs(10)).await;

    assert_published(good, Duration::from_secs(30)).await;
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
    let mut app = TestApp::builder().spawn().await;
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
    let key = random_key();
    let mut server = RealServer::builder().stream_key(&key).spawn().await;
    let _publisher = publish_video_only(&server.rtmp_url(&key), 30);
    let mut id = None;
    for _ in 0..200 {
        let body = server.anonymous().streams().await.assert_status(200);
        if body["streams"][0]["playable"] == true {
            id = body["streams"][0]["id"].as_str().map(str::to_owned);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let id = id.expect("stream became playable");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let pid = server.child.id().expect("server pid").to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(30), server.child.wait())
        .await
        .expect("server exits")
        .expect("wait");
    assert!(status.success(), "graceful exit: {status}");
    let layout = ::hls::OutputLayout::new(server.data_dir());
    let stream = media::StreamId::parse(&id).expect("a stream id");
    let archive = layout.archive(&stream);
    assert!(
        ffprobe_duration(&archive) >= 2.0,
        "archive finalized with its duration"
    );
}
