//! Recordings: one row per broadcast, playable with Range, deletable, and repaired after a crash.

use crate::helpers::*;
use reqwest::Method;
use std::time::Duration;

async fn recordings(backend: Backend) {
    let mut app = TestApp::spawn_on(backend).await;
    let (olive, _) = app.register("olive", "streamer").await;
    let (sam, _) = app.register("sam", "streamer").await;
    let (room, key) = app.create_room(&olive, "Olive").await;
    let publisher = app.publish_ffmpeg(&key, Clip::small(4.0), &[]);
    let stream = app.wait_started().await;
    let (status, during) = app
        .json(
            Method::GET,
            &format!("/api/rooms/{room}/recordings"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200, "{during}");
    assert_eq!(during.as_array().map(Vec::len), Some(1), "{during}");
    assert_eq!(during[0]["status"], "recording");
    assert_published(publisher, Duration::from_secs(30)).await;
    app.wait_ended(&stream).await;

    let (status, list) = app
        .json(
            Method::GET,
            &format!("/api/rooms/{room}/recordings"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    let recording = &list[0];
    assert_eq!(recording["status"], "complete", "{list}");
    let duration = recording["duration_ms"].as_i64().expect("duration") as f64 / 1000.0;
    assert!((duration - 4.0).abs() <= 0.5, "row says {duration} s");
    assert!(recording["bytes"].as_i64().expect("bytes") > 10_000);
    assert!(
        recording.get("archive_path").is_none(),
        "paths on disk stay private"
    );
    let id = recording["id"].as_str().expect("id").to_owned();
    let file_url = recording["file_url"].as_str().expect("url").to_owned();

    // A browser <video> seeks with Range requests.
    let full = app.get(&file_url).await;
    assert_eq!(full.status(), 200);
    assert_eq!(full.headers()["content-type"], "video/x-matroska");
    assert_eq!(full.headers()["accept-ranges"], "bytes");
    let bytes = full.bytes().await.expect("body");
    let path = app.data_dir.path().join("downloaded.mkv");
    std::fs::write(&path, &bytes).expect("write");
    assert!(
        (ffprobe_duration(&path) - 4.0).abs() <= 0.5,
        "the file plays for the whole broadcast"
    );
    let part = app
        .client
        .get(format!("{}{file_url}", app.http))
        .header("Range", "bytes=100-199")
        .send()
        .await
        .expect("range");
    assert_eq!(part.status(), 206);
    assert_eq!(part.bytes().await.expect("body"), bytes.slice(100..200));
    let download = app.get(&format!("{file_url}?download=true")).await;
    assert_eq!(download.status(), 200);
    assert!(download.headers()["content-disposition"]
        .to_str()
        .unwrap_or_default()
        .starts_with("attachment"));

    // Only the owner (or an admin) deletes, and deleting removes the file and the row.
    assert_eq!(
        app.json(
            Method::DELETE,
            &format!("/api/recordings/{id}"),
            Some(&sam),
            None
        )
        .await
        .0,
        403
    );
    let archive = app
        .data_dir
        .path()
        .join("recordings")
        .join(format!("{stream}.mkv"));
    assert!(archive.exists());
    assert_eq!(
        app.json(
            Method::DELETE,
            &format!("/api/recordings/{id}"),
            Some(&olive),
            None
        )
        .await
        .0,
        204
    );
    assert!(!archive.exists(), "file removed");
    let (status, list) = app
        .json(
            Method::GET,
            &format!("/api/rooms/{room}/recordings"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list.as_array().map(Vec::len), Some(0));
    assert_eq!(app.get(&file_url).await.status(), 404);
    app.stop().await;
}

on_both_databases!(recordings_are_written_served_and_deleted, recordings);

/// The real binary, killed with SIGKILL mid-broadcast, then started again on the same data.
async fn crash_recovery(backend: Backend) {
    crash_mid_broadcast(backend, false).await
}

/// As above, but the archive is destroyed before the restart: the row is `failed`, with the
/// reason of its end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_that_cannot_be_repaired_is_failed_with_its_reason() {
    crash_mid_broadcast(Backend::Sqlite, true).await
}

async fn crash_mid_broadcast(backend: Backend, destroy_archive: bool) {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mariadb = (backend == Backend::Mariadb).then(MariadbDatabase::create);
    let (http_port, rtmp_port) = (free_port(), free_port());
    let start = || {
        let mut cmd = server_command(data_dir.path(), http_port, rtmp_port);
        if let Some(db) = &mariadb {
            cmd.env("LIVESTREAM_DATABASE__URL", db.url());
        }
        cmd.spawn().expect("server binary starts")
    };
    let base = format!("http://127.0.0.1:{http_port}");
    let client = reqwest::Client::new();
    let mut server = start();
    wait_until_up(&client, &base).await;
    let register =
        serde_json::json!({ "username": "olive", "password": PASSWORD, "role": "streamer" });
    let session = json_with_status(
        client
            .post(format!("{base}/api/auth/register"))
            .json(&register),
        201,
    )
    .await;
    let token = session["access_token"].as_str().expect("token").to_owned();
    let created = json_with_status(
        client
            .post(format!("{base}/api/rooms"))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "title": "Crashy" })),
        201,
    )
    .await;
    let room = created["room"]["id"].as_str().expect("id").to_owned();
    let key = created["stream_key"].as_str().expect("key").to_owned();
    let mut publisher = publish_video_only(&format!("rtmp://127.0.0.1:{rtmp_port}/live/{key}"), 30);
    let mut live = false;
    for _ in 0..200 {
        let shown = json_with_status(client.get(format!("{base}/api/rooms/{room}")), 200).await;
        if shown["live"]["playable"] == true {
            live = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(live, "the room went live");
    tokio::time::sleep(Duration::from_secs(4)).await;
    server.start_kill().expect("SIGKILL");
    let _ = server.wait().await;
    let _ = publisher.start_kill();
    let _ = publisher.wait().await;
    let archive = std::fs::read_dir(data_dir.path().join("recordings"))
        .expect("dir")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "mkv"))
        .expect("archive");
    if destroy_archive {
        std::fs::write(&archive, b"not a matroska file").expect("overwrite the archive");
    }

    let mut server = start();
    wait_until_up(&client, &base).await;
    let list = json_with_status(
        client.get(format!("{base}/api/rooms/{room}/recordings")),
        200,
    )
    .await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    let recording = &list[0];
    if destroy_archive {
        assert_eq!(recording["status"], "failed", "{list}");
        assert_eq!(recording["end_reason"], "server_restart", "{list}");
        let _ = server.start_kill();
        let _ = server.wait().await;
        return;
    }
    assert_eq!(recording["status"], "complete", "repaired at start: {list}");
    let duration = recording["duration_ms"].as_i64().expect("duration") as f64 / 1000.0;
    assert!(
        duration >= 4.0,
        "the row has the archive's real duration: {duration}"
    );
    let probed = ffprobe_duration(&archive);
    assert!(
        (probed - duration).abs() <= 0.5,
        "ffprobe {probed} s, row {duration} s"
    );
    let shown = json_with_status(client.get(format!("{base}/api/rooms/{room}")), 200).await;
    assert_eq!(shown["id"], room.as_str(), "{shown}");
    assert_eq!(shown["live"], serde_json::Value::Null, "no room left live");
    let _ = server.start_kill();
    let _ = server.wait().await;
}

on_both_databases!(
    sigkill_mid_broadcast_is_recovered_at_restart,
    crash_recovery
);
