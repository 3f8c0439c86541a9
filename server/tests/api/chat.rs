//! Chat through real WebSocket clients: order, isolation, history, auth, moderation, limits,
//! slow clients and a thousand connections.

use crate::support::*;
use serde_json::json;
use std::time::Duration;

async fn order_isolation_history_and_auth(backend: Backend) {
    let app = TestApp::builder().backend(backend).spawn().await;
    let olive = app.register_streamer("olive").await;
    let bob = app.register_viewer("bob").await;
    let room_a = app.as_user(&olive).create_room("A").await.id;
    let room_b = app.as_user(&olive).create_room("B").await.id;
    let (mut watcher_a, history) = ChatClient::join(&app, &room_a).await;
    assert!(history.is_empty());
    let (mut watcher_b, _) = ChatClient::join(&app, &room_b).await;
    let (mut writer, _) = ChatClient::join(&app, &room_a).await;

    let refused = writer.say("hello?").await;
    assert_eq!(
        refused["code"], "unauthenticated",
        "anonymous readers cannot send"
    );
    assert_eq!(writer.auth("not-a-token").await["code"], "unauthenticated");
    let me = writer.auth(&bob.token).await;
    assert_eq!(
        (me["user"]["name"].as_str(), me["can_moderate"].as_bool()),
        (Some("bob"), Some(false))
    );

    for i in 0..20 {
        assert_eq!(writer.say(&format!("message {i}")).await["text"], "sent");
    }
    for i in 0..20 {
        let message = watcher_a.expect("message").await;
        assert_eq!(message["text"], format!("message {i}"), "in order");
        assert_eq!(
            (
                message["author"]["name"].as_str(),
                message["author"]["role"].as_str()
            ),
            (Some("bob"), Some("viewer"))
        );
        assert!(message["id"].is_string() && message["sent_at"].as_i64().is_some_and(|t| t > 0));
    }
    assert!(
        watcher_b
            .collect("message", Duration::from_millis(500))
            .await
            .is_empty(),
        "other rooms hear nothing"
    );

    assert_eq!(
        writer
            .say("<script>alert(1)</script>\u{0007}\u{202E}")
            .await["text"],
        "sent"
    );
    let cleaned = watcher_a.expect("message").await;
    assert_eq!(
        cleaned["text"], "<script>alert(1)</script>",
        "control characters stripped, text kept as text"
    );
    assert_eq!(
        writer.say(&"x".repeat(501)).await["code"],
        "invalid_message"
    );
    assert_eq!(writer.say(" \u{0000} ").await["code"], "invalid_message");
    writer
        .send(json!({ "type": "send", "text": "x", "color": "red" }))
        .await;
    assert_eq!(writer.answer().await["code"], "bad_frame");

    let (late, history) = ChatClient::join(&app, &room_a).await;
    assert_eq!(history.len(), 21);
    assert_eq!(history[0]["text"], "message 0");
    assert_eq!(history[20]["text"], "<script>alert(1)</script>");
    // Room A has three connections open (watcher, writer, late), room B one.
    let count = |room: String| {
        let app = &app;
        async move {
            let shown = app.anonymous().room(&room).await.assert_status(200);
            shown["viewer_count"].clone()
        }
    };
    assert_eq!(count(room_a.clone()).await, 3);
    assert_eq!(count(room_b.clone()).await, 1);
    drop(late);
    let mut left = json!(null);
    for _ in 0..50 {
        left = count(room_a.clone()).await;
        if left == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(left, 2, "a closed connection stops counting");
    app.stop().await;
}

on_both_databases!(
    chat_order_isolation_history_and_auth,
    order_isolation_history_and_auth
);

async fn moderation(backend: Backend) {
    let app = TestApp::builder().backend(backend).spawn().await;
    let olive = app.register_streamer("olive").await;
    let mia = app.register_viewer("mia").await;
    let bob = app.register_viewer("bob").await;
    let (mia_id, bob_id) = (&mia.id, &bob.id);
    let room = app.as_user(&olive).create_room("Moderated").await.id;
    let me = app.as_user(&olive).me().await.assert_status(200);
    let olive_id = me["id"].as_str().expect("id").to_owned();
    app.as_user(&bob)
        .appoint_moderator(&room, json!({ "user_id": bob_id }))
        .await
        .assert_status(403);
    app.as_user(&olive)
        .appoint_moderator(&room, json!({ "user_id": mia_id }))
        .await
        .assert_status(200);
    // Appointing by username, as the dashboard does; the list is by username.
    let nina_id = app.register_viewer("nina").await.id;
    let as_olive = app.as_user(&olive);
    let appointed = as_olive
        .appoint_moderator(&room, json!({ "username": " nina " }))
        .await
        .assert_status(200);
    assert_eq!(appointed, json!({ "user_id": nina_id, "username": "nina" }));
    let list = as_olive.moderators(&room).await.assert_status(200);
    assert_eq!(
        list,
        json!([{ "user_id": mia_id, "username": "mia" }, { "user_id": nina_id, "username": "nina" }])
    );
    for (body, field) in [
        (json!({ "username": "nobody-here" }), "username"),
        (json!({ "user_id": "nobody-here" }), "user_id"),
        (json!({ "user_id": mia_id, "username": "mia" }), "username"),
        (json!({}), "username"),
    ] {
        let refused = as_olive.appoint_moderator(&room, body.clone()).await;
        assert_eq!(refused.status, 422, "{body}: {refused}");
        assert!(refused.names_field(field), "{body}: {refused}");
    }
    as_olive
        .remove_moderator(&room, &nina_id)
        .await
        .assert_status(204);
    let list = as_olive.moderators(&room).await.assert_status(200);
    assert_eq!(list, json!([{ "user_id": mia_id, "username": "mia" }]));

    let (mut owner, _) = ChatClient::join(&app, &room).await;
    assert_eq!(owner.auth(&olive.token).await["can_moderate"], true);
    let (mut moderator, _) = ChatClient::join(&app, &room).await;
    assert_eq!(moderator.auth(&mia.token).await["can_moderate"], true);
    let (mut viewer, _) = ChatClient::join(&app, &room).await;
    assert_eq!(viewer.auth(&bob.token).await["can_moderate"], false);
    let (mut watcher, _) = ChatClient::join(&app, &room).await;

    // Delete: everyone is told, and history forgets that message only.
    assert_eq!(viewer.say("kind words").await["text"], "sent");
    assert_eq!(watcher.expect("message").await["text"], "kind words");
    assert_eq!(viewer.say("rude words").await["text"], "sent");
    let message = watcher.expect("message").await;
    assert_eq!(message["text"], "rude words");
    let id = message["id"].as_str().expect("id").to_owned();
    assert_eq!(
        viewer
            .act(json!({ "type": "delete", "message_id": id }))
            .await["code"],
        "forbidden",
        "viewers cannot moderate"
    );
    assert_eq!(
        moderator
            .act(json!({ "type": "delete", "message_id": id }))
            .await["type"],
        "ack"
    );
    assert_eq!(watcher.expect("message_deleted").await["id"], id.as_str());
    assert_eq!(viewer.expect("message_deleted").await["id"], id.as_str());
    let (_, history) = ChatClient::join(&app, &room).await;
    let texts: Vec<&str> = history.iter().filter_map(|m| m["text"].as_str()).collect();
    assert_eq!(texts, ["kind words"], "{history:?}");
    assert!(history.iter().all(|m| m["id"] != id.as_str()));

    // Timeout, unban, ban.
    assert_eq!(
        moderator
            .act(json!({ "type": "timeout", "user_id": bob_id, "seconds": 60 }))
            .await["type"],
        "ack"
    );
    assert_eq!(viewer.say("am I muted?").await["code"], "timed_out");
    assert_eq!(
        moderator
            .act(json!({ "type": "unban", "user_id": bob_id }))
            .await["type"],
        "ack"
    );
    assert_eq!(viewer.say("back").await["text"], "sent");
    assert_eq!(
        moderator
            .act(json!({ "type": "ban", "user_id": bob_id }))
            .await["type"],
        "ack"
    );
    assert_eq!(viewer.say("still here").await["code"], "banned");
    assert_eq!(
        moderator
            .act(json!({ "type": "ban", "user_id": olive_id }))
            .await["code"],
        "forbidden",
        "the owner cannot be banned"
    );
    assert_eq!(
        owner
            .act(json!({ "type": "unban", "user_id": bob_id }))
            .await["type"],
        "ack"
    );

    // Slow mode and chat off are announced to everyone and enforced.
    assert_eq!(
        owner
            .act(json!({ "type": "slow_mode", "seconds": 30 }))
            .await["type"],
        "ack"
    );
    assert_eq!(
        watcher.expect("room_settings").await["slow_mode_seconds"],
        30
    );
    assert_eq!(viewer.say("one").await["text"], "sent");
    assert_eq!(viewer.say("two").await["code"], "slow_mode");
    assert_eq!(
        owner
            .act(json!({ "type": "slow_mode", "seconds": 0 }))
            .await["type"],
        "ack"
    );
    assert_eq!(
        watcher.expect("room_settings").await["slow_mode_seconds"],
        0
    );
    assert_eq!(
        owner
            .act(json!({ "type": "set_chat", "enabled": false }))
            .await["type"],
        "ack"
    );
    assert_eq!(watcher.expect("room_settings").await["chat_enabled"], false);
    assert_eq!(viewer.say("hello").await["code"], "chat_disabled");
    let shown = app.anonymous().room(&room).await.assert_status(200);
    assert_eq!(shown["chat_enabled"], false);
    assert_eq!(
        owner
            .act(json!({ "type": "set_chat", "enabled": true }))
            .await["type"],
        "ack"
    );
    assert_eq!(watcher.expect("room_settings").await["chat_enabled"], true);
    assert_eq!(viewer.say("hello again").await["text"], "sent");
    // The same switch through the room API reaches connections already open.
    for enabled in [false, true] {
        as_olive
            .update_room(&room, json!({ "chat_enabled": enabled }))
            .await
            .assert_status(200);
        assert_eq!(
            watcher.expect("room_settings").await["chat_enabled"],
            enabled
        );
        let answer = viewer.say("via the API").await;
        if enabled {
            assert_eq!(answer["text"], "sent");
        } else {
            assert_eq!(answer["code"], "chat_disabled");
        }
    }

    // Removing the moderator takes effect on their next login.
    as_olive
        .remove_moderator(&room, mia_id)
        .await
        .assert_status(204);
    let (mut former, _) = ChatClient::join(&app, &room).await;
    assert_eq!(former.auth(&mia.token).await["can_moderate"], false);
    app.stop().await;
}

on_both_databases!(chat_moderation, moderation);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_rate_limit_answers_with_an_error_frame() {
    let app = TestApp::builder()
        .settings(|s| {
            s.chat.messages_per_window = 5;
            s.chat.window_seconds = 10;
        })
        .spawn()
        .await;
    let olive = app.register_streamer("olive").await;
    let room = app.as_user(&olive).create_room("Busy").await.id;
    let (mut client, _) = ChatClient::join(&app, &room).await;
    assert_eq!(client.auth(&olive.token).await["type"], "authenticated");
    for i in 0..5 {
        assert_eq!(client.say(&format!("{i}")).await["text"], "sent");
    }
    let limited = client.say("one too many").await;
    assert_eq!(limited["code"], "rate_limited", "{limited}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_client_is_disconnected_and_nobody_else_loses_anything() {
    let app = TestApp::builder()
        .settings(|s| {
            s.chat.messages_per_window = 1_000_000;
            s.chat.window_seconds = 1;
        })
        .spawn()
        .await;
    let olive = app.register_streamer("olive").await;
    let room = app.as_user(&olive).create_room("Firehose").await.id;
    // A client with a tiny receive buffer that never reads.
    let mut slow = app.stalled_chat_client(&room).await;
    let (mut healthy, _) = ChatClient::join(&app, &room).await;
    let (mut writer, _) = ChatClient::join(&app, &room).await;
    assert_eq!(writer.auth(&olive.token).await["type"], "authenticated");

    let text = "🎥".repeat(500);
    let mut sent = 0;
    let mut received = 0;
    let mut kicked = false;
    while sent < 20_000 && !kicked {
        for _ in 0..100 {
            let answer = writer.say(&text).await;
            assert_eq!(answer["text"], "sent", "{answer}");
            sent += 1;
        }
        // The healthy client keeps up with everything.
        while received < sent {
            let frame = healthy.expect("message").await;
            assert_eq!(frame["text"], text.as_str());
            received += 1;
        }
        let shown = app.anonymous().room(&room).await.assert_status(200);
        kicked = shown["viewer_count"] == 2;
    }
    assert!(kicked, "the slow client was dropped after {sent} messages");
    assert_eq!(received, sent, "the others lost nothing");
    // What the slow client finally reads ends with the server closing it as too slow.
    use futures_util::StreamExt;
    let mut code = None;
    while let Ok(Some(frame)) = tokio::time::timeout(Duration::from_secs(10), slow.next()).await {
        match frame {
            Ok(tokio_tungstenite::tungstenite::Message::Close(close)) => {
                code = close.map(|c| u16::from(c.code));
                break;
            }
            Ok(_) => continue,
            Err(_) => break,
        }
    }
    assert_eq!(code, Some(1008), "closed with policy violation (too slow)");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_viewers_in_one_room_all_get_every_message() {
    let app = TestApp::builder().spawn().await;
    let olive = app.register_streamer("olive").await;
    let room = app.as_user(&olive).create_room("Crowd").await.id;
    let url = format!(
        "{}/api/rooms/{room}/chat",
        app.http.replacen("http://", "ws://", 1)
    );
    let mut viewers = Vec::new();
    for batch in 0..10 {
        let joins: Vec<_> = (0..100)
            .map(|_| {
                let url = url.clone();
                tokio::spawn(
                    async move { tokio_tungstenite::connect_async(url).await.map(|(s, _)| s) },
                )
            })
            .collect();
        for join in joins {
            viewers.push(
                join.await
                    .expect("task")
                    .unwrap_or_else(|e| panic!("batch {batch}: {e}")),
            );
        }
    }
    let mut count = 0;
    for _ in 0..50 {
        let shown = app.anonymous().room(&room).await.assert_status(200);
        count = shown["viewer_count"]
            .as_u64()
            .unwrap_or_else(|| panic!("a viewer count: {shown}"));
        if count == 1000 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(count, 1000, "presence counts every connection");
    let (mut writer, _) = ChatClient::join(&app, &room).await;
    assert_eq!(writer.auth(&olive.token).await["type"], "authenticated");
    assert_eq!(writer.say("hello, crowd").await["text"], "sent");
    let readers: Vec<_> = viewers
        .into_iter()
        .map(|mut socket| {
            tokio::spawn(async move {
                use futures_util::StreamExt;
                let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
                while let Ok(Some(Ok(frame))) =
                    tokio::time::timeout_at(deadline, socket.next()).await
                {
                    if let tokio_tungstenite::tungstenite::Message::Text(text) = frame {
                        if text.contains(r#""type":"message""#) && text.contains("hello, crowd") {
                            return true;
                        }
                    }
                }
                false
            })
        })
        .collect();
    let mut delivered = 0;
    for reader in readers {
        if reader.await.expect("task") {
            delivered += 1;
        }
    }
    assert_eq!(delivered, 1000, "every viewer got the message");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_hiccup_gives_error_frames_not_a_crash() {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let app = TestApp::builder().spawn().await;
    let olive = app.register_streamer("olive").await;
    let room = app.as_user(&olive).create_room("Hiccup").await.id;
    let (mut writer, _) = ChatClient::join(&app, &room).await;
    assert_eq!(writer.auth(&olive.token).await["type"], "authenticated");
    let (mut watcher, _) = ChatClient::join(&app, &room).await;
    assert_eq!(writer.say("before").await["type"], "ack");
    assert_eq!(watcher.expect("message").await["text"], "before");

    // Another process-like connection holds the database's write lock past the busy timeout.
    let path = app.data_dir().join("livestream.db");
    let mut blocker =
        diesel::SqliteConnection::establish(&path.to_string_lossy()).expect("open the database");
    blocker
        .batch_execute("BEGIN EXCLUSIVE;")
        .expect("take the write lock");
    let failed = writer.say("during").await;
    assert_eq!(
        (failed["type"].as_str(), failed["code"].as_str()),
        (Some("error"), Some("unavailable")),
        "{failed}"
    );
    blocker
        .batch_execute("ROLLBACK;")
        .expect("release the lock");

    // Same connection, still open, works again; nobody saw the lost message.
    assert_eq!(writer.say("after").await["type"], "ack");
    assert_eq!(watcher.expect("message").await["text"], "after");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_connection_is_closed_as_idle() {
    let app = TestApp::builder()
        .settings(|s| s.chat.idle_timeout_seconds = 3)
        .spawn()
        .await;
    let olive = app.register_streamer("olive").await;
    let room = app.as_user(&olive).create_room("Quiet").await.id;
    let (mut silent, _) = ChatClient::join(&app, &room).await;
    let (mut chatty, _) = ChatClient::join(&app, &room).await;
    // The silent client neither reads (so it answers no pings) nor sends; the chatty one pings.
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        chatty.send(json!({ "type": "ping" })).await;
    }
    // The server closed it (close code 1001, or, when the client's own pong hits the closed
    // socket first, an I/O error) and no longer counts it as a viewer.
    let closed = tokio::time::timeout(Duration::from_secs(10), silent.expect("closed"))
        .await
        .expect("the silent client is closed");
    assert!(
        closed["code"] == 1001 || closed["error"].is_string(),
        "{closed}"
    );
    let shown = app.anonymous().room(&room).await.assert_status(200);
    assert_eq!(
        shown["viewer_count"], 1,
        "only the active client remains: {shown}"
    );
    chatty.send(json!({ "type": "ping" })).await;
    assert_eq!(
        chatty.expect("pong").await["type"],
        "pong",
        "an active client stays"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_holds_the_last_fifty_messages() {
    let app = TestApp::builder().spawn().await;
    let olive = app.register_streamer("olive").await;
    let room = app.as_user(&olive).create_room("Chatty").await.id;
    let (mut writer, _) = ChatClient::join(&app, &room).await;
    assert_eq!(writer.auth(&olive.token).await["type"], "authenticated");
    for i in 0..55 {
        assert_eq!(writer.say(&format!("message {i}")).await["text"], "sent");
    }
    let (_, history) = ChatClient::join(&app, &room).await;
    let texts: Vec<&str> = history.iter().filter_map(|m| m["text"].as_str()).collect();
    let expected: Vec<String> = (5..55).map(|i| format!("message {i}")).collect();
    assert_eq!(texts, expected, "the newest 50, oldest first");
    app.stop().await;
}
