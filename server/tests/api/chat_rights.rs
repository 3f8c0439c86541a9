//! An open chat connection keeps only the rights its user still has: logging out, being
//! disabled or demoted, losing moderator status, being banned or the token expiring take effect
//! on the open connection at once.

use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

/// The next frame that is neither a viewer count nor a notice nor a message.
async fn next_direct(client: &mut ChatClient) -> serde_json::Value {
    loop {
        let frame = client.next().await;
        match frame["type"].as_str() {
            Some("viewer_count" | "notice" | "message" | "room_settings") => continue,
            _ => return frame,
        }
    }
}

async fn rights(backend: Backend) {
    let app = TestApp::spawn_on(backend).await;
    let admin = app.admin_token().await;
    let (olive, _) = app.register("olive", "streamer").await;
    let (room, _) = app.create_room(&olive, "Rights").await;

    // Logging out everywhere ends the chat login of every open connection of the user.
    let (vera, _) = app.register("vera", "viewer").await;
    let (mut client, _) = ChatClient::join(&app, &room).await;
    assert_eq!(client.auth(&vera).await["type"], "authenticated");
    assert_eq!(client.say("before").await["text"], "sent");
    let (status, _) = app
        .json(Method::POST, "/api/auth/logout", Some(&vera), None)
        .await;
    assert_eq!(status, 204);
    let frame = next_direct(&mut client).await;
    assert_eq!(
        (&frame["type"], &frame["code"]),
        (&json!("error"), &json!("unauthenticated")),
        "{frame}"
    );
    let refused = client.say("after logout").await;
    assert_eq!(refused["code"], "unauthenticated", "{refused}");

    // Disabling the user does the same.
    let (walt, walt_id) = app.register("walt", "viewer").await;
    let (mut client, _) = ChatClient::join(&app, &room).await;
    assert_eq!(client.auth(&walt).await["type"], "authenticated");
    let (status, _) = app
        .json(
            Method::PATCH,
            &format!("/api/admin/users/{walt_id}"),
            Some(&admin),
            Some(json!({ "disabled": true })),
        )
        .await;
    assert_eq!(status, 200);
    let frame = next_direct(&mut client).await;
    assert_eq!(frame["code"], "unauthenticated", "{frame}");
    assert_eq!(client.say("still here?").await["code"], "unauthenticated");

    // A moderator who is removed loses moderation at once; the client is told.
    let (mo, mo_id) = app.register("moe", "viewer").await;
    let (status, _) = app
        .json(
            Method::POST,
            &format!("/api/rooms/{room}/moderators"),
            Some(&olive),
            Some(json!({ "user_id": mo_id })),
        )
        .await;
    assert_eq!(status, 200);
    let (mut moderator, _) = ChatClient::join(&app, &room).await;
    let authenticated = moderator.auth(&mo).await;
    assert_eq!(authenticated["can_moderate"], true, "{authenticated}");
    let (status, _) = app
        .json(
            Method::DELETE,
            &format!("/api/rooms/{room}/moderators/{mo_id}"),
            Some(&olive),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let frame = next_direct(&mut moderator).await;
    assert_eq!(
        (&frame["type"], &frame["can_moderate"]),
        (&json!("authenticated"), &json!(false)),
        "{frame}"
    );
    let refused = moderator
        .act(json!({ "type": "slow_mode", "seconds": 5 }))
        .await;
    assert_eq!(refused["code"], "forbidden", "{refused}");

    // An admin demoted to viewer loses moderation (and their login: a role change revokes tokens).
    let (_, second_id) = app.register("second", "streamer").await;
    let (status, _) = app
        .json(
            Method::PATCH,
            &format!("/api/admin/users/{second_id}"),
            Some(&admin),
            Some(json!({ "role": "admin" })),
        )
        .await;
    assert_eq!(status, 200);
    // The promotion revoked the old token: log in again as an admin.
    let second = app.login("second").await;
    let (mut demoted, _) = ChatClient::join(&app, &room).await;
    assert_eq!(demoted.auth(&second).await["can_moderate"], true);
    let (status, _) = app
        .json(
            Method::PATCH,
            &format!("/api/admin/users/{second_id}"),
            Some(&admin),
            Some(json!({ "role": "viewer" })),
        )
        .await;
    assert_eq!(status, 200);
    let frame = next_direct(&mut demoted).await;
    assert_eq!(frame["code"], "unauthenticated", "{frame}");
    assert_eq!(
        demoted
            .act(json!({ "type": "set_chat", "enabled": false }))
            .await["code"],
        "unauthenticated"
    );

    // A banned user's next message is refused.
    let (bob, bob_id) = app.register("bob", "viewer").await;
    let (mut banned, _) = ChatClient::join(&app, &room).await;
    assert_eq!(banned.auth(&bob).await["type"], "authenticated");
    let (mut owner, _) = ChatClient::join(&app, &room).await;
    assert_eq!(owner.auth(&olive).await["can_moderate"], true);
    assert_eq!(
        owner.act(json!({ "type": "ban", "user_id": bob_id })).await["type"],
        "ack"
    );
    assert_eq!(banned.say("let me in").await["code"], "banned");
    app.stop().await;
}

on_both_databases!(open_chat_connections_lose_rights_at_once, rights);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_ends_the_chat_login() {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let (mut settings, _) = test_settings(data_dir.path());
    settings.auth.token_ttl_seconds = 2;
    let app = TestApp::spawn_with(settings, data_dir).await;
    let (olive, _) = app.register("olive", "streamer").await;
    let (room, _) = app.create_room(&olive, "Short tokens").await;
    let (mut client, _) = ChatClient::join(&app, &room).await;
    assert_eq!(client.auth(&olive).await["type"], "authenticated");
    // The server says so by itself when the token runs out (`next` waits up to 10 s).
    let frame = next_direct(&mut client).await;
    assert_eq!(frame["code"], "unauthenticated", "{frame}");
    assert_eq!(client.say("too late").await["code"], "unauthenticated");
    app.stop().await;
}
