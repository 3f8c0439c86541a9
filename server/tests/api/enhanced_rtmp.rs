//! Enhanced RTMP in (HEVC and AV1, as OBS 29.1+ sends them) with a real client: FFmpeg 8's FLV
//! muxer and RTMP client through PyAV. The source is decoded once into the same H.264 ladder;
//! its passthrough is offered with its true CODECS beside the H.264 rungs, never alone.

use crate::support::rtmp_peer::{Next, RtmpClient};
use crate::support::*;
use rml_rtmp::messages::RtmpMessage;
use rml_rtmp::rml_amf0::Amf0Value;
use std::collections::HashMap;
use std::time::Duration;

/// Publishes 4 s of `codec` to the default preset and checks the whole way: the stream starts
/// with the source's codec string, the multivariant playlist offers the H.264 rungs and the
/// source with its own CODECS, each decodes (ffprobe) at the listed size, and the archive is
/// kept.
async fn a_source_feeds_the_h264_ladder(codec: &str, codec_prefix: &str, probe_name: &str) {
    let mut app = TestApp::builder().spawn().await;
    let key = app.keys[0].clone();
    let publisher = publish_enhanced(&app.rtmp_url(&key), codec, Clip::small(4.0));
    let id = app.wait_started().await;
    app.wait_playable(&id).await;
    assert_published(publisher, Duration::from_secs(60)).await;
    let (_, archive, duration, _) = app.wait_ended(&id).await;
    assert!(archive.exists(), "the archive is kept");
    assert!(duration > Duration::from_secs(2), "{duration:?}");

    let master = app.get_text(&format!("/hls/{id}/master.m3u8")).await;
    assert!(
        variant_codecs(&master, "source/playlist.m3u8").starts_with(codec_prefix),
        "the passthrough says what it is:\n{master}"
    );
    assert!(
        variant_codecs(&master, "360p/playlist.m3u8").starts_with("avc1."),
        "the rung is H.264:\n{master}"
    );
    for (rung, name) in [("source", probe_name), ("360p", "h264")] {
        let (joined, _) = app
            .join_rendition(&id, &format!("{rung}/playlist.m3u8"))
            .await;
        assert_eq!(
            ffprobe(
                &joined,
                &[
                    "-select_streams",
                    "v:0",
                    "-show_entries",
                    "stream=codec_name"
                ]
            )
            .trim(),
            name,
            "{rung}"
        );
        assert_eq!(ffprobe_decode_size(&joined), (640, 360), "{rung} decodes");
        // The HEVC publisher sends a keyframe a second: so does every rendition (h265parse
        // marks every frame a keyframe; taken at its word, the rungs were all-intra). The AV1
        // test publisher (PyAV's SVT-AV1) flags every frame as a keyframe itself, and the
        // ladder follows the publisher's flags.
        if probe_name == "hevc" {
            let keyframes = keyframe_times(&joined).len();
            assert!(
                (2..=8).contains(&keyframes),
                "{rung}: {keyframes} keyframes in about 4 s"
            );
        }
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hevc_over_enhanced_rtmp_feeds_the_h264_ladder_and_keeps_its_passthrough() {
    a_source_feeds_the_h264_ladder("hevc", "hvc1.", "hevc").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn av1_over_enhanced_rtmp_feeds_the_h264_ladder_and_keeps_its_passthrough() {
    a_source_feeds_the_h264_ladder("av1", "av01.", "av1").await;
}

/// A preset with only the passthrough would offer players without HEVC nothing: an HEVC
/// stream on it is refused with a reason (logged), and the server goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_hevc_source_is_never_the_only_variant() {
    let mut app = TestApp::builder().spawn().await;
    let room = app.source_only_room().await;
    let publisher = publish_enhanced(&app.rtmp_url(&room.stream_key), "hevc", Clip::small(30.0));
    let refused = app
        .wait_for("the refusal", Duration::from_secs(20), |e| {
            matches!(
                e,
                engine::StreamEvent::Abandoned { .. } | engine::StreamEvent::Started { .. }
            )
        })
        .await;
    let engine::StreamEvent::Abandoned {
        reason: engine::EndReason::InvalidMedia(why),
        ..
    } = refused
    else {
        panic!("refused before it started: {refused:?}");
    };
    assert_eq!(
        why,
        "the ladder has no H.264 rendition for this HEVC source"
    );
    assert_refused(publisher, Duration::from_secs(20)).await;
    let shown = app.anonymous().room(&room.id).await.assert_status(200);
    assert_eq!(shown["live"], serde_json::Value::Null, "{shown}");

    // The same room takes H.264.
    let publisher = app.publish_ffmpeg(&room.stream_key, Clip::small(2.0), &[]);
    let id = app.wait_started().await;
    assert_published(publisher, Duration::from_secs(30)).await;
    app.wait_ended(&id).await;
    app.stop().await;
}

/// The `connect` reply says which Enhanced RTMP codecs the server takes (`fourCcList`), as
/// OBS and FFmpeg read it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connect_reply_lists_the_fourccs_the_server_takes() {
    let app = TestApp::builder().spawn().await;
    let mut client =
        RtmpClient::connect(std::net::SocketAddr::from(([127, 0, 0, 1], app.rtmp_port)))
            .await
            .expect("handshake");
    let mut properties = HashMap::new();
    properties.insert("app".to_owned(), Amf0Value::Utf8String("live".to_owned()));
    properties.insert(
        "fourCcList".to_owned(),
        Amf0Value::StrictArray(vec![Amf0Value::Utf8String("hvc1".to_owned())]),
    );
    client
        .command("connect", Amf0Value::Object(properties), vec![], 0)
        .await
        .expect("connect sent");
    let reply = loop {
        match client.next(Duration::from_secs(10)).await {
            Next::Message(RtmpMessage::Amf0Command {
                command_name,
                command_object,
                ..
            }) if command_name == "_result" => break command_object,
            Next::Message(_) => {}
            other => panic!("no connect reply: {other:?}"),
        }
    };
    let Amf0Value::Object(reply) = reply else {
        panic!("the reply's command object is an object: {reply:?}");
    };
    let listed: Vec<&str> = match reply.get("fourCcList") {
        Some(Amf0Value::StrictArray(values)) => values
            .iter()
            .filter_map(|v| match v {
                Amf0Value::Utf8String(s) => Some(s.as_str()),
                _ => None,
            })
            .collect(),
        other => panic!("fourCcList is a strict array: {other:?}"),
    };
    assert_eq!(listed, ["avc1", "hvc1", "av01"]);
    app.stop().await;
}
