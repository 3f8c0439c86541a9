//! Accounts: registration rules, login, tokens, logout, admin changes and disabling.

use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

async fn accounts(backend: Backend) {
    let app = TestApp::spawn_on(backend).await;

    // Weak passwords, bad names and self-made admins are refused field by field.
    let (status, body) = app
        .json(
            Method::POST,
            "/api/auth/register",
            None,
            Some(json!({ "username": "a b", "password": "password1", "role": "admin" })),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "validation_failed");
    for field in ["username", "password", "role"] {
        assert!(
            body["error"]["fields"][field].is_string(),
            "{field}: {body}"
        );
    }

    let (token, id) = app.register("alice", "viewer").await;
    let (status, body) = app
        .json(
            Method::POST,
            "/api/auth/register",
            None,
            Some(json!({ "username": "alice", "password": PASSWORD })),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("conflict"))
    );

    let (status, me) = app
        .json(Method::GET, "/api/auth/me", Some(&token), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        (me["id"].as_str(), me["role"].as_str()),
        (Some(id.as_str()), Some("viewer"))
    );
    assert!(me.get("password_hash").is_none());

    let (status, _) = app
        .json(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({ "username": "alice", "password": "wrong-password-x" })),
        )
        .await;
    assert_eq!(status, 401);
    let (status, _) = app
        .json(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({ "username": "nobody", "password": PASSWORD })),
        )
        .await;
    assert_eq!(status, 401);
    let (status, _) = app
        .json(Method::GET, "/api/auth/me", Some("not.a.token"), None)
        .await;
    assert_eq!(status, 401);

    // Refresh gives a working token; logout revokes every token of the user.
    let (status, refreshed) = app
        .json(Method::POST, "/api/auth/refresh", Some(&token), None)
        .await;
    assert_eq!(status, 200);
    let fresh = refreshed["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    assert_eq!(
        app.json(Method::POST, "/api/auth/logout", Some(&fresh), None)
            .await
            .0,
        204
    );
    assert_eq!(
        app.json(Method::GET, "/api/auth/me", Some(&token), None)
            .await
            .0,
        401
    );
    assert_eq!(
        app.json(Method::GET, "/api/auth/me", Some(&fresh), None)
            .await
            .0,
        401
    );

    // Admins change roles and disable users; a disabled user's tokens stop working at once.
    let admin = app.admin_token().await;
    let (status, user) = app
        .json(
            Method::PATCH,
            &format!("/api/admin/users/{id}"),
            Some(&admin),
            Some(json!({ "role": "streamer" })),
        )
        .await;
    assert_eq!((status, user["role"].as_str()), (200, Some("streamer")));
    // A fresh login carries the new role.
    let (status, login) = app
        .json(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({ "username": "alice", "password": PASSWORD })),
        )
        .await;
    assert_eq!(status, 200, "{login}");
    assert_eq!(login["user"]["role"], "streamer", "{login}");
    let alice = login["access_token"].as_str().expect("token").to_owned();
    let (status, me) = app
        .json(Method::GET, "/api/auth/me", Some(&alice), None)
        .await;
    assert_eq!(
        (status, me["role"].as_str()),
        (200, Some("streamer")),
        "{me}"
    );
    let (status, _) = app
        .json(
            Method::PATCH,
            &format!("/api/admin/users/{id}"),
            Some(&admin),
            Some(json!({ "disabled": true })),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        app.json(Method::GET, "/api/auth/me", Some(&alice), None)
            .await
            .0,
        401
    );
    let (status, _) = app
        .json(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({ "username": "alice", "password": PASSWORD })),
        )
        .await;
    assert_eq!(status, 401, "disabled users cannot log in");
    let (status, users) = app
        .json(Method::GET, "/api/admin/users", Some(&admin), None)
        .await;
    assert_eq!(status, 200, "{users}");
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
    let data_dir = tempfile::tempdir().expect("temp dir");
    let (mut settings, _) = test_settings(data_dir.path());
    settings.auth.login_attempts_per_minute = 5;
    let app = livestream::startup::Application::build(settings)
        .await
        .expect("builds");
    let base = format!("http://127.0.0.1:{}", app.http_port());
    let shutdown = app.shutdown_token();
    let server = tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
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
    shutdown.cancel();
    let stopped = tokio::time::timeout(std::time::Duration::from_secs(30), server).await;
    assert!(
        matches!(stopped, Ok(Ok(Ok(())))),
        "server stopped cleanly: {stopped:?}"
    );
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

    let (http_port, rtmp_port) = (free_port(), free_port());
    let _server = server_command(data_dir.path(), http_port, rtmp_port)
        .spawn()
        .expect("server starts");
    let base = format!("http://127.0.0.1:{http_port}");
    let client = reqwest::Client::new();
    wait_until_up(&client, &base).await;
    let login = json_with_status(
        client
            .post(format!("{base}/api/auth/login"))
            .json(&json!({ "username": "boss", "password": PASSWORD })),
        200,
    )
    .await;
    assert_eq!(login["user"]["role"], "admin");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_tokens_expire_and_only_valid_ones_are_refreshed() {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let (mut settings, _) = test_settings(data_dir.path());
    settings.auth.token_ttl_seconds = 3;
    let app = TestApp::spawn_with(settings, data_dir).await;
    let me = |token: String| {
        let app = &app;
        async move {
            app.json(Method::GET, "/api/auth/me", Some(&token), None)
                .await
                .0
        }
    };
    let (token, _) = app.register("tess", "viewer").await;
    assert_eq!(me(token.clone()).await, 200, "a fresh token works");
    let (status, refreshed) = app
        .json(Method::POST, "/api/auth/refresh", Some(&token), None)
        .await;
    assert_eq!(status, 200, "{refreshed}");
    let renewed = refreshed["access_token"]
        .as_str()
        .expect("token")
        .to_owned();

    // Past the lifetime (whole seconds, no leeway), both are refused and cannot be renewed.
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    assert_eq!(me(token.clone()).await, 401, "the token expired");
    assert_eq!(me(renewed.clone()).await, 401, "the renewed token expired");
    let (status, body) = app
        .json(Method::POST, "/api/auth/refresh", Some(&renewed), None)
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("unauthorized")),
        "{body}"
    );

    // Logging in again is the way back.
    let (status, login) = app
        .json(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({ "username": "tess", "password": PASSWORD })),
        )
        .await;
    assert_eq!(status, 200, "{login}");
    let fresh = login["access_token"].as_str().expect("token").to_owned();
    assert_eq!(me(fresh).await, 200);
    app.stop().await;
}
