//! SRT ingest with a real caller: Debian's ffmpeg (libsrt) sending MPEG-TS, H.264 and AAC.

use crate::support::*;
use engine::EndReason;
use serde_json::Value;
use std::time::Duration;

/// A room's key in the Access Control stream id makes the room live, as an RTMP publish would:
/// the ladder plays, the room shows where SRT ingest is, the stream ends with the caller and
/// leaves its recording.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_srt_caller_with_a_rooms_key_goes_live_like_an_rtmp_publisher() {
    let mut app = TestApp::builder().srt().spawn().await;
    let port = app.srt_port.expect("SRT is on");
    let olive = app.register_streamer("olive").await;
    let created = app.as_user(&olive).create_room("Over SRT").await;
    let (room, key) = (created.id, created.stream_key);
    let shown = app.anonymous().room(&room).await.assert_status(200);
    assert_eq!(shown["srt_ingest_url"], format!("srt://127.0.0.1:{port}"));

    let url = srt_url(port, &format!("#!::r={key},m=publish"), "");
    let caller = publish_srt(&url, Clip::small(4.0), &[]);
    let stream = app.wait_started().await;
    app.wait_playable(&stream).await;
    let shown = app.anonymous().room(&room).await.assert_status(200);
    assert_eq!(shown["live"]["stream_id"], stream.as_str(), "{shown}");
    let codec = |track: &str| {
        shown["live"]["media"][track]["codec"]
            .as_str()
            .unwrap_or("")
    };
    assert!(codec("video").starts_with("avc1."), "{shown}");
    assert_eq!(codec("audio"), "mp4a.40.2", "{shown}");
    let master = app.get_text(&format!("/hls/{stream}/master.m3u8")).await;
    assert!(master.contains("#EXT-X-STREAM-INF"), "{master}");
    assert!(!master.contains(&key));

    assert_published(caller, Duration::from_secs(30)).await;
    let (reason, archive, duration, _) = app.wait_ended(&stream).await;
    assert_eq!(
        reason,
        EndReason::ConnectionLost,
        "SRT has no unpublish: the caller goes"
    );
    assert!(archive.exists(), "the archive is kept");
    assert!(duration > Duration::from_secs(3), "{duration:?}");
    let shown = app.anonymous().room(&room).await.assert_status(200);
    assert_eq!(shown["live"], Value::Null, "offline after the stream");
    let recordings = app.anonymous().recordings(&room).await.assert_status(200);
    assert_eq!(recordings.as_array().map(Vec::len), Some(1), "{recordings}");
}

/// The plain form of the stream id works too; a wrong key, a missing one and a request to
/// play are each refused in the handshake, before any media: ffmpeg reports the listener's
/// rejection, and the server logs the SRT reject code it sent (ffmpeg does not print it). The
/// server goes on serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_srt_stream_ids_are_refused_in_the_handshake() {
    let key = "sk_the_one_key_of_this_server";
    let port = std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .expect("a free UDP port")
        .port();
    let server = RealServer::builder()
        .stream_key(key)
        .env("LIVESTREAM_SRT__PORT", &port.to_string())
        .spawn()
        .await;
    let limit = Duration::from_secs(20);
    for (stream_id, code) in [
        ("sk_not_a_key_of_this_server".to_owned(), "code=1403"),
        ("#!::m=publish".to_owned(), "code=1400"),
        (format!("#!::r={key},m=request"), "code=1405"),
    ] {
        let caller = publish_srt(&srt_url(port, &stream_id, ""), Clip::small(30.0), &[]);
        let said = assert_refused(caller, limit).await;
        assert!(
            said.contains("REJECT reported from HS processing"),
            "{stream_id}: ffmpeg reports the handshake's rejection:\n{said}"
        );
        server.wait_log(code, Duration::from_secs(5)).await;
    }
    assert!(!server.log().contains(key), "no stream key in the log");
    let caller = publish_srt(&srt_url(port, key, ""), Clip::small(3.0), &[]);
    server.wait_live(1, Duration::from_secs(20)).await;
    assert_published(caller, Duration::from_secs(30)).await;

    // Four handshakes so far; of 30 more with unknown keys, those past the minute's 30
    // (`srt.handshakes_per_minute_per_address`) are refused with 1402 before any lookup.
    for batch in 0..6 {
        let callers: Vec<_> = (0..5)
            .map(|i| {
                let id = format!("sk_unknown_{batch}_{i}");
                publish_srt(&srt_url(port, &id, ""), Clip::small(30.0), &[])
            })
            .collect();
        for caller in callers {
            let said = assert_refused(caller, limit).await;
            assert!(
                said.contains("REJECT reported from HS processing"),
                "{said}"
            );
        }
    }
    server
        .wait_log(
            "too many handshakes from this address",
            Duration::from_secs(5),
        )
        .await;
    let log = server.log();
    let forbidden = log.matches("code=1403").count();
    let overloaded = log.matches("code=1402").count();
    assert_eq!(
        (forbidden, overloaded),
        (1 + 26, 4),
        "26 more unknown keys were looked up, the last 4 were not:\n{log}"
    );
}

/// With `srt.passphrase`, a caller without it or with another one is refused; with it, the
/// stream is decrypted and plays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn srt_encryption_is_enforced_with_a_passphrase() {
    let passphrase = "correct-horse-battery";
    let mut app = TestApp::builder()
        .srt()
        .settings(move |s| s.srt.passphrase = passphrase.to_owned())
        .spawn()
        .await;
    let port = app.srt_port.expect("SRT is on");
    let key = app.keys[0].clone();
    let limit = Duration::from_secs(20);
    for (options, reason) in [
        ("", "Password required or unexpected"),
        ("&passphrase=wrong-horse-battery", "Incorrect passphrase"),
    ] {
        let caller = publish_srt(&srt_url(port, &key, options), Clip::small(30.0), &[]);
        let said = assert_refused(caller, limit).await;
        assert!(
            said.contains(&format!("REJECT reported from HS processing: {reason}")),
            "libsrt tells the caller \"{reason}\":\n{said}"
        );
    }
    let url = srt_url(port, &key, &format!("&passphrase={passphrase}"));
    let caller = publish_srt(&url, Clip::small(3.0), &[]);
    let stream = app.wait_started().await;
    app.wait_playable(&stream).await;
    assert_published(caller, Duration::from_secs(30)).await;
}

/// HEVC in MPEG-TS over SRT (Debian's ffmpeg with libx265) is decoded into the H.264 ladder,
/// its passthrough offered as `hvc1` beside it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hevc_over_srt_feeds_the_h264_ladder() {
    let mut app = TestApp::builder().srt().spawn().await;
    let port = app.srt_port.expect("SRT is on");
    let key = app.keys[0].clone();
    let caller = publish_srt(
        &srt_url(port, &key, ""),
        Clip::small(4.0),
        &[
            "-c:v",
            "libx265",
            "-x265-params",
            "log-level=error:bframes=0",
        ],
    );
    let stream = app.wait_started().await;
    app.wait_playable(&stream).await;
    assert_published(caller, Duration::from_secs(60)).await;
    app.wait_ended(&stream).await;
    let master = app.get_text(&format!("/hls/{stream}/master.m3u8")).await;
    assert!(
        variant_codecs(&master, "source/playlist.m3u8").starts_with("hvc1."),
        "{master}"
    );
    assert!(
        variant_codecs(&master, "360p/playlist.m3u8").starts_with("avc1."),
        "{master}"
    );
    let (joined, _) = app.join_rendition(&stream, "360p/playlist.m3u8").await;
    assert_eq!(ffprobe_decode_size(&joined), (640, 360));
    app.stop().await;
}

/// A caller the handshake's gate lets in but libsrt then rejects (its `transtype=file` does not
/// match the listener's live mode) gives back everything the gate took: after ten of them from
/// one address (the per-address limit is 8), that address still publishes over SRT and over
/// RTMP, and no grant is left behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_libsrt_rejects_after_the_gate_leave_no_admission_behind() {
    let mut app = TestApp::builder().srt().spawn().await;
    let port = app.srt_port.expect("SRT is on");
    let olive = app.register_streamer("olive").await;
    let key = app.as_user(&olive).create_room("Gate").await.stream_key;
    let limit = Duration::from_secs(20);
    let mut collisions = 0;
    for _ in 0..10 {
        let url = srt_url(port, &key, "&transtype=file");
        let caller = publish_srt(&url, Clip::small(30.0), &[]);
        let said = assert_refused(caller, limit).await;
        // libsrt's own refusal, or ours (1402) once the address's 8 slots are all held.
        if said.contains("REJECT reported from HS processing: MessageAPI/StreamAPI collision") {
            collisions += 1;
        } else {
            assert!(
                said.contains("REJECT reported from HS processing: Application-defined"),
                "{said}"
            );
        }
    }
    assert!(collisions >= 1, "libsrt refused the file-mode callers");
    // Every admission (its grant, its slot, its permit) went back within a second or so; meanwhile
    // the address's 8 slots held, and later callers were refused.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !app.stream_rooms.is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "a grant was left behind"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let caller = publish_srt(&srt_url(port, &key, ""), Clip::small(2.0), &[]);
    let stream = app.wait_started().await;
    assert_published(caller, Duration::from_secs(30)).await;
    app.wait_ended(&stream).await;
    let publisher = app.publish_ffmpeg(&key, Clip::small(2.0), &[]);
    let stream = app.wait_started().await;
    assert_published(publisher, Duration::from_secs(30)).await;
    app.wait_ended(&stream).await;

    app.stop().await;
}

/// Sends `stream` to a raw SRT caller paced at about `bytes_per_second`, until it is gone or
/// the stream is sent.
fn send_paced(
    port: u16,
    key: &str,
    stream: impl Iterator<Item = Vec<u8>> + Send + 'static,
    bytes_per_second: usize,
) -> tokio::task::JoinHandle<()> {
    use crate::support::ts;
    let (child, mut stdin) = ts::raw_srt_caller(port, key);
    tokio::spawn(async move {
        let _child = child;
        let started = tokio::time::Instant::now();
        let mut sent = 0usize;
        for chunk in stream {
            if !ts::send(&mut stdin, &chunk).await {
                return;
            }
            sent += chunk.len();
            let due = Duration::from_secs_f64(sent as f64 / bytes_per_second as f64);
            tokio::time::sleep_until(started + due).await;
        }
    })
}

/// Waits for the stream of a caller that never started to be abandoned; its reason.
async fn abandoned_because(app: &mut TestApp) -> String {
    use engine::EndReason;
    use engine::StreamEvent;
    match app
        .wait_for("the caller dropped", Duration::from_secs(40), |e| {
            matches!(
                e,
                StreamEvent::Abandoned { .. } | StreamEvent::Started { .. }
            )
        })
        .await
    {
        StreamEvent::Abandoned {
            reason: EndReason::InvalidMedia(why),
            ..
        } => why,
        other => panic!("the caller's media was refused before any stream: {other:?}"),
    }
}

/// MPEG-TS that would make GStreamer's demuxer hold without bound is refused with the default
/// settings: one PES that never ends (length 0, no next unit start) once its payload passes
/// `srt.max_frame_kib` (8 MiB), and small PESs that never make a video frame once
/// `srt.frame_timeout_seconds` (5) pass while bytes keep arriving. Each caller is dropped with
/// its reason, and the server then takes a real caller.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mpeg_ts_the_demuxer_would_hold_without_bound_drops_its_caller() {
    use crate::support::ts;
    let mut app = TestApp::builder().srt().spawn().await;
    let port = app.srt_port.expect("SRT is on");
    let key = app.keys[0].clone();

    // One PES that never ends: 32 MiB offered at 4 MB/s.
    let endless = std::iter::once(ts::pat_and_pmt())
        .chain(std::iter::once(ts::pes_start(0, 90_000, 0xff).to_vec()))
        .chain((1..=25_000u32).map(|i| {
            (0..7u32)
                .flat_map(|j| ts::pes_payload(((i * 7 + j) % 16) as u8, 0xff))
                .collect::<Vec<u8>>()
        }));
    let sender = send_paced(port, &key, endless, 4_000_000);
    let why = abandoned_because(&mut app).await;
    assert!(why.contains("bytes of unfinished PES"), "{why}");
    assert!(why.contains("8388608"), "the limit is 8 MiB: {why}");
    sender.abort();

    // A PES per packet, none with a frame in it, at 10 KB/s: far under every byte bound.
    let frameless = std::iter::once(ts::pat_and_pmt()).chain(
        (0..2_000u32)
            .map(|i| ts::pes_start((i % 16) as u8, 90_000 + u64::from(i) * 1800, 0xff).to_vec()),
    );
    let sender = send_paced(port, &key, frameless, 10_000);
    let why = abandoned_because(&mut app).await;
    assert!(
        why.contains("no complete video frame for 5 s while MPEG-TS kept arriving"),
        "{why}"
    );
    sender.abort();

    let caller = publish_srt(&srt_url(port, &key, ""), Clip::small(2.0), &[]);
    let stream = app.wait_started().await;
    assert_published(caller, Duration::from_secs(30)).await;
    app.wait_ended(&stream).await;
    app.stop().await;
}
