//! Revocation in every state: a publisher loses its right to broadcast (room deleted, key
//! regenerated, owner disabled or demoted) whether its pipeline has started or not, and a room
//! whose right was taken away is never marked live.

use crate::support::rtmp_peer::RtmpClient;
use crate::support::*;
use engine::EndReason;
use engine::StreamEvent;
use livestream::models::room::Room;
use reqwest::Method;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::Duration;

async fn regenerated_key(backend: Backend) {
    let mut app = TestApp::builder().backend(backend).spawn().await;
    let olive = app.register_streamer("olive").await;
    let created = app.as_user(&olive).create_room("Olive").await;
    let (room, old_key) = (created.id, created.stream_key);
    let publisher = app.publish_ffmpeg(&old_key, Clip::small(30.0), &[]);
    let stream = app.wait_started().await;
    app.wait_playable(&stream).await;
    let body = app
        .as_user(&olive)
        .regenerate_stream_key(&room)
        .await
        .assert_status(200);
    let new_key = body["stream_key"].as_str().expect("a new key").to_owned();
    assert_ne!(new_key, old_key);
    // The broadcast on the old key ends at once, cleanly, and its publisher is disconnected.
    let (reason, _, _, finalized) = app.wait_ended(&stream).await;
    assert_eq!(reason, EndReason::Revoked);
    assert!(finalized, "the archive is kept");
    assert_refused(publisher, Duration::from_secs(10)).await;
    app.assert_goes_offline(&room).await;
    let again = app.publish_ffmpeg(&old_key, Clip::small(30.0), &[]);
    assert_refused_with(again, Duration::from_secs(10), "unknown stream key").await;
    app.stop().await;
}

on_both_databases!(
    regenerating_the_key_ends_the_broadcast_on_the_old_key,
    regenerated_key
);

/// A publisher accepted but not yet started (no media sent: no pipeline) is ended by each kind of
/// revocation, and the server forgets it.
async fn before_start(backend: Backend) {
    let mut app = TestApp::builder().backend(backend).spawn().await;
    let admin = app.admin().await;
    let server = SocketAddr::from(([127, 0, 0, 1], app.rtmp_port));
    let olive = app.register_streamer("olive").await;
    let pete = app.register_streamer("pete").await;
    let dora = app.register_streamer("dora").await;
    let deleted = app.as_user(&olive).create_room("Deleted").await;
    let rekeyed = app.as_user(&olive).create_room("Rekeyed").await;
    let pete_key = app.as_user(&pete).create_room("Pete's").await.stream_key;
    let dora_key = app.as_user(&dora).create_room("Dora's").await.stream_key;

    let revocations: [(&str, Method, String, Option<Value>, String); 4] = [
        (
            "room deleted",
            Method::DELETE,
            format!("/api/rooms/{}", deleted.id),
            None,
            deleted.stream_key,
        ),
        (
            "key regenerated",
            Method::POST,
            format!("/api/rooms/{}/stream-key", rekeyed.id),
            None,
            rekeyed.stream_key,
        ),
        (
            "owner disabled",
            Method::PATCH,
            format!("/api/admin/users/{}", pete.id),
            Some(json!({ "disabled": true })),
            pete_key,
        ),
        (
            "owner demoted",
            Method::PATCH,
            format!("/api/admin/users/{}", dora.id),
            Some(json!({ "role": "viewer" })),
            dora_key,
        ),
    ];
    for (what, method, path, body, key) in revocations {
        let mut client = RtmpClient::connect(server).await.expect("RTMP connects");
        let answer = client.publish("live", &key).await;
        assert_eq!(answer.as_deref(), Ok("NetStream.Publish.Start"), "{what}");
        assert_eq!(
            app.stream_rooms.len(),
            1,
            "{what}: the publisher is tracked"
        );
        // The owner deletes and re-keys their rooms; the admin disables and demotes.
        let caller = if method == Method::PATCH {
            &admin
        } else {
            &olive
        };
        let answer = app.as_user(caller).request(method, &path, body).await;
        assert!((200..300).contains(&answer.status), "{what}: {answer}");
        client.expect_closed(Duration::from_secs(5), what).await;
        let event = app
            .wait_for(what, Duration::from_secs(10), |e| {
                matches!(e, StreamEvent::Abandoned { .. })
            })
            .await;
        assert!(
            matches!(
                event,
                StreamEvent::Abandoned {
                    reason: EndReason::Revoked,
                    ..
                }
            ),
            "{what}: {event:?}"
        );
        assert!(
            app.stream_rooms.is_empty(),
            "{what}: the server forgot the publisher"
        );
    }
    let live = app.anonymous().streams().await.assert_status(200);
    assert_eq!(live["streams"], json!([]), "{live}");
    app.stop().await;
}

on_both_databases!(
    publishers_are_revoked_before_their_pipeline_starts,
    before_start
);

/// The gate every start goes through: a room is marked live only while its publisher may still
/// broadcast there.
async fn live_gate(backend: Backend) {
    let app = TestApp::builder().backend(backend).spawn().await;
    let admin = app.admin().await;
    let olive = app.register_streamer("olive").await;
    let kept = app.as_user(&olive).create_room("Kept").await.id;
    let deleted = app.as_user(&olive).create_room("Deleted").await.id;
    let db = app.database();
    let hash = |room: String| {
        let db = db.clone();
        async move {
            db.run(move |conn| {
                use diesel::prelude::*;
                use livestream::db::schema::rooms;
                Ok(rooms::table
                    .find(room)
                    .select(rooms::stream_key_hash)
                    .first::<String>(conn)?)
            })
            .await
            .expect("the room's key hash")
        }
    };
    let (kept_hash, deleted_hash) = (hash(kept.clone()).await, hash(deleted.clone()).await);
    let set_live = |room: String, key_hash: String| {
        let db = db.clone();
        async move {
            db.run(move |conn| {
                Ok(Room::set_live_if_allowed(
                    conn,
                    &room,
                    "s0000000000000000000",
                    &key_hash,
                )?)
            })
            .await
            .expect("the update runs")
        }
    };
    app.as_user(&olive)
        .delete_room(&deleted)
        .await
        .assert_status(204);
    assert!(
        !set_live(deleted.clone(), deleted_hash).await,
        "a deleted room is never marked live"
    );
    assert!(
        !set_live(kept.clone(), "0".repeat(64)).await,
        "nor a room whose key changed"
    );
    app.as_user(&admin)
        .update_user(&olive.id, json!({ "disabled": true }))
        .await
        .assert_status(200);
    assert!(
        !set_live(kept.clone(), kept_hash.clone()).await,
        "nor the room of a disabled owner"
    );
    app.as_user(&admin)
        .update_user(&olive.id, json!({ "disabled": false }))
        .await
        .assert_status(200);
    assert!(
        set_live(kept.clone(), kept_hash).await,
        "an allowed publisher's room goes live"
    );
    app.stop().await;
}

on_both_databases!(
    a_room_is_marked_live_only_while_its_publisher_may_broadcast,
    live_gate
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_duplicate_publisher_is_forgotten() {
    let mut app = TestApp::builder().spawn().await;
    let olive = app.register_streamer("olive").await;
    let key = app.as_user(&olive).create_room("Olive").await.stream_key;
    let server = SocketAddr::from(([127, 0, 0, 1], app.rtmp_port));
    let mut first = RtmpClient::connect(server).await.expect("RTMP connects");
    assert_eq!(
        first.publish("live", &key).await.as_deref(),
        Ok("NetStream.Publish.Start")
    );
    let mut second = RtmpClient::connect(server).await.expect("RTMP connects");
    // The refusal is observed: the publish gets `_error`.
    assert_eq!(second.publish("live", &key).await.as_deref(), Ok("_error"));
    app.wait_for("the duplicate abandoned", Duration::from_secs(10), |e| {
        matches!(e, StreamEvent::Abandoned { .. })
    })
    .await;
    assert_eq!(
        app.stream_rooms.len(),
        1,
        "only the first publisher is tracked"
    );
    drop(first);
    app.wait_for("the first abandoned", Duration::from_secs(10), |e| {
        matches!(e, StreamEvent::Abandoned { .. })
    })
    .await;
    assert!(app.stream_rooms.is_empty());
    app.stop().await;
}
