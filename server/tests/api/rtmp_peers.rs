//! Hostile and misbehaving RTMP peers against the real binary: each one is turned away or cut off
//! with a log line, the process never panics, and a real streamer carries on.

use crate::support::rtmp_peer::*;
use crate::support::*;
use bytes::Bytes;
use rml_rtmp::messages::MessagePayload;
use rml_rtmp::rml_amf0::{self, Amf0Value};
use rml_rtmp::time::RtmpTimestamp;
use std::net::IpAddr;
use std::time::Duration;

const KEY: &str = "hostile-peers-test-key";

/// A payload of type `type_id` with these bytes, on message stream `stream_id`.
fn raw(type_id: u8, stream_id: u32, data: Vec<u8>) -> MessagePayload {
    MessagePayload {
        timestamp: RtmpTimestamp::new(0),
        type_id,
        message_stream_id: stream_id,
        data: Bytes::from(data),
    }
}

/// An AMF0 command (type 20) named `connect` whose object is `depth` nested strict arrays.
fn nested_amf_command(depth: usize) -> MessagePayload {
    let mut data = rml_amf0::serialize(&vec![
        Amf0Value::Utf8String("connect".into()),
        Amf0Value::Number(1.0),
    ])
    .expect("amf");
    for _ in 0..depth {
        data.extend_from_slice(&[0x0A, 0, 0, 0, 1]);
    }
    data.push(0x05);
    raw(20, 0, data)
}

async fn handshaken(server: &RealServer) -> RtmpClient {
    RtmpClient::connect(server.rtmp)
        .await
        .expect("handshake completes")
}

/// One anonymous peer used to abort the whole process with a stack overflow: about 1 MB of
/// nested strict arrays in one command. Now that connection alone is closed, with a log line,
/// and a stream already live finishes untouched; so do the other malformed messages found in
/// review (a short command, an interrupted message on another chunk stream, an oversized one).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_rtmp_messages_close_only_their_connection() {
    let mut server = RealServer::builder().stream_key(KEY).spawn().await;
    let publisher = publish_video_only(&server.rtmp_url(KEY), 8);
    server.wait_live(1, Duration::from_secs(20)).await;

    // 200,000 nested strict arrays: refused before they can recurse.
    let mut peer = handshaken(&server).await;
    peer.send_payload(&nested_amf_command(200_000))
        .await
        .expect("send");
    peer.expect_closed(Duration::from_secs(5), "nested AMF")
        .await;
    server
        .wait_log("nested deeper than 32 levels", Duration::from_secs(5))
        .await;

    // A command with fewer than three values.
    let mut peer = handshaken(&server).await;
    let data = rml_amf0::serialize(&vec![Amf0Value::Utf8String("connect".into())]).expect("amf");
    peer.send_payload(&raw(20, 0, data)).await.expect("send");
    peer.expect_closed(Duration::from_secs(5), "short command")
        .await;

    // A message announcing more than the 8 MiB limit is refused before its body arrives.
    let mut peer = handshaken(&server).await;
    let header = [0x03, 0, 0, 0, 0xFF, 0xFF, 0xFF, 20, 0, 0, 0, 0];
    peer.send_bytes(&header).await.expect("send");
    peer.expect_closed(Duration::from_secs(5), "oversized message")
        .await;
    server
        .wait_log("longer than the limit", Duration::from_secs(5))
        .await;

    // A thousand chunk streams, each with an unfinished message: bounded.
    let mut peer = handshaken(&server).await;
    let mut flood = Vec::new();
    for n in 0u16..1000 {
        // Three-byte basic header (csid 64 + n), type 0, a 4 MiB message, then one 128-byte chunk.
        let [low, high] = n.to_le_bytes();
        flood.extend_from_slice(&[0x01, low, high, 0, 0, 0, 0x40, 0, 0, 9, 1, 0, 0, 0]);
        flood.extend_from_slice(&[0u8; 128]);
    }
    let _ = peer.send_bytes(&flood).await;
    peer.expect_closed(Duration::from_secs(5), "chunk stream flood")
        .await;
    server
        .wait_log("more than 256 chunk streams", Duration::from_secs(5))
        .await;

    // createStream without end.
    let mut peer = handshaken(&server).await;
    assert_eq!(peer.connect_app("live").await.as_deref(), Ok("_result"));
    for _ in 0..40 {
        if peer
            .command("createStream", Amf0Value::Null, vec![], 0)
            .await
            .is_err()
        {
            break;
        }
    }
    peer.expect_closed(Duration::from_secs(5), "createStream flood")
        .await;
    server
        .wait_log("streams created on one connection", Duration::from_secs(5))
        .await;

    assert_published(publisher, Duration::from_secs(30)).await;
    server.wait_live(0, Duration::from_secs(20)).await;
    server.assert_never_crashed();

    // And a new streamer still gets on air.
    let again = publish_video_only(&server.rtmp_url(KEY), 3);
    server.wait_live(1, Duration::from_secs(20)).await;
    assert_published(again, Duration::from_secs(30)).await;
    server.assert_never_crashed();
}

/// Messages that are well-formed RTMP but odd enough to have panicked the session: they are
/// ignored and the connection goes on answering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_but_valid_messages_leave_the_session_working() {
    let mut server = RealServer::builder().stream_key(KEY).spawn().await;

    // A connect interrupted half-way by a whole message on another chunk stream.
    let mut peer = handshaken(&server).await;
    let mut properties = std::collections::HashMap::new();
    properties.insert("app".to_owned(), Amf0Value::Utf8String("live".into()));
    properties.insert("padding".to_owned(), Amf0Value::Utf8String("x".repeat(300)));
    let connect = rml_amf0::serialize(&vec![
        Amf0Value::Utf8String("connect".into()),
        Amf0Value::Number(1.0),
        Amf0Value::Object(properties),
    ])
    .expect("amf");
    let len = connect.len();
    // Type 0 header on csid 3, the first 128-byte chunk only.
    let mut bytes = vec![
        0x03,
        0,
        0,
        0,
        (len >> 16) as u8,
        (len >> 8) as u8,
        len as u8,
        20,
    ];
    bytes.extend_from_slice(&[0, 0, 0, 0]);
    bytes.extend_from_slice(&connect[..128]);
    // A whole Acknowledgement (type 3, 4 bytes) on csid 2 interrupts it.
    bytes.extend_from_slice(&[0x02, 0, 0, 0, 0, 0, 4, 3, 0, 0, 0, 0, 0, 0, 0, 1]);
    // The rest of the connect as type 3 continuation chunks on csid 3.
    for chunk in connect[128..].chunks(128) {
        bytes.push(0xC3);
        bytes.extend_from_slice(chunk);
    }
    peer.send_bytes(&bytes).await.expect("send");
    assert_eq!(
        peer.answer(Duration::from_secs(10)).await.as_deref(),
        Ok("_result"),
        "the interrupted connect is still answered"
    );

    // @setDataFrame with nothing after it, while publishing.
    let mut peer = handshaken(&server).await;
    assert_eq!(
        peer.publish("live", KEY).await.as_deref(),
        Ok("NetStream.Publish.Start")
    );
    let data =
        rml_amf0::serialize(&vec![Amf0Value::Utf8String("@setDataFrame".into())]).expect("amf");
    peer.send_payload(&raw(18, 1, data)).await.expect("send");
    peer.command("createStream", Amf0Value::Null, vec![], 0)
        .await
        .expect("send");
    assert_eq!(
        peer.answer(Duration::from_secs(10)).await.as_deref(),
        Ok("_result"),
        "the session still answers after an empty @setDataFrame"
    );
    drop(peer);
    server.assert_never_crashed();
}

/// A peer that never reads what the server writes cannot hold its connection: the write has a
/// deadline. While one is stuck, SIGTERM still ends the process promptly and cleanly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_stops_reading_is_cut_off_and_cannot_block_shutdown() {
    let mut server = RealServer::builder()
        .stream_key(KEY)
        .env("LIVESTREAM_RTMP__WRITE_TIMEOUT_SECONDS", "2")
        .spawn()
        .await;

    // Each `connect` is answered with a few hundred bytes; this peer asks thousands of times
    // and never reads, so the server's writes fill both socket buffers and then wait. It stops
    // asking when its own writes fail (the server gave up on it) or after 200,000.
    let stuck = |server: &RealServer| {
        let addr = server.rtmp;
        tokio::spawn(async move {
            let mut peer = RtmpClient::connect(addr).await.expect("handshake");
            let mut properties = std::collections::HashMap::new();
            properties.insert("app".to_owned(), Amf0Value::Utf8String("live".into()));
            for _ in 0..200_000 {
                let ask = peer.command("connect", Amf0Value::Object(properties.clone()), vec![], 0);
                if ask.await.is_err() {
                    break;
                }
            }
            peer
        })
    };
    let flood = stuck(&server);
    server
        .wait_log("did not take our data within 2s", Duration::from_secs(60))
        .await;
    let mut peer = tokio::time::timeout(Duration::from_secs(60), flood)
        .await
        .expect("the flood ends once the server gives up")
        .expect("task");
    // What the server had written before it gave up is still readable; then the close.
    peer.expect_closed(Duration::from_secs(30), "a peer that never reads")
        .await;

    // Another stuck peer, then SIGTERM while its write waits.
    let _stuck = stuck(&server);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pid = server.child.id().expect("pid");
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let exited = tokio::time::timeout(Duration::from_secs(10), server.child.wait())
        .await
        .expect("the process ends within 10 s of SIGTERM")
        .expect("wait");
    assert!(exited.success(), "clean exit: {exited:?}\n{}", server.log());
}

/// Connections that never publish are closed after the publish deadline, and one address cannot
/// take more than its share of connections: 300 idle connections from one address do not stop a
/// real streamer from another address, or later from the same one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_cannot_starve_a_streamer() {
    let mut server = RealServer::builder()
        .stream_key(KEY)
        .env("LIVESTREAM_RTMP__MAX_CONNECTIONS_PER_ADDRESS", "8")
        .env("LIVESTREAM_RTMP__PUBLISH_TIMEOUT_SECONDS", "10")
        .spawn()
        .await;
    let attacker: IpAddr = [127, 0, 0, 2].into();

    let mut held = Vec::new();
    let mut turned_away = 0;
    for _ in 0..300 {
        match RtmpClient::connect_from(attacker, server.rtmp).await {
            Ok(peer) => held.push(peer),
            // Over the per-address limit: the server closes before the handshake completes.
            Err(_) => turned_away += 1,
        }
    }
    assert_eq!(held.len(), 8, "the per-address limit");
    assert_eq!(turned_away, 292);
    server
        .wait_log(
            "too many RTMP connections from this address",
            Duration::from_secs(5),
        )
        .await;

    // A streamer from another address gets on air at once.
    let streamer = publish_video_only(&server.rtmp_url(KEY), 3);
    server.wait_live(1, Duration::from_secs(20)).await;
    assert_published(streamer, Duration::from_secs(30)).await;
    server.wait_live(0, Duration::from_secs(20)).await;

    // The idle ones are closed by the publish deadline (10 s after their handshake).
    for peer in &mut held {
        peer.expect_closed(Duration::from_secs(15), "idle connection")
            .await;
    }
    server
        .wait_log("did not publish within 10s", Duration::from_secs(5))
        .await;

    // 15 s after the flood, a streamer from the flooding address itself gets on air.
    let from_attacker = RtmpClient::connect_from(attacker, server.rtmp).await;
    assert!(from_attacker.is_ok(), "the address has its slots back");
    drop(from_attacker);
    let streamer = publish_video_only(&server.rtmp_url(KEY), 3);
    server.wait_live(1, Duration::from_secs(20)).await;
    assert_published(streamer, Duration::from_secs(30)).await;
    server.assert_never_crashed();
}

/// The README's timeouts: a peer that stops half-way through the handshake, and a publisher that
/// goes silent, are both cut off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_and_idle_timeouts_close_silent_peers() {
    let mut server = RealServer::builder()
        .stream_key(KEY)
        .env("LIVESTREAM_RTMP__HANDSHAKE_TIMEOUT_SECONDS", "2")
        .env("LIVESTREAM_RTMP__IDLE_TIMEOUT_SECONDS", "3")
        .spawn()
        .await;

    // Half a C1, then silence.
    let mut socket = connect_from([127, 0, 0, 1].into(), server.rtmp)
        .await
        .expect("connect");
    tokio::io::AsyncWriteExt::write_all(&mut socket, &[3u8; 700])
        .await
        .expect("send");
    let mut buf = vec![0u8; 8192];
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match tokio::io::AsyncReadExt::read(&mut socket, &mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "a stalled handshake is closed");
    server
        .wait_log("handshake failed: timed out", Duration::from_secs(5))
        .await;

    // A publisher accepted, then silent: its connection is closed after the idle timeout.
    let mut peer = handshaken(&server).await;
    assert_eq!(
        peer.publish("live", KEY).await.as_deref(),
        Ok("NetStream.Publish.Start")
    );
    peer.expect_closed(Duration::from_secs(10), "silent publisher")
        .await;
    server
        .wait_log("no data for 3s", Duration::from_secs(5))
        .await;
    server.assert_never_crashed();
}
