//! HLS delivery and the streams API, as a player and a browser see them.

use crate::support::*;
use std::time::Duration;

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hls_is_served_with_player_friendly_headers_and_nothing_else() {
    let mut app = TestApp::builder().spawn().await;
    let key = app.keys[0].clone();
    let publisher = app.publish_ffmpeg(&key, Clip::small(4.0), &[]);
    let id = app.wait_started().await;
    app.wait_playable(&id).await;

    let master = app
        .client
        .get(format!("{}/hls/{id}/master.m3u8", app.http))
        .header("Origin", "http://player.example")
        .send()
        .await
        .expect("GET master");
    assert_eq!(master.status(), 200);
    assert_eq!(
        header(&master, "content-type"),
        "application/vnd.apple.mpegurl"
    );
    assert!(header(&master, "cache-control").contains("no-cache"));
    assert_eq!(header(&master, "access-control-allow-origin"), "*");

    // The live thumbnail: a JPEG beside the playlists, scaled from the smallest rendition.
    let thumbnail = wait_for_thumbnail(&app, &id).await;
    assert_eq!(header(&thumbnail, "content-type"), "image/jpeg");
    assert!(header(&thumbnail, "cache-control").contains("no-cache"));
    let jpeg = thumbnail.bytes().await.expect("thumbnail body");
    assert_eq!(jpeg.get(..2), Some(&[0xFF, 0xD8][..]), "a JPEG");
    let saved = app.data_dir().join("thumbnail-copy.jpg");
    std::fs::write(&saved, &jpeg).expect("save");
    assert_eq!(ffprobe_decode_size(&saved), (480, 270));

    assert_published(publisher, Duration::from_secs(30)).await;
    app.wait_ended(&id).await;
    let playlist = app.get_text(&format!("/hls/{id}/360p/playlist.m3u8")).await;
    let (first, _) = segments(&playlist).into_iter().next().expect("a segment");
    let segment = app.get(&format!("/hls/{id}/360p/{first}")).await;
    assert_eq!(segment.status(), 200);
    assert_eq!(header(&segment, "content-type"), "video/mp4");
    assert!(header(&segment, "cache-control").contains("immutable"));
    let init = app.get(&format!("/hls/{id}/360p/init.mp4")).await;
    assert_eq!(init.status(), 200);
    assert_eq!(header(&init, "content-type"), "video/mp4");
    let ranged = app
        .client
        .get(format!("{}/hls/{id}/360p/{first}", app.http))
        .header("Range", "bytes=0-99")
        .send()
        .await
        .expect("range");
    assert_eq!(ranged.status(), 206);
    assert_eq!(ranged.bytes().await.expect("body").len(), 100);

    for path in [
        "/hls/nosuchstream/master.m3u8".to_owned(),
        format!("/hls/{id}/%2e%2e%2f%2e%2e%2fCargo.toml"),
        format!("/hls/{id}/..%2F..%2F..%2Fetc%2Fpasswd"),
        format!("/hls/{id}/360p/../../../recordings/{id}.mkv"),
        format!("/hls/{id}/360p/%2e%2e/%2e%2e/%2e%2e/recordings/{id}.mkv"),
        format!("/hls/%2e%2e/recordings/{id}.mkv"),
        format!("/hls/{id}/360p/playlist.m3u8.tmp"),
    ] {
        let response = app.get(&path).await;
        assert_eq!(response.status(), 404, "{path}");
    }
    let missing = app.get("/api/nope").await;
    assert_eq!(missing.status(), 404);
    let body: serde_json::Value = missing.json().await.expect("json error");
    assert_eq!(body["error"]["code"], "not_found");
    app.stop().await;
}

/// Polls until the stream's first thumbnail is there.
async fn wait_for_thumbnail(app: &TestApp, id: &media::StreamId) -> reqwest::Response {
    for _ in 0..100 {
        let response = app.get(&format!("/hls/{id}/thumbnail.jpg")).await;
        if response.status() == 200 {
            return response;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no thumbnail for {id} within 10 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_renditions_the_thumbnail_comes_from_source_keyframes() {
    let mut app = TestApp::builder().spawn().await;
    let room = app.source_only_room().await;
    let publisher = app.publish_ffmpeg(&room.stream_key, Clip::small(6.0), &[]);
    let id = app.wait_started().await;
    app.wait_playable(&id).await;
    let jpeg = wait_for_thumbnail(&app, &id)
        .await
        .bytes()
        .await
        .expect("thumbnail body");
    let saved = app.data_dir().join("thumbnail-copy.jpg");
    std::fs::write(&saved, &jpeg).expect("save");
    assert_eq!(ffprobe_decode_size(&saved), (480, 270));
    let shown = app.anonymous().room(&room.id).await.assert_status(200);
    assert_eq!(
        shown["live"]["thumbnail_url"],
        format!("{}/hls/{id}/thumbnail.jpg", app.http)
    );
    assert_published(publisher, Duration::from_secs(30)).await;
    app.wait_ended(&id).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_api_lists_live_streams_and_never_a_key() {
    let mut app = TestApp::builder().spawn().await;
    let key = app.keys[0].clone();
    // Long enough to still be live when the first health report (2 s in) arrives.
    let publisher = app.publish_ffmpeg(&key, Clip::small(8.0), &[]);
    let id = app.wait_started().await;
    app.wait_playable(&id).await;

    let text = app.get_text("/api/streams").await;
    assert!(!text.contains(&key), "the stream key never appears");
    let body: serde_json::Value = serde_json::from_str(&text).expect("json");
    let stream = &body["streams"][0];
    assert_eq!(stream["id"], id.as_str());
    assert_eq!(
        stream["playback_url"],
        format!("{}/hls/{id}/master.m3u8", app.http)
    );
    assert_eq!(stream["media"]["video"]["width"], 640);
    assert_eq!(stream["media"]["audio"]["codec"], "mp4a.40.2");
    // The playback URL works as given.
    let url = stream["playback_url"].as_str().expect("url").to_owned();
    assert!(!url.contains(&key));
    assert_eq!(
        app.client.get(&url).send().await.expect("GET").status(),
        200
    );
    // Health figures arrive every 2 s, with durations in seconds; the first covers a full
    // interval, so its rates are real ones.
    let mut stats = serde_json::Value::Null;
    for _ in 0..100 {
        let body: serde_json::Value =
            serde_json::from_str(&app.get_text("/api/streams").await).expect("json");
        stats = body["streams"][0]["stats"].clone();
        if !stats.is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        stats["input_fps"].as_f64().is_some_and(|f| f > 0.0),
        "{stats}"
    );
    assert!(
        stats["input_kbps"].as_f64().is_some_and(|k| k > 0.0),
        "{stats}"
    );
    let rung = &stats["renditions"][0];
    assert!(rung["speed"].is_f64() && rung["behind"].is_f64(), "{stats}");

    assert_published(publisher, Duration::from_secs(30)).await;
    app.wait_ended(&id).await;
    let body: serde_json::Value =
        serde_json::from_str(&app.get_text("/api/streams").await).expect("json");
    assert_eq!(body["streams"], serde_json::json!([]));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_app_is_served_with_a_page_fallback_beside_the_api() {
    let web_dir = tempfile::tempdir().expect("temp dir");
    let web = web_dir.path().join("web");
    std::fs::create_dir_all(web.join("assets")).expect("mkdir");
    std::fs::write(
        web.join("index.html"),
        "<!doctype html><title>Livestream</title>",
    )
    .expect("write");
    std::fs::write(web.join("assets/app-4f2a.js"), "console.log(1)").expect("write");
    std::fs::write(web.join("favicon.svg"), "<svg/>").expect("write");
    std::fs::write(web.join(".env"), "secret").expect("write");
    let app = TestApp::builder()
        .settings(|s| s.http.web_root = web)
        .spawn()
        .await;
    for page in ["/", "/rooms/abc123", "/admin", "/dashboard?room=x"] {
        let response = app.get(page).await;
        assert_eq!(response.status(), 200, "{page}");
        assert!(header(&response, "content-type").starts_with("text/html"));
        assert_eq!(header(&response, "cache-control"), "no-cache");
        assert!(response
            .text()
            .await
            .expect("body")
            .contains("<title>Livestream"));
    }
    let asset = app.get("/assets/app-4f2a.js").await;
    assert_eq!(asset.status(), 200);
    assert!(header(&asset, "content-type").contains("javascript"));
    assert!(header(&asset, "cache-control").contains("immutable"));
    assert_eq!(app.get("/favicon.svg").await.status(), 200);
    // Missing assets, API and HLS paths are real 404s in the API's shape, never the page.
    for path in [
        "/assets/gone-1234.js",
        "/api/nope",
        "/api",
        "/hls/abc/master.m3u8",
        "/.env",
    ] {
        let response = app.get(path).await;
        if path == "/.env" {
            // Hidden files are never served: either a 404 or the page fallback.
            let status = response.status().as_u16();
            let body = response.text().await.expect("body");
            assert!(
                status == 404 || (status == 200 && body.contains("<title>Livestream")),
                "{path}: {status} {body}"
            );
            assert!(!body.contains("secret"));
            continue;
        }
        assert_eq!(response.status(), 404, "{path}");
        let body: serde_json::Value = response.json().await.expect("json error");
        assert_eq!(body["error"]["code"], "not_found", "{path}");
    }
    // A known path with another method is a 405 that says which methods it takes: pages are
    // read-only, API routes take what the OpenAPI document lists; unknown API paths stay 404.
    for (method, path, status, allow) in [
        ("POST", "/rooms/abc123", 405, Some("GET, HEAD")),
        ("TRACE", "/api/rooms", 405, Some("GET, POST")),
        ("PUT", "/api/rooms/abc123", 405, Some("GET, PATCH, DELETE")),
        ("DELETE", "/api/auth/me", 405, Some("GET")),
        ("POST", "/api/nope", 404, None),
    ] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let response = app
            .client
            .request(method.clone(), format!("{}{path}", app.http))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), status, "{method} {path}");
        let allowed = response
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        assert_eq!(allowed.as_deref(), allow, "{method} {path}");
        let body: serde_json::Value = response.json().await.expect("json error");
        let code = if status == 405 {
            "method_not_allowed"
        } else {
            "not_found"
        };
        assert_eq!(body["error"]["code"], code, "{method} {path}");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_thumbnail_is_refreshed_and_revalidated_with_its_etag() {
    let mut app = TestApp::builder()
        .settings(|s| s.hls.thumbnail_seconds = 1)
        .spawn()
        .await;
    let key = app.keys[0].clone();
    let publisher = app.publish_ffmpeg(&key, Clip::small(10.0), &[]);
    let id = app.wait_started().await;
    app.wait_playable(&id).await;
    let url = format!("{}/hls/{id}/thumbnail.jpg", app.http);
    let first = wait_for_thumbnail(&app, &id).await;
    let first_tag = header(&first, "etag");
    assert!(!first_tag.is_empty(), "an ETag");
    let first_jpeg = first.bytes().await.expect("body");

    // Asking with the current ETag gives 304 without a body; the picture may be replaced
    // in between, and then the answer is the new picture under a new ETag.
    let mut tag = first_tag.clone();
    let mut revalidated = false;
    for _ in 0..10 {
        let answer = app
            .client
            .get(&url)
            .header("If-None-Match", &tag)
            .send()
            .await
            .expect("GET");
        match answer.status().as_u16() {
            304 => {
                revalidated = true;
                break;
            }
            200 => {
                let fresh = header(&answer, "etag");
                assert_ne!(fresh, tag, "a full answer only for a new picture");
                tag = fresh;
            }
            other => panic!("revalidation answered {other}"),
        }
    }
    assert!(revalidated, "an unchanged thumbnail answers 304");

    // Every second a new picture replaces it (the test pattern moves), under a new ETag.
    let mut refreshed = None;
    for _ in 0..100 {
        let answer = app.get(&format!("/hls/{id}/thumbnail.jpg")).await;
        assert_eq!(answer.status(), 200);
        let tag = header(&answer, "etag");
        if tag != first_tag {
            refreshed = Some(answer.bytes().await.expect("body"));
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let refreshed = refreshed.expect("the thumbnail was refreshed within 10 s");
    assert_ne!(refreshed, first_jpeg, "a new picture");
    let saved = app.data_dir().join("thumbnail-refreshed.jpg");
    std::fs::write(&saved, &refreshed).expect("save");
    assert_eq!(ffprobe_decode_size(&saved), (480, 270), "a whole JPEG");
    let stale = app
        .client
        .get(&url)
        .header("If-None-Match", &first_tag)
        .send()
        .await
        .expect("GET");
    assert_eq!(stale.status(), 200, "an old ETag gets the new picture");

    assert_published(publisher, Duration::from_secs(30)).await;
    app.wait_ended(&id).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_segments_leave_the_window_and_ended_streams_are_removed_later() {
    let mut app = TestApp::builder()
        .settings(|s| {
            s.hls.window_segments = 3;
            s.hls.retain_ended_seconds = 4;
        })
        .spawn()
        .await;
    let key = app.keys[0].clone();
    let publisher = app.publish_ffmpeg(&key, Clip::small(10.0), &[]);
    let id = app.wait_started().await;
    app.wait_playable(&id).await;
    assert_published(publisher, Duration::from_secs(30)).await;
    app.wait_ended(&id).await;

    // Right after the end: the playlist lists the last three segments only, and the first
    // segments are no longer kept.
    let text = app.get_text(&format!("/hls/{id}/360p/playlist.m3u8")).await;
    let playlist =
        m3u8_rs::parse_media_playlist_res(text.as_bytes()).expect("media playlist parses");
    assert!(playlist.end_list, "{text}");
    assert_eq!(playlist.segments.len(), 3, "the window: {text}");
    assert!(
        playlist.media_sequence >= 5,
        "segments left the window: {text}"
    );
    for segment in &playlist.segments {
        let kept = app.get(&format!("/hls/{id}/360p/{}", segment.uri)).await;
        assert_eq!(kept.status(), 200, "{} is kept", segment.uri);
    }
    // Three more than the window are kept for players still fetching them, no older ones.
    let oldest_kept = playlist.media_sequence - 3;
    let kept = app.get(&format!("/hls/{id}/360p/{oldest_kept}.m4s")).await;
    assert_eq!(kept.status(), 200, "segment {oldest_kept} is kept");
    let dropped = app
        .get(&format!("/hls/{id}/360p/{}.m4s", oldest_kept - 1))
        .await;
    assert_eq!(
        dropped.status(),
        404,
        "segment {} was dropped",
        oldest_kept - 1
    );

    // After hls.retain_ended_seconds the ended stream's HLS is gone.
    let mut gone = false;
    for _ in 0..300 {
        let response = app.get(&format!("/hls/{id}/master.m3u8")).await;
        match response.status().as_u16() {
            200 => tokio::time::sleep(Duration::from_millis(100)).await,
            404 => {
                gone = true;
                break;
            }
            other => panic!("master playlist answered {other}"),
        }
    }
    assert!(gone, "the ended stream's HLS was removed within 30 s");
    assert!(!app.hls_dir(&id).exists(), "its directory too");
    app.stop().await;
}
