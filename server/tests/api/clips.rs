//! Clips: up to a minute of a broadcast, cut at keyframes without re-encoding, from its
//! recording or from the last minute of the live stream; its own page with Open Graph tags.

use crate::support::*;
use serde_json::json;
use std::path::Path;
use std::time::Duration;

const INDEX: &str = "<!doctype html>\n<html lang=\"en\">\n  <head>\n    <title>Livestream</title>\n  </head>\n  <body><div id=\"root\"></div></body>\n</html>\n";

/// Downloads a clip's MP4 and checks what ffprobe reads of it: H.264 + AAC, decodable, lasting
/// `asked` seconds within one GOP of the clip (1 s) and never less. Returns its duration.
async fn probe_clip(app: &TestApp, clip: &serde_json::Value, asked: f64, name: &str) -> f64 {
    let download = app
        .get(clip["download_url"].as_str().expect("download_url"))
        .await;
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["content-type"], "video/mp4");
    assert!(download.headers()["content-disposition"]
        .to_str()
        .unwrap_or_default()
        .starts_with("attachment"));
    let path = app.data_dir().join(name);
    std::fs::write(&path, download.bytes().await.expect("clip")).expect("write");
    let streams = ffprobe(&path, &["-show_entries", "stream=codec_name"]);
    assert_eq!(
        streams.split_whitespace().collect::<Vec<_>>(),
        ["h264", "aac"]
    );
    assert_eq!(ffprobe_decode_size(&path), (640, 360), "the clip decodes");
    let duration = ffprobe_duration(&path);
    assert!(
        duration >= asked - 0.1 && duration <= asked + 1.1,
        "asked {asked} s, got {duration} s"
    );
    let said = clip["duration_seconds"].as_f64().expect("duration_seconds");
    assert!(
        (said - duration).abs() < 0.2,
        "says {said} s, lasts {duration} s"
    );
    // Not re-encoded: every keyframe where the publisher put one (1 s apart), the first at 0.
    let keyframes = keyframe_times(&path);
    assert_eq!(keyframes.first(), Some(&0), "{keyframes:?}");
    duration
}

async fn clips_body(backend: Backend) {
    let web_root = tempfile::tempdir().expect("temp dir");
    std::fs::write(web_root.path().join("index.html"), INDEX).expect("write");
    let root = web_root.path().to_path_buf();
    let mut app = TestApp::builder()
        .backend(backend)
        .settings(move |s| {
            s.http.web_root = root;
            s.clips.per_user_per_hour = 4;
        })
        .spawn()
        .await;
    let olive = app.register_streamer("olive").await;
    let vic = app.register_viewer("vic").await;
    let created = app.as_user(&olive).create_room("Clips").await;
    let room = created.id.clone();
    let publisher = app.publish_ffmpeg(&created.stream_key, Clip::small(10.0), &[]);
    let stream = app.wait_started().await;
    let started = tokio::time::Instant::now();
    app.wait_playable(&stream).await;
    tokio::time::sleep(Duration::from_secs(6)).await;

    // Live: the last few seconds, by a logged-in viewer.
    let live =
        |start: f64, duration: f64| json!({"start_seconds": start, "duration_seconds": duration});
    let cut = app
        .as_user(&vic)
        .post(&format!("/api/rooms/{room}/clips"), Some(live(4.0, 2.0)))
        .await
        .assert_status(201);
    let live_clip = cut.clone();
    // Its window: from 4 s before the live edge (the newest complete segment, at most a segment
    // and a frame behind the publisher), on the keyframe at or before, for 2 s.
    let since_start = started.elapsed().as_secs_f64();
    let from = cut["start_seconds"].as_f64().expect("start_seconds");
    assert!(
        from <= since_start - 4.0 + 0.1 && from >= since_start - 4.0 - 2.5,
        "a live clip 4 s back at {since_start:.1} s starts at {from} s"
    );
    for refused in [
        live(61.0, 2.0),
        live(0.0, 2.0),
        live(4.0, 0.0),
        live(4.0, 61.0),
    ] {
        let reply = app
            .as_user(&vic)
            .post(&format!("/api/rooms/{room}/clips"), Some(refused.clone()))
            .await;
        assert_eq!(reply.status, 422, "{refused}");
        assert_eq!(reply.error_code(), Some("validation_failed"));
    }
    assert_eq!(
        app.anonymous()
            .post(&format!("/api/rooms/{room}/clips"), Some(live(4.0, 2.0)))
            .await
            .status,
        401
    );
    assert_published(publisher, Duration::from_secs(30)).await;
    app.wait_ended(&stream).await;
    assert_eq!(
        app.as_user(&vic)
            .post(&format!("/api/rooms/{room}/clips"), Some(live(4.0, 2.0)))
            .await
            .error_code(),
        Some("conflict"),
        "no live clip of an offline room"
    );
    probe_clip(&app, &live_clip, 2.0, "live.mp4").await;
    // Copied from the source, not re-encoded: every video packet of the clip is one of the
    // archive's (the source's frames as published), byte for byte.
    let published = packet_hashes(&app.archive(&stream));
    let clipped = packet_hashes(&app.data_dir().join("live.mp4"));
    assert!(!clipped.is_empty());
    assert!(
        clipped.iter().all(|h| published.contains(h)),
        "every frame of the clip is a published frame"
    );

    // From the recording, by its streamer.
    let recordings = app.anonymous().recordings(&room).await.assert_status(200);
    let recording = recordings[0]["id"].as_str().expect("id").to_owned();
    let clip = app
        .as_user(&olive)
        .post(
            &format!("/api/recordings/{recording}/clips"),
            Some(json!({"start_seconds": 2.5, "duration_seconds": 3.0})),
        )
        .await
        .assert_status(201);
    let id = clip["id"].as_str().expect("id").to_owned();
    assert_eq!(
        clip["playback_url"],
        format!("/api/clips/{id}/file").as_str()
    );
    assert_eq!(
        clip["download_url"],
        format!("/api/clips/{id}/file?download=true").as_str()
    );
    assert_eq!(clip["page_url"], format!("/clips/{id}").as_str());
    let start = clip["start_seconds"].as_f64().expect("start");
    assert!(
        (start - 2.0).abs() < 0.1,
        "starts on the keyframe at or before 2.5 s (they are 1 s apart): {start}"
    );
    probe_clip(&app, &clip, 3.0, "recorded.mp4").await;
    // Its first picture is the published one at its start.
    let local = app.data_dir().join("recorded.mp4");
    let shown = frame_at(&local.to_string_lossy(), 0.0, false);
    let pattern = test_pattern(640, 360);
    let (right, wrong) = (
        picture_distance(&shown, &frame_at(&pattern, start, true)),
        picture_distance(&shown, &frame_at(&pattern, start + 1.0, true)),
    );
    assert!(right < wrong && right < 12.0, "{right:.1} / {wrong:.1}");
    // It plays inline with Range, as a <video> asks.
    let ranged = app
        .client
        .get(format!(
            "{}{}",
            app.http,
            clip["playback_url"].as_str().unwrap_or_default()
        ))
        .header("range", "bytes=0-99")
        .send()
        .await
        .expect("ranged GET");
    assert_eq!(ranged.status(), 206);
    assert_eq!(ranged.bytes().await.expect("range").len(), 100);

    for (body, field) in [
        (
            json!({"start_seconds": 2.0, "duration_seconds": 61.0}),
            "duration_seconds",
        ),
        (
            json!({"start_seconds": -1.0, "duration_seconds": 2.0}),
            "start_seconds",
        ),
        (
            json!({"start_seconds": 30.0, "duration_seconds": 2.0}),
            "start_seconds",
        ),
    ] {
        let reply = app
            .as_user(&vic)
            .post(
                &format!("/api/recordings/{recording}/clips"),
                Some(body.clone()),
            )
            .await;
        assert_eq!(reply.status, 422, "{body}");
        assert!(reply.names_field(field), "{body}: {:?}", reply.body);
    }
    // A viewer cuts at most clips.per_user_per_hour (4 here). Counted so far: the live clip and
    // the one past the end (refused once the recording was read); not the invalid requests.
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(
            app.as_user(&vic)
                .post(
                    &format!("/api/recordings/{recording}/clips"),
                    Some(json!({"start_seconds": 0.0, "duration_seconds": 1.0})),
                )
                .await
                .status,
        );
    }
    assert_eq!(statuses, [201, 201, 429], "the limit is per user");

    // Listed on the room, each with its own page that previews in a shared link.
    let listed = app
        .anonymous()
        .get(&format!("/api/rooms/{room}/clips"))
        .await
        .assert_status(200);
    assert_eq!(listed.as_array().map(Vec::len), Some(4), "{listed}");
    app.anonymous()
        .get(&format!("/api/clips/{id}"))
        .await
        .assert_status(200);
    let page = app.get(&format!("/clips/{id}")).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("page");
    let origin = app.http.clone();
    for tag in [
        "<meta property=\"og:type\" content=\"video.other\" />".to_owned(),
        "<meta property=\"og:title\" content=\"Clip from Clips\" />".to_owned(),
        format!("<meta property=\"og:video\" content=\"{origin}/api/clips/{id}/file\" />"),
        format!("<meta property=\"og:url\" content=\"{origin}/clips/{id}\" />"),
        format!("<meta property=\"og:image\" content=\"{origin}/vod/{recording}/poster.jpg\" />"),
    ] {
        assert!(html.contains(&tag), "{tag} in:\n{html}");
    }
    // Forwarding headers from a peer that is not a trusted proxy change nothing in the tags.
    let forged = app
        .client
        .get(format!("{}/clips/{id}", app.http))
        .header("x-forwarded-host", "evil.example")
        .header("x-forwarded-proto", "https")
        .header("forwarded", "host=evil.example;proto=https")
        .send()
        .await
        .expect("page");
    assert_eq!(forged.status(), 200);
    let forged = forged.text().await.expect("page");
    assert!(!forged.contains("evil.example"), "{forged}");
    assert!(
        forged.contains(&format!("content=\"{origin}/api/clips/{id}/file\"")),
        "{forged}"
    );

    // The room's owner (or an admin) deletes; the one who cut it, a viewer, may not.
    assert_eq!(
        app.as_user(&vic)
            .delete(&format!("/api/clips/{id}"))
            .await
            .status,
        403
    );
    app.as_user(&olive)
        .delete(&format!("/api/clips/{id}"))
        .await
        .assert_status(204);
    assert_eq!(
        app.get(&format!("/api/clips/{id}/file")).await.status(),
        404
    );
    assert!(!Path::new(&app.data_dir().join("clips").join(format!("{id}.mp4"))).exists());
    app.stop().await;
}

on_both_databases!(clips_are_cut_served_and_deleted, clips_body);

/// The MD5 of every video packet of a file, as stored (`ffmpeg -c copy -f framemd5`).
fn packet_hashes(path: &Path) -> std::collections::HashSet<String> {
    let out = std::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-i"])
        .arg(path)
        .args(["-map", "0:v:0", "-c", "copy", "-f", "framemd5", "-"])
        .output()
        .expect("ffmpeg runs");
    assert!(out.status.success(), "framemd5 of {}", path.display());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit(',').next().map(|h| h.trim().to_owned()))
        .collect()
}

/// The files in a node's clips folder, by name.
fn clip_files(data_dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(data_dir.join("clips"))
        .map(|dir| {
            dir.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// A cut belongs to the server, not to the request: a client that resets mid-cut frees no place
/// among `clips.max_concurrent` early, and the clip is finished, stored and listed with nothing
/// else left in the folder. Cuts past the limit are refused with 503 and `Retry-After` once
/// `clips.queue_seconds` is spent (none, here). Files no clip row names are swept at start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_abandoned_cut_finishes_in_its_place_and_strays_are_swept_at_start() {
    let data = tempfile::tempdir().expect("temp dir");
    let mut app = TestApp::builder()
        .data_dir(data.path())
        .settings(|s| s.clips.queue_seconds = 0)
        .spawn()
        .await;
    let olive = app.register_streamer("olive").await;
    let created = app.as_user(&olive).create_room("Cuts").await;
    let room = created.id.clone();
    let publisher = app.publish_ffmpeg(&created.stream_key, Clip::small(8.0), &[]);
    let stream = app.wait_started().await;
    assert_published(publisher, Duration::from_secs(30)).await;
    app.wait_ended(&stream).await;
    let recordings = app.anonymous().recordings(&room).await.assert_status(200);
    let recording = recordings[0]["id"].as_str().expect("id").to_owned();
    let url = format!("{}/api/recordings/{recording}/clips", app.http);
    let body = json!({"start_seconds": 0.0, "duration_seconds": 6.0});

    // Reset as soon as the cut has files on disk.
    let request = app
        .client
        .post(&url)
        .bearer_auth(&olive.token)
        .json(&body)
        .send();
    let watch = async {
        loop {
            if clip_files(data.path())
                .iter()
                .any(|n| n.ends_with(".video.mp4"))
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    };
    tokio::select! {
        answered = request => panic!("the cut was answered before it was abandoned: {answered:?}"),
        _ = tokio::time::timeout(Duration::from_secs(20), watch) => {}
    }
    // The abandoned cut is finished, recorded and listed; its scratch files are gone.
    let mut listed = serde_json::Value::Null;
    for _ in 0..100 {
        listed = app
            .anonymous()
            .get(&format!("/api/rooms/{room}/clips"))
            .await
            .assert_status(200);
        if listed.as_array().is_some_and(|a| a.len() == 1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let id = listed[0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("a clip: {listed}"))
        .to_owned();
    for _ in 0..100 {
        if clip_files(data.path()) == [format!("{id}.mp4")] {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(clip_files(data.path()), [format!("{id}.mp4")]);

    // Six cuts at once: two run (clips.max_concurrent), the others are refused at once.
    let cuts = (0..6).map(|_| {
        app.client
            .post(&url)
            .bearer_auth(&olive.token)
            .json(&body)
            .send()
    });
    let mut statuses = Vec::new();
    for answer in futures_util::future::join_all(cuts).await {
        let answer = answer.expect("answered");
        if answer.status() == 503 {
            assert!(answer.headers().contains_key("retry-after"), "Retry-After");
        }
        statuses.push(answer.status().as_u16());
    }
    let made = statuses.iter().filter(|s| **s == 201).count();
    let refused = statuses.iter().filter(|s| **s == 503).count();
    assert!(
        made >= 2 && refused >= 1 && made + refused == 6,
        "{statuses:?}"
    );
    app.stop().await;

    // What a crash could leave: scratch of a cut, and an MP4 whose row was never written.
    for stray in [
        "0123456789abcdef.video.mp4",
        "0123456789abcdef.audio.mp4",
        "fedcba9876543210.mp4",
    ] {
        std::fs::write(data.path().join("clips").join(stray), b"stray").expect("write");
    }
    let app = TestApp::builder().data_dir(data.path()).spawn().await;
    let files = clip_files(data.path());
    assert_eq!(
        files.len(),
        1 + made,
        "only the clips with rows stay: {files:?}"
    );
    assert!(files.contains(&format!("{id}.mp4")), "{files:?}");
    assert!(!files
        .iter()
        .any(|f| f.contains("0123456789abcdef") || f.contains("fedcba9876543210")));
    app.stop().await;
}
