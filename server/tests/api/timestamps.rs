//! Publishers control their timestamps and their SPS: jumps, wrap-arounds, media sent far faster
//! than real time and a picture size changed inside a keyframe are all handled with a clear
//! refusal or by slowing the publisher, never with unbounded memory or duplicated frames.

use crate::support::encode_clip;
use crate::support::rtmp_peer::RtmpClient;
use crate::support::RealServer;
use bytes::Bytes;
use rml_rtmp::messages::RtmpMessage;
use std::path::Path;
use std::time::Duration;
use tokio::process::Command;

const KEY: &str = "timestamps-test-key";

/// One FLV tag: 8 = audio, 9 = video.
struct Tag {
    kind: u8,
    timestamp: u32,
    data: Vec<u8>,
}

/// Reads the tags of an FLV file (header, then tag + previous-tag-size pairs).
fn flv_tags(bytes: &[u8]) -> Vec<Tag> {
    assert_eq!(&bytes[..3], b"FLV", "an FLV file");
    let mut at = u32::from_be_bytes([bytes[5], bytes[6], bytes[7], bytes[8]]) as usize + 4;
    let mut tags = Vec::new();
    while at + 11 <= bytes.len() {
        let kind = bytes[at] & 0x1f;
        let size = u32::from_be_bytes([0, bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize;
        let timestamp =
            u32::from_be_bytes([bytes[at + 7], bytes[at + 4], bytes[at + 5], bytes[at + 6]]);
        let body = at + 11;
        if body + size > bytes.len() {
            break;
        }
        if kind == 8 || kind == 9 {
            tags.push(Tag {
                kind,
                timestamp,
                data: bytes[body..body + size].to_vec(),
            });
        }
        at = body + size + 4;
    }
    assert!(!tags.is_empty(), "the clip has media tags");
    tags
}

/// A 360p clip with audio, 1 s GOP, as FLV tags.
async fn clip_tags(dir: &Path, seconds: u32) -> Vec<Tag> {
    let path = dir.join("clip.flv");
    encode_clip(&path, "640x360", 30, seconds).await;
    flv_tags(&std::fs::read(&path).expect("read clip"))
}

/// Sends `tags` on stream 1 with the timestamps `retime` gives them, as fast as possible.
async fn send_tags(
    peer: &mut RtmpClient,
    tags: &[Tag],
    retime: impl Fn(usize, u32) -> u32,
) -> std::io::Result<()> {
    for (i, tag) in tags.iter().enumerate() {
        let data = Bytes::from(tag.data.clone());
        let message = if tag.kind == 9 {
            RtmpMessage::VideoData { data }
        } else {
            RtmpMessage::AudioData { data }
        };
        let payload = message
            .into_message_payload(
                rml_rtmp::time::RtmpTimestamp::new(retime(i, tag.timestamp)),
                1,
            )
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        peer.send_payload(&payload).await?;
    }
    Ok(())
}

async fn publisher(server: &RealServer) -> RtmpClient {
    let mut peer = RtmpClient::connect(server.rtmp).await.expect("handshake");
    assert_eq!(
        peer.publish("live", KEY).await.as_deref(),
        Ok("NetStream.Publish.Start")
    );
    peer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_timestamps_are_refused_and_a_fast_publisher_is_slowed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tags = clip_tags(dir.path(), 4).await;
    let mut server = RealServer::builder()
        .stream_key(KEY)
        .env("LIVESTREAM_RTMP__RECONNECT_GRACE_SECONDS", "0")
        .spawn()
        .await;

    // A jump of an hour in the middle of the stream.
    let mut peer = publisher(&server).await;
    let jump_at = tags.len() / 2;
    let _ = send_tags(&mut peer, &tags, |i, ts| {
        if i >= jump_at {
            ts + 3_600_000
        } else {
            ts
        }
    })
    .await;
    peer.expect_closed(Duration::from_secs(15), "timestamp jump")
        .await;
    server
        .wait_log("ahead of real time", Duration::from_secs(5))
        .await;
    server.wait_live(0, Duration::from_secs(15)).await;

    // Timestamps that wrap around and back, again and again.
    let mut peer = publisher(&server).await;
    let _ = send_tags(&mut peer, &tags, |i, ts| {
        if i > 10 && i % 2 == 0 {
            ts.wrapping_add(0x8000_0000)
        } else {
            ts
        }
    })
    .await;
    peer.expect_closed(Duration::from_secs(15), "alternating wrap-around")
        .await;
    server.wait_live(0, Duration::from_secs(15)).await;
    let refusals = server.log().matches("ahead of real time").count();
    assert!(
        refusals >= 2,
        "both were refused as running ahead: {refusals}"
    );

    // Twelve seconds of media sent at once: accepted, but read no faster than about real time
    // plus the allowance, so nothing piles up.
    let long: Vec<Tag> = (0..3)
        .flat_map(|n| {
            tags.iter().map(move |t| Tag {
                kind: t.kind,
                timestamp: t.timestamp + n * 4000,
                data: t.data.clone(),
            })
        })
        .collect();
    let mut peer = publisher(&server).await;
    let started = tokio::time::Instant::now();
    send_tags(&mut peer, &long, |_, ts| ts)
        .await
        .expect("the server keeps reading");
    peer.command(
        "FCUnpublish",
        rml_rtmp::rml_amf0::Amf0Value::Null,
        vec![rml_rtmp::rml_amf0::Amf0Value::Utf8String(KEY.into())],
        1,
    )
    .await
    .expect("send");
    peer.expect_closed(Duration::from_secs(30), "fast publisher's end")
        .await;
    assert!(
        started.elapsed() >= Duration::from_secs(6),
        "12 s of media were taken in no less than 12 s minus the 5 s allowance: {:?}",
        started.elapsed()
    );
    server.wait_live(0, Duration::from_secs(15)).await;
    server.assert_never_crashed();
}

/// The SPS of one frame of `size` (e.g. `8192x4352`), as a NAL unit without start code.
async fn sps_of(dir: &Path, size: &str) -> Vec<u8> {
    let path = dir.join(format!("{size}.h264"));
    let status = Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-nostdin",
            "-y",
            "-f",
            "lavfi",
        ])
        .args(["-i", &format!("color=size={size}:rate=1"), "-frames:v", "1"])
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-f", "h264"])
        .arg(&path)
        .status()
        .await
        .expect("ffmpeg runs");
    assert!(status.success(), "{size} frame encoded");
    let annexb = std::fs::read(&path).expect("read");
    let start = annexb
        .windows(4)
        .position(|w| w == [0, 0, 1, 0x67])
        .expect("an SPS")
        + 3;
    let len = annexb[start..]
        .windows(3)
        .position(|w| w == [0, 0, 1] || w == [0, 0, 0])
        .unwrap_or(annexb.len() - start);
    annexb[start..start + len].to_vec()
}

/// `tags` with `sps` sent in-band at the front of the second keyframe.
fn with_in_band_sps(tags: &[Tag], sps: &[u8]) -> Vec<Tag> {
    let keyframes: Vec<usize> = tags
        .iter()
        .enumerate()
        .filter(|(_, t)| t.kind == 9 && t.data.len() > 5 && t.data[0] >> 4 == 1 && t.data[1] == 1)
        .map(|(i, _)| i)
        .collect();
    assert!(keyframes.len() >= 2, "the clip has two keyframes");
    tags.iter()
        .enumerate()
        .map(|(i, t)| {
            let mut data = t.data.clone();
            if i == keyframes[1] {
                let mut with_sps = data[..5].to_vec();
                with_sps.extend_from_slice(&(sps.len() as u32).to_be_bytes());
                with_sps.extend_from_slice(sps);
                with_sps.extend_from_slice(&data[5..]);
                data = with_sps;
            }
            Tag {
                kind: t.kind,
                timestamp: t.timestamp,
                data,
            }
        })
        .collect()
}

/// A picture size changed mid-stream, inside a keyframe or with a new sequence header, ends the
/// stream with a reason; a size larger than the engine takes is refused like the same size in
/// the first sequence header.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_picture_size_changed_mid_stream_ends_the_stream_with_a_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tags = clip_tags(dir.path(), 2).await;
    let mut server = RealServer::builder()
        .stream_key(KEY)
        .env("LIVESTREAM_RTMP__RECONNECT_GRACE_SECONDS", "0")
        .spawn()
        .await;

    for (size, expected) in [
        ("8192x4352", "video size 8192x4352 is not supported"),
        ("1280x720", "the video size changed mid-stream to 1280x720"),
    ] {
        let sps = sps_of(dir.path(), size).await;
        let mut peer = publisher(&server).await;
        let _ = send_tags(&mut peer, &with_in_band_sps(&tags, &sps), |_, ts| ts).await;
        peer.expect_closed(Duration::from_secs(15), size).await;
        server.wait_log(expected, Duration::from_secs(5)).await;
        server.wait_live(0, Duration::from_secs(15)).await;
    }

    // A second, different sequence header half-way through.
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).expect("dir");
    let other_header = clip_tags(&other, 1)
        .await
        .into_iter()
        .find(|t| t.kind == 9 && t.data.get(1) == Some(&0))
        .expect("a sequence header");
    let mut changed: Vec<Tag> = tags
        .iter()
        .map(|t| Tag {
            kind: t.kind,
            timestamp: t.timestamp,
            data: t.data.clone(),
        })
        .collect();
    let mut tweaked = other_header.data.clone();
    // Same clip settings would give the same header: change its profile byte so it differs.
    let last = tweaked.len() - 1;
    tweaked[last] ^= 0x01;
    changed.insert(
        tags.len() / 2,
        Tag {
            kind: 9,
            timestamp: tags[tags.len() / 2].timestamp,
            data: tweaked,
        },
    );
    let mut peer = publisher(&server).await;
    let _ = send_tags(&mut peer, &changed, |_, ts| ts).await;
    peer.expect_closed(Duration::from_secs(15), "new sequence header")
        .await;
    server
        .wait_log(
            "the video format changed mid-stream",
            Duration::from_secs(5),
        )
        .await;
    server.wait_live(0, Duration::from_secs(15)).await;
    server.assert_never_crashed();
}

/// An Enhanced RTMP clip (`hevc` or `av1`, 640x360, 2 s, 1 s GOP) as FLV tags: FFmpeg 8's FLV
/// muxer (publish_enhanced.py) writing a file instead of an RTMP URL.
async fn enhanced_clip_tags(dir: &Path, codec: &str) -> Vec<Tag> {
    let path = dir.join(format!("{codec}.flv"));
    let path_text = path.to_str().expect("a UTF-8 path");
    let child =
        crate::support::publish_enhanced(path_text, codec, crate::support::Clip::small(2.0));
    crate::support::assert_published(child, Duration::from_secs(60)).await;
    flv_tags(&std::fs::read(&path).expect("read the clip"))
}

/// One picture of `size` as Debian's ffmpeg encodes it with `encoder` into `format`.
async fn one_picture(dir: &Path, size: &str, encoder: &[&str], format: &str) -> Vec<u8> {
    let path = dir.join(format!("{size}.{format}"));
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args(["-f", "lavfi", "-i", &format!("color=size={size}:rate=1")])
        .args(["-frames:v", "1"])
        .args(encoder)
        .args(["-f", format])
        .arg(&path)
        .status()
        .await
        .expect("ffmpeg runs");
    assert!(status.success(), "{size} {format} encoded");
    std::fs::read(&path).expect("read")
}

/// The HEVC SPS NAL unit (type 33, header `42 01`) of an Annex B stream.
fn hevc_sps(annexb: &[u8]) -> Vec<u8> {
    let start = annexb
        .windows(5)
        .position(|w| w == [0, 0, 1, 0x42, 0x01])
        .expect("an SPS")
        + 3;
    let len = annexb[start..]
        .windows(3)
        .position(|w| w == [0, 0, 1] || w == [0, 0, 0])
        .unwrap_or(annexb.len() - start);
    annexb[start..start + len].to_vec()
}

/// The sequence header OBU (type 1, with its size field) of a low-overhead AV1 stream.
fn av1_sequence_header(obus: &[u8]) -> Vec<u8> {
    let mut at = 0;
    while at < obus.len() {
        let header = obus[at];
        let extension = usize::from(header & 0x04 != 0);
        let (mut size, mut read) = (0usize, 0);
        loop {
            let byte = obus[at + 1 + extension + read];
            size |= usize::from(byte & 0x7f) << (7 * read);
            read += 1;
            if byte & 0x80 == 0 {
                break;
            }
        }
        let end = at + 1 + extension + read + size;
        if (header >> 3) & 0x0f == 1 {
            return obus[at..end].to_vec();
        }
        at = end;
    }
    panic!("no sequence header OBU");
}

/// `tags` (Enhanced RTMP) with `prefix` put before the first NAL unit or OBU of the second
/// keyframe.
fn with_in_band_header(tags: &[Tag], prefix: &[u8]) -> Vec<Tag> {
    let keyframes: Vec<usize> = tags
        .iter()
        .enumerate()
        .filter(|(_, t)| {
            t.kind == 9 && t.data.len() > 8 && t.data[0] & 0x80 != 0 && (t.data[0] >> 4) & 7 == 1
        })
        .filter(|(_, t)| matches!(t.data[0] & 0x0f, 1 | 3))
        .map(|(i, _)| i)
        .collect();
    assert!(keyframes.len() >= 2, "the clip has two keyframes");
    tags.iter()
        .enumerate()
        .map(|(i, t)| {
            let mut data = t.data.clone();
            if i == keyframes[1] {
                // FourCC after the first byte; CodedFrames of HEVC carry a 3-byte time too.
                let hevc = &data[1..5] == b"hvc1";
                let header = if hevc && data[0] & 0x0f == 1 { 8 } else { 5 };
                let mut with = data[..header].to_vec();
                with.extend_from_slice(prefix);
                with.extend_from_slice(&data[header..]);
                data = with;
            }
            Tag {
                kind: t.kind,
                timestamp: t.timestamp,
                data,
            }
        })
        .collect()
}

/// HEVC and AV1 sizes sent inside a keyframe are checked like H.264's: a small sequence start
/// followed by a keyframe carrying a new SPS (HEVC) or sequence header OBU (AV1) of a picture
/// larger than the engine takes ends the stream with a reason, before any decoder sees it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hevc_and_av1_sizes_sent_in_band_are_checked_like_h264s() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut server = RealServer::builder()
        .stream_key(KEY)
        .env("LIVESTREAM_RTMP__RECONNECT_GRACE_SECONDS", "0")
        .spawn()
        .await;
    let big = "4096x2320";
    let hevc = hevc_sps(
        &one_picture(
            dir.path(),
            big,
            &[
                "-c:v",
                "libx265",
                "-preset",
                "ultrafast",
                "-x265-params",
                "log-level=error",
            ],
            "hevc",
        )
        .await,
    );
    let mut hevc_prefix = (hevc.len() as u32).to_be_bytes().to_vec();
    hevc_prefix.extend_from_slice(&hevc);
    let av1 = av1_sequence_header(
        &one_picture(
            dir.path(),
            big,
            &["-c:v", "libsvtav1", "-preset", "12"],
            "obu",
        )
        .await,
    );
    for (codec, prefix) in [("hevc", hevc_prefix), ("av1", av1)] {
        let tags = enhanced_clip_tags(dir.path(), codec).await;
        let before = server
            .log()
            .matches("video size 4096x2320 is not supported")
            .count();
        let mut peer = publisher(&server).await;
        let _ = send_tags(&mut peer, &with_in_band_header(&tags, &prefix), |_, ts| ts).await;
        peer.expect_closed(Duration::from_secs(15), codec).await;
        for _ in 0..100 {
            if server
                .log()
                .matches("video size 4096x2320 is not supported")
                .count()
                > before
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(
            server
                .log()
                .matches("video size 4096x2320 is not supported")
                .count()
                > before,
            "{codec}: the in-band header was refused with its size:\n{}",
            server.log()
        );
        server.wait_live(0, Duration::from_secs(15)).await;
    }
    server.assert_never_crashed();
}

/// A picture whose sides differ by more than four times is refused at its sequence header with a
/// reason: the preview tiles and the thumbnail are sized from its width, and a 16x589824 source
/// would make sprite sheets of a gigabyte.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_picture_far_from_square_is_refused_with_a_reason() {
    use engine::EndReason;
    use engine::StreamEvent;
    let mut app = crate::support::TestApp::builder().spawn().await;
    let key = app.keys[0].clone();
    let tall = crate::support::Clip {
        width: 64,
        height: 1024,
        ..crate::support::Clip::small(5.0)
    };
    let publisher = app.publish_ffmpeg(&key, tall, &[]);
    let event = app
        .wait_for("the refusal", Duration::from_secs(20), |e| {
            matches!(e, StreamEvent::Abandoned { .. } | StreamEvent::Ended { .. })
        })
        .await;
    let StreamEvent::Abandoned {
        reason: EndReason::InvalidMedia(why),
        ..
    } = event
    else {
        panic!("a tall picture is refused before its stream starts: {event:?}");
    };
    assert!(
        why.contains(
            "video size 64x1024 is not supported (its sides may differ by at most 4 times)"
        ),
        "{why}"
    );
    crate::support::assert_refused(publisher, Duration::from_secs(10)).await;
    app.stop().await;
}
