//! Rooms and presets through the API, and publishing with a room's key.

use crate::support::*;
use engine::EndReason;
use serde_json::{json, Value};
use std::time::Duration;

async fn rooms_and_keys(backend: Backend) {
    let mut app = TestApp::builder().backend(backend).spawn().await;
    let olive = app.register_streamer("olive").await;
    let vera = app.register_viewer("vera").await;
    let refused = app
        .as_user(&vera)
        .try_create_room(json!({ "title": "nope" }))
        .await;
    assert_eq!(refused.status, 403, "{refused}");
    let invalid = app
        .as_user(&olive)
        .try_create_room(json!({ "title": "" }))
        .await;
    assert_eq!(
        (invalid.status, invalid.names_field("title")),
        (422, true),
        "{invalid}"
    );

    let created = app.as_user(&olive).create_room("Cooking with Olive").await;
    let (room, key) = (created.id, created.stream_key);
    let other = app.as_user(&olive).create_room("Knitting").await.id;
    let oscar = app.register_streamer("oscar").await;
    let oscars_room = app.as_user(&oscar).create_room("Oscar's garage").await.id;
    let all = app.anonymous().rooms("").await.assert_status(200);
    assert_eq!(all.as_array().map(Vec::len), Some(3));
    let mine = app
        .anonymous()
        .rooms(&format!("?owner_id={}", olive.id))
        .await
        .assert_status(200);
    let mut ids: Vec<&str> = mine
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    ids.sort_unstable();
    let mut expected = [room.as_str(), other.as_str()];
    expected.sort_unstable();
    assert_eq!(ids, expected, "owner_id lists one user's rooms only");
    assert!(!ids.contains(&oscars_room.as_str()));
    // At least 128 random bits, never shown again.
    assert!(key.starts_with("sk_") && key.len() >= 3 + 22, "{key}");
    for path in [
        format!("/api/rooms/{room}"),
        "/api/rooms".to_owned(),
        "/api/streams".to_owned(),
    ] {
        let text = app.get_text(&path).await;
        assert!(!text.contains(&key), "{path} leaks the key");
    }
    let found = app.anonymous().rooms("?q=cook").await.assert_status(200);
    assert_eq!(found.as_array().map(Vec::len), Some(1));
    assert_eq!(found[0]["id"], room.as_str());
    let found = app.anonymous().rooms("?q=%25").await.assert_status(200);
    assert_eq!(
        found.as_array().map(Vec::len),
        Some(0),
        "LIKE wildcards are literal"
    );

    // Publishing with the room key makes the room live, with a playback URL, listed first.
    let publisher = app.publish_ffmpeg(&key, Clip::small(4.0), &[]);
    let stream = app.wait_started().await;
    app.wait_playable(&stream).await;
    let shown = app.anonymous().room(&room).await.assert_status(200);
    assert_eq!(shown["live"]["stream_id"], stream.as_str());
    assert_eq!(
        shown["ingest_url"],
        format!("rtmp://127.0.0.1:{}/live", app.rtmp_port),
        "every room view says where OBS publishes"
    );
    let url = shown["live"]["playback_url"]
        .as_str()
        .expect("playback url")
        .to_owned();
    assert!(url.ends_with(&format!("/hls/{stream}/master.m3u8")) && !url.contains(&key));
    assert_eq!(
        app.client.get(&url).send().await.expect("GET").status(),
        200
    );
    let listed = app.anonymous().rooms("").await.assert_status(200);
    assert_eq!(listed[0]["id"], room.as_str(), "live rooms first: {listed}");
    assert_eq!(listed[1]["id"], other.as_str());
    assert_published(publisher, Duration::from_secs(30)).await;
    let (reason, _, _, _) = app.wait_ended(&stream).await;
    assert_eq!(reason, EndReason::PublisherStopped);
    let shown = app.anonymous().room(&room).await.assert_status(200);
    assert_eq!(shown["id"], room.as_str(), "{shown}");
    assert_eq!(shown["live"], Value::Null, "offline after the stream");

    // A regenerated key replaces the old one at once.
    let fresh = app
        .as_user(&olive)
        .regenerate_stream_key(&room)
        .await
        .assert_status(200);
    let new_key = fresh["stream_key"].as_str().expect("key").to_owned();
    assert_ne!(new_key, key);
    // Refusals are checked with clips far longer than the limit: a server that accepted the
    // publish (and hung, or streamed) would still be running at the limit and fail the check.
    let refusal_limit = Duration::from_secs(10);
    let old = app.publish_ffmpeg(&key, Clip::small(30.0), &[]);
    assert_refused_with(old, refusal_limit, "unknown stream key").await;

    // A disabled owner cannot publish; neither can a deleted room.
    let admin = app.admin().await;
    let user = app
        .as_user(&admin)
        .update_user(&olive.id, json!({ "disabled": true }))
        .await
        .assert_status(200);
    assert_eq!(user["disabled"], json!(true), "{user}");
    let refused = app.publish_ffmpeg(&new_key, Clip::small(30.0), &[]);
    assert_refused_with(
        refused,
        refusal_limit,
        "publishing is not allowed: the room owner's account is disabled",
    )
    .await;
    let user = app
        .as_user(&admin)
        .update_user(&olive.id, json!({ "disabled": false }))
        .await
        .assert_status(200);
    assert_eq!(user["disabled"], json!(false), "{user}");
    app.as_user(&admin)
        .delete_room(&room)
        .await
        .assert_status(204);
    // The owner may stream again, so only the room's deletion refuses this key.
    let refused = app.publish_ffmpeg(&new_key, Clip::small(30.0), &[]);
    assert_refused_with(refused, refusal_limit, "unknown stream key").await;
    app.anonymous().room(&room).await.assert_status(404);
    app.stop().await;
}

on_both_databases!(rooms_keys_and_publishing, rooms_and_keys);

fn rung(name: &str, width: u32, height: u32) -> Value {
    json!({ "name": name, "width": width, "height": height, "fps": 30, "video_kbps": 1200, "audio_kbps": null, "speed_preset": "veryfast", "profile": "main" })
}

async fn presets(backend: Backend) {
    let app = TestApp::builder().backend(backend).spawn().await;
    let admin = app.admin().await;
    let as_admin = app.as_user(&admin);
    let list = as_admin.presets().await.assert_status(200);
    let default = &list[0];
    assert_eq!(
        (default["name"].as_str(), default["is_default"].as_bool()),
        (Some("default"), Some(true))
    );
    assert_eq!(default["renditions"].as_array().map(Vec::len), Some(4));

    let bad = json!({ "name": "", "passthrough": false, "segment_seconds": 0, "window_segments": 1,
        "renditions": [rung("hd", 1281, 720), rung("hd", 640, 360), { "name": "x", "width": 640, "height": 360, "fps": 0, "video_kbps": 1, "audio_kbps": 5, "speed_preset": "veryfast", "profile": "main" }] });
    let body = as_admin.create_preset(bad).await.assert_status(422);
    let fields = &body["error"]["fields"];
    for field in [
        "name",
        "segment_seconds",
        "window_segments",
        "renditions[0].width",
        "renditions[1].name",
        "renditions[2].fps",
        "renditions[2].video_kbps",
        "renditions[2].audio_kbps",
    ] {
        assert!(fields[field].is_string(), "{field} in {body}");
    }
    let none = json!({ "name": "empty", "passthrough": false, "segment_seconds": 2, "window_segments": 6, "renditions": [] });
    let refused = as_admin.create_preset(none).await;
    assert_eq!(
        (refused.status, refused.names_field("renditions")),
        (422, true),
        "{refused}"
    );
    let refused = as_admin
        .create_preset(json!({ "name": "x", "unknown": 1 }))
        .await;
    assert_eq!(refused.status, 400, "unknown fields are refused: {refused}");

    let small = json!({ "name": "small", "passthrough": false, "segment_seconds": 1, "window_segments": 4, "renditions": [rung("240p", 426, 240)] });
    let created = as_admin
        .create_preset(small.clone())
        .await
        .assert_status(201);
    let id = created["id"].as_str().expect("id").to_owned();
    let duplicate = as_admin.create_preset(small.clone()).await;
    assert_eq!(
        (duplicate.status, duplicate.error_code()),
        (409, Some("conflict")),
        "names are unique: {duplicate}"
    );
    assert_eq!(
        duplicate.body["error"]["message"],
        "another preset has this name"
    );

    // A preset in use cannot be deleted; the default never can.
    let olive = app.register_streamer("olive").await;
    let room = app
        .as_user(&olive)
        .create_room_with_preset("Small", &id)
        .await;
    as_admin.delete_preset(&id).await.assert_status(409);
    let default_id = default["id"].as_str().expect("id");
    as_admin.delete_preset(default_id).await.assert_status(409);
    app.as_user(&olive)
        .update_room(&room.id, json!({ "preset_id": default_id }))
        .await
        .assert_status(200);
    let unused = as_admin.delete_preset(&id).await;
    assert_eq!(unused.status, 204, "unused now: {unused}");
    app.stop().await;
}

on_both_databases!(presets_validate_and_protect_what_is_in_use, presets);

/// The variant URIs of a stream's multivariant playlist.
async fn variant_uris(app: &TestApp, stream: &media::StreamId) -> Vec<String> {
    let master = app.get_text(&format!("/hls/{stream}/master.m3u8")).await;
    let parsed = m3u8_rs::parse_master_playlist_res(master.as_bytes()).expect("parses");
    let uris: Vec<String> = parsed.variants.into_iter().map(|v| v.uri).collect();
    assert!(!uris.is_empty(), "{master}");
    uris
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_preset_shapes_the_next_broadcast() {
    let mut app = TestApp::builder().spawn().await;
    let admin = app.admin().await;
    let small = |renditions: Value| json!({ "name": "small", "passthrough": false, "segment_seconds": 1, "window_segments": 4, "renditions": renditions });
    let created = app
        .as_user(&admin)
        .create_preset(small(json!([rung("240p", 426, 240)])))
        .await
        .assert_status(201);
    let preset = created["id"].as_str().expect("id").to_owned();
    let olive = app.register_streamer("olive").await;
    let key = app
        .as_user(&olive)
        .create_room_with_preset("Small", &preset)
        .await
        .stream_key;
    let publisher = app.publish_ffmpeg(&key, Clip::small(4.0), &[]);
    let stream = app.wait_started().await;
    app.wait_playable(&stream).await;
    assert_eq!(
        variant_uris(&app, &stream).await,
        ["240p/playlist.m3u8"],
        "only the preset's rung, no passthrough"
    );

    // Changing the preset mid-broadcast leaves the running broadcast as it started...
    app.as_user(&admin)
        .update_preset(&preset, small(json!([rung("360p", 640, 360)])))
        .await
        .assert_status(200);
    assert_published(publisher, Duration::from_secs(30)).await;
    app.wait_ended(&stream).await;
    assert_eq!(variant_uris(&app, &stream).await, ["240p/playlist.m3u8"]);
    let playlist = app
        .get_text(&format!("/hls/{stream}/240p/playlist.m3u8"))
        .await;
    assert!(playlist.contains("#EXT-X-ENDLIST"), "{playlist}");
    assert_eq!(
        app.get(&format!("/hls/{stream}/360p/playlist.m3u8"))
            .await
            .status(),
        404,
        "no 360p rendition in the running broadcast"
    );

    // ... and shapes the next one.
    let publisher = app.publish_ffmpeg(&key, Clip::small(3.0), &[]);
    let next = app.wait_started().await;
    app.wait_playable(&next).await;
    assert_eq!(variant_uris(&app, &next).await, ["360p/playlist.m3u8"]);
    assert_published(publisher, Duration::from_secs(30)).await;
    app.wait_ended(&next).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demoting_the_owner_ends_the_broadcast_and_refuses_the_key() {
    let mut app = TestApp::builder().spawn().await;
    let admin = app.admin().await;
    let olive = app.register_streamer("olive").await;
    let room = app.as_user(&olive).create_room("Olive").await;
    let publisher = app.publish_ffmpeg(&room.stream_key, Clip::small(30.0), &[]);
    let stream = app.wait_started().await;
    app.wait_playable(&stream).await;
    let user = app
        .as_user(&admin)
        .update_user(&olive.id, json!({ "role": "viewer" }))
        .await
        .assert_status(200);
    assert_eq!(user["role"].as_str(), Some("viewer"), "{user}");
    let (reason, _, _, finalized) = app.wait_ended(&stream).await;
    assert_eq!(reason, EndReason::Revoked);
    assert!(finalized, "the archive is kept");
    // The server closed the connection: ffmpeg fails long before its 30 s clip would end.
    assert_refused(publisher, Duration::from_secs(10)).await;
    // The room goes offline as the end is recorded, just after the event.
    app.assert_goes_offline(&room.id).await;
    let refused = app.publish_ffmpeg(&room.stream_key, Clip::small(30.0), &[]);
    assert_refused_with(
        refused,
        Duration::from_secs(10),
        "publishing is not allowed: the room owner may not stream",
    )
    .await;
    app.stop().await;
}

async fn revocation(backend: Backend) {
    let mut app = TestApp::builder().backend(backend).spawn().await;
    let admin = app.admin().await;
    let olive = app.register_streamer("olive").await;
    let first = app.as_user(&olive).create_room("First").await;
    let second = app.as_user(&olive).create_room("Second").await;

    // Deleting a room ends the broadcast running in it, cleanly.
    let publisher = app.publish_ffmpeg(&first.stream_key, Clip::small(30.0), &[]);
    let stream = app.wait_started().await;
    app.wait_playable(&stream).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    app.as_user(&admin)
        .delete_room(&first.id)
        .await
        .assert_status(204);
    let (reason, archive, _, finalized) = app.wait_ended(&stream).await;
    assert_eq!(reason, EndReason::Revoked);
    assert!(
        finalized && ffprobe_duration(&archive) >= 1.5,
        "the archive keeps what was streamed"
    );
    // The server closed the connection: ffmpeg fails long before its 30 s clip would end.
    assert_refused(publisher, Duration::from_secs(10)).await;

    // Disabling the owner ends their broadcasts too.
    let publisher = app.publish_ffmpeg(&second.stream_key, Clip::small(30.0), &[]);
    let stream = app.wait_started().await;
    app.wait_playable(&stream).await;
    app.as_user(&admin)
        .update_user(&olive.id, json!({ "disabled": true }))
        .await
        .assert_status(200);
    let (reason, _, _, _) = app.wait_ended(&stream).await;
    assert_eq!(reason, EndReason::Revoked);
    assert_refused(publisher, Duration::from_secs(10)).await;
    app.stop().await;
}

on_both_databases!(
    running_broadcasts_end_when_their_right_to_stream_is_revoked,
    revocation
);
