//! Accounts: registration rules, login, tokens, logout, admin changes and disabling.

use crate::support::*;
use serde_json::json;

async fn accounts(backend: Backend) {
    let app = TestApp::builder().backend(backend).spawn().await;

    // Weak passwords, bad names and self-made admins are refused field by field.
    let refused = app
        .anonymous()
        .register(json!({ "username": "a b", "password": "password1", "role": "admin" }))
        .await;
    assert_eq!(refused.status, 422, "{refused}");
    assert_eq!(refused.error_code(), Some("validation_failed"), "{refused}");
    for field in ["username", "password", "role"] {
        assert!(refused.names_field(field), "{field}: {refused}");
    }

    let alice = app.register_viewer("alice").await;
    let taken = app
        .anonymous()
        .register(json!({ "username": "alice", "password": PASSWORD }))
        .await;
    assert_eq!(
        (taken.status, taken.error_code()),
        (409, Some("conflict")),
        "{taken}"
    );

    let me = app.as_user(&alice).me().await.assert_status(200);
    assert_eq!(
        (me["id"].as_str(), me["role"].as_str()),
        (Some(alice.id.as_str()), Some("viewer"))
    );
    assert!(me.get("password_hash").is_none());

    app.anonymous()
        .log_in("alice", "wrong-password-x")
        .await
        .assert_status(401);
    app.anonymous()
        .log_in("nobody", PASSWORD)
        .await
        .assert_status(401);
    app.with_token("not.a.token").me().await.assert_status(401);

    // Refresh gives a working token; logout revokes every token of the user.
    let refreshed = app.as_user(&alice).refresh().await.assert_status(200);
    let fresh = access_token(&refreshed);
    app.with_token(&fresh).log_out().await.assert_status(204);
    app.as_user(&alice).me().await.assert_status(401);
    app.with_token(&fresh).me().await.assert_status(401);

    // Admins change roles and disable users; a disabled user's tokens stop working at once.
    let admin = app.admin().await;
    let user = app
        .as_user(&admin)
        .update_user(&alice.id, json!({ "role": "streamer" }))
        .await
        .assert_status(200);
    assert_eq!(user["role"].as_str(), Some("streamer"), "{user}");
    // A fresh login carries the new role.
    let login = app
        .anonymous()
        .log_in("alice", PASSWORD)
        .await
        .assert_status(200);
    assert_eq!(login["user"]["role"], "streamer", "{login}");
    let relogged = access_token(&login);
    let me = app.with_token(&relogged).me().await.assert_status(200);
    assert_eq!(me["role"].as_str(), Some("streamer"), "{me}");
    app.as_user(&admin)
        .update_user(&alice.id, json!({ "disabled": true }))
        .await
        .assert_status(200);
    app.with_token(&relogged).me().await.assert_status(401);
    let refused = app.anonymous().log_in("alice", PASSWORD).await;
    assert_eq!(
        refused.status, 401,
        "disabled users cannot log in: {refused}"
    );
    let users = app.as_user(&admin).users().await.assert_status(200);
    assert!(users
        .as_array()
        .expect("list")
        .iter()
        .any(|u| u["username"] == "alice" && u["disabled"] == true));
    app.stop().await;
}

on_both_databases!(accounts_register_login_tokens_and_admin, accounts);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_is_rate_limited_and_bodies_are_bounded() {
    let app = TestApp::builder()
        .settings(|s| s.auth.login_attempts_per_minute = 5)
        .spawn()
        .await;
    let (base, client) = (&app.http, &app.client);
    let mut statuses = Vec::new();
    for _ in 0..7 {
        let r = client
            .post(format!("{base}/api/auth/login"))
            .json(&json!({ "username": "x", "password": "y" }))
            .send()
            .await
            .expect("login");
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429, 429]);

    let huge = json!({ "username": "x", "password": "x".repeat(100_000) });
    let r = client
        .post(format!("{base}/api/auth/register"))
        .json(&huge)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 413);
    let body: serde_json::Value = r.json().await.expect("json error");
    assert_eq!(body["error"]["code"], "payload_too_large");
    let r = client
        .post(format!("{base}/api/auth/register"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 400);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_admin_can_come_from_the_command_line() {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let create = |password: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_livestream"))
            .args(["admin", "create", "--username", "boss"])
            .env("LIVESTREAM_STORAGE__DATA_DIR", data_dir.path())
            .env("LIVESTREAM_ADMIN_PASSWORD", password)
            .output()
            .expect("binary runs")
    };
    assert!(
        !create("weak").status.success(),
        "weak passwords are refused"
    );
    let out = create(PASSWORD);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !create(PASSWORD).status.success(),
        "an existing user is not overwritten"
    );

    let server = RealServer::builder()
        .data_dir(data_dir.path())
        .spawn()
        .await;
    let login = server
        .anonymous()
        .log_in("boss", PASSWORD)
        .await
        .assert_status(200);
    assert_eq!(login["user"]["role"], "admin");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_tokens_expire_and_only_valid_ones_are_refreshed() {
    let app = TestApp::builder()
        .settings(|s| s.auth.token_ttl_seconds = 3)
        .spawn()
        .await;
    let me = |token: String| {
        let app = &app;
        async move { app.with_token(&token).me().await.status }
    };
    let token = app.register_viewer("tess").await.token;
    assert_eq!(me(token.clone()).await, 200, "a fresh token works");
    let refreshed = app.with_token(&token).refresh().await.assert_status(200);
    let renewed = access_token(&refreshed);

    // Past the lifetime (whole seconds, no leeway), both are refused and cannot be renewed.
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    assert_eq!(me(token.clone()).await, 401, "the token expired");
    assert_eq!(me(renewed.clone()).await, 401, "the renewed token expired");
    let refused = app.with_token(&renewed).refresh().await;
    assert_eq!(
        (refused.status, refused.error_code()),
        (401, Some("unauthorized")),
        "{refused}"
    );

    // Logging in again is the way back.
    let fresh = app.login("tess").await.token;
    assert_eq!(me(fresh).await, 200);
    app.stop().await;
}

/// The claims of a token, read without checking it (the test looks at what the server signed).
fn claims_of(token: &str) -> serde_json::Value {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).expect("a JWT");
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice(&json).expect("JSON claims")
}

/// Refreshing renews a token within its session, never past `auth.max_session_hours` after the
/// login: a refreshed token keeps its session's start, and a token (signed with the server's own
/// key) of a session that began longer ago is refused, and cannot be refreshed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ends_max_session_hours_after_its_login_however_often_refreshed() {
    let app = TestApp::builder()
        .settings(|s| s.auth.max_session_hours = 1)
        .spawn()
        .await;
    let tess = app.register_viewer("tess").await;
    let first = claims_of(&tess.token);
    let started = first["sat"].as_u64().expect("the session's start");
    let refreshed = app
        .with_token(&tess.token)
        .refresh()
        .await
        .assert_status(200);
    let renewed = claims_of(&access_token(&refreshed));
    assert_eq!(
        renewed["sat"].as_u64(),
        Some(started),
        "the session carries on"
    );
    assert!(renewed["exp"].as_u64().expect("exp") <= started + 3600);
    assert!(refreshed["expires_in"].as_u64().expect("expires_in") <= 3600);

    // A token of this user whose session began an hour and a second ago, signed by the server.
    let secret = std::fs::read(app.data_dir().join("jwt_secret")).expect("the token secret");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs();
    let mut old = renewed.clone();
    old["sat"] = (now - 3601).into();
    old["iat"] = now.into();
    old["exp"] = (now + 600).into();
    let stale = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &old,
        &jsonwebtoken::EncodingKey::from_secret(&secret),
    )
    .expect("signed");
    assert_eq!(
        app.with_token(&stale).me().await.status,
        401,
        "the session is over"
    );
    let refused = app.with_token(&stale).refresh().await;
    assert_eq!(
        (refused.status, refused.error_code()),
        (401, Some("unauthorized"))
    );
    // The same claims within the session are taken: only the session's age refuses it.
    old["sat"] = (now - 3500).into();
    let young = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &old,
        &jsonwebtoken::EncodingKey::from_secret(&secret),
    )
    .expect("signed");
    assert_eq!(app.with_token(&young).me().await.status, 200);
    app.stop().await;
}
