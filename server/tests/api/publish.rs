//! Publishing with real encoders gives a playable, keyframe-aligned ladder and an archive.

use crate::support::*;
use engine::EndReason;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ffmpeg_publish_gives_an_aligned_ladder_without_upscaling_and_an_archive() {
    let mut app = TestApp::builder().spawn().await;
    let key = app.keys[0].clone();
    let clip = Clip {
        width: 854,
        height: 480,
        seconds: 5.0,
        audio: true,
        video: true,
    };
    let publisher = app.publish_ffmpeg(&key, clip, &[]);
    let id = app.wait_started().await;
    app.wait_playable(&id).await;

    // The multivariant playlist, fetched like a player would while the stream is live.
    let master = app.get_text(&format!("/hls/{id}/master.m3u8")).await;
    let parsed =
        m3u8_rs::parse_master_playlist_res(master.as_bytes()).expect("multivariant parses");
    let mut listed: Vec<(String, u64, u64)> = parsed
        .variants
        .iter()
        .map(|v| {
            let name = v.uri.trim_end_matches("/playlist.m3u8").to_owned();
            let r = v.resolution.expect("RESOLUTION");
            (name, r.width, r.height)
        })
        .collect();
    listed.sort();
    assert!(!parsed.variants.is_empty(), "{master}");
    // A 480p source: no 720p or 1080p rung, the source passed through.
    let expected = vec![
        ("360p".to_owned(), 640, 360),
        ("480p".to_owned(), 854, 480),
        ("source".to_owned(), 854, 480),
    ];
    assert_eq!(listed, expected, "{master}");
    for v in &parsed.variants {
        let codecs = v.codecs.as_deref().expect("CODECS");
        assert!(
            codecs.starts_with("avc1.") && codecs.ends_with(",mp4a.40.2"),
            "{codecs}"
        );
        assert!(v.bandwidth > 0 && v.average_bandwidth.unwrap_or(0) > 0);
        assert!(
            v.frame_rate.is_some_and(|f| (f - 30.0).abs() < 0.01),
            "FRAME-RATE of {}",
            v.uri
        );
        assert_eq!(v.audio.as_deref(), Some("audio"));
    }
    assert_eq!(
        parsed.alternatives[0].uri.as_deref(),
        Some("audio/playlist.m3u8")
    );

    assert_published(publisher, Duration::from_secs(30)).await;
    let (reason, archive, _, finalized) = app.wait_ended(&id).await;
    assert_eq!(reason, EndReason::PublisherStopped);
    assert!(finalized);
    let duration = ffprobe_duration(&archive);
    assert!((duration - 5.0).abs() <= 0.5, "archive lasts {duration} s");

    let mut reference: Option<(Vec<f32>, Vec<i64>)> = None;
    for (name, width, height) in &expected {
        let (joined, text) = app
            .join_rendition(&id, &format!("{name}/playlist.m3u8"))
            .await;
        assert!(text.contains("#EXT-X-ENDLIST"), "{name} ends:\n{text}");
        let durations: Vec<f32> = segments(&text).into_iter().map(|(_, d)| d).collect();
        assert!(durations.len() >= 3, "{name} has segments: {durations:?}");
        assert_eq!(
            ffprobe_decode_size(&joined),
            (*width as u32, *height as u32),
            "{name} decodes at its size"
        );
        let keyframes = keyframe_times(&joined);
        match &reference {
            None => reference = Some((durations, keyframes)),
            Some((d, k)) => {
                assert_eq!(
                    &durations, d,
                    "{name} segment durations match the other renditions"
                );
                assert_eq!(&keyframes, k, "{name} keyframes match the other renditions");
            }
        }
    }
    let audio = app
        .get_text(&format!("/hls/{id}/audio/playlist.m3u8"))
        .await;
    assert!(audio.contains("#EXT-X-ENDLIST"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rtmp2sink_publish_is_served_and_archived() {
    let mut app = TestApp::builder().spawn().await;
    let key = app.keys[0].clone();
    let publisher = app.publish_rtmp2sink(&key, Clip::small(4.0));
    let id = app.wait_started().await;
    app.wait_playable(&id).await;
    let master = app.get_text(&format!("/hls/{id}/master.m3u8")).await;
    let parsed =
        m3u8_rs::parse_master_playlist_res(master.as_bytes()).expect("multivariant parses");
    let mut uris: Vec<&str> = parsed.variants.iter().map(|v| v.uri.as_str()).collect();
    uris.sort();
    assert_eq!(uris, ["360p/playlist.m3u8", "source/playlist.m3u8"]);
    assert_eq!(parsed.variants.len(), 2, "{master}");
    assert!(parsed
        .variants
        .iter()
        .all(|v| v.codecs.as_deref().is_some_and(|c| c.contains("mp4a.40.2"))));

    assert_published(publisher, Duration::from_secs(30)).await;
    let (reason, archive, _, finalized) = app.wait_ended(&id).await;
    assert_eq!(reason, EndReason::PublisherStopped);
    assert!(finalized);
    let duration = ffprobe_duration(&archive);
    assert!((duration - 4.0).abs() <= 0.5, "archive lasts {duration} s");
    for name in ["360p", "source", "audio"] {
        let text = app
            .get_text(&format!("/hls/{id}/{name}/playlist.m3u8"))
            .await;
        assert!(text.contains("#EXT-X-ENDLIST"), "{name}:\n{text}");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn video_only_is_served_and_audio_only_is_refused() {
    let mut app = TestApp::builder().spawn().await;
    let key = app.keys[0].clone();
    // Far longer than the limit: only a refusal ends it in time.
    let audio_only = app.publish_ffmpeg(
        &key,
        Clip {
            video: false,
            ..Clip::small(30.0)
        },
        &[],
    );
    assert_refused(audio_only, Duration::from_secs(10)).await;
    let abandoned = app
        .wait_for(
            "the refused publish to be reported",
            Duration::from_secs(10),
            |e| matches!(e, engine::StreamEvent::Abandoned { .. }),
        )
        .await;
    assert!(
        matches!(abandoned, engine::StreamEvent::Abandoned { reason: EndReason::InvalidMedia(ref why), .. } if why.contains("audio-only")),
        "{abandoned:?}"
    );

    let publisher = app.publish_ffmpeg(
        &key,
        Clip {
            audio: false,
            ..Clip::small(3.0)
        },
        &[],
    );
    let id = app.wait_started().await;
    app.wait_playable(&id).await;
    let master = app.get_text(&format!("/hls/{id}/master.m3u8")).await;
    let parsed =
        m3u8_rs::parse_master_playlist_res(master.as_bytes()).expect("multivariant parses");
    assert!(parsed.alternatives.is_empty());
    assert!(!parsed.variants.is_empty(), "{master}");
    assert!(parsed
        .variants
        .iter()
        .all(|v| v.codecs.as_deref().is_some_and(|c| !c.contains("mp4a"))));
    assert_published(publisher, Duration::from_secs(30)).await;
    let (reason, archive, _, _) = app.wait_ended(&id).await;
    assert_eq!(reason, EndReason::PublisherStopped);
    assert!((ffprobe_duration(&archive) - 3.0).abs() <= 0.5);
    app.stop().await;
}
