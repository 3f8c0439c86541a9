//! What one account, and the disk, allow: rooms and broadcasts per user, stored bytes per user,
//! the length and bitrate of a broadcast, the free-space watermarks, rooms' retention, and who
//! may register as a streamer (an admin's setting, invitations).

use crate::support::tmpfs::Tmpfs;
use crate::support::*;
use engine::EndReason;
use serde_json::json;
use std::time::Duration;

/// Waits for the next stream to end at a limit; its detail.
async fn ended_at_a_limit(app: &mut TestApp, id: &media::StreamId) -> String {
    match app.wait_ended(id).await.0 {
        EndReason::LimitReached(why) => why,
        other => panic!("the broadcast ended at a limit, not {other:?}"),
    }
}

/// With the default limits, a streamer owns at most 10 rooms and broadcasts in at most 2 at
/// once: the 11th room and the 3rd broadcast are refused with the reason, and an admin is not
/// held to either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rooms_and_broadcasts_per_user_are_bounded_by_default() {
    let mut app = TestApp::builder().spawn().await;
    let olive = app.register_streamer("olive").await;
    let mut rooms = Vec::new();
    for i in 0..10 {
        rooms.push(app.as_user(&olive).create_room(&format!("Room {i}")).await);
    }
    let refused = app
        .as_user(&olive)
        .post("/api/rooms", Some(json!({ "title": "One too many" })))
        .await;
    assert_eq!(
        (refused.status, refused.error_code()),
        (409, Some("limit_reached")),
        "{refused}"
    );
    assert!(refused.body["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("(10)")));
    let admin = app.admin().await;
    for i in 0..11 {
        app.as_user(&admin)
            .post("/api/rooms", Some(json!({ "title": format!("Admin {i}") })))
            .await
            .assert_status(201);
    }

    let first = app.publish_ffmpeg(&rooms[0].stream_key, Clip::small(20.0), &[]);
    let a = app.wait_started().await;
    let second = app.publish_ffmpeg(&rooms[1].stream_key, Clip::small(20.0), &[]);
    let b = app.wait_started().await;
    let third = app.publish_ffmpeg(&rooms[2].stream_key, Clip::small(20.0), &[]);
    assert_refused_with(
        third,
        Duration::from_secs(15),
        "publishing is not allowed: this account already broadcasts in 2 rooms, the most at once (2)",
    )
    .await;
    assert_ne!(a, b);
    drop((first, second));
    app.stop().await;
}

/// `limits.stored_mib_per_user`: an account whose recordings reach it may not start a broadcast
/// (the reason says so) nor cut a clip (409 `limit_reached`), and a live broadcast that takes it
/// there ends cleanly, its recording kept. Another account still cuts clips of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_bytes_per_user_refuse_a_broadcast_and_end_a_live_one() {
    let mut app = TestApp::builder()
        .settings(|s| s.limits.stored_mib_per_user = 1)
        .spawn()
        .await;
    let olive = app.register_streamer("olive").await;
    let room = app.as_user(&olive).create_room("Full").await;
    let publisher = app.publish_ffmpeg(&room.stream_key, Clip::small(30.0), &[]);
    let id = app.wait_started().await;
    let why = ended_at_a_limit(&mut app, &id).await;
    assert_eq!(why, "this account's recordings reached its 1 MiB");
    assert_refused(publisher, Duration::from_secs(15)).await;
    let recordings = app
        .anonymous()
        .recordings(&room.id)
        .await
        .assert_status(200);
    assert_eq!(recordings[0]["status"], "complete", "{recordings}");
    assert_eq!(recordings[0]["end_reason"], "limit_reached");
    let again = app.publish_ffmpeg(&room.stream_key, Clip::small(10.0), &[]);
    let refused = assert_refused(again, Duration::from_secs(15)).await;
    assert!(
        refused.contains(
            "Server error: publishing is not allowed: this account's recordings and clips take"
        ),
        "{refused}"
    );
    let recording = recordings[0]["id"].as_str().expect("id").to_owned();
    let clip = json!({ "start_seconds": 0.5, "duration_seconds": 1.0 });
    let path = format!("/api/recordings/{recording}/clips");
    let own = app.as_user(&olive).post(&path, Some(clip.clone())).await;
    assert_eq!(
        (own.status, own.error_code()),
        (409, Some("limit_reached")),
        "{own}"
    );
    assert!(
        own.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("delete some to cut more")),
        "{own}"
    );
    let vera = app.register_viewer("vera").await;
    app.as_user(&vera)
        .post(&path, Some(clip))
        .await
        .assert_status(201);
    app.stop().await;
}

/// `limits.max_broadcast_seconds` and `limits.max_ingest_kbps` end a broadcast cleanly, each
/// with its reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broadcast_ends_at_its_length_and_bitrate_limits() {
    let mut app = TestApp::builder()
        .settings(|s| s.limits.max_broadcast_seconds = 3)
        .spawn()
        .await;
    let olive = app.register_streamer("olive").await;
    let room = app.as_user(&olive).create_room("Short").await;
    let publisher = app.publish_ffmpeg(&room.stream_key, Clip::small(30.0), &[]);
    let id = app.wait_started().await;
    assert_eq!(
        ended_at_a_limit(&mut app, &id).await,
        "the broadcast reached its time limit (3 s)"
    );
    drop(publisher);
    app.stop().await;

    let mut app = TestApp::builder()
        .settings(|s| s.limits.max_ingest_kbps = 300)
        .spawn()
        .await;
    let olive = app.register_streamer("olive").await;
    let room = app.as_user(&olive).create_room("Heavy").await;
    let publisher = app.publish_ffmpeg(&room.stream_key, Clip::small(40.0), &[]);
    let id = app.wait_started().await;
    let why = ended_at_a_limit(&mut app, &id).await;
    assert!(
        why.starts_with("the stream sends") && why.ends_with("more than the 300 kbit/s allowed"),
        "{why}"
    );
    drop(publisher);
    app.stop().await;
}

/// The free-space watermarks: on a nearly full disk (a 256 MiB file system, under the default
/// `storage.min_free_mib` of 2048) every publish is refused with the reason; with room to start,
/// a broadcast ends cleanly once the free space falls under `storage.stop_free_mib`, before the
/// disk fills, and no clip is cut while the free space is under `storage.min_free_mib`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nearly_full_disk_refuses_publishes_and_ends_broadcasts() {
    let small = Tmpfs::mount(256);
    let app = TestApp::builder().data_dir(small.path()).spawn().await;
    let publisher = app.publish_ffmpeg(&app.keys[0], Clip::small(10.0), &[]);
    assert_refused_with(
        publisher,
        Duration::from_secs(15),
        "publishing is not allowed: the server's disk is nearly full; publishing is paused",
    )
    .await;
    app.stop().await;

    let disk = Tmpfs::mount(512);
    let mut app = TestApp::builder()
        .data_dir(disk.path())
        .settings(|s| {
            s.storage.min_free_mib = 300;
            s.storage.stop_free_mib = 200;
        })
        .spawn()
        .await;
    let olive = app.register_streamer("olive").await;
    let room = app.as_user(&olive).create_room("Filling").await;
    let publisher = app.publish_ffmpeg(&room.stream_key, Clip::small(40.0), &[]);
    let id = app.wait_started().await;
    app.wait_playable(&id).await;
    // Something else takes the disk: 360 MiB of 512.
    let filler = disk.fill("filler", 360);
    let why = ended_at_a_limit(&mut app, &id).await;
    assert_eq!(why, "the server's disk is nearly full");
    drop(publisher);
    let recordings = app
        .anonymous()
        .recordings(&room.id)
        .await
        .assert_status(200);
    assert_eq!(
        recordings[0]["status"], "complete",
        "finalized: {recordings}"
    );
    let recording = recordings[0]["id"].as_str().expect("id").to_owned();
    let clip = app
        .as_user(&olive)
        .post(
            &format!("/api/recordings/{recording}/clips"),
            Some(json!({ "start_seconds": 0.5, "duration_seconds": 1.0 })),
        )
        .await;
    assert_eq!(
        (clip.status, clip.error_code()),
        (409, Some("limit_reached")),
        "{clip}"
    );
    assert_eq!(
        clip.body["error"]["message"],
        "the server's disk is nearly full; clips are paused"
    );
    std::fs::remove_file(filler).expect("remove the filler");
    app.stop().await;
}

/// A room's `retention_days`: its replays and clips older than that are removed at the sweep
/// (at start, then hourly), with their files; a room without one keeps everything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rooms_retention_removes_its_old_replays_and_clips() {
    let data = tempfile::tempdir().expect("temp dir");
    let mut app = TestApp::builder().data_dir(data.path()).spawn().await;
    let olive = app.register_streamer("olive").await;
    let kept = app.as_user(&olive).create_room("Kept").await;
    let created = app
        .as_user(&olive)
        .post(
            "/api/rooms",
            Some(json!({ "title": "Brief", "retention_days": 1 })),
        )
        .await
        .assert_status(201);
    assert_eq!(created["room"]["retention_days"], 1);
    let brief = created["room"]["id"].as_str().expect("id").to_owned();
    let brief_key = created["stream_key"].as_str().expect("key").to_owned();
    let too_long = app
        .as_user(&olive)
        .patch(
            &format!("/api/rooms/{brief}"),
            json!({ "retention_days": 5000 }),
        )
        .await;
    assert_eq!(too_long.status, 422);
    assert!(too_long.names_field("retention_days"));
    for key in [&kept.stream_key, &brief_key] {
        let publisher = app.publish_ffmpeg(key, Clip::small(2.0), &[]);
        let id = app.wait_started().await;
        assert_published(publisher, Duration::from_secs(30)).await;
        app.wait_ended(&id).await;
    }
    let mut recordings = Vec::new();
    for room in [&kept.id, &brief] {
        let list = app.anonymous().recordings(room).await.assert_status(200);
        recordings.push(list[0]["id"].as_str().expect("id").to_owned());
    }
    let clip = app
        .as_user(&olive)
        .post(
            &format!("/api/recordings/{}/clips", recordings[1]),
            Some(json!({ "start_seconds": 0.0, "duration_seconds": 1.0 })),
        )
        .await
        .assert_status(201);
    let clip = clip["id"].as_str().expect("clip id").to_owned();
    // Both broadcasts, and the clip, two days old.
    let two_days_ago = livestream::models::now_ms() - 2 * 86_400_000;
    let db = app.database();
    db.run(move |conn| {
        use diesel::prelude::*;
        use livestream::db::schema::{clips, recordings};
        diesel::update(recordings::table)
            .set(recordings::ended_at.eq(Some(two_days_ago)))
            .execute(conn)?;
        diesel::update(clips::table)
            .set(clips::created_at.eq(two_days_ago))
            .execute(conn)?;
        Ok(())
    })
    .await
    .expect("aged");
    let replay_dirs: Vec<std::path::PathBuf> = std::fs::read_dir(data.path().join("recordings"))
        .expect("recordings")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(replay_dirs.len(), 2);
    app.stop().await;

    // The sweep at start.
    let app = TestApp::builder().data_dir(data.path()).spawn().await;
    let kept_list = app
        .anonymous()
        .recordings(&kept.id)
        .await
        .assert_status(200);
    assert_eq!(
        kept_list.as_array().map(Vec::len),
        Some(1),
        "no retention, kept"
    );
    let brief_list = app.anonymous().recordings(&brief).await.assert_status(200);
    assert_eq!(
        brief_list.as_array().map(Vec::len),
        Some(0),
        "past its retention"
    );
    assert_eq!(
        app.anonymous()
            .get(&format!("/api/clips/{clip}"))
            .await
            .status,
        404
    );
    let left: Vec<_> = std::fs::read_dir(data.path().join("recordings"))
        .expect("recordings")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        left.len(),
        2,
        "one archive and one replay folder left: {left:?}"
    );
    assert!(
        std::fs::read_dir(data.path().join("clips"))
            .map(|d| d.count())
            .unwrap_or(0)
            == 0,
        "the clip's file went with it"
    );
    app.stop().await;
}

/// Who may register as a streamer is an admin's setting: anyone (the default), accounts an
/// admin approves (a streamer registration makes a viewer until then), or by invitation (a
/// code, used once; withdrawn ones and made-up ones refused on `invite_code`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_may_stream_is_an_admins_setting() {
    let app = TestApp::builder().spawn().await;
    let admin = app.admin().await;
    let register = |name: &str, code: Option<&str>| {
        let mut body = json!({ "username": name, "password": PASSWORD, "role": "streamer" });
        if let Some(code) = code {
            body["invite_code"] = code.into();
        }
        let app = &app;
        async move { app.anonymous().register(body).await }
    };
    let settings = app
        .as_user(&admin)
        .get("/api/admin/settings")
        .await
        .assert_status(200);
    assert_eq!(settings, json!({ "who_may_stream": "anyone" }));
    let anyone = register("anyone1", None).await.assert_status(201);
    assert_eq!(anyone["user"]["role"], "streamer");

    let set = |who: &'static str| {
        let app = &app;
        let admin = &admin;
        async move {
            app.as_user(admin)
                .put("/api/admin/settings", json!({ "who_may_stream": who }))
                .await
                .assert_status(200)
        }
    };
    set("approved").await;
    let waiting = register("approved1", None).await.assert_status(201);
    assert_eq!(waiting["user"]["role"], "viewer", "awaits an admin");
    let id = waiting["user"]["id"].as_str().expect("id");
    app.as_user(&admin)
        .patch(
            &format!("/api/admin/users/{id}"),
            json!({ "role": "streamer" }),
        )
        .await
        .assert_status(200);

    set("invited").await;
    let without = register("invited0", None).await;
    assert_eq!(without.status, 422);
    assert!(without.names_field("invite_code"), "{without}");
    let made_up = register("invited1", Some("inv_notarealcode")).await;
    assert!(made_up.names_field("invite_code"), "{made_up}");
    let invite = app
        .as_user(&admin)
        .post("/api/admin/invites", Some(json!({ "valid_days": 2 })))
        .await
        .assert_status(201);
    let code = invite["code"].as_str().expect("code").to_owned();
    let invited = register("invited2", Some(&code)).await.assert_status(201);
    assert_eq!(invited["user"]["role"], "streamer");
    let reused = register("invited3", Some(&code)).await;
    assert!(reused.names_field("invite_code"), "used once: {reused}");
    assert!(
        app.anonymous().log_in("invited3", PASSWORD).await.status == 401,
        "nothing was written for a refused invitation"
    );
    let withdrawn = app
        .as_user(&admin)
        .post("/api/admin/invites", Some(json!({})))
        .await
        .assert_status(201);
    let withdrawn_code = withdrawn["code"].as_str().expect("code").to_owned();
    app.as_user(&admin)
        .delete(&format!(
            "/api/admin/invites/{}",
            withdrawn["id"].as_str().expect("id")
        ))
        .await
        .assert_status(204);
    assert!(register("invited4", Some(&withdrawn_code))
        .await
        .names_field("invite_code"));
    let listed = app
        .as_user(&admin)
        .get("/api/admin/invites")
        .await
        .assert_status(200);
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["used_by"], invited["user"]["id"]);
    assert!(
        !listed.to_string().contains(&code),
        "codes are never listed"
    );
    // Viewers register as before.
    app.anonymous()
        .register(json!({ "username": "justwatching", "password": PASSWORD }))
        .await
        .assert_status(201);
    app.stop().await;
}
