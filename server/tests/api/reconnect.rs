//! A streamer whose network drops gets back on air at once: a new connection with the room's key
//! takes over from a publisher gone quiet, and within the grace period continues the same
//! broadcast (same stream id and playback URL, one recording).

use crate::support::*;
use std::time::Duration;

const KEY: &str = "reconnect-test-key";

/// The source playlist, once it exists (404 until the first segment is written).
async fn source_playlist(server: &RealServer, id: &str) -> Option<String> {
    let r = server
        .client
        .get(format!("{}/hls/{id}/source/playlist.m3u8", server.http))
        .send()
        .await
        .expect("GET playlist");
    match r.status().as_u16() {
        200 => Some(r.text().await.expect("text")),
        404 => None,
        other => panic!("playlist status {other}"),
    }
}

fn signal(child: &tokio::process::Child, signal: &str) {
    let pid = child.id().expect("pid").to_string();
    let status = std::process::Command::new("kill")
        .args([signal, &pid])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill {signal}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_publisher_is_taken_over_and_the_broadcast_continues() {
    let server = RealServer::builder()
        .stream_key(KEY)
        .env("LIVESTREAM_RTMP__TAKEOVER_QUIET_SECONDS", "2")
        .env("LIVESTREAM_HLS__WINDOW_SEGMENTS", "60")
        .spawn()
        .await;
    let first = publish_video_only(&server.rtmp_url(KEY), 30);
    let id = server.wait_live(1, Duration::from_secs(20)).await.remove(0);
    // Some of the broadcast is out before the network freezes.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while source_playlist(&server, &id)
        .await
        .is_none_or(|p| segments(&p).len() < 3)
    {
        assert!(tokio::time::Instant::now() < deadline, "segments appear");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The publisher freezes: no FIN, no RST, nothing.
    signal(&first, "-STOP");
    tokio::time::sleep(Duration::from_secs(3)).await;

    // The streamer reconnects with the same key: accepted, and the same broadcast goes on.
    let second = publish_video_only(&server.rtmp_url(KEY), 6);
    server
        .wait_log("publisher takeover", Duration::from_secs(10))
        .await;
    let log = server.log();
    let takeover = log
        .lines()
        .find(|l| l.contains("publisher takeover"))
        .expect("takeover line");
    assert!(
        takeover.contains("previous_peer=127.0.0.1:") && takeover.contains("new_peer=127.0.0.1:"),
        "both peers are logged: {takeover}"
    );
    server
        .wait_log("the broadcast continues", Duration::from_secs(10))
        .await;
    assert_eq!(
        server.live_streams().await,
        vec![id.clone()],
        "the same stream id (and playback URL) stays live"
    );
    assert_published(second, Duration::from_secs(30)).await;
    server.wait_live(0, Duration::from_secs(20)).await;
    signal(&first, "-KILL");

    // One broadcast, one playlist, one recording covering both connections.
    let playlist = source_playlist(&server, &id).await.expect("the playlist");
    assert!(playlist.contains("#EXT-X-ENDLIST"), "{playlist}");
    let seconds: f32 = segments(&playlist).iter().map(|(_, d)| d).sum();
    assert!(
        seconds >= 8.0,
        "both parts are in the playlist: {seconds} s\n{playlist}"
    );
    let archives: Vec<_> = std::fs::read_dir(server.data_dir().join("recordings"))
        .expect("recordings")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "mkv"))
        .collect();
    assert_eq!(archives.len(), 1, "one recording: {archives:?}");
    assert!(
        ffprobe_duration(&archives[0]) >= 8.0,
        "the recording holds both parts"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publisher_that_does_not_come_back_ends_its_broadcast_after_the_grace_period() {
    let server = RealServer::builder()
        .stream_key(KEY)
        .env("LIVESTREAM_RTMP__RECONNECT_GRACE_SECONDS", "3")
        .spawn()
        .await;
    let publisher = publish_video_only(&server.rtmp_url(KEY), 30);
    server.wait_live(1, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    signal(&publisher, "-KILL");
    server
        .wait_log(
            "the broadcast waits for it to come back",
            Duration::from_secs(10),
        )
        .await;
    assert_eq!(
        server.live_streams().await.len(),
        1,
        "still live during the grace period"
    );
    server
        .wait_log("did not come back", Duration::from_secs(10))
        .await;
    server.wait_live(0, Duration::from_secs(10)).await;
}
