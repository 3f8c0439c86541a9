//! An open chat connection keeps only the rights its user still has: logging out, being
//! disabled or demoted, losing moderator status, being banned or the token expiring take effect
//! on the open connection at once.

use crate::support::*;
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
    let app = TestApp::builder().backend(backend).spawn().await;
    let admin = app.admin().await;
    let olive = app.register_streamer("olive").await;
    let room = app.as_user(&olive).create_room("Rights").await.id;

    // Logging out everywhere ends the chat login of every open connection of the user.
    let vera = app.register_viewer("vera").await;
    let (mut client, _) = ChatClient::join(&app, &room).await;
    assert_eq!(client.auth(&vera.token).await["type"], "authenticated");
    assert_eq!(client.say("before").await["text"], "sent");
    app.as_user(&vera).log_out().await.assert_status(204);
    let frame = next_direct(&mut client).await;
    assert_eq!(
        (&frame["type"], &frame["code"]),
        (&json!("error"), &json!("unauthenticated")),
        "{frame}"
    );
    let refused = client.say("after logout").await;
    assert_eq!(refused["code"], "unauthenticated", "{refused}");

    // Disabling the user does the same.
    let walt = app.register_viewer("walt").await;
    let (mut client, _) = ChatClient::join(&app, &room).await;
    assert_eq!(client.auth(&walt.token).await["type"], "authenticated");
    app.as_user(&admin)
        .update_user(&walt.id, json!({ "disabled": true }))
        .await
        .assert_status(200);
    let frame = next_direct(&mut client).await;
    assert_eq!(frame["code"], "unauthenticated", "{frame}");
    assert_eq!(client.say("still here?").await["code"], "unauthenticated");

    // A moderator who is removed loses moderation at once; the client is told.
    let moe = app.register_viewer("moe").await;
    app.as_user(&olive)
        .appoint_moderator(&room, json!({ "user_id": moe.id }))
        .await
        .assert_status(200);
    let (mut moderator, _) = ChatClient::join(&app, &room).await;
    let authenticated = moderator.auth(&moe.token).await;
    assert_eq!(authenticated["can_moderate"], true, "{authenticated}");
    app.as_user(&olive)
        .remove_moderator(&room, &moe.id)
        .await
        .assert_status(204);
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
    let second_id = app.register_streamer("second").await.id;
    app.as_user(&admin)
        .update_user(&second_id, json!({ "role": "admin" }))
        .await
        .assert_status(200);
    // The promotion revoked the old token: log in again as an admin.
    let second = app.login("second").await;
    let (mut demoted, _) = ChatClient::join(&app, &room).await;
    assert_eq!(demoted.auth(&second.token).await["can_moderate"], true);
    app.as_user(&admin)
        .update_user(&second_id, json!({ "role": "viewer" }))
        .await
        .assert_status(200);
    let frame = next_direct(&mut demoted).await;
    assert_eq!(frame["code"], "unauthenticated", "{frame}");
    assert_eq!(
        demoted
            .act(json!({ "type": "set_chat", "enabled": false }))
            .await["code"],
        "unauthenticated"
    );

    // A banned user's next message is refused.
    let bob = app.register_viewer("bob").await;
    let (mut banned, _) = ChatClient::join(&app, &room).await;
    assert_eq!(banned.auth(&bob.token).await["type"], "authenticated");
    let (mut owner, _) = ChatClient::join(&app, &room).await;
    assert_eq!(owner.auth(&olive.token).await["can_moderate"], true);
    assert_eq!(
        owner.act(json!({ "type": "ban", "user_id": bob.id })).await["type"],
        "ack"
    );
    assert_eq!(banned.say("let me in").await["code"], "banned");
    app.stop().await;
}

on_both_databases!(open_chat_connections_lose_rights_at_once, rights);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_ends_the_chat_login() {
    let app = TestApp::builder()
        .settings(|s| s.auth.token_ttl_seconds = 2)
        .spawn()
        .await;
    let olive = app.register_streamer("olive").await;
    let room = app.as_user(&olive).create_room("Short tokens").await;
    let (mut client, _) = ChatClient::join(&app, &room.id).await;
    assert_eq!(client.auth(&olive.token).await["type"], "authenticated");
    // The server says so by itself when the token runs out (`next` waits up to 10 s).
    let frame = next_direct(&mut client).await;
    assert_eq!(frame["code"], "unauthenticated", "{frame}");
    assert_eq!(client.say("too late").await["code"], "unauthenticated");
    app.stop().await;
}
