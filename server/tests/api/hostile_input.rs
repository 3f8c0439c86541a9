//! Garbage on the RTMP port neither crashes the server nor disturbs a stream that is running.

use crate::support::*;
use engine::EndReason;
use rand::RngCore;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

fn random_bytes(n: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; n];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_and_truncated_handshakes_do_not_disturb_a_live_stream() {
    let mut app = TestApp::builder().spawn().await;
    let key = app.keys[0].clone();
    let publisher = app.publish_ffmpeg(&key, Clip::small(6.0), &[]);
    let id = app.wait_started().await;
    app.wait_playable(&id).await;

    let addr = format!("127.0.0.1:{}", app.rtmp_port);
    let mut held_open = Vec::new();
    for round in 0..20 {
        let mut socket = TcpStream::connect(&addr).await.expect("connect");
        let payload = match round % 4 {
            // Pure noise.
            0 => random_bytes(8192),
            // Version byte then half a C1, then hang up.
            1 => [vec![3u8], random_bytes(700)].concat(),
            // A full C0+C1+C2 of noise, then garbage chunks.
            2 => [
                vec![3u8],
                random_bytes(1536),
                random_bytes(1536),
                random_bytes(4096),
            ]
            .concat(),
            // Half a handshake, then silence: must not hold anything up.
            _ => [vec![3u8], random_bytes(100)].concat(),
        };
        let _ = socket.write_all(&payload).await;
        if round % 4 == 3 {
            held_open.push(socket);
        }
    }
    assert!(app.get("/health").await.status().is_success());

    assert_published(publisher, Duration::from_secs(30)).await;
    let (reason, archive, _, _) = app.wait_ended(&id).await;
    assert_eq!(reason, EndReason::PublisherStopped);
    assert!((ffprobe_duration(&archive) - 6.0).abs() <= 0.5);
    let playlist = app.get_text(&format!("/hls/{id}/360p/playlist.m3u8")).await;
    assert!(segments(&playlist).len() >= 5);

    // The server still takes new publishers.
    let again = app.publish_ffmpeg(&key, Clip::small(2.0), &[]);
    let second = app.wait_started().await;
    assert_published(again, Duration::from_secs(30)).await;
    app.wait_ended(&second).await;
    drop(held_open);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_application_name_is_refused() {
    let app = TestApp::builder().spawn().await;
    let url = format!("rtmp://127.0.0.1:{}/other/{}", app.rtmp_port, app.keys[0]);
    // A clip far longer than the limit: only a refusal ends it in time. The server closes
    // without a reset, so ffmpeg always reads the answer to its `connect` first.
    let publisher = app.publish_ffmpeg_to(&url, Clip::small(30.0), &[]);
    assert_refused_with(publisher, Duration::from_secs(10), "unknown application").await;
    app.stop().await;
}
