//! HTTPS on the HTTP port (`http.tls_cert`, `http.tls_key`): HTTP/2 for clients that offer it by
//! ALPN, HTTP/1.1 for the others, absolute URLs in `https`, and LL-HLS blocking reloads — more
//! than HTTP/1.1's six connections' worth — multiplexed on one HTTP/2 connection.

use crate::support::tls::{http1_client_trusting, self_signed};
use crate::support::*;
use reqwest::Version;
use std::time::Duration;

/// A server with a fresh self-signed certificate, and that certificate's path.
async fn https_app(dir: &std::path::Path) -> (TestApp, std::path::PathBuf) {
    let (cert, key) = self_signed(dir);
    let given = cert.clone();
    let app = TestApp::builder()
        .settings(move |s| {
            s.http.tls_cert = given;
            s.http.tls_key = key;
        })
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
    let (mut app, _) = https_app(dir.path()).await;
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

    // Twelve viewers' blocking reloads for the hinted part, at once, on the client's one
    // connection: every one is answered, listing the part.
    let blocking = format!("{playlist}?_HLS_msn={msn}&_HLS_part={part}");
    let waits = (0..12).map(|_| app.get(&blocking));
    for answer in futures_util::future::join_all(waits).await {
        assert_eq!(answer.status(), 200);
        assert_eq!(answer.version(), Version::HTTP_2);
        let text = answer.text().await.expect("a playlist");
        assert!(text.contains(&format!("URI=\"{hint}.m4s\"")), "{text}");
    }
    let part = app.get(&format!("/hls/{id}/360p/{hint}.m4s")).await;
    assert_eq!(part.status(), 200);
    assert!(!part.bytes().await.expect("the part").is_empty());
    assert_published(publisher, Duration::from_secs(30)).await;
    app.stop().await;
}
