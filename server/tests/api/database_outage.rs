//! MariaDB restarts during a broadcast: the stream keeps playing, the API answers 503
//! `unavailable` while the database is away and recovers by itself when it is back, and the
//! broadcast's recording row, ended during the outage, is complete once the database returns.

use crate::support::private_mariadb::PrivateMariadb;
use crate::support::*;
use engine::EndReason;
use media::StreamId;
use reqwest::Method;
use std::time::Duration;

/// How many segments the stream's first rendition has produced so far (media sequence plus the
/// segments listed), read like a player would.
async fn segments_produced(app: &TestApp, stream: &StreamId) -> u64 {
    let master = app.get_text(&format!("/hls/{stream}/master.m3u8")).await;
    let master =
        m3u8_rs::parse_master_playlist_res(master.as_bytes()).expect("master playlist parses");
    let variant = &master.variants.first().expect("a variant").uri;
    let text = app.get_text(&format!("/hls/{stream}/{variant}")).await;
    let playlist =
        m3u8_rs::parse_media_playlist_res(text.as_bytes()).expect("media playlist parses");
    playlist.media_sequence + playlist.segments.len() as u64
}

/// Asserts a 503 with code `unavailable`, a `Retry-After` and the JSON error shape.
async fn assert_unavailable(app: &TestApp, method: Method, path: &str, token: Option<&str>) {
    let body = (path == "/api/auth/login")
        .then(|| serde_json::json!({ "username": "olive", "password": PASSWORD }));
    let response = app.call(method.clone(), path, token, body).await;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u32>().ok());
    let text = response.text().await.expect("body");
    assert_eq!(
        status, 503,
        "{method} {path} while the database is away: {text}"
    );
    let body: serde_json::Value = serde_json::from_str(&text).expect("a JSON error body");
    assert_eq!(
        body["error"]["code"], "unavailable",
        "{method} {path}: {body}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(
        retry_after.is_some_and(|s| s > 0),
        "{method} {path}: Retry-After in seconds"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_restart_mid_broadcast_loses_neither_the_stream_nor_its_recording() {
    let mut mariadb = PrivateMariadb::start().await;
    let url = mariadb.url();
    let mut app = TestApp::builder()
        .settings(move |s| {
            s.database.url = url;
            s.database.connect_timeout_seconds = 1;
        })
        .spawn()
        .await;
    let olive = app.register_streamer("olive").await;
    let created = app.as_user(&olive).create_room("Through the outage").await;
    let (room, key) = (created.id, created.stream_key);

    // Long enough to outlast the outage: the publisher is stopped by the test.
    let publisher = app.publish_ffmpeg(&key, Clip::small(300.0), &[]);
    let stream = app.wait_started().await;
    app.wait_playable(&stream).await;
    let shown = app.anonymous().room(&room).await.assert_status(200);
    assert_eq!(shown["live"]["stream_id"], stream.as_str(), "{shown}");
    let list = app.anonymous().recordings(&room).await.assert_status(200);
    assert_eq!(list[0]["status"], "recording", "{list}");

    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200, "ready while the database answers");

    // The database goes away.
    mariadb.stop().await;
    let alive = app.get("/healthz").await;
    assert_eq!(alive.status(), 200, "alive without the database");
    assert_unavailable(&app, Method::GET, "/readyz", None).await;
    for (method, path, token) in [
        (Method::GET, format!("/api/rooms/{room}"), None),
        (Method::GET, format!("/api/rooms/{room}/recordings"), None),
        (Method::GET, "/api/rooms".to_owned(), None),
        (
            Method::GET,
            "/api/auth/me".to_owned(),
            Some(olive.token.as_str()),
        ),
        (Method::POST, "/api/auth/login".to_owned(), None),
    ] {
        assert_unavailable(&app, method, &path, token).await;
    }
    // A new publisher cannot be checked, so it is refused, with a reason.
    let newcomer = app.publish_ffmpeg(&key, Clip::small(5.0), &[]);
    assert_refused_with(
        newcomer,
        Duration::from_secs(30),
        "publishing is temporarily unavailable",
    )
    .await;
    // What does not need the database still answers: the live view and the stream itself.
    let streams = app.anonymous().streams().await.assert_status(200);
    assert_eq!(streams["streams"][0]["id"], stream.as_str(), "{streams}");
    let before = segments_produced(&app, &stream).await;
    let mut now = before;
    for _ in 0..300 {
        now = segments_produced(&app, &stream).await;
        if now >= before + 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        now >= before + 3,
        "new segments keep coming while the database is away: {before} then {now}"
    );

    // The streamer ends the broadcast while the database is still away.
    let pid = publisher.id().expect("publisher pid").to_string();
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill runs");
    assert!(interrupted.success(), "kill -INT ffmpeg");
    let (reason, _, duration, finalized) = app.wait_ended(&stream).await;
    assert_eq!(reason, EndReason::PublisherStopped);
    assert!(finalized, "the archive is finalized without the database");
    let _ = run_to_end(publisher, Duration::from_secs(10)).await;
    assert_unavailable(
        &app,
        Method::GET,
        &format!("/api/rooms/{room}/recordings"),
        None,
    )
    .await;

    // The database comes back: the API recovers by itself, and the end written meanwhile lands.
    mariadb.resume().await;
    let mut recording = serde_json::Value::Null;
    for _ in 0..300 {
        let Reply {
            status, body: list, ..
        } = app.anonymous().recordings(&room).await;
        match status {
            200 if list[0]["status"] == "complete" => {
                recording = list[0].clone();
                break;
            }
            200 => assert_eq!(list[0]["status"], "recording", "{list}"),
            503 => assert_eq!(list["error"]["code"], "unavailable", "{list}"),
            other => panic!("recordings while the database comes back: {other} {list}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        recording["status"], "complete",
        "the recording row is complete once the database is back"
    );
    assert_eq!(recording["end_reason"], "publisher_stopped", "{recording}");
    let started_at = recording["started_at"].as_i64().expect("started_at");
    let ended_at = recording["ended_at"].as_i64().expect("ended_at");
    assert!(ended_at > started_at, "{recording}");
    let duration_ms = recording["duration_ms"].as_i64().expect("duration_ms");
    assert_eq!(
        duration_ms,
        duration.as_millis() as i64,
        "the row has the archive's duration"
    );
    assert!(
        recording["bytes"].as_i64().expect("bytes") > 10_000,
        "{recording}"
    );

    let shown = app.anonymous().room(&room).await.assert_status(200);
    assert_eq!(
        shown["live"],
        serde_json::Value::Null,
        "no longer live: {shown}"
    );
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200, "ready again once the database is back");
    let me = app.as_user(&olive).me().await;
    assert_eq!(me.status, 200, "the same session works again: {me}");
    app.login("olive").await;
    app.stop().await;
}
