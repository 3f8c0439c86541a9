//! HTTPS on the HTTP port (`http.tls_cert`, `http.tls_key`): HTTP/2 for clients that offer it by
//! ALPN, HTTP/1.1 for the others, absolute URLs in `https`, and LL-HLS blocking reloads — more
//! than HTTP/1.1's six connections' worth — multiplexed on one HTTP/2 connection.

use crate::support::tls::{http1_client_trusting, self_signed};
use crate::support::*;
use reqwest::Version;
use std::time::Duration;

/// A server with a fresh self-signed certificate, and that certificate's path.
async fn https_app(dir: &std::path::Path) -> (TestApp, std::path::PathBuf) {
    https_app_with(dir, |_| {}).await
}

/// [`https_app`] with other settings changed too.
async fn https_app_with(
    dir: &std::path::Path,
    change: impl FnOnce(&mut livestream::configuration::Settings) + Send + 'static,
) -> (TestApp, std::path::PathBuf) {
    let (cert, key) = self_signed(dir);
    let given = cert.clone();
    let app = TestApp::builder()
        .settings(move |s| {
            s.http.tls_cert = given;
            s.http.tls_key = key;
        })
        .settings(change)
        .spawn()
        .await;
    assert!(app.http.starts_with("https://"), "{}", app.http);
    (app, cert)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_speaks_http2_and_http1_and_refuses_plain_http() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (app, cert) = https_app(dir.path()).await;

    let h2 = app.get("/health").await;
    assert_eq!(h2.status(), 200);
    assert_eq!(h2.version(), Version::HTTP_2, "ALPN chose HTTP/2");
    assert_eq!(
        h2.headers()["strict-transport-security"],
        "max-age=31536000",
        "HSTS over TLS"
    );

    let h1 = http1_client_trusting(&cert)
        .get(format!("{}/api/streams", app.http))
        .send()
        .await
        .expect("an HTTP/1.1 request over TLS");
    assert_eq!(h1.status(), 200);
    assert_eq!(h1.version(), Version::HTTP_11);

    // Plain HTTP on the TLS port is not served: the handshake fails and the connection closes.
    let plain = app.http.replacen("https://", "http://", 1);
    let refused = reqwest::Client::new()
        .get(format!("{plain}/health"))
        .timeout(Duration::from_secs(10))
        .send()
        .await;
    match refused {
        Err(e) => assert!(!e.is_timeout(), "refused, not left waiting: {e}"),
        Ok(r) => panic!("plain HTTP was answered: {}", r.status()),
    }
    // A client that does not trust the certificate refuses it.
    let untrusting = reqwest::Client::builder()
        .use_rustls_tls()
        .build()
        .expect("a client");
    let err = untrusting
        .get(format!("{}/health", app.http))
        .send()
        .await
        .expect_err("an untrusted certificate is refused");
    assert!(err.is_connect(), "{err}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_hls_over_http2_multiplexes_more_blocking_reloads_than_http1_connections() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut app, cert) = https_app(dir.path()).await;
    let key = app.keys[0].clone();
    let publisher = app.publish_ffmpeg(&key, Clip::small(8.0), &[]);
    let id = app.wait_started().await;
    app.wait_playable(&id).await;

    let listed = app.anonymous().get("/api/streams").await.assert_status(200);
    let url = listed["streams"][0]["playback_url"]
        .as_str()
        .unwrap_or_else(|| panic!("a playback URL: {listed}"))
        .to_owned();
    assert_eq!(url, format!("{}/hls/{id}/master.m3u8", app.http));

    let master = app.get(&format!("/hls/{id}/master.m3u8")).await;
    assert_eq!(master.status(), 200);
    assert_eq!(master.version(), Version::HTTP_2);
    let playlist = format!("/hls/{id}/360p/playlist.m3u8");
    let text = app.get_text(&playlist).await;
    let hint = text
        .lines()
        .find_map(|l| l.strip_prefix("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\""))
        .and_then(|uri| uri.strip_suffix(".m4s\""))
        .unwrap_or_else(|| panic!("a preload hint:\n{text}"))
        .to_owned();
    let (msn, part) = hint.split_once('.').expect("msn.part");

    // Twelve viewers' blocking reloads for the hinted part on one HTTP/2 connection the test
    // holds: all twelve are sent, and none answered, before the part exists; then every one is
    // answered, listing the part.
    let port = app
        .http
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a port");
    let mut connection = http2::connect(port, &cert).await;
    let blocking = format!("{playlist}?_HLS_msn={msn}&_HLS_part={part}");
    let mut waits = Vec::new();
    for _ in 0..12 {
        waits.push(http2::get(&mut connection, &blocking).await);
    }
    let mut waits: Vec<_> = waits.into_iter().map(Box::pin).collect();
    for wait in &mut waits {
        assert!(
            futures_util::FutureExt::now_or_never(wait.as_mut()).is_none(),
            "each reload waits for the part, in flight with the others"
        );
    }
    for answer in futures_util::future::join_all(waits).await {
        let answer = answer.expect("an answer on the connection");
        assert_eq!(answer.status(), 200);
        let mut body = answer.into_body();
        let mut text = Vec::new();
        while let Some(chunk) = body.data().await {
            let chunk = chunk.expect("a chunk");
            let _ = body.flow_control().release_capacity(chunk.len());
            text.extend_from_slice(&chunk);
        }
        let text = String::from_utf8_lossy(&text);
        assert!(text.contains(&format!("URI=\"{hint}.m4s\"")), "{text}");
    }
    let part = app.get(&format!("/hls/{id}/360p/{hint}.m4s")).await;
    assert_eq!(part.status(), 200);
    assert!(!part.bytes().await.expect("the part").is_empty());
    assert_published(publisher, Duration::from_secs(30)).await;
    app.stop().await;
}

/// Blocking reloads are bounded per HTTP/2 connection (`hls.max_waiting_per_connection`, 100)
/// and per client address (`hls.max_waiting_per_address`, 400), with the default settings:
/// beyond them a request is answered 503 with `Retry-After` at once, and the others still get
/// their playlist.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_reloads_are_bounded_per_connection_and_per_address() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Segments of 6 s: the reloads below wait several seconds, longer than sending them takes.
    let (mut app, cert) = https_app_with(dir.path(), |s| s.hls.segment_seconds = 6).await;
    let key = app.keys[0].clone();
    let publisher = app.publish_ffmpeg(&key, Clip::small(30.0), &[]);
    let id = app.wait_started().await;
    app.wait_playable(&id).await;
    let playlist = format!("/hls/{id}/360p/playlist.m3u8");
    let text = app.get_text(&playlist).await;
    let listed = m3u8_rs::parse_media_playlist_res(text.as_bytes()).expect("a playlist");
    // The segment after the open one: a second or more away.
    let wanted = listed.media_sequence + listed.segments.len() as u64 + 1;
    let blocking = format!("{playlist}?_HLS_msn={wanted}");
    let port = app
        .http
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a port");
    let mut connections = Vec::new();
    let mut waiting = futures_util::stream::FuturesUnordered::new();
    // Five connections of 120 reloads each, one after the other: 100 wait on each of the first
    // four and 20 are refused at once; the fifth finds its address's 400 taken.
    for i in 0..5 {
        let mut connection = http2::connect(port, &cert).await;
        let mut on_this = futures_util::stream::FuturesUnordered::new();
        for _ in 0..120 {
            on_this.push(http2::get(&mut connection, &blocking).await);
        }
        let refused = if i < 4 { 20 } else { 120 };
        for _ in 0..refused {
            let answer = futures_util::StreamExt::next(&mut on_this)
                .await
                .expect("an answer")
                .expect("an answer on the connection");
            assert_eq!(answer.status(), 503, "connection {i}");
            assert!(answer.headers().contains_key("retry-after"), "Retry-After");
        }
        waiting.extend(on_this);
        connections.push(connection);
    }
    // The 400 that waited get their playlist once the segment is out.
    let mut answered = 0;
    while let Some(answer) = futures_util::StreamExt::next(&mut waiting).await {
        assert_eq!(answer.expect("an answer").status(), 200);
        answered += 1;
    }
    assert_eq!(answered, 400);
    drop(connections);
    // Every place came back: one more reload waits and is answered.
    let again = app.get(&format!("{playlist}?_HLS_msn={wanted}")).await;
    assert_eq!(again.status(), 200);
    drop(publisher);
    app.stop().await;
}
