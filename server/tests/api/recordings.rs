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
    let archive = app.archive(&stream);
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
    let (room, key) = streamer_room_on(&client, &base, "Crashy").await;
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
    // Repairs run in the background once the server is up.
    let mut list = serde_json::Value::Null;
    for _ in 0..300 {
        list = json_with_status(
            client.get(format!("{base}/api/rooms/{room}/recordings")),
            200,
        )
        .await;
        if list[0]["status"] != "recording" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    let recording = &list[0];
    if destroy_archive {
        assert_eq!(recording["status"], "failed", "{list}");
        assert_eq!(recording["end_reason"], "server_restart", "{list}");
        let _ = server.start_kill();
        let _ = server.wait().await;
        return;
    }
    assert_eq!(
        recording["status"], "complete",
        "repaired after the restart: {list}"
    );
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

/// Waits until the room's recordings list has `count` entries and none is still recording.
async fn settled_recordings(app: &TestApp, room: &str, token: Option<&str>) -> serde_json::Value {
    let mut list = serde_json::Value::Null;
    for _ in 0..200 {
        let status;
        (status, list) = app
            .json(
                Method::GET,
                &format!("/api/rooms/{room}/recordings"),
                token,
                None,
            )
            .await;
        assert_eq!(status, 200, "{list}");
        let items = list.as_array().cloned().unwrap_or_default();
        if !items.is_empty() && items.iter().all(|r| r["status"] != "recording") {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the recordings never settled: {list}");
}

async fn deleted_room(backend: Backend) {
    let mut app = TestApp::spawn_on(backend).await;
    let admin = app.admin_token().await;
    let (olive, _) = app.register("olive", "streamer").await;
    let (sam, _) = app.register("sam", "streamer").await;
    let (room, key) = app.create_room(&olive, "Soon gone").await;
    let publisher = app.publish_ffmpeg(&key, Clip::small(3.0), &[]);
    let stream = app.wait_started().await;
    assert_published(publisher, Duration::from_secs(30)).await;
    app.wait_ended(&stream).await;
    settled_recordings(&app, &room, None).await;
    let (status, _) = app
        .json(
            Method::DELETE,
            &format!("/api/rooms/{room}"),
            Some(&olive),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let path = format!("/api/rooms/{room}/recordings");
    // The public and other streamers no longer see the room; its owner and admins still manage
    // what it recorded.
    assert_eq!(app.json(Method::GET, &path, None, None).await.0, 404);
    assert_eq!(app.json(Method::GET, &path, Some(&sam), None).await.0, 404);
    let (status, mine) = app.json(Method::GET, &path, Some(&olive), None).await;
    assert_eq!(
        (status, mine.as_array().map(Vec::len)),
        (200, Some(1)),
        "{mine}"
    );
    let (status, list) = app.json(Method::GET, &path, Some(&admin), None).await;
    assert_eq!(
        (status, list.as_array().map(Vec::len)),
        (200, Some(1)),
        "{list}"
    );
    let id = list[0]["id"].as_str().expect("id").to_owned();
    let archive = app.archive(&stream);
    assert!(archive.is_file());
    let (status, body) = app
        .json(
            Method::DELETE,
            &format!("/api/recordings/{id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, 204, "{body}");
    assert!(!archive.exists(), "the file is removed");
    let (status, list) = app.json(Method::GET, &path, Some(&admin), None).await;
    assert_eq!(
        (status, list.as_array().map(Vec::len)),
        (200, Some(0)),
        "{list}"
    );
    app.stop().await;
}

on_both_databases!(
    the_recordings_of_a_deleted_room_can_be_listed_and_deleted,
    deleted_room
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_recording_removes_the_row_even_if_the_file_cannot_be_removed() {
    let mut app = TestApp::spawn().await;
    let (olive, _) = app.register("olive", "streamer").await;
    let (room, key) = app.create_room(&olive, "Stubborn file").await;
    let publisher = app.publish_ffmpeg(&key, Clip::small(2.0), &[]);
    let stream = app.wait_started().await;
    assert_published(publisher, Duration::from_secs(30)).await;
    app.wait_ended(&stream).await;
    let list = settled_recordings(&app, &room, None).await;
    let id = list[0]["id"].as_str().expect("id").to_owned();
    // Something the server cannot remove as a file stands where the archive was.
    let archive = app.archive(&stream);
    std::fs::remove_file(&archive).expect("remove the archive");
    std::fs::create_dir(&archive).expect("a directory in its place");
    std::fs::write(archive.join("inside"), b"x").expect("not empty");
    let (status, body) = app
        .json(
            Method::DELETE,
            &format!("/api/recordings/{id}"),
            Some(&olive),
            None,
        )
        .await;
    assert_eq!(status, 204, "{body}");
    let (status, list) = app
        .json(
            Method::GET,
            &format!("/api/rooms/{room}/recordings"),
            None,
            None,
        )
        .await;
    assert_eq!(
        (status, list.as_array().map(Vec::len)),
        (200, Some(0)),
        "no row is left behind: {list}"
    );
    app.stop().await;
}

/// Crash recovery does not hold the server back: an archive whose repair cannot finish yet (a
/// FIFO nobody writes to) leaves the server serving, and is dealt with once it can be read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_runs_in_the_background_once_the_server_serves() {
    let outer = tempfile::tempdir().expect("temp dir");
    let data = outer.path().join("data");
    let (mut settings, _) = test_settings(&data);
    settings.storage.data_dir = data.clone();
    let app = TestApp::spawn_with(settings.clone(), tempfile::tempdir().expect("temp dir")).await;
    let (olive, _) = app.register("olive", "streamer").await;
    let (room, _) = app.create_room(&olive, "Interrupted").await;
    let db = {
        let url = format!("sqlite://{}", data.join("livestream.db").display());
        livestream::db::Db::connect(&url, 1, Duration::from_secs(10)).expect("database")
    };
    let row = livestream::models::recording::Recording {
        id: "interruptedrecording".into(),
        room_id: room.clone(),
        stream_id: "s-interrupted".into(),
        started_at: 1,
        ended_at: None,
        duration_ms: None,
        bytes: None,
        status: livestream::models::recording::RecordingStatus::Recording,
        archive_path: "interrupted.mkv".into(),
        end_reason: None,
    };
    db.run(move |conn| {
        Ok(livestream::models::recording::Recording::insert(
            conn, &row,
        )?)
    })
    .await
    .expect("insert an unfinished recording");
    app.stop().await;
    let fifo = data.join("recordings").join("interrupted.mkv");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());

    // Feeds the FIFO whenever a reader opens it (the repair may open it more than once), until
    // told to stop; never blocks, so nothing waits on it at the end.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let feed = |fifo: std::path::PathBuf, stop: std::sync::Arc<std::sync::atomic::AtomicBool>| {
        std::thread::spawn(move || {
            use std::io::Write;
            use std::os::unix::fs::OpenOptionsExt;
            let deadline = std::time::Instant::now() + Duration::from_secs(120);
            while !stop.load(std::sync::atomic::Ordering::SeqCst)
                && std::time::Instant::now() < deadline
            {
                // O_NONBLOCK: opening fails at once while nobody reads.
                let opened = std::fs::OpenOptions::new()
                    .write(true)
                    .custom_flags(0o4000)
                    .open(&fifo);
                if let Ok(mut writer) = opened {
                    let _ = writer.write_all(b"not a matroska file");
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    let started = tokio::time::timeout(
        Duration::from_secs(30),
        TestApp::spawn_with(settings, tempfile::tempdir().expect("temp dir")),
    )
    .await;
    let Ok(app) = started else {
        // Let the stuck repair finish so that the process can end, then fail.
        let _ = feed(fifo, stop);
        panic!("the server did not come up while an archive waited to be repaired");
    };
    let (status, list) = app
        .json(
            Method::GET,
            &format!("/api/rooms/{room}/recordings"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(
        list[0]["status"], "recording",
        "the repair is still waiting: {list}"
    );
    let feeder = feed(fifo, stop.clone());
    let list = settled_recordings(&app, &room, None).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    feeder.join().expect("the feeder ends");
    assert_eq!(
        (&list[0]["status"], &list[0]["end_reason"]),
        (
            &serde_json::json!("failed"),
            &serde_json::json!("server_restart")
        ),
        "{list}"
    );
    app.stop().await;
}

/// Recording rows stay valid when the server is started from another working directory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recordings_survive_a_start_from_another_directory() {
    let outer = tempfile::tempdir().expect("temp dir");
    let (http_port, rtmp_port) = (free_port(), free_port());
    let base = format!("http://127.0.0.1:{http_port}");
    let client = reqwest::Client::new();
    let start = |cwd: &std::path::Path, data_dir: &std::path::Path| {
        let mut cmd = server_command(data_dir, http_port, rtmp_port);
        cmd.current_dir(cwd);
        cmd.spawn().expect("server binary starts")
    };
    // First run: a relative data directory, from `outer`.
    let mut server = start(outer.path(), std::path::Path::new("./data"));
    wait_until_up(&client, &base).await;
    let (room, key) = streamer_room_on(&client, &base, "Moved").await;
    let publisher = publish_video_only(&format!("rtmp://127.0.0.1:{rtmp_port}/live/{key}"), 3);
    assert_published(publisher, Duration::from_secs(30)).await;
    let mut list = serde_json::Value::Null;
    for _ in 0..200 {
        list = json_with_status(
            client.get(format!("{base}/api/rooms/{room}/recordings")),
            200,
        )
        .await;
        if list[0]["status"] == "complete" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(list[0]["status"], "complete", "{list}");
    let file_url = list[0]["file_url"].as_str().expect("url").to_owned();
    let _ = server.start_kill();
    let _ = server.wait().await;
    // Second run: the same data, named absolutely, from another directory.
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let mut server = start(elsewhere.path(), &outer.path().join("data"));
    wait_until_up(&client, &base).await;
    let file = client
        .get(format!("{base}{file_url}"))
        .send()
        .await
        .expect("HTTP request");
    assert_eq!(file.status(), 200, "the archive is still found");
    assert!(file.bytes().await.expect("body").len() > 10_000);
    let _ = server.start_kill();
    let _ = server.wait().await;
}
