//! Restreaming to real RTMP servers (two nginx-rtmp processes) from the real binary: both get the
//! stream, one dying disturbs neither the other nor the viewers, it is reconnected when it comes
//! back, a destination can be turned off and on while live, and the destinations' keys never
//! reach a log or a response.

use crate::support::rooms::CreatedRoom;
use crate::support::User;
use crate::support::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

const KEY_A: &str = "dest-a-secret-key-3141592";
const KEY_B: &str = "dest-b-secret-key-2718281";

/// The room's destinations as the API shows them (status checked), every body checked for
/// the keys.
async fn destinations(server: &RealServer, user: &User, room: &str) -> Vec<Value> {
    let reply = server
        .as_user(user)
        .request(
            Method::GET,
            &format!("/api/rooms/{room}/destinations"),
            None,
        )
        .await;
    let body = reply.assert_status(200);
    assert_no_key(&body.to_string());
    body.as_array()
        .unwrap_or_else(|| panic!("a list of destinations: {body}"))
        .clone()
}

fn assert_no_key(text: &str) {
    for key in [KEY_A, KEY_B] {
        assert!(!text.contains(key), "a destination's key was shown: {text}");
    }
}

/// Waits until the destination named `name` has `status`; panics with what it had.
async fn wait_status(
    server: &RealServer,
    user: &User,
    room: &str,
    name: &str,
    status: &str,
) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let all = destinations(server, user, room).await;
        let found = all
            .iter()
            .find(|d| d["name"] == name)
            .unwrap_or_else(|| panic!("destination {name} listed: {all:?}"))
            .clone();
        if found["status"] == status {
            return found;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{name} never became {status}: {found}\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn add_destination(
    server: &RealServer,
    user: &User,
    room: &str,
    name: &str,
    url: &str,
    key: &str,
) -> Value {
    let body = json!({ "name": name, "url": url, "stream_key": key, "enabled": true });
    let created = server
        .as_user(user)
        .request(
            Method::POST,
            &format!("/api/rooms/{room}/destinations"),
            Some(body),
        )
        .await
        .assert_status(201);
    assert_no_key(&created.to_string());
    created
}

/// A server that may restream to loopback, streamer olive, her room `title`, and one nginx-rtmp
/// destination "A" (key [`KEY_A`]) that room pushes to.
async fn one_destination(title: &str) -> (NginxRtmp, RealServer, User, CreatedRoom) {
    let sink = NginxRtmp::start().await;
    let server = RealServer::builder()
        .env("LIVESTREAM_RESTREAM__ALLOW_PRIVATE_DESTINATIONS", "true")
        .spawn()
        .await;
    let olive = server.register_streamer("olive").await;
    let room = server.as_user(&olive).create_room(title).await;
    add_destination(&server, &olive, &room.id, "A", &sink.url(), KEY_A).await;
    (sink, server, olive, room)
}

/// The newest media sequence number of the stream's 360p playlist, once it has one.
async fn media_sequence(server: &RealServer, stream: &str) -> u64 {
    let url = format!("{}/hls/{stream}/360p/playlist.m3u8", server.http);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let playlist = loop {
        let response = server
            .client
            .get(&url)
            .send()
            .await
            .expect("GET the playlist");
        if response.status() == 200 {
            break response.text().await.expect("the playlist's text");
        }
        assert_eq!(
            response.status(),
            404,
            "GET {url}: not yet playable, or playable"
        );
        assert!(
            tokio::time::Instant::now() < deadline,
            "{url} never became playable"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let parsed = m3u8_rs::parse_media_playlist_res(playlist.as_bytes())
        .unwrap_or_else(|e| panic!("the 360p playlist parses ({e:?}):\n{playlist}"));
    parsed.media_sequence + parsed.segments.len() as u64
}

/// Waits until the stream's 360p playlist has gone past segment `sequence`: viewers are served.
async fn wait_sequence_beyond(server: &RealServer, stream: &str, sequence: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while media_sequence(server, stream).await <= sequence {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the stream goes on for viewers"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_room_is_pushed_to_every_destination_and_one_failing_disturbs_nothing() {
    let mut a = NginxRtmp::start().await;
    let b = NginxRtmp::start().await;
    // The destinations are on this machine's loopback, which restreaming refuses by default.
    let server = RealServer::builder()
        .env("LIVESTREAM_RESTREAM__ALLOW_PRIVATE_DESTINATIONS", "true")
        .spawn()
        .await;
    let olive = server.register_streamer("olive").await;
    let room = server.as_user(&olive).create_room("Everywhere").await;
    let dest_a = add_destination(&server, &olive, &room.id, "A", &a.url(), KEY_A).await;
    add_destination(&server, &olive, &room.id, "B", &b.url(), KEY_B).await;
    for d in destinations(&server, &olive, &room.id).await {
        assert_eq!(d["status"], "idle", "offline rooms push nothing: {d}");
    }

    let publisher = publish_ffmpeg(&server.rtmp_url(&room.stream_key), Clip::small(30.0), &[]);
    let stream = server.wait_live(1, Duration::from_secs(30)).await.remove(0);

    // Both receive the stream, as it is: H.264 and AAC.
    wait_status(&server, &olive, &room.id, "A", "live").await;
    wait_status(&server, &olive, &room.id, "B", "live").await;
    a.wait_recorded_beyond(KEY_A, 50_000, Duration::from_secs(20))
        .await;
    b.wait_recorded_beyond(KEY_B, 50_000, Duration::from_secs(20))
        .await;
    let probed = ffprobe(
        &a.recording(KEY_A),
        &["-show_entries", "stream=codec_name", "-of", "csv=p=0"],
    );
    assert!(
        probed.contains("h264") && probed.contains("aac"),
        "{probed}"
    );

    // A stalls (it reads nothing): B and the viewers go on as before.
    a.pause();
    let sequence = media_sequence(&server, &stream).await;
    let before = b.recorded_bytes(KEY_B);
    b.wait_recorded_beyond(KEY_B, before + 100_000, Duration::from_secs(15))
        .await;
    wait_sequence_beyond(&server, &stream, sequence + 2).await;
    a.resume();

    // A dies: B goes on receiving, viewers go on getting segments, A is retried with a reason.
    let sequence = media_sequence(&server, &stream).await;
    a.kill().await;
    let before = b.recorded_bytes(KEY_B);
    b.wait_recorded_beyond(KEY_B, before + 100_000, Duration::from_secs(15))
        .await;
    let failed = wait_status(&server, &olive, &room.id, "A", "retrying").await;
    assert!(
        failed["last_error"].as_str().is_some_and(|e| !e.is_empty()),
        "a failing destination says why: {failed}"
    );
    wait_sequence_beyond(&server, &stream, sequence + 2).await;
    assert_eq!(
        wait_status(&server, &olive, &room.id, "B", "live").await["status"],
        "live"
    );

    // A comes back and is reconnected by itself.
    a.restart().await;
    wait_status(&server, &olive, &room.id, "A", "live").await;
    a.wait_recorded_beyond(KEY_A, 50_000, Duration::from_secs(20))
        .await;

    // Turned off while live: its connection closes and nothing more arrives at A (nginx-rtmp
    // closes its recording when the publisher leaves); on again: a new stream arrives (a new
    // recording), from the next keyframe.
    let id_a = dest_a["id"].as_str().expect("destination id");
    let path = format!("/api/rooms/{}/destinations/{id_a}", room.id);
    let off = server
        .as_user(&olive)
        .request(Method::PATCH, &path, Some(json!({ "enabled": false })))
        .await
        .assert_status(200);
    assert_eq!(off["status"], "idle", "{off}");
    assert_no_key(&off.to_string());
    tokio::time::sleep(Duration::from_secs(1)).await;
    let publishes = a.recordings(KEY_A).len();
    let while_off = a.recorded_bytes(KEY_A);
    let b_while_off = b.recorded_bytes(KEY_B);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        a.recorded_bytes(KEY_A),
        while_off,
        "nothing reaches A while it is off"
    );
    assert!(b.recorded_bytes(KEY_B) > b_while_off, "B goes on meanwhile");
    let on = server
        .as_user(&olive)
        .request(Method::PATCH, &path, Some(json!({ "enabled": true })))
        .await
        .assert_status(200);
    assert_no_key(&on.to_string());
    wait_status(&server, &olive, &room.id, "A", "live").await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let video = a.recorded_video(KEY_A);
        let fresh = a.recordings(KEY_A).len() == publishes + 1 && video.len() > 30;
        if fresh {
            assert!(video[0].1, "the new stream starts on a keyframe: {video:?}");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "a new stream reaches A once it is on again"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for d in destinations(&server, &olive, &room.id).await {
        assert!(d["bytes_sent"].as_u64().is_some_and(|b| b > 50_000), "{d}");
    }

    assert_published(publisher, Duration::from_secs(90)).await;
    server.wait_live(0, Duration::from_secs(20)).await;
    for d in destinations(&server, &olive, &room.id).await {
        assert_eq!(d["status"], "idle", "an ended stream pushes nothing: {d}");
    }
    let log = server.log();
    if std::env::var_os("RESTREAM_TEST_LOG").is_some() {
        eprintln!("{log}");
    }
    assert_no_key(&log);
    assert!(
        log.contains("destination failed; retrying"),
        "the failure is logged"
    );
}

/// An HEVC broadcast (Enhanced RTMP, as OBS 29.1+ sends it) is pushed as its largest H.264 rung:
/// GStreamer 1.22's flvmux writes no Enhanced RTMP, and destinations take H.264.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_hevc_broadcast_is_pushed_as_its_largest_h264_rung() {
    let (sink, server, olive, room) = one_destination("HEVC").await;

    let publisher = publish_enhanced(
        &server.rtmp_url(&room.stream_key),
        "hevc",
        Clip::small(12.0),
    );
    server.wait_live(1, Duration::from_secs(30)).await;
    wait_status(&server, &olive, &room.id, "A", "live").await;
    sink.wait_recorded_beyond(KEY_A, 50_000, Duration::from_secs(20))
        .await;
    assert_published(publisher, Duration::from_secs(60)).await;
    let probed = ffprobe(
        &sink.recording(KEY_A),
        &[
            "-show_entries",
            "stream=codec_name,width,height",
            "-of",
            "csv=p=0",
        ],
    );
    assert!(
        probed.contains("h264,640,360") && probed.contains("aac"),
        "the destination got the 360p H.264 rung and the audio: {probed}"
    );
    assert_no_key(&server.log());
}

/// With the default settings, a destination on the server's own networks gets nothing: loopback,
/// a private address, an IPv4-mapped and a NAT64 form of loopback, and a name that answers a
/// public address to the check and loopback a moment later (DNS rebinding) are each refused
/// with "private or reserved address", never naming what it resolved to, and the nginx-rtmp on
/// loopback they all point at receives nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_reserved_and_rebinding_destinations_are_refused_by_default() {
    use crate::support::dns::RebindingDns;
    let nginx = NginxRtmp::start().await;
    let port = nginx.port;
    let name = format!("rebind-{}.example", random_key().to_ascii_lowercase());
    // The public answer is on the internet, which the test machine cannot reach.
    let dns = RebindingDns::start(&name, "2001:4860:4860::8888".parse().expect("an address")).await;
    let server = RealServer::builder()
        .resolving_with(dns.address)
        .spawn()
        .await;
    let olive = server.register_streamer("olive").await;
    let room = server.as_user(&olive).create_room("Inward").await;
    let targets = [
        ("loopback", format!("rtmp://127.0.0.1:{port}/live")),
        ("private", format!("rtmp://10.0.0.1:{port}/live")),
        ("mapped", format!("rtmp://[::ffff:127.0.0.1]:{port}/live")),
        ("nat64", format!("rtmp://[64:ff9b::7f00:1]:{port}/live")),
        ("rebinding", format!("rtmp://{name}:{port}/live")),
    ];
    let keys: Vec<String> = (0..targets.len())
        .map(|i| format!("inward-key-{i}-{}", random_key()))
        .collect();
    for ((label, url), key) in targets.iter().zip(&keys) {
        add_destination(&server, &olive, &room.id, label, url, key).await;
    }
    let publisher = publish_ffmpeg(&server.rtmp_url(&room.stream_key), Clip::small(30.0), &[]);
    for (label, _) in &targets {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        let refused = loop {
            let all = destinations(&server, &olive, &room.id).await;
            let found = all
                .iter()
                .find(|d| d["name"] == *label)
                .expect("listed")
                .clone();
            let error = found["last_error"].as_str().unwrap_or_default().to_owned();
            if error.contains("private or reserved address") {
                break error;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{label} was never refused: {found}\n{}",
                server.log()
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        };
        // The streamer's own host is named, never what it resolved to.
        assert!(!refused.contains("resolves to"), "{label}: {refused}");
        if *label == "rebinding" {
            assert!(!refused.contains("127.0.0.1"), "{refused}");
            assert!(refused.contains(&dns.name), "{refused}");
        }
    }
    assert!(
        dns.asked.aaaa.load(std::sync::atomic::Ordering::SeqCst) >= 1
            && dns.asked.a.load(std::sync::atomic::Ordering::SeqCst) >= 2,
        "the rebinding name was asked for again after its public answer"
    );
    for key in &keys {
        assert_eq!(nginx.recorded_bytes(key), 0, "nothing reached loopback");
    }
    let log = server.log();
    for internal in ["10.0.0.1 ", "::ffff:127.0.0.1 ", "64:ff9b::7f00:1 "] {
        assert!(!log.contains(&format!("resolves to {internal}")), "{log}");
    }
    drop(publisher);
}

/// A destination that stalls (its server reads nothing, SIGSTOP) holds neither the source nor
/// its viewers: once its 8 MiB queue is full it drops frames up to the next keyframe, once
/// rtmp2sink has waited 10 s on the socket the attempt fails and is retried, and when the server
/// reads again the destination is live on a new connection whose stream starts on a keyframe.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_destination_drops_frames_and_reconnects_without_holding_the_source() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clip = dir.path().join("noisy.flv");
    // 20 Mbit/s: the 8 MiB queue fills well within rtmp2sink's 10 s.
    encode_noisy_clip(&clip, "640x360", 30, 40, 20).await;
    let (sink, server, olive, room) = one_destination("Stall").await;
    let publisher = publish_file(&server.rtmp_url(&room.stream_key), &clip);
    let stream = server.wait_live(1, Duration::from_secs(30)).await[0].clone();
    wait_status(&server, &olive, &room.id, "A", "live").await;
    sink.wait_recorded_beyond(KEY_A, 500_000, Duration::from_secs(20))
        .await;
    assert_eq!(sink.recordings(KEY_A).len(), 1, "one connection so far");

    sink.pause();
    let sequence = media_sequence(&server, &stream).await;
    // The kernel's buffers fill first, then the queue (frames dropped), then rtmp2sink's write
    // waits its 10 s: how long that takes depends on the machine, so the lines are waited for.
    for line in [
        "destination reads too slowly; dropping frames until the next keyframe",
        "destination failed; retrying",
    ] {
        server.wait_log(line, Duration::from_secs(40)).await;
    }
    // Viewers were served throughout: the playlist went on.
    wait_sequence_beyond(&server, &stream, sequence + 4).await;
    sink.resume();

    wait_status(&server, &olive, &room.id, "A", "live").await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let video = sink.recorded_video(KEY_A);
        if sink.recordings(KEY_A).len() == 2 && video.len() > 60 {
            assert!(video[0].1, "the new stream starts on a keyframe: {video:?}");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "a new connection reaches the destination once it reads again:\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    drop(publisher);
}
