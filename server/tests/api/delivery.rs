//! HLS delivery and the streams API, as a player and a browser see them.

use crate::helpers::*;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hls_is_served_with_player_friendly_headers_and_nothing_else() {
    let mut app = TestApp::spawn().await;
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
    let header = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(
        header(&master, "content-type"),
        "application/vnd.apple.mpegurl"
    );
    assert!(header(&master, "cache-control").contains("no-cache"));
    assert_eq!(header(&master, "access-control-allow-origin"), "*");

    assert!(finished_ok(publisher, Duration::from_secs(30)).await);
    app.wait_ended(&id).await;
    let playlist = app.get_text(&format!("/hls/{id}/360p/playlist.m3u8")).await;
    let (first, _) = segments(&playlist).into_iter().next().expect("a segment");
    let segment = app.get(&format!("/hls/{id}/360p/{first}")).await;
    assert_eq!(segment.status(), 200);
    assert_eq!(header(&segment, "content-type"), "video/iso.segment");
    assert!(header(&segment, "cache-control").contains("immutable"));
    let init = app.get(&format!("/hls/{id}/360p/init00.mp4")).await;
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
    let body: serde_json::Value = app.get("/api/nope").await.json().await.expect("json error");
    assert_eq!(body["error"]["code"], "not_found");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_api_lists_live_streams_and_never_a_key() {
    let mut app = TestApp::spawn().await;
    let key = app.keys[0].clone();
    let publisher = app.publish_ffmpeg(&key, Clip::small(4.0), &[]);
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

    assert!(finished_ok(publisher, Duration::from_secs(30)).await);
    app.wait_ended(&id).await;
    let body: serde_json::Value = app.get("/api/streams").await.json().await.expect("json");
    assert_eq!(body["streams"], serde_json::json!([]));
    app.stop().await;
}
