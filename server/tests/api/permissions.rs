//! Who may call what: every API route, for anonymous callers, viewers, other streamers, the
//! room owner and admins. The route list is checked against the OpenAPI document, so a route
//! added without its permissions being decided here fails this test.

use crate::support::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;

const CALLERS: [&str; 5] = ["anonymous", "viewer", "streamer", "owner", "admin"];

fn destination(name: &str) -> Value {
    json!({ "name": name, "url": "rtmp://127.0.0.1:1/live", "stream_key": "permission-matrix-key" })
}

fn clip_of_a_second() -> Value {
    json!({ "start_seconds": 0.0, "duration_seconds": 1.0 })
}

fn preset(name: &str) -> Value {
    json!({ "name": name, "passthrough": true, "segment_seconds": 2, "window_segments": 6, "renditions": [
        { "name": "360p", "width": 640, "height": 360, "fps": 30, "video_kbps": 800, "audio_kbps": null, "speed_preset": "veryfast", "profile": "main" }
    ]})
}

async fn publish_recording(app: &mut TestApp, key: &str) -> String {
    let publisher = app.publish_ffmpeg(key, Clip::small(1.5), &[]);
    let id = app.wait_started().await;
    assert_published(publisher, Duration::from_secs(30)).await;
    app.wait_ended(&id).await;
    id.to_string()
}

async fn matrix(backend: Backend) {
    let mut app = TestApp::builder().backend(backend).spawn().await;
    let admin = app.admin().await;
    let viewer = app.register_viewer("vera").await;
    let streamer = app.register_streamer("sam").await;
    let owner = app.register_streamer("olive").await;
    let victim = app.register_streamer("victim").await.id;
    let created = app.as_user(&owner).create_room("Olive's room").await;
    let room = created.id;
    let body = app.as_user(&admin).presets().await.assert_status(200);
    let default_preset = body[0]["id"].as_str().expect("seeded preset").to_owned();
    publish_recording(&mut app, &created.stream_key).await;
    publish_recording(&mut app, &created.stream_key).await;
    let recordings = app.anonymous().recordings(&room).await.assert_status(200);
    let recording_ids: Vec<String> = recordings
        .as_array()
        .expect("list")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(recording_ids.len(), 2);
    let standing = app
        .as_user(&owner)
        .create_destination(&room, destination("standing"))
        .await
        .assert_status(201);
    let standing = standing["id"].as_str().expect("destination id").to_owned();
    let cut = |recording: String| {
        let app = &app;
        let owner = &owner;
        async move {
            let clip = app
                .as_user(owner)
                .post(
                    &format!("/api/recordings/{recording}/clips"),
                    Some(clip_of_a_second()),
                )
                .await
                .assert_status(201);
            clip["id"].as_str().expect("clip id").to_owned()
        }
    };
    let standing_clip = cut(recording_ids[0].clone()).await;

    let tokens = [
        None,
        Some(viewer.token.as_str()),
        Some(streamer.token.as_str()),
        Some(owner.token.as_str()),
        Some(admin.token.as_str()),
    ];
    // (method, documented path, expected status per caller)
    let table: Vec<(Method, &str, [u16; 5])> = vec![
        (
            Method::POST,
            "/api/auth/register",
            [201, 201, 201, 201, 201],
        ),
        (Method::POST, "/api/auth/login", [200, 200, 200, 200, 200]),
        (Method::POST, "/api/auth/refresh", [401, 200, 200, 200, 200]),
        (Method::GET, "/api/auth/me", [401, 200, 200, 200, 200]),
        (Method::GET, "/api/admin/users", [401, 403, 403, 403, 200]),
        (
            Method::PATCH,
            "/api/admin/users/{id}",
            [401, 403, 403, 403, 200],
        ),
        (
            Method::GET,
            "/api/admin/settings",
            [401, 403, 403, 403, 200],
        ),
        (
            Method::PUT,
            "/api/admin/settings",
            [401, 403, 403, 403, 200],
        ),
        (Method::GET, "/api/admin/invites", [401, 403, 403, 403, 200]),
        (
            Method::POST,
            "/api/admin/invites",
            [401, 403, 403, 403, 201],
        ),
        (
            Method::DELETE,
            "/api/admin/invites/{id}",
            [401, 403, 403, 403, 204],
        ),
        (Method::GET, "/api/rooms", [200, 200, 200, 200, 200]),
        (Method::POST, "/api/rooms", [401, 403, 201, 201, 201]),
        (Method::GET, "/api/rooms/{id}", [200, 200, 200, 200, 200]),
        (Method::PATCH, "/api/rooms/{id}", [401, 403, 403, 200, 200]),
        (Method::DELETE, "/api/rooms/{id}", [401, 403, 403, 204, 204]),
        (
            Method::POST,
            "/api/rooms/{id}/stream-key",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::GET,
            "/api/rooms/{id}/recordings",
            [200, 200, 200, 200, 200],
        ),
        // A plain GET is not a WebSocket upgrade; the chat tests use real WebSocket clients.
        (
            Method::GET,
            "/api/rooms/{id}/chat",
            [400, 400, 400, 400, 400],
        ),
        (
            Method::GET,
            "/api/rooms/{id}/moderators",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::POST,
            "/api/rooms/{id}/moderators",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::DELETE,
            "/api/rooms/{id}/moderators/{user_id}",
            [401, 403, 403, 204, 204],
        ),
        (
            Method::GET,
            "/api/rooms/{id}/destinations",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::POST,
            "/api/rooms/{id}/destinations",
            [401, 403, 403, 201, 201],
        ),
        (
            Method::PATCH,
            "/api/rooms/{id}/destinations/{dest_id}",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::DELETE,
            "/api/rooms/{id}/destinations/{dest_id}",
            [401, 403, 403, 204, 204],
        ),
        (Method::GET, "/api/presets", [401, 403, 200, 200, 200]),
        (Method::POST, "/api/presets", [401, 403, 403, 403, 201]),
        (Method::GET, "/api/presets/{id}", [401, 403, 200, 200, 200]),
        (Method::PUT, "/api/presets/{id}", [401, 403, 403, 403, 200]),
        (
            Method::DELETE,
            "/api/presets/{id}",
            [401, 403, 403, 403, 204],
        ),
        (
            Method::GET,
            "/api/recordings/{id}/file",
            [200, 200, 200, 200, 200],
        ),
        (
            Method::POST,
            "/api/recordings/{id}/clips",
            [401, 201, 201, 201, 201],
        ),
        // Not live: any logged-in caller gets the conflict.
        (
            Method::POST,
            "/api/rooms/{id}/clips",
            [401, 409, 409, 409, 409],
        ),
        (
            Method::GET,
            "/api/rooms/{id}/clips",
            [200, 200, 200, 200, 200],
        ),
        (Method::GET, "/api/clips/{id}", [200, 200, 200, 200, 200]),
        (
            Method::GET,
            "/api/clips/{id}/file",
            [200, 200, 200, 200, 200],
        ),
        (Method::DELETE, "/api/clips/{id}", [401, 403, 403, 204, 204]),
        (
            Method::DELETE,
            "/api/recordings/{id}",
            [401, 403, 403, 204, 204],
        ),
        (Method::GET, "/api/streams", [200, 200, 200, 200, 200]),
        (Method::GET, "/api/openapi.json", [200, 200, 200, 200, 200]),
        // Last: it revokes the caller's tokens.
        (Method::POST, "/api/auth/logout", [401, 204, 204, 204, 204]),
    ];

    let document = app
        .anonymous()
        .get("/api/openapi.json")
        .await
        .assert_status(200);
    let documented: BTreeSet<(String, String)> = document["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .into_iter()
                .flat_map(|ops| ops.keys())
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let covered: BTreeSet<(String, String)> = table
        .iter()
        .map(|(m, p, _)| (m.as_str().to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(
        covered, documented,
        "the permission matrix and the OpenAPI document list the same routes"
    );

    let mut failures = Vec::new();
    for (method, template, expected) in &table {
        for (i, caller) in CALLERS.iter().enumerate() {
            let unique = format!(
                "{caller}{}",
                random_key()
                    .chars()
                    .take(6)
                    .collect::<String>()
                    .to_lowercase()
            );
            // Successful calls that consume something get a fresh target each time.
            let (path, body) = match (method.as_str(), *template) {
                ("POST", "/api/auth/register") => (
                    template.to_string(),
                    Some(json!({ "username": unique, "password": PASSWORD })),
                ),
                ("POST", "/api/auth/login") => (
                    template.to_string(),
                    Some(json!({ "username": ADMIN.0, "password": ADMIN.1 })),
                ),
                ("PATCH", "/api/admin/users/{id}") => (
                    format!("/api/admin/users/{victim}"),
                    Some(json!({ "role": "streamer" })),
                ),
                ("PUT", "/api/admin/settings") => (
                    template.to_string(),
                    Some(json!({ "who_may_stream": "anyone" })),
                ),
                ("POST", "/api/admin/invites") => (template.to_string(), Some(json!({}))),
                ("DELETE", "/api/admin/invites/{id}") => {
                    let invite = app
                        .as_user(&admin)
                        .post("/api/admin/invites", Some(json!({ "valid_days": 1 })))
                        .await
                        .assert_status(201);
                    let id = invite["id"].as_str().expect("invite id");
                    (format!("/api/admin/invites/{id}"), None)
                }
                ("POST", "/api/rooms") => (template.to_string(), Some(json!({ "title": unique }))),
                ("DELETE", "/api/rooms/{id}") => {
                    let fresh = app.as_user(&owner).create_room(&unique).await;
                    (format!("/api/rooms/{}", fresh.id), None)
                }
                ("POST", "/api/rooms/{id}/moderators") => (
                    format!("/api/rooms/{room}/moderators"),
                    Some(json!({ "user_id": victim })),
                ),
                ("DELETE", "/api/rooms/{id}/moderators/{user_id}") => {
                    (format!("/api/rooms/{room}/moderators/{victim}"), None)
                }
                ("POST", "/api/rooms/{id}/destinations") => (
                    format!("/api/rooms/{room}/destinations"),
                    Some(destination(&unique)),
                ),
                ("PATCH", "/api/rooms/{id}/destinations/{dest_id}") => (
                    format!("/api/rooms/{room}/destinations/{standing}"),
                    Some(json!({ "name": unique })),
                ),
                ("DELETE", "/api/rooms/{id}/destinations/{dest_id}") => {
                    // The owner and the admin each delete one of their own; the others try the
                    // standing one.
                    let target = match *caller {
                        "owner" | "admin" => {
                            let fresh = app
                                .as_user(&owner)
                                .create_destination(&room, destination(&unique))
                                .await
                                .assert_status(201);
                            fresh["id"].as_str().expect("destination id").to_owned()
                        }
                        _ => standing.clone(),
                    };
                    (format!("/api/rooms/{room}/destinations/{target}"), None)
                }
                ("PATCH", "/api/rooms/{id}") => (
                    format!("/api/rooms/{room}"),
                    Some(json!({ "title": unique })),
                ),
                ("POST", "/api/presets") => (template.to_string(), Some(preset(&unique))),
                ("PUT", "/api/presets/{id}") => (
                    format!("/api/presets/{default_preset}"),
                    Some(preset("default")),
                ),
                ("DELETE", "/api/presets/{id}") => {
                    let created = app
                        .as_user(&admin)
                        .create_preset(preset(&unique))
                        .await
                        .assert_status(201);
                    (
                        format!("/api/presets/{}", created["id"].as_str().expect("id")),
                        None,
                    )
                }
                ("POST", "/api/recordings/{id}/clips") => (
                    format!("/api/recordings/{}/clips", recording_ids[1]),
                    Some(clip_of_a_second()),
                ),
                ("POST", "/api/rooms/{id}/clips") => (
                    format!("/api/rooms/{room}/clips"),
                    Some(json!({ "start_seconds": 5.0, "duration_seconds": 1.0 })),
                ),
                ("DELETE", "/api/clips/{id}") => {
                    // The owner and the admin each delete a clip of their own; the others try
                    // the standing one.
                    let target = match *caller {
                        "owner" | "admin" => cut(recording_ids[1].clone()).await,
                        _ => standing_clip.clone(),
                    };
                    (format!("/api/clips/{target}"), None)
                }
                (_, t) if t.starts_with("/api/clips/{id}") => {
                    (t.replace("{id}", &standing_clip), None)
                }
                ("DELETE", "/api/recordings/{id}") => {
                    // The owner deletes the first recording, the admin the second.
                    let which = if *caller == "admin" { 1 } else { 0 };
                    (format!("/api/recordings/{}", recording_ids[which]), None)
                }
                (_, t) if t.contains("/rooms/{id}") => (t.replace("{id}", &room), None),
                (_, t) if t.contains("/presets/{id}") => (t.replace("{id}", &default_preset), None),
                (_, t) if t.contains("/recordings/{id}") => {
                    (t.replace("{id}", &recording_ids[1]), None)
                }
                (_, t) => (t.to_owned(), None),
            };
            let response = app.call(method.clone(), &path, tokens[i], body).await;
            let status = response.status().as_u16();
            if status != expected[i] {
                failures.push(format!(
                    "{method} {path} as {caller}: {status}, expected {}",
                    expected[i]
                ));
            }
            if status >= 400 {
                let error: Value = response.json().await.unwrap_or(Value::Null);
                if error["error"]["code"].as_str().is_none() {
                    failures.push(format!(
                        "{method} {path} as {caller}: error without the JSON error shape"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "permission matrix:\n{}",
        failures.join("\n")
    );
    app.stop().await;
}

on_both_databases!(permission_matrix_covers_every_route, matrix);
