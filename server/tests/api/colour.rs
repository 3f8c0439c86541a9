//! Every rung shows the colours of the source: no rung converts the colour matrix, and each says
//! what it holds (BT.709 and BT.601 sources as tagged; an untagged source as the documented
//! assumption, BT.709 above 576 lines).

use crate::support::*;
use std::process::Stdio;
use std::time::Duration;
use tokio::process::Command;

/// Publishes 2 s of 1280x720 grey with a flat green patch in the middle, its colour tagged with
/// `tags` (ffmpeg's `-colorspace` ... options; none for an untagged stream).
fn publish_patch(app: &TestApp, key: &str, tags: &[&str]) -> tokio::process::Child {
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-hide_banner", "-loglevel", "error", "-nostdin", "-re"])
        .args(["-f", "lavfi", "-i", "color=c=0x808080:s=1280x720:r=30:d=2"])
        .args([
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=48000:d=2",
        ])
        .args([
            "-vf",
            "drawbox=x=320:y=180:w=640:h=360:c=0x3cb44b:t=fill,format=yuv420p",
        ])
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-g",
            "30",
            "-b:v",
            "1000k",
        ])
        .args(tags)
        .args(["-c:a", "aac", "-b:a", "64k", "-f", "flv"])
        .arg(app.rtmp_url(key))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd.spawn()
        .expect("ffmpeg is installed (deploy/install-deps.sh)")
}

/// What a stream's colour must read as.
struct Expected {
    /// ffprobe's `range,space,transfer,primaries` (from the `colr` box or the VUI), every rung.
    tags: &'static str,
    /// The code points in the transcoded rungs' VUI (primaries, transfer, matrix).
    vui: [u32; 3],
    /// The passthrough's VUI: the source's own, untouched.
    source_vui: Option<[u32; 3]>,
}

/// Publishes the patch, then checks every rung of the ended stream: its decoded size is the
/// multivariant playlist's RESOLUTION, its colour says `expected`, and the patch's Y/U/V are
/// within 2 of the passthrough's.
async fn assert_same_colour_on_every_rung(tags: &[&str], expected: Expected) {
    let mut app = TestApp::builder().spawn().await;
    let key = app.keys[0].clone();
    let publisher = publish_patch(&app, &key, tags);
    let id = app.wait_started().await;
    app.wait_playable(&id).await;
    assert_published(publisher, Duration::from_secs(30)).await;
    app.wait_ended(&id).await;

    let master = app.get_text(&format!("/hls/{id}/master.m3u8")).await;
    let variants = m3u8_rs::parse_master_playlist_res(master.as_bytes())
        .expect("multivariant parses")
        .variants;
    let rungs = ["source", "720p", "480p", "360p"];
    let mut reference: Option<[f64; 3]> = None;
    for rung in rungs {
        let (joined, _) = app
            .join_rendition(&id, &format!("{rung}/playlist.m3u8"))
            .await;
        let listed = variants
            .iter()
            .find(|v| v.uri == format!("{rung}/playlist.m3u8"))
            .and_then(|v| v.resolution)
            .unwrap_or_else(|| panic!("{rung} is listed with a RESOLUTION:\n{master}"));
        let (width, height) = ffprobe_decode_size(&joined);
        assert_eq!(
            (u64::from(width), u64::from(height)),
            (listed.width, listed.height),
            "{rung} decodes at the size the multivariant playlist gives"
        );
        assert_eq!(
            ffprobe_colour_tags(&joined),
            expected.tags,
            "{rung} is tagged as what it holds"
        );
        let vui = if rung == "source" {
            expected.source_vui
        } else {
            Some(expected.vui)
        };
        assert_eq!(vui_colour(&joined), vui, "{rung}'s VUI colour description");
        let yuv = centre_yuv(&joined);
        match reference {
            None => {
                // The green patch, not the grey around it: the block was read where it should be.
                assert!(
                    yuv[0] > 100.0 && yuv[1] < 120.0 && yuv[2] < 120.0,
                    "{rung}: {yuv:?}"
                );
                reference = Some(yuv);
            }
            Some(source) => {
                for (plane, (got, want)) in ["Y", "U", "V"].iter().zip(yuv.iter().zip(source)) {
                    assert!(
                        (got - want).abs() <= 2.0,
                        "{rung} {plane} is {got:.1}, the passthrough's {want:.1} (all: {yuv:?} against {source:?})"
                    );
                }
            }
        }
    }
    assert_whole_ladder_checked(&master);
}

/// The rungs checked are the whole ladder of a 720p source: the multivariant playlist lists
/// nothing else.
fn assert_whole_ladder_checked(master: &str) {
    let parsed = m3u8_rs::parse_master_playlist_res(master.as_bytes()).expect("it parses");
    let mut listed: Vec<String> = parsed
        .variants
        .iter()
        .map(|v| v.uri.clone())
        .chain(parsed.alternatives.iter().filter_map(|a| a.uri.clone()))
        .map(|uri| uri.trim_end_matches("/playlist.m3u8").to_owned())
        .collect();
    listed.sort();
    assert_eq!(listed, ["360p", "480p", "720p", "audio", "source"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bt709_source_keeps_its_colours_on_every_rung() {
    assert_same_colour_on_every_rung(
        &[
            "-colorspace",
            "bt709",
            "-color_primaries",
            "bt709",
            "-color_trc",
            "bt709",
            "-color_range",
            "tv",
        ],
        Expected {
            tags: "tv,bt709,bt709,bt709",
            vui: [1, 1, 1],
            source_vui: Some([1, 1, 1]),
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bt601_source_keeps_its_colours_on_every_rung() {
    assert_same_colour_on_every_rung(
        &[
            "-colorspace",
            "smpte170m",
            "-color_primaries",
            "smpte170m",
            "-color_trc",
            "smpte170m",
            "-color_range",
            "tv",
        ],
        Expected {
            tags: "tv,smpte170m,smpte170m,smpte170m",
            vui: [6, 6, 6],
            source_vui: Some([6, 6, 6]),
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untagged_hd_source_is_taken_as_bt709_on_every_rung_with_no_conversion() {
    assert_same_colour_on_every_rung(
        &[],
        Expected {
            tags: "tv,bt709,bt709,bt709",
            vui: [1, 1, 1],
            source_vui: None,
        },
    )
    .await;
}
