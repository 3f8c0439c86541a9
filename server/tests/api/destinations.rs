//! A room's restream destinations through the API: added, listed, changed and deleted by the
//! room's owner (and admins) only, validated field by field, limited in number, and their stream
//! keys write-only: no answer ever holds one, and the database holds them sealed.
//! (Pushing a live stream to real RTMP servers is in `restream`.)

use crate::support::internals::{DestinationRow, KeySealer, RESTREAM_SECRET_FILE};
use crate::support::*;
use serde_json::{json, Value};

const KEY: &str = "yt-live-key-0123-4567-89ab";
const NEW_KEY: &str = "yt-live-key-fedc-ba98-7654";
const SHORT_KEY: &str = "short-key";

/// Panics if an answer holds any of the keys the test gave.
#[track_caller]
fn assert_no_key(reply: &Reply) {
    let text = reply.body.to_string();
    for key in [KEY, NEW_KEY, SHORT_KEY] {
        assert!(
            !text.contains(key),
            "{}: a stream key was shown: {text}",
            reply.request
        );
    }
    let keyed = |d: &Value| d.as_object().is_some_and(|o| o.contains_key("stream_key"));
    let listed = reply
        .body
        .as_array()
        .is_some_and(|all| all.iter().any(keyed));
    assert!(!keyed(&reply.body) && !listed, "{reply}");
}

/// The reply, after checking it holds no key and has the `expected` status.
#[track_caller]
fn checked(reply: Reply, expected: u16) -> Value {
    assert_no_key(&reply);
    reply.assert_status(expected)
}

fn youtube() -> Value {
    json!({ "name": "  YouTube  ", "url": "rtmp://a.rtmp.youtube.com/live2", "stream_key": KEY })
}

/// The destination's row, read below the API.
async fn row(app: &TestApp, room: &str, id: &str) -> DestinationRow {
    let (room, id) = (room.to_owned(), id.to_owned());
    app.database()
        .run(move |conn| Ok(DestinationRow::find(conn, &room, &id)?))
        .await
        .expect("the row is read")
        .expect("the row exists")
}

/// Whether `needle` is anywhere in the files of the SQLite database (the write-ahead log too).
fn in_sqlite_files(app: &TestApp, needle: &[u8]) -> bool {
    ["livestream.db", "livestream.db-wal"].iter().any(|name| {
        std::fs::read(app.data_dir().join(name))
            .is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
    })
}

async fn crud(backend: Backend) {
    let app = TestApp::builder().backend(backend).spawn().await;
    let olive = app.register_streamer("olive").await;
    let room = app.as_user(&olive).create_room("Everywhere").await.id;
    let olive_api = app.as_user(&olive);
    assert_eq!(checked(olive_api.destinations(&room).await, 200), json!([]));

    // Added: trimmed, on by default, idle while the room is offline, the key shown only as a
    // hint.
    let created = checked(olive_api.create_destination(&room, youtube()).await, 201);
    let id = created["id"].as_str().expect("an id").to_owned();
    assert_eq!(created["name"], "YouTube", "{created}");
    assert_eq!(created["url"], "rtmp://a.rtmp.youtube.com/live2");
    assert_eq!(created["stream_key_hint"], "…89ab");
    assert_eq!(created["enabled"], true);
    assert_eq!(created["status"], "idle");
    assert_eq!(created["last_error"], Value::Null);
    assert_eq!(created["bytes_sent"], 0);
    assert!(
        created["created_at"].as_i64().is_some_and(|t| t > 0),
        "{created}"
    );
    let twitch = json!({ "name": "Twitch", "url": "rtmps://live.twitch.tv:443/app",
                         "stream_key": SHORT_KEY, "enabled": false });
    let second = checked(olive_api.create_destination(&room, twitch).await, 201);
    assert_eq!(
        second["stream_key_hint"], "",
        "a short key gives no hint: {second}"
    );
    assert_eq!(second["enabled"], false);
    assert_eq!(second["status"], "idle");
    let second_id = second["id"].as_str().expect("an id").to_owned();

    let listed = checked(olive_api.destinations(&room).await, 200);
    let names: Vec<&str> = listed
        .as_array()
        .expect("a list")
        .iter()
        .map(|d| d["name"].as_str().expect("a name"))
        .collect();
    assert_eq!(names, ["YouTube", "Twitch"], "oldest first: {listed}");
    assert_eq!(listed[0], created);

    // The key is sealed at rest: not in the row, not in the database's files; it opens with
    // the server's secret for this destination only.
    let stored = row(&app, &room, &id).await;
    assert!(!stored.stream_key_sealed.contains(KEY));
    assert_eq!(stored.stream_key_hint, "…89ab");
    if backend == Backend::Sqlite {
        assert!(
            !in_sqlite_files(&app, KEY.as_bytes()),
            "the key is in the database file"
        );
        assert!(
            in_sqlite_files(&app, b"a.rtmp.youtube.com"),
            "the check reads the right files"
        );
    }
    let secret = std::fs::read(app.data_dir().join(RESTREAM_SECRET_FILE))
        .expect("the generated restream secret is kept in the data directory");
    let sealer = KeySealer::new(&secret);
    assert_eq!(
        sealer.open(&id, &stored.stream_key_sealed).as_deref(),
        Ok(KEY)
    );
    assert!(sealer.open(&second_id, &stored.stream_key_sealed).is_err());
    let other = KeySealer::new(b"not-the-servers-restream-secret-at-all");
    assert!(other.open(&id, &stored.stream_key_sealed).is_err());

    // Changed: each field on its own, a new key replaces the old one (sealed anew).
    let renamed = checked(
        olive_api
            .update_destination(&room, &id, json!({ "name": " YT ", "enabled": false }))
            .await,
        200,
    );
    assert_eq!(renamed["name"], "YT", "{renamed}");
    assert_eq!(renamed["enabled"], false);
    assert_eq!(renamed["status"], "idle");
    assert_eq!(renamed["url"], "rtmp://a.rtmp.youtube.com/live2");
    let rekeyed = checked(
        olive_api
            .update_destination(
                &room,
                &id,
                json!({ "stream_key": NEW_KEY, "enabled": true }),
            )
            .await,
        200,
    );
    assert_eq!(rekeyed["stream_key_hint"], "…7654", "{rekeyed}");
    assert_eq!(rekeyed["enabled"], true);
    let resealed = row(&app, &room, &id).await.stream_key_sealed;
    assert_eq!(sealer.open(&id, &resealed).as_deref(), Ok(NEW_KEY));
    let moved = checked(
        olive_api
            .update_destination(
                &room,
                &id,
                json!({ "url": "rtmp://a.rtmp.youtube.com/backup" }),
            )
            .await,
        200,
    );
    assert_eq!(moved["url"], "rtmp://a.rtmp.youtube.com/backup");
    assert_eq!(moved["name"], "YT");
    let unchanged = checked(
        olive_api.update_destination(&room, &id, json!({})).await,
        200,
    );
    assert_eq!(unchanged, moved);

    // A destination is found only under its own room.
    let other_room = olive_api.create_room("Elsewhere").await.id;
    checked(
        olive_api
            .update_destination(&other_room, &id, json!({ "enabled": false }))
            .await,
        404,
    );
    checked(olive_api.delete_destination(&other_room, &id).await, 404);
    checked(
        olive_api.update_destination(&room, "nope", json!({})).await,
        404,
    );

    // Deleted: gone from the list; a second delete finds nothing.
    assert_eq!(
        checked(olive_api.delete_destination(&room, &id).await, 204),
        Value::Null
    );
    checked(olive_api.delete_destination(&room, &id).await, 404);
    let left = checked(olive_api.destinations(&room).await, 200);
    assert_eq!(left.as_array().map(Vec::len), Some(1), "{left}");
    assert_eq!(left[0]["id"], second_id.as_str());

    // Deleting the room deletes its destinations (and their sealed keys) with it.
    checked(olive_api.delete_room(&room).await, 204);
    checked(olive_api.destinations(&room).await, 404);
    let room_id = room.clone();
    let count = app
        .database()
        .run(move |conn| Ok(DestinationRow::count_for_room(conn, &room_id)?))
        .await
        .expect("counted");
    assert_eq!(count, 0);
    app.stop().await;
}

on_both_databases!(destinations_are_added_changed_and_deleted, crud);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_invalid_field_is_named() {
    let app = TestApp::builder().spawn().await;
    let olive = app.register_streamer("olive").await;
    let room = app.as_user(&olive).create_room("Everywhere").await.id;
    let api = app.as_user(&olive);
    let with = |field: &str, value: Value| {
        let mut body = youtube();
        body[field] = value;
        body
    };
    for (field, value) in [
        ("name", json!("")),
        ("name", json!("   ")),
        ("name", json!("tab\there")),
        ("name", json!("x".repeat(65))),
        ("url", json!("http://a.rtmp.youtube.com/live2")),
        ("url", json!("rtmp://a.rtmp.youtube.com")),
        ("url", json!("rtmp://user:pw@host/live")),
        ("url", json!("rtmp://host/live?key=1")),
        ("url", json!("rtmp://host/li ve")),
        ("url", json!(format!("rtmp://host/{}", "a".repeat(1024)))),
        ("stream_key", json!("")),
        ("stream_key", json!("has space")),
        ("stream_key", json!("line\nbreak")),
        ("stream_key", json!("k".repeat(513))),
    ] {
        let reply = api
            .create_destination(&room, with(field, value.clone()))
            .await;
        assert_no_key(&reply);
        assert_eq!(reply.status, 422, "{field} = {value}: {reply}");
        assert_eq!(reply.error_code(), Some("validation_failed"), "{reply}");
        assert!(reply.names_field(field), "{field} = {value}: {reply}");
        let fields = reply.body["error"]["fields"].as_object().map(|f| f.len());
        assert_eq!(fields, Some(1), "only {field} is named: {reply}");
    }
    // Every invalid field at once, each with its message.
    let all = api
        .create_destination(
            &room,
            json!({ "name": "", "url": "ftp://x/y", "stream_key": " " }),
        )
        .await;
    assert_eq!(all.status, 422, "{all}");
    for field in ["name", "url", "stream_key"] {
        assert!(all.names_field(field), "{field}: {all}");
    }
    assert_eq!(
        all.body["error"]["fields"]["url"], "must start with rtmp:// or rtmps://",
        "{all}"
    );
    // The longest of each is taken.
    let longest = json!({ "name": "n".repeat(64), "url": format!("rtmp://host/{}", "a".repeat(1012)),
                          "stream_key": "k".repeat(512) });
    let created = checked(api.create_destination(&room, longest).await, 201);
    let id = created["id"].as_str().expect("an id").to_owned();

    // The same rules when changing; nothing is changed by a refused update.
    for (field, value) in [
        ("name", json!(" ")),
        ("url", json!("rtmp://host")),
        ("stream_key", json!("a b")),
    ] {
        let reply = api
            .update_destination(&room, &id, json!({ field: value }))
            .await;
        assert_eq!(reply.status, 422, "{field}: {reply}");
        assert!(reply.names_field(field), "{reply}");
    }
    let listed = checked(api.destinations(&room).await, 200);
    assert_eq!(listed[0], created);

    // Malformed bodies: unknown fields, missing fields, wrong types, too large.
    for body in [
        with("colour", json!("red")),
        json!({ "name": "YouTube", "url": "rtmp://host/live" }),
        with("enabled", json!("yes")),
    ] {
        let reply = api.create_destination(&room, body.clone()).await;
        assert_eq!(reply.status, 400, "{body}: {reply}");
        assert_eq!(reply.error_code(), Some("bad_request"));
    }
    let reply = api
        .update_destination(&room, &id, json!({ "stream_key_hint": "…abcd" }))
        .await;
    assert_eq!(reply.status, 400, "{reply}");
    let huge = with("stream_key", json!("k".repeat(70 * 1024)));
    let reply = api.create_destination(&room, huge).await;
    assert_eq!(reply.status, 413, "{reply}");
    assert_eq!(reply.error_code(), Some("payload_too_large"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_owner_and_admins_manage_a_rooms_destinations() {
    let app = TestApp::builder().spawn().await;
    let olive = app.register_streamer("olive").await;
    let sam = app.register_streamer("sam").await;
    let vera = app.register_viewer("vera").await;
    let admin = app.admin().await;
    let room = app.as_user(&olive).create_room("Olive's").await.id;
    let created = checked(
        app.as_user(&olive)
            .create_destination(&room, youtube())
            .await,
        201,
    );
    let id = created["id"].as_str().expect("an id").to_owned();

    for (who, api, status) in [
        ("anonymous", app.anonymous(), 401),
        ("another streamer", app.as_user(&sam), 403),
        ("a viewer", app.as_user(&vera), 403),
    ] {
        let replies = [
            api.destinations(&room).await,
            api.create_destination(&room, youtube()).await,
            api.update_destination(&room, &id, json!({ "enabled": false }))
                .await,
            api.delete_destination(&room, &id).await,
        ];
        for reply in replies {
            assert_no_key(&reply);
            assert_eq!(reply.status, status, "{who}: {reply}");
            let code = if status == 401 {
                "unauthorized"
            } else {
                "forbidden"
            };
            assert_eq!(reply.error_code(), Some(code), "{who}: {reply}");
        }
    }
    // Nothing changed.
    let listed = checked(app.as_user(&olive).destinations(&room).await, 200);
    assert_eq!(listed, json!([created]));

    // An admin manages any room's destinations.
    let api = app.as_user(&admin);
    assert_eq!(
        checked(api.destinations(&room).await, 200),
        json!([created])
    );
    let by_admin = checked(api.create_destination(&room, youtube()).await, 201);
    let changed = checked(
        api.update_destination(&room, &id, json!({ "enabled": false }))
            .await,
        200,
    );
    assert_eq!(changed["enabled"], false);
    checked(
        api.delete_destination(&room, by_admin["id"].as_str().expect("id"))
            .await,
        204,
    );

    // A room that does not exist (or no longer does) has no destinations to show.
    checked(app.as_user(&olive).destinations("no-such-room").await, 404);
    checked(
        app.as_user(&olive)
            .create_destination("no-such-room", youtube())
            .await,
        404,
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_takes_as_many_destinations_as_configured() {
    let secret = "a-configured-restream-secret-of-32-characters";
    let app = TestApp::builder()
        .settings(move |s| {
            s.restream.max_destinations_per_room = 2;
            s.restream.secret = secret.to_owned();
        })
        .spawn()
        .await;
    let olive = app.register_streamer("olive").await;
    let api = app.as_user(&olive);
    let room = api.create_room("Two at most").await.id;
    let first = checked(api.create_destination(&room, youtube()).await, 201);
    checked(api.create_destination(&room, youtube()).await, 201);
    let refused = api.create_destination(&room, youtube()).await;
    assert_no_key(&refused);
    assert_eq!(refused.status, 409, "{refused}");
    assert_eq!(refused.error_code(), Some("conflict"));
    let listed = checked(api.destinations(&room).await, 200);
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");
    // The limit is per room, and a deleted destination frees its place.
    let other = api.create_room("Another").await.id;
    checked(api.create_destination(&other, youtube()).await, 201);
    let first_id = first["id"].as_str().expect("an id");
    checked(api.delete_destination(&room, first_id).await, 204);
    checked(api.create_destination(&room, youtube()).await, 201);

    // A configured secret seals the keys; none is generated into the data directory.
    assert!(!app.data_dir().join(RESTREAM_SECRET_FILE).exists());
    let listed = checked(api.destinations(&room).await, 200);
    let id = listed[0]["id"].as_str().expect("an id").to_owned();
    let sealed = row(&app, &room, &id).await.stream_key_sealed;
    let opened = KeySealer::new(secret.as_bytes()).open(&id, &sealed);
    assert_eq!(opened.as_deref(), Ok(KEY));
    app.stop().await;
}

/// The key sealed for one server is never sent to another: a changed URL that names another
/// scheme, host or port is refused without a new key (the stream key named), and taken with
/// one; a new application on the same server keeps the key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_url_naming_another_server_needs_its_own_key() {
    let app = TestApp::builder().spawn().await;
    let olive = app.register_streamer("olive").await;
    let room = app.as_user(&olive).create_room("Keys").await.id;
    let created = checked(
        app.as_user(&olive)
            .create_destination(&room, youtube())
            .await,
        201,
    );
    let id = created["id"].as_str().expect("id").to_owned();
    let sealed = row(&app, &room, &id).await.stream_key_sealed;
    for elsewhere in [
        "rtmp://attacker.example/live2",
        "rtmps://a.rtmp.youtube.com/live2",
        "rtmp://a.rtmp.youtube.com:1936/live2",
    ] {
        let reply = app
            .as_user(&olive)
            .update_destination(&room, &id, json!({ "url": elsewhere }))
            .await;
        assert_eq!(reply.status, 422, "{elsewhere}: {reply}");
        assert!(reply.names_field("stream_key"), "{elsewhere}: {reply}");
        assert_no_key(&reply);
    }
    let kept = row(&app, &room, &id).await;
    assert_eq!(
        kept.url, "rtmp://a.rtmp.youtube.com/live2",
        "nothing changed"
    );
    assert_eq!(kept.stream_key_sealed, sealed);
    // Another application on the same server keeps the key.
    checked(
        app.as_user(&olive)
            .update_destination(
                &room,
                &id,
                json!({ "url": "rtmp://A.RTMP.YOUTUBE.COM:1935/other" }),
            )
            .await,
        200,
    );
    assert_eq!(row(&app, &room, &id).await.stream_key_sealed, sealed);
    // Another server with its own key.
    checked(
        app.as_user(&olive)
            .update_destination(
                &room,
                &id,
                json!({ "url": "rtmp://live.twitch.example/app", "stream_key": "live_new_key_123" }),
            )
            .await,
        200,
    );
    assert_ne!(row(&app, &room, &id).await.stream_key_sealed, sealed);
    app.stop().await;
}
