//! Recordings: one row per broadcast, playable with Range, deletable, and repaired after a crash.

use crate::support::*;
use std::path::Path;
use std::time::Duration;

async fn recordings(backend: Backend) {
    let mut app = TestApp::builder().backend(backend).spawn().await;
    let olive = app.register_streamer("olive").await;
    let sam = app.register_streamer("sam").await;
    let created = app.as_user(&olive).create_room("Olive").await;
    let room = created.id;
    let publisher = app.publish_ffmpeg(&created.stream_key, Clip::small(4.0), &[]);
    let stream = app.wait_started().await;
    let during = app.anonymous().recordings(&room).await.assert_status(200);
    assert_eq!(during.as_array().map(Vec::len), Some(1), "{during}");
    assert_eq!(during[0]["status"], "recording");
    assert_published(publisher, Duration::from_secs(30)).await;
    app.wait_ended(&stream).await;

    let list = app.anonymous().recordings(&room).await.assert_status(200);
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
    let path = app.data_dir().join("downloaded.mkv");
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
    app.as_user(&sam)
        .delete_recording(&id)
        .await
        .assert_status(403);
    let archive = app.archive(&stream);
    assert!(archive.exists());
    app.as_user(&olive)
        .delete_recording(&id)
        .await
        .assert_status(204);
    assert!(!archive.exists(), "file removed");
    let list = app.anonymous().recordings(&room).await.assert_status(200);
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
    let mut binary = RealServer::builder().data_dir(data_dir.path());
    if let Some(db) = &mariadb {
        binary = binary.env("LIVESTREAM_DATABASE__URL", &db.url());
    }
    let server = binary.spawn().await;
    let olive = server.register_streamer("olive").await;
    let created = server.as_user(&olive).create_room("Crashy").await;
    let room = created.id;
    let mut publisher = publish_video_only(&binary.rtmp_url(&created.stream_key), 30);
    let mut live = false;
    for _ in 0..200 {
        let shown = server.anonymous().room(&room).await.assert_status(200);
        if shown["live"]["playable"] == true {
            live = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(live, "the room went live");
    tokio::time::sleep(Duration::from_secs(4)).await;
    server.kill().await;
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

    let server = binary.spawn().await;
    // Repairs run in the background once the server is up.
    let mut list = serde_json::Value::Null;
    for _ in 0..300 {
        list = server
            .anonymous()
            .recordings(&room)
            .await
            .assert_status(200);
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
        server.kill().await;
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
    let shown = server.anonymous().room(&room).await.assert_status(200);
    assert_eq!(shown["id"], room.as_str(), "{shown}");
    assert_eq!(shown["live"], serde_json::Value::Null, "no room left live");
    server.kill().await;
}

on_both_databases!(
    sigkill_mid_broadcast_is_recovered_at_restart,
    crash_recovery
);

/// Waits until the room's recordings list has `count` entries and none is still recording.
async fn settled_recordings(app: &TestApp, room: &str) -> serde_json::Value {
    let mut list = serde_json::Value::Null;
    for _ in 0..200 {
        list = app.anonymous().recordings(room).await.assert_status(200);
        let items = list.as_array().cloned().unwrap_or_default();
        if !items.is_empty() && items.iter().all(|r| r["status"] != "recording") {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the recordings never settled: {list}");
}

async fn deleted_room(backend: Backend) {
    let mut app = TestApp::builder().backend(backend).spawn().await;
    let admin = app.admin().await;
    let olive = app.register_streamer("olive").await;
    let sam = app.register_streamer("sam").await;
    let created = app.as_user(&olive).create_room("Soon gone").await;
    let room = created.id;
    let publisher = app.publish_ffmpeg(&created.stream_key, Clip::small(3.0), &[]);
    let stream = app.wait_started().await;
    assert_published(publisher, Duration::from_secs(30)).await;
    app.wait_ended(&stream).await;
    settled_recordings(&app, &room).await;
    app.as_user(&olive)
        .delete_room(&room)
        .await
        .assert_status(204);
    // The public and other streamers no longer see the room; its owner and admins still manage
    // what it recorded.
    app.anonymous().recordings(&room).await.assert_status(404);
    app.as_user(&sam).recordings(&room).await.assert_status(404);
    let mine = app
        .as_user(&olive)
        .recordings(&room)
        .await
        .assert_status(200);
    assert_eq!(mine.as_array().map(Vec::len), Some(1), "{mine}");
    let list = app
        .as_user(&admin)
        .recordings(&room)
        .await
        .assert_status(200);
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    let id = list[0]["id"].as_str().expect("id").to_owned();
    let archive = app.archive(&stream);
    assert!(archive.is_file());
    app.as_user(&admin)
        .delete_recording(&id)
        .await
        .assert_status(204);
    assert!(!archive.exists(), "the file is removed");
    let list = app
        .as_user(&admin)
        .recordings(&room)
        .await
        .assert_status(200);
    assert_eq!(list.as_array().map(Vec::len), Some(0), "{list}");
    app.stop().await;
}

on_both_databases!(
    the_recordings_of_a_deleted_room_can_be_listed_and_deleted,
    deleted_room
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_recording_removes_the_row_even_if_the_file_cannot_be_removed() {
    let mut app = TestApp::builder().spawn().await;
    let olive = app.register_streamer("olive").await;
    let created = app.as_user(&olive).create_room("Stubborn file").await;
    let room = created.id;
    let publisher = app.publish_ffmpeg(&created.stream_key, Clip::small(2.0), &[]);
    let stream = app.wait_started().await;
    assert_published(publisher, Duration::from_secs(30)).await;
    app.wait_ended(&stream).await;
    let list = settled_recordings(&app, &room).await;
    let id = list[0]["id"].as_str().expect("id").to_owned();
    // Something the server cannot remove as a file stands where the archive was.
    let archive = app.archive(&stream);
    std::fs::remove_file(&archive).expect("remove the archive");
    std::fs::create_dir(&archive).expect("a directory in its place");
    std::fs::write(archive.join("inside"), b"x").expect("not empty");
    app.as_user(&olive)
        .delete_recording(&id)
        .await
        .assert_status(204);
    let list = app.anonymous().recordings(&room).await.assert_status(200);
    assert_eq!(
        list.as_array().map(Vec::len),
        Some(0),
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
    let app = TestApp::builder().data_dir(&data).spawn().await;
    let olive = app.register_streamer("olive").await;
    let room = app.as_user(&olive).create_room("Interrupted").await.id;
    let db = app.database();
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
        object_key: None,
        vod: false,
        stored_bytes: None,
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
        TestApp::builder().data_dir(&data).spawn(),
    )
    .await;
    let Ok(app) = started else {
        // Let the stuck repair finish so that the process can end, then fail.
        let _ = feed(fifo, stop);
        panic!("the server did not come up while an archive waited to be repaired");
    };
    let list = app.anonymous().recordings(&room).await.assert_status(200);
    assert_eq!(
        list[0]["status"], "recording",
        "the repair is still waiting: {list}"
    );
    let feeder = feed(fifo, stop.clone());
    let list = settled_recordings(&app, &room).await;
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
    // First run: a relative data directory, from `outer`.
    let first_run = RealServer::builder()
        .current_dir(outer.path())
        .data_dir(std::path::Path::new("./data"));
    let server = first_run.spawn().await;
    let olive = server.register_streamer("olive").await;
    let created = server.as_user(&olive).create_room("Moved").await;
    let room = created.id;
    let publisher = publish_video_only(&first_run.rtmp_url(&created.stream_key), 3);
    assert_published(publisher, Duration::from_secs(30)).await;
    let mut list = serde_json::Value::Null;
    for _ in 0..200 {
        list = server
            .anonymous()
            .recordings(&room)
            .await
            .assert_status(200);
        if list[0]["status"] == "complete" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(list[0]["status"], "complete", "{list}");
    let file_url = list[0]["file_url"].as_str().expect("url").to_owned();
    server.kill().await;
    // Second run: the same data (and ports), named absolutely, from another directory.
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let server = first_run
        .current_dir(elsewhere.path())
        .data_dir(&outer.path().join("data"))
        .spawn()
        .await;
    let file = server
        .client
        .get(format!("{}{file_url}", server.http))
        .send()
        .await
        .expect("HTTP request");
    assert_eq!(file.status(), 200, "the archive is still found");
    assert!(file.bytes().await.expect("body").len() > 10_000);
    server.kill().await;
}

/// Settings that store recordings in the SeaweedFS of scripts/services.sh (it checks no key).
pub fn in_object_storage(settings: &mut livestream::configuration::Settings) {
    settings.storage.s3.endpoint = "http://127.0.0.1:8333".into();
    settings.storage.s3.bucket = "recordings".into();
    settings.storage.s3.access_key_id = "livestream-test".into();
    settings.storage.s3.secret_access_key = "livestream-test-secret".into();
}

// With `storage.s3`, a finished recording is uploaded (multipart), its row names the object,
// the local archive goes, and the API streams it from the bucket with byte ranges; deleting the
// recording deletes the object.
on_both_databases!(
    recordings_in_object_storage,
    recordings_in_object_storage_body
);

async fn recordings_in_object_storage_body(backend: Backend) {
    let mut app = TestApp::builder()
        .backend(backend)
        .settings(in_object_storage)
        .spawn()
        .await;
    let olive = app.register_streamer("olive").await;
    let created = app.as_user(&olive).create_room("Stored").await;
    let publisher = app.publish_ffmpeg(&created.stream_key, Clip::small(4.0), &[]);
    let stream = app.wait_started().await;
    assert_published(publisher, Duration::from_secs(30)).await;
    app.wait_ended(&stream).await;
    let archive = app.archive(&stream);
    let list = app
        .anonymous()
        .recordings(&created.id)
        .await
        .assert_status(200);
    let id = list[0]["id"].as_str().expect("recording id").to_owned();
    let bytes = list[0]["bytes"].as_u64().expect("bytes");
    let db = app.database();
    let vod_dir = ::hls::OutputLayout::new(app.data_dir()).vod(&stream);
    let mut key = None;
    for _ in 0..150 {
        let found = {
            let id = id.clone();
            db.run(move |conn| Ok(livestream::models::recording::Recording::find(conn, &id)?))
                .await
                .expect("the row reads")
                .expect("the row")
        };
        if found.object_key.is_some() && !archive.exists() && !vod_dir.exists() {
            key = found.object_key;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let key = key.expect("the recording is stored and its local archive and VOD removed");
    let direct = format!("http://127.0.0.1:8333/recordings/{key}");
    let stored = app.client.get(&direct).send().await.expect("S3 GET");
    assert_eq!(stored.status(), 200, "the object is in the bucket");
    let stored = stored.bytes().await.expect("object");
    assert_eq!(stored.len() as u64, bytes, "the whole archive was uploaded");

    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    let ready: serde_json::Value = ready.json().await.expect("readyz body");
    assert_eq!(ready["object_storage"], "ok", "{ready}");

    let file = format!("/api/recordings/{id}/file");
    let whole = app.get(&file).await;
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.headers()["accept-ranges"], "bytes");
    assert_eq!(whole.headers()["content-type"], "video/x-matroska");
    let whole = whole.bytes().await.expect("archive");
    assert_eq!(whole, stored, "served from the bucket");
    let copy = app.data_dir().join("downloaded.mkv");
    std::fs::write(&copy, &whole).expect("write the copy");
    let duration = ffprobe_duration(&copy);
    assert!(
        (duration - 4.0).abs() <= 0.5,
        "the archive plays: {duration} s"
    );

    let ranged = |range: String| {
        let request = app
            .client
            .get(format!("{}{file}", app.http))
            .header("range", range);
        async move { request.send().await.expect("ranged GET") }
    };
    let part = ranged("bytes=100-199".into()).await;
    assert_eq!(part.status(), 206);
    assert_eq!(
        part.headers()["content-range"],
        format!("bytes 100-199/{bytes}").as_str()
    );
    assert_eq!(part.bytes().await.expect("range"), whole.slice(100..200));
    let tail = ranged("bytes=-50".into()).await;
    assert_eq!(tail.status(), 206);
    assert_eq!(
        tail.bytes().await.expect("tail"),
        whole.slice(whole.len() - 50..)
    );
    let outside = ranged(format!("bytes={}-", bytes + 10)).await;
    assert_eq!(outside.status(), 416);
    assert_eq!(
        outside.headers()["content-range"],
        format!("bytes */{bytes}").as_str()
    );

    // The replay is stored beside it and served from the bucket; the local copy is gone.
    let playback = list[0]["playback_url"].as_str().expect("playback_url");
    let master = app.get(playback).await;
    assert_eq!(master.status(), 200, "the replay is served from the bucket");
    let master = master.text().await.expect("master");
    assert!(master.contains("source/playlist.m3u8"), "{master}");
    let playlist = app
        .get_text(&playback.replace("master.m3u8", "source/playlist.m3u8"))
        .await;
    assert!(playlist.contains("#EXT-X-ENDLIST"), "{playlist}");
    let segment = app
        .get(&playback.replace("master.m3u8", "source/0.m4s"))
        .await;
    assert_eq!(segment.status(), 200);
    assert_eq!(segment.headers()["content-type"], "video/iso.segment");
    let url = format!("{}{playback}", app.http);
    let replayed = ffprobe_duration(Path::new(&url));
    assert!(
        (replayed - 4.0).abs() <= 0.6,
        "the replay plays from the bucket: {replayed} s"
    );
    let stored_master = format!(
        "http://127.0.0.1:8333/recordings/{}",
        key.replace(".mkv", "/master.m3u8")
    );
    let stored_status = || async {
        let reply = app.client.get(&stored_master).send().await;
        reply.expect("S3 GET").status()
    };
    assert_eq!(stored_status().await, 200);

    // A clip of the recording that lives only in the bucket is cut from the bucket's replay and
    // stored there too, with nothing left on this node.
    let clip = app
        .as_user(&olive)
        .post(
            &format!("/api/recordings/{id}/clips"),
            Some(serde_json::json!({"start_seconds": 1.0, "duration_seconds": 2.0})),
        )
        .await
        .assert_status(201);
    let clip_id = clip["id"].as_str().expect("clip id");
    let stored_clip = format!(
        "http://127.0.0.1:8333/recordings/clips/{}/{clip_id}.mp4",
        created.id
    );
    let in_bucket = app.client.get(&stored_clip).send().await.expect("S3 GET");
    assert_eq!(in_bucket.status(), 200, "the clip is in the bucket");
    let served = app.get(&format!("/api/clips/{clip_id}/file")).await;
    assert_eq!(served.status(), 200);
    assert_eq!(
        served.bytes().await.expect("clip"),
        in_bucket.bytes().await.expect("object"),
        "served from the bucket"
    );
    let local_clips = std::fs::read_dir(app.data_dir().join("clips"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(local_clips, 0, "no clip file left on this node");

    app.as_user(&olive)
        .delete_recording(&id)
        .await
        .assert_status(204);
    assert_eq!(
        stored_status().await,
        404,
        "deleting the recording deletes its replay's objects"
    );
    let gone = app.client.get(&direct).send().await.expect("S3 GET");
    assert_eq!(
        gone.status(),
        404,
        "deleting the recording deletes its object"
    );
}

/// A segment a replay's playlist does not list is answered 404 at once and quietly: no object
/// is looked for, and nothing is logged (a client asking for made-up numbers must not fill the
/// log or cost object-storage requests). Listed segments are still served from the bucket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_segments_past_the_playlist_are_quiet_404s() {
    let server = RealServer::builder()
        .env("LIVESTREAM_STORAGE__S3__ENDPOINT", "http://127.0.0.1:8333")
        .env("LIVESTREAM_STORAGE__S3__BUCKET", "recordings")
        .env("LIVESTREAM_STORAGE__S3__ACCESS_KEY_ID", "livestream-test")
        .env(
            "LIVESTREAM_STORAGE__S3__SECRET_ACCESS_KEY",
            "livestream-test-secret",
        )
        .spawn()
        .await;
    let olive = server.register_streamer("olive").await;
    let created = server.as_user(&olive).create_room("Quiet").await;
    let publisher = publish_ffmpeg(&server.rtmp_url(&created.stream_key), Clip::small(3.0), &[]);
    assert_published(publisher, Duration::from_secs(30)).await;
    let mut playback = None;
    for _ in 0..150 {
        let list = server
            .anonymous()
            .recordings(&created.id)
            .await
            .assert_status(200);
        let stored = list[0]["status"] == "complete"
            && !server
                .data_dir()
                .join("recordings")
                .read_dir()
                .is_ok_and(|mut d| d.any(|e| e.is_ok_and(|e| e.path().is_dir())));
        if stored {
            playback = list[0]["playback_url"].as_str().map(str::to_owned);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let playback = playback.expect("the replay is stored in the bucket");
    let get = async |file: &str| {
        server
            .client
            .get(format!(
                "{}{}",
                server.http,
                playback.replace("master.m3u8", file)
            ))
            .send()
            .await
            .expect("answered")
            .status()
            .as_u16()
    };
    assert_eq!(
        get("source/0.m4s").await,
        200,
        "a listed segment, from the bucket"
    );
    let logged = server.log().lines().count();
    for n in (0..20).map(|i| 1000 + i * 7919) {
        assert_eq!(get(&format!("source/{n}.m4s")).await, 404, "segment {n}");
    }
    assert_eq!(get("nothing/0.m4s").await, 404);
    let after: Vec<String> = server
        .log()
        .lines()
        .skip(logged)
        .map(str::to_owned)
        .collect();
    assert!(
        after.is_empty(),
        "nothing logged for segments not listed: {after:#?}"
    );
}
