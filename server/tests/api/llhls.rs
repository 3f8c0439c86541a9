//! Low-latency HLS as players see it: the playlists' tags and their rules in every rendition, the
//! blocking reloads of rfc8216bis 6.2.5.2 (every refusal and the timeout observed by status), and
//! a plain HLS reader on the same playlists.

use crate::support::fmp4::first_sample_is_sync;
use crate::support::*;
use std::time::Duration;

/// `NAME=value` of a tag's attribute list (quotes kept off).
fn attribute<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let list = line.split_once(':')?.1;
    list.split(',')
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
        .map(|v| v.trim_matches('"'))
}

/// (msn, part) of the `EXT-X-PRELOAD-HINT`.
fn preload_hint(playlist: &str) -> (u64, u32) {
    let line = playlist
        .lines()
        .find(|l| l.starts_with("#EXT-X-PRELOAD-HINT:"))
        .unwrap_or_else(|| panic!("a preload hint:\n{playlist}"));
    let uri = attribute(line, "URI").expect("a URI");
    let (msn, part) = uri
        .trim_end_matches(".m4s")
        .split_once('.')
        .expect("msn.part");
    (msn.parse().expect("an msn"), part.parse().expect("a part"))
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The shape of a rendition's playlist: per segment (its msn), its EXTINF and its parts'
/// durations.
fn shape(playlist: &str) -> Vec<(String, f64, Vec<f64>)> {
    let mut out = Vec::new();
    let mut parts = Vec::new();
    let mut extinf = None;
    for line in playlist.lines() {
        if line.starts_with("#EXT-X-PART:") {
            parts.push(
                attribute(line, "DURATION")
                    .expect("DURATION")
                    .parse()
                    .expect("a number"),
            );
        } else if let Some(d) = line.strip_prefix("#EXTINF:") {
            extinf = Some(d.trim_end_matches(',').parse().expect("a duration"));
        } else if line.ends_with(".m4s") && !line.starts_with('#') {
            out.push((
                line.to_owned(),
                extinf.take().expect("EXTINF"),
                std::mem::take(&mut parts),
            ));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rendition_splits_at_the_same_instants_into_parts_within_the_target() {
    let mut app = TestApp::builder().spawn().await;
    let key = app.keys[0].clone();
    let publisher = app.publish_ffmpeg(&key, Clip::small(6.0), &[]);
    let id = app.wait_started().await;
    app.wait_playable(&id).await;

    // While live: every rendition's playlist has the LL-HLS tags.
    for rendition in ["source", "360p", "audio"] {
        let response = app
            .get(&format!("/hls/{id}/{rendition}/playlist.m3u8"))
            .await;
        assert_eq!(response.status(), 200, "{rendition}");
        assert_eq!(
            header(&response, "content-type"),
            "application/vnd.apple.mpegurl"
        );
        assert_eq!(header(&response, "cache-control"), "no-cache");
        let text = response.text().await.expect("a playlist");
        assert!(text.contains("#EXT-X-VERSION:9\n"), "{text}");
        assert!(text.contains("#EXT-X-TARGETDURATION:1\n"), "{text}");
        assert!(
            text.contains("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.200\n"),
            "{text}"
        );
        assert!(
            text.contains("#EXT-X-PART-INF:PART-TARGET=0.400\n"),
            "{text}"
        );
        assert!(
            text.contains("#EXT-X-PRELOAD-HINT:TYPE=PART,URI="),
            "{text}"
        );
        assert!(text.contains("#EXT-X-RENDITION-REPORT:URI=\"../"), "{text}");
        assert!(text.contains("#EXT-X-PROGRAM-DATE-TIME:"), "{text}");
    }

    assert_published(publisher, Duration::from_secs(30)).await;
    app.wait_ended(&id).await;

    let mut playlists = Vec::new();
    for rendition in ["source", "360p", "audio"] {
        let text = app
            .get_text(&format!("/hls/{id}/{rendition}/playlist.m3u8"))
            .await;
        assert!(text.ends_with("#EXT-X-ENDLIST\n"), "{text}");
        let init = app
            .get_bytes(&format!("/hls/{id}/{rendition}/init.mp4"))
            .await;
        let segments = shape(&text);
        assert!(segments.len() >= 5, "{rendition}: {segments:?}");
        // Parts: none above PART-TARGET, every one but a segment's last at least 85 % of it.
        for (uri, extinf, parts) in &segments {
            for (i, d) in parts.iter().enumerate() {
                assert!(*d <= 0.400 + 1e-9, "{rendition} {uri}: a part of {d} s");
                if i + 1 < parts.len() {
                    assert!(
                        *d >= 0.85 * 0.400,
                        "{rendition} {uri}: a non-final part of {d} s"
                    );
                }
            }
            // Parts are listed for the last three target durations only.
            let sum: f64 = parts.iter().sum();
            assert!(
                parts.is_empty() || (sum - extinf).abs() < 0.005 * parts.len() as f64,
                "{rendition} {uri}: {parts:?} against {extinf}"
            );
            // TARGETDURATION 1: every EXTINF rounds to at most 1.
            assert!(extinf.round() <= 1.0, "{rendition} {uri}: {extinf}");
        }
        // INDEPENDENT=YES exactly on the parts whose first sample is a sync sample.
        for line in text.lines().filter(|l| l.starts_with("#EXT-X-PART:")) {
            let uri = attribute(line, "URI").expect("a URI");
            let part = app.get_bytes(&format!("/hls/{id}/{rendition}/{uri}")).await;
            assert_eq!(
                line.ends_with(",INDEPENDENT=YES"),
                first_sample_is_sync(&init, &part),
                "{rendition}: {line}"
            );
        }
        playlists.push((rendition, segments));
    }
    // The video renditions: the same segments with the same parts. Audio: the same segment
    // numbers, each starting within an AAC frame (21 ms) of the video's.
    let (_, source) = &playlists[0];
    let (_, rung) = &playlists[1];
    let (_, audio) = &playlists[2];
    assert_eq!(
        source, rung,
        "the passthrough and the 360p rung split alike"
    );
    let uris =
        |s: &[(String, f64, Vec<f64>)]| s.iter().map(|(u, _, _)| u.clone()).collect::<Vec<_>>();
    assert_eq!(
        uris(audio),
        uris(source),
        "the audio has the same segment numbers"
    );
    let mut video_start = 0.0_f64;
    let mut audio_start = 0.0_f64;
    for ((_, v, _), (uri, a, _)) in source.iter().zip(audio.iter()) {
        assert!(
            (video_start - audio_start).abs() <= 0.022,
            "audio {uri} starts at {audio_start}, video at {video_start}"
        );
        video_start += v;
        audio_start += a;
    }

    // A plain HLS reader takes the same playlist.
    let url = format!("{}/hls/{id}/360p/playlist.m3u8", app.http);
    let probe = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format=duration",
            "-of",
            "csv=p=0",
        ])
        .arg(&url)
        .output()
        .expect("ffprobe runs");
    assert!(
        probe.status.success(),
        "ffprobe: {}",
        String::from_utf8_lossy(&probe.stderr)
    );
    let duration: f64 = String::from_utf8_lossy(&probe.stdout)
        .trim()
        .parse()
        .expect("a duration");
    assert!(duration >= 4.0, "ffprobe reads {duration} s");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_reloads_wait_for_their_part_refuse_what_is_too_far_and_time_out() {
    let mut app = TestApp::builder().spawn().await;
    let key = app.keys[0].clone();
    let publisher = app.publish_ffmpeg(&key, Clip::small(60.0), &[]);
    let id = app.wait_started().await;
    app.wait_playable(&id).await;
    let playlist = format!("/hls/{id}/360p/playlist.m3u8");
    let text = app.get_text(&playlist).await;
    let (msn, part) = preload_hint(&text);

    // The hinted part: the answer lists it, complete.
    let blocked = app
        .get(&format!("{playlist}?_HLS_msn={msn}&_HLS_part={part}"))
        .await;
    assert_eq!(blocked.status(), 200);
    assert_eq!(
        header(&blocked, "cache-control"),
        "public, max-age=1, s-maxage=1"
    );
    let text = blocked.text().await.expect("a playlist");
    assert!(
        text.contains(&format!("URI=\"{msn}.{part}.m4s\"")),
        "{text}"
    );
    assert_ne!(
        preload_hint(&text),
        (msn, part),
        "the hint moved on:\n{text}"
    );

    // A GET of the hinted part itself waits for the whole part.
    let (next_msn, next_part) = preload_hint(&text);
    let hinted = app
        .get(&format!("/hls/{id}/360p/{next_msn}.{next_part}.m4s"))
        .await;
    assert_eq!(hinted.status(), 200);
    assert_eq!(header(&hinted, "content-type"), "video/mp4");
    assert!(header(&hinted, "cache-control").contains("immutable"));
    let body = hinted.bytes().await.expect("the part");
    let complete = app.get_text(&playlist).await;
    let listed = complete
        .lines()
        .find(|l| l.contains(&format!("URI=\"{next_msn}.{next_part}.m4s\"")))
        .unwrap_or_else(|| panic!("the part is listed:\n{complete}"));
    assert!(!body.is_empty(), "{listed}");
    // A part further on is not waited for: it does not exist yet.
    let later = app
        .get(&format!("/hls/{id}/360p/{}.0.m4s", next_msn + 3))
        .await;
    assert_eq!(later.status(), 404);

    // Refused at once with 400: a part without an msn, an msn or part too far ahead, and
    // directives that are not whole numbers.
    for query in [
        format!("_HLS_part={next_part}"),
        format!("_HLS_msn={}", next_msn + 3),
        format!("_HLS_msn={next_msn}&_HLS_part=99"),
        "_HLS_msn=abc".to_owned(),
        "_HLS_msn=1&_HLS_part=-1".to_owned(),
    ] {
        let refused = app.get(&format!("{playlist}?{query}")).await;
        assert_eq!(refused.status(), 400, "{query}");
        let error: serde_json::Value = refused.json().await.expect("a JSON error");
        assert_eq!(error["error"]["code"], "bad_request", "{query}: {error}");
    }

    // The publisher freezes: a wait for the next segment ends after 3 target durations, 503.
    let pid = publisher.id().expect("the publisher runs").to_string();
    let stop = |signal: &str| {
        let status = std::process::Command::new("kill")
            .args([signal, &pid])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill {signal}");
    };
    stop("-STOP");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (frozen_msn, _) = preload_hint(&app.get_text(&playlist).await);
    let started = std::time::Instant::now();
    let timed_out = app
        .get(&format!("{playlist}?_HLS_msn={}", frozen_msn + 1))
        .await;
    assert_eq!(timed_out.status(), 503);
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    stop("-KILL");
    app.wait_ended(&id).await;

    // After the end, every directive is answered at once, with ENDLIST.
    let ended = app
        .get(&format!(
            "{playlist}?_HLS_msn={}&_HLS_part=2",
            frozen_msn + 1
        ))
        .await;
    assert_eq!(ended.status(), 200);
    assert!(ended
        .text()
        .await
        .expect("text")
        .ends_with("#EXT-X-ENDLIST\n"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rooms_chat_is_told_when_its_stream_becomes_playable_and_when_it_ends() {
    let mut app = TestApp::builder().spawn().await;
    let olive = app.register_streamer("olive").await;
    let room = app.as_user(&olive).create_room("Pushed").await;
    let (mut watcher, _) = ChatClient::join(&app, &room.id).await;
    let publisher = app.publish_ffmpeg(&room.stream_key, Clip::small(3.0), &[]);
    let id = app.wait_started().await;
    let live = watcher.expect("stream_status").await;
    assert_eq!(live["live"], true, "{live}");
    // By then the room reads as live and playable.
    let view = app.get_text(&format!("/api/rooms/{}", room.id)).await;
    let view: serde_json::Value = serde_json::from_str(&view).expect("JSON");
    assert_eq!(view["live"]["playable"], true, "{view}");
    assert_eq!(view["live"]["stream_id"], id.to_string(), "{view}");
    assert_published(publisher, Duration::from_secs(30)).await;
    app.wait_ended(&id).await;
    let ended = watcher.expect("stream_status").await;
    assert_eq!(ended["live"], false, "{ended}");
    app.stop().await;
}

/// Sends a player's latency report, then a ping, and reads up to the pong (a connection answers
/// its frames in order). Returns the error the report got, or the pong when it was taken.
async fn report_latency(viewer: &mut ChatClient, seconds: serde_json::Value) -> serde_json::Value {
    viewer
        .send(serde_json::json!({ "type": "latency", "seconds": seconds }))
        .await;
    viewer.send(serde_json::json!({ "type": "ping" })).await;
    let mut error = None;
    loop {
        let frame = viewer.next().await;
        match frame["type"].as_str() {
            Some("pong") => return error.unwrap_or(frame),
            Some("error") if error.is_none() => error = Some(frame),
            Some("error") | Some("closed") => panic!("after the report: {frame}"),
            _ => continue,
        }
    }
}

async fn viewer_latency(app: &TestApp, room: &str) -> serde_json::Value {
    let view = app.anonymous().get(&format!("/api/rooms/{room}")).await;
    view.assert_status(200)["viewer_latency"].clone()
}

/// The streamer sees the latency of the logged-in viewers' players, each viewer once; anonymous
/// sockets (anyone may open twenty) are answered and not counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_streamer_sees_the_viewers_latency_their_players_report() {
    let mut app = TestApp::builder().spawn().await;
    let olive = app.register_streamer("olive").await;
    let room = app.as_user(&olive).create_room("Latency").await;
    let mut viewers = Vec::new();
    for i in 0..3 {
        let viewer = app.register_viewer(&format!("viewer{i}")).await;
        let mut client = ChatClient::join(&app, &room.id).await.0;
        assert_eq!(client.auth(&viewer.token).await["type"], "authenticated");
        viewers.push(client);
    }
    let mut anonymous = Vec::new();
    for _ in 0..20 {
        anonymous.push(ChatClient::join(&app, &room.id).await.0);
    }
    // Offline, a report is taken but there is nothing to show.
    assert_eq!(
        report_latency(&mut viewers[0], 1.0.into()).await["type"],
        "pong"
    );
    assert_eq!(
        viewer_latency(&app, &room.id).await,
        serde_json::Value::Null
    );

    let publisher = app.publish_ffmpeg(&room.stream_key, Clip::small(6.0), &[]);
    let id = app.wait_started().await;
    assert_eq!(viewers[0].expect("stream_status").await["live"], true);
    for (viewer, seconds) in viewers.iter_mut().zip([1.2, 3.0, 1.5]) {
        assert_eq!(report_latency(viewer, seconds.into()).await["type"], "pong");
    }
    for socket in &mut anonymous {
        assert_eq!(report_latency(socket, 60.into()).await["type"], "pong");
    }
    let figures = viewer_latency(&app, &room.id).await;
    assert_eq!(
        figures,
        serde_json::json!({ "viewers": 3, "median_seconds": 1.5, "p90_seconds": 3.0 })
    );

    // What is not a latency is refused, and the viewer's last good report stays.
    for hostile in [
        serde_json::json!(-1),
        serde_json::json!(601),
        serde_json::json!("1.0"),
    ] {
        let answer = report_latency(&mut viewers[1], hostile.clone()).await;
        assert_eq!(answer["type"], "error", "{hostile}: {answer}");
        assert_eq!(answer["code"], "bad_frame", "{hostile}: {answer}");
        assert_eq!(
            report_latency(&mut viewers[1], 3.0.into()).await["type"],
            "pong"
        );
    }
    assert_eq!(viewer_latency(&app, &room.id).await["viewers"], 3);

    // A viewer who leaves no longer counts.
    drop(viewers.remove(1));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let figures = loop {
        let figures = viewer_latency(&app, &room.id).await;
        if figures["viewers"] == 2 || tokio::time::Instant::now() > deadline {
            break figures;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        figures,
        serde_json::json!({ "viewers": 2, "median_seconds": 1.2, "p90_seconds": 1.5 })
    );
    assert_published(publisher, Duration::from_secs(30)).await;
    app.wait_ended(&id).await;
    assert_eq!(viewers[0].expect("stream_status").await["live"], false);
    assert_eq!(
        viewer_latency(&app, &room.id).await,
        serde_json::Value::Null
    );
    app.stop().await;
}

/// The `#EXT-X-TARGETDURATION` of a media playlist.
fn target_duration(playlist: &str) -> f64 {
    playlist
        .lines()
        .find_map(|l| l.strip_prefix("#EXT-X-TARGETDURATION:"))
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or_else(|| panic!("a target duration:\n{playlist}"))
}

/// A server cutting 2 s segments and listing 30 of them.
async fn two_second_segments() -> TestApp {
    TestApp::builder()
        .settings(|s| {
            s.hls.segment_seconds = 2;
            s.hls.window_segments = 30;
        })
        .spawn()
        .await
}

/// OBS's default keyframe interval (250 frames, 8.3 s), with B-frames, under 2 s segments: every
/// transcoded segment lasts 2 s give or take a frame and starts on a keyframe, every playlist's
/// EXTINFs round to at most its TARGETDURATION (rfc8216bis 4.4.3.1), and the passthrough, whose
/// keyframes cannot follow, is left out of the multivariant playlist. A stream with nothing
/// transcoded takes a target that covers its GOP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_source_gop_still_makes_valid_playlists_and_rungs_of_the_segment_length() {
    let long_gop = [
        "-g",
        "250",
        "-keyint_min",
        "250",
        "-sc_threshold",
        "0",
        "-bf",
        "3",
        "-x264-params",
        "bframes=3:b-adapt=0:open-gop=0",
    ];
    let mut app = two_second_segments().await;
    let key = app.keys[0].clone();
    let publisher = app.publish_ffmpeg(&key, Clip::small(18.0), &long_gop);
    let id = app.wait_started().await;
    app.wait_playable(&id).await;
    let master = app.get_text(&format!("/hls/{id}/master.m3u8")).await;
    assert!(!master.contains("source/playlist.m3u8"), "{master}");
    assert_published(publisher, Duration::from_secs(40)).await;
    let (_, archive, _, _) = app.wait_ended(&id).await;
    let keyframes = keyframe_times(&archive);
    assert!(
        keyframes.windows(2).all(|w| w[1] - w[0] > 8000),
        "the source's GOP is 8.3 s: {keyframes:?}"
    );
    for rendition in ["360p", "audio"] {
        let text = app
            .get_text(&format!("/hls/{id}/{rendition}/playlist.m3u8"))
            .await;
        assert_eq!(target_duration(&text), 2.0, "{rendition}");
        let listed = shape(&text);
        assert!(listed.len() >= 8, "{rendition}: {listed:?}");
        for (i, (uri, extinf, _)) in listed.iter().enumerate() {
            assert!(extinf.round() <= 2.0, "{rendition} {uri}: {extinf}");
            let last = i + 1 == listed.len();
            // Video: the segment length give or take a frame; audio: give or take a frame of each.
            let slack = if rendition == "audio" {
                0.05
            } else {
                1.0 / 30.0 + 0.002
            };
            assert!(
                last || (extinf - 2.0).abs() <= slack,
                "{rendition} {uri}: {extinf} s"
            );
        }
        if rendition == "360p" {
            let init = app.get_bytes(&format!("/hls/{id}/360p/init.mp4")).await;
            for (uri, _, _) in &listed {
                let segment = app.get_bytes(&format!("/hls/{id}/360p/{uri}")).await;
                assert!(
                    crate::support::fmp4::first_sample_is_sync(&init, &segment),
                    "360p {uri} starts on a keyframe"
                );
            }
        }
    }
    app.stop().await;

    // Nothing transcoded: segments as long as the source's GOP, under a target that covers them.
    let mut app = two_second_segments().await;
    let room = app.source_only_room().await;
    let publisher = app.publish_ffmpeg(&room.stream_key, Clip::small(20.0), &long_gop);
    let id = app.wait_started().await;
    app.wait_playable(&id).await;
    assert_published(publisher, Duration::from_secs(40)).await;
    app.wait_ended(&id).await;
    for rendition in ["source", "audio"] {
        let text = app
            .get_text(&format!("/hls/{id}/{rendition}/playlist.m3u8"))
            .await;
        let target = target_duration(&text);
        assert!(
            target >= 8.0,
            "{rendition}: the target covers the GOP: {target}"
        );
        for (uri, extinf, _) in shape(&text) {
            assert!(
                extinf.round() <= target,
                "{rendition} {uri}: {extinf} > {target}"
            );
        }
    }
    app.stop().await;
}
