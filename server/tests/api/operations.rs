//! Running the server: one instance per data directory, and logs that keep secrets out and
//! cannot be forged from outside.

use crate::support::rtmp_peer::RtmpClient;
use crate::support::*;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_instance_on_the_same_data_directory_refuses_to_start() {
    let mut app = TestApp::builder().spawn().await;
    let key = app.keys[0].clone();
    let publisher = app.publish_ffmpeg(&key, Clip::small(30.0), &[]);
    let stream = app.wait_started().await;
    app.wait_playable(&stream).await;
    let said = RealServer::builder().refused_start(app.data_dir()).await;
    assert!(
        said.contains("another livestream instance is running on the data directory"),
        "{said}"
    );
    // The first one's live output is untouched and still served.
    let served = app.get(&format!("/hls/{stream}/master.m3u8")).await;
    assert_eq!(served.status(), 200);
    drop(publisher);
    app.stop().await;
}

/// The secrets the deployment files and the README once shipped are known to everyone: the
/// binary refuses to start with any of them, and with a restream secret under 32 characters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sample_and_weak_secrets_refuse_to_start() {
    for (name, value, said_of) in [
        (
            "LIVESTREAM_AUTH__JWT_SECRET",
            "change-me-to-a-long-random-secret-of-64-chars",
            "auth.jwt_secret is a sample value",
        ),
        (
            "LIVESTREAM_RESTREAM__SECRET",
            "change-me-to-another-long-random-secret-of-64",
            "restream.secret is a sample value",
        ),
        (
            "LIVESTREAM_AUTH__ADMIN_PASSWORD",
            "change-me-admin-passphrase",
            "auth.admin_password is a sample value",
        ),
        (
            "LIVESTREAM_AUTH__ADMIN_PASSWORD",
            "choose-a-long-passphrase",
            "auth.admin_password is a sample value",
        ),
        (
            "LIVESTREAM_RESTREAM__SECRET",
            "only-twenty-characters",
            "restream.secret must be at least 32 characters",
        ),
    ] {
        let data = tempfile::tempdir().expect("temp dir");
        let said = RealServer::builder()
            .env("LIVESTREAM_AUTH__ADMIN_USERNAME", "admin")
            .env(
                "LIVESTREAM_AUTH__ADMIN_PASSWORD",
                "Quartz-Lantern-Harbour-7731",
            )
            .env(name, value)
            .refused_start(data.path())
            .await;
        assert!(said.contains(said_of), "{name}={value}: {said}");
        assert!(
            !said.contains(value),
            "the refused value is never printed: {said}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_hold_no_stream_key_and_no_forged_lines() {
    let server = RealServer::builder()
        .stream_key("dev-key-for-logs-1234")
        .spawn()
        .await;
    // A streamer pasted the whole URL, key included, as the server URL.
    let secret = "sk_PastedKeyThatMustNeverBeLogged1234";
    let mut client = RtmpClient::connect(server.rtmp)
        .await
        .expect("RTMP connects");
    let answer = client.connect_app(&format!("live/{secret}")).await;
    assert_eq!(
        answer.as_deref(),
        Ok("_error"),
        "the application is refused"
    );
    server
        .wait_log(
            "connect to unknown RTMP application refused",
            Duration::from_secs(10),
        )
        .await;
    // A username that tries to start a log line of its own.
    let forged = "mallory\nERROR forged: the server is compromised";
    server
        .anonymous()
        .log_in(forged, "wrong-password-123")
        .await
        .assert_status(401);
    server
        .wait_log("failed login", Duration::from_secs(10))
        .await;
    let log = server.log();
    assert!(
        !log.contains("PastedKeyThatMustNeverBeLogged"),
        "the key reached the log:\n{log}"
    );
    assert!(
        !log.lines().any(|line| line.starts_with("ERROR forged")),
        "a forged line:\n{log}"
    );
    assert!(
        log.contains("mallory\\nERROR forged"),
        "the value is logged, escaped:\n{log}"
    );
}

/// SIGTERM drains: new publishers are refused while the live stream goes on (and is still
/// watched) until its publisher ends it; then the process exits cleanly, without ending the
/// stream itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_refusing_new_publishers_while_live_streams_end_on_their_own() {
    let (first_key, second_key) = (random_key(), random_key());
    let mut server = RealServer::builder()
        .stream_key(&format!("{first_key},{second_key}"))
        .env("LIVESTREAM_CLUSTER__DRAIN_SECONDS", "60")
        .spawn()
        .await;
    let first = publish_ffmpeg(&server.rtmp_url(&first_key), Clip::small(8.0), &[]);
    server.wait_live(1, Duration::from_secs(15)).await;
    server.terminate();
    server
        .wait_log(
            "draining: new publishers are refused",
            Duration::from_secs(5),
        )
        .await;
    let second = publish_ffmpeg(&server.rtmp_url(&second_key), Clip::small(3.0), &[]);
    assert_refused_with(
        second,
        Duration::from_secs(15),
        "publishing is temporarily unavailable",
    )
    .await;
    assert_eq!(
        server.live_streams().await.len(),
        1,
        "the live stream is still served"
    );
    assert_published(first, Duration::from_secs(30)).await;
    let exited = tokio::time::timeout(Duration::from_secs(20), server.child.wait())
        .await
        .expect("the process ends once its last stream has")
        .expect("wait");
    assert!(exited.success(), "clean exit: {exited:?}\n{}", server.log());
    let log = server.log();
    assert!(log.contains("this node is draining"), "{log}");
    assert!(
        !log.contains("drain over"),
        "nothing was left to end: {log}"
    );
}

/// `/metrics` speaks Prometheus on its own listener: live streams, each stream's ingest and
/// encode figures, HTTP request times by route pattern, and the database pool. The public port
/// does not serve it, and no client-chosen method becomes a label.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_report_streams_requests_and_the_database_pool() {
    let app = TestApp::builder().spawn().await;
    let metrics = app.metrics.clone().expect("metrics are on by default");
    let publisher = app.publish_ffmpeg(&app.keys[0], Clip::small(10.0), &[]);
    // Made-up methods: each is answered, none adds a series.
    for method in ["ZZZA0001", "ZZZA0002", "ZZZA0003"] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method token");
        let response = app
            .client
            .request(method, format!("{}/api/rooms", app.http))
            .send()
            .await
            .expect("answered");
        assert_eq!(response.status(), 405);
    }
    let public = app.get("/metrics").await;
    let public_status = public.status();
    let public_body = public.text().await.expect("body");
    assert!(
        !public_body.contains("livestream_"),
        "the public port serves no metrics ({public_status})"
    );
    let mut text = String::new();
    let mut stream = String::new();
    for _ in 0..100 {
        let streams = app.anonymous().streams().await.assert_status(200);
        if let Some(id) = streams["streams"][0]["id"].as_str() {
            stream = id.to_owned();
        }
        let response = app
            .client
            .get(format!("{metrics}/metrics"))
            .send()
            .await
            .expect("the metrics listener answers");
        assert_eq!(response.status(), 200);
        let kind = response.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .to_owned();
        assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
        text = response.text().await.expect("metrics text");
        if !stream.is_empty()
            && text.contains(&format!("livestream_encode_speed{{stream=\"{stream}\""))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for series in [
        format!("livestream_ingest_kbps{{stream=\"{stream}\"}}"),
        format!("livestream_ingest_fps{{stream=\"{stream}\"}}"),
        format!("livestream_encode_speed{{stream=\"{stream}\",rendition=\"source\"}}"),
        "livestream_live_streams 1".to_owned(),
        "livestream_db_connections ".to_owned(),
        "livestream_chat_connections ".to_owned(),
        "livestream_http_request_duration_seconds_bucket{route=\"/api/streams\",method=\"GET\",status=\"200\"".to_owned(),
        "livestream_http_request_duration_seconds_count{route=\"/api/rooms\",method=\"other\",status=\"405\"}".to_owned(),
    ] {
        assert!(text.contains(&series), "{series} in:\n{text}");
    }
    assert!(
        !text.contains("ZZZA"),
        "a client-chosen method became a label:\n{text}"
    );
    drop(publisher);
}
