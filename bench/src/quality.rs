//! The quality benchmark: every rung of the default ladder against ffmpeg encoding the same
//! rungs from the same file, by PSNR and SSIM against the source scaled with lanczos.
//!
//! The project's rungs are downloaded whole over HTTP after the stream ends (the playlist window
//! is widened so that it keeps every segment); ffmpeg encodes the same sizes and bitrates with
//! the same x264 settings, bicubic scaling and keyframes where the source has them. Both are
//! compared with the source frame by frame. Each file's timestamps are taken from its first
//! frame and snapped to the frame grid, so a constant offset between the outputs (the source's
//! B-frame delay) pairs nothing wrongly; every source frame is scored, and a frame an output
//! dropped is scored against the frame it held instead, which is what a viewer sees (pairing
//! by index would instead shift every later frame by one).

use crate::media::ensure_reference;
use crate::media::publish_copy;
use crate::process::{cpu_so_far, wait_with_usage, Server, Usage};
use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use testkit::hls::{master_playlist, media_playlists, playable_stream};

const KEY: &str = "bench-quality-key";
const FPS: u32 = 30;
/// Playlist entries kept by the server: with 2 s segments, 120 s of stream.
const WINDOW_SEGMENTS: u32 = 60;
const SEGMENT_SECONDS: u32 = 2;
const POLL: Duration = Duration::from_millis(250);

/// A rung of the default ladder (`media::ladder::Ladder::default()`), as ffmpeg is asked for it.
struct Rung {
    name: &'static str,
    width: u32,
    height: u32,
    kbps: u32,
    profile: &'static str,
}

const LADDER: [Rung; 4] = [
    Rung {
        name: "1080p",
        width: 1920,
        height: 1080,
        kbps: 6000,
        profile: "high",
    },
    Rung {
        name: "720p",
        width: 1280,
        height: 720,
        kbps: 3000,
        profile: "high",
    },
    Rung {
        name: "480p",
        width: 854,
        height: 480,
        kbps: 1400,
        profile: "main",
    },
    Rung {
        name: "360p",
        width: 640,
        height: 360,
        kbps: 800,
        profile: "main",
    },
];

/// The targets of issue 12: how far below ffmpeg each measure may be.
const PSNR_Y_MARGIN: f64 = 0.2;
const PSNR_UV_MARGIN: f64 = 0.5;
const SSIM_MARGIN: f64 = 0.002;
const BITRATE_TOLERANCE: f64 = 0.05;

/// One encoded rung, measured against the source.
#[derive(Debug, Clone, Copy)]
struct Score {
    video: Video,
    psnr_y: f64,
    psnr_u: f64,
    psnr_v: f64,
    /// The worst frame's PSNR over its three planes, which shows a single broken frame.
    psnr_min: f64,
    ssim: f64,
}

pub async fn run(server: &Path, cache: &Path, seconds: u32) -> anyhow::Result<()> {
    anyhow::ensure!(
        server.exists(),
        "{} not found: run `cargo build --release --workspace` first",
        server.display()
    );
    anyhow::ensure!(
        (4..=(WINDOW_SEGMENTS - 4) * SEGMENT_SECONDS).contains(&seconds),
        "--seconds must be between 4 and {} (the playlist window)",
        (WINDOW_SEGMENTS - 4) * SEGMENT_SECONDS
    );
    let input = ensure_reference(cache, seconds)?;
    let work = tempfile::tempdir()?;
    eprintln!("publishing {seconds} s to livestream in real time and downloading every rung...");
    let (ours_cpu, ours_files) = publish_and_download(server, &input, seconds, work.path()).await?;
    eprintln!("encoding the same ladder with ffmpeg...");
    let (reference_cpu, reference_files) = encode_with_ffmpeg(&input, work.path())?;
    let mut rows = Vec::new();
    for (rung, (ours, reference)) in LADDER.iter().zip(ours_files.iter().zip(&reference_files)) {
        eprintln!("comparing {} with the source...", rung.name);
        let Some(ours) = ours else {
            eprintln!("livestream has no {} rung", rung.name);
            continue;
        };
        let (our_score, reference_score) = compare(&input, rung, ours, reference, work.path())?;
        rows.push((rung, our_score, reference_score));
    }
    print_tables(
        &rows,
        probe_video(&input)?,
        ours_cpu,
        reference_cpu.cpu,
        seconds,
    );
    Ok(())
}

/// A child process killed if it is still running when this goes out of scope.
struct KillOnDrop(Option<Child>);

impl KillOnDrop {
    fn take(&mut self) -> Option<Child> {
        self.0.take()
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Publishes `input` in real time to a fresh server and downloads each rung of `LADDER` whole
/// (init segment + every media segment, one MP4 each) once the stream has ended. Returns the
/// server's CPU while it handled the stream and the files (`None` for a rung it did not make).
async fn publish_and_download(
    binary: &Path,
    input: &Path,
    seconds: u32,
    dir: &Path,
) -> anyhow::Result<(Duration, Vec<Option<PathBuf>>)> {
    let window = WINDOW_SEGMENTS.to_string();
    let server = Server::start(
        binary,
        &[
            ("LIVESTREAM_INGEST__STREAM_KEYS", KEY),
            ("LIVESTREAM_HLS__WINDOW_SEGMENTS", &window),
        ],
    )
    .await?;
    let result = publish_and_wait(&server, input, seconds).await;
    let downloaded = match result {
        Ok((cpu, id)) => download_rungs(&server.base, &id, dir)
            .await
            .map(|files| (cpu, files)),
        Err(e) => Err(e),
    };
    // The log goes with the server's data directory: keep its end for the error.
    let log = std::fs::read_to_string(server.data.path().join("server.log")).unwrap_or_default();
    let log_tail = log.lines().rev().take(20).collect::<Vec<_>>();
    let clean = server.stop()?;
    let (cpu, files) = downloaded.with_context(|| {
        let tail: Vec<&str> = log_tail.iter().rev().copied().collect();
        format!("the server's log ends with:\n{}", tail.join("\n"))
    })?;
    if !clean {
        bail!("the server did not exit cleanly");
    }
    Ok((cpu, files))
}

/// Publishes and waits for every playlist to end; returns the server's CPU meanwhile and the
/// stream's id.
async fn publish_and_wait(
    server: &Server,
    input: &Path,
    seconds: u32,
) -> anyhow::Result<(Duration, String)> {
    let client = reqwest::Client::new();
    let base = &server.base;
    let cpu_before = cpu_so_far(server.pid)?;
    let mut publisher = KillOnDrop(Some(publish_copy(
        input,
        &format!("rtmp://127.0.0.1:{}/live/{KEY}", server.rtmp_port),
    )?));
    let deadline = Instant::now() + Duration::from_secs(u64::from(seconds) + 60);
    let mut id = None;
    let mut playlists: Vec<String> = Vec::new();
    loop {
        anyhow::ensure!(
            Instant::now() < deadline,
            "the stream did not finish in time"
        );
        if id.is_none() {
            id = playable_stream(&client, base).await?;
        }
        if let Some(id) = &id {
            if playlists.is_empty() {
                playlists = media_playlists(&master_playlist(&client, base, id).await?);
            }
            let mut ended = 0;
            for uri in &playlists {
                let text = client
                    .get(format!("{base}/hls/{id}/{uri}"))
                    .send()
                    .await?
                    .bytes()
                    .await?;
                if m3u8_rs::parse_media_playlist_res(&text).is_ok_and(|p| p.end_list) {
                    ended += 1;
                }
            }
            if ended == playlists.len() {
                break;
            }
        }
        tokio::time::sleep(POLL).await;
    }
    let cpu = cpu_so_far(server.pid)?.saturating_sub(cpu_before);
    if let Some(mut child) = publisher.take() {
        let _ = child.wait();
    }
    Ok((cpu, id.context("no stream id")?))
}

/// Downloads each rung of `LADDER` named in the multivariant playlist into `dir/<rung>.mp4`.
async fn download_rungs(base: &str, id: &str, dir: &Path) -> anyhow::Result<Vec<Option<PathBuf>>> {
    let client = reqwest::Client::new();
    let master = master_playlist(&client, base, id).await?;
    let mut files = Vec::new();
    for rung in &LADDER {
        let variant = master
            .variants
            .iter()
            .find(|v| v.uri.split('/').next() == Some(rung.name));
        let Some(variant) = variant else {
            files.push(None);
            continue;
        };
        let playlist_url = reqwest::Url::parse(&format!("{base}/hls/{id}/{}", variant.uri))?;
        let text = client
            .get(playlist_url.clone())
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        let playlist =
            m3u8_rs::parse_media_playlist_res(&text).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let media: f64 = playlist
            .segments
            .iter()
            .map(|s| f64::from(s.duration))
            .sum();
        anyhow::ensure!(
            playlist.end_list && playlist.media_sequence <= 1,
            "{}: the playlist does not hold the whole stream (media sequence {})",
            rung.name,
            playlist.media_sequence
        );
        let mut body = Vec::new();
        let mut maps_seen = Vec::new();
        for segment in &playlist.segments {
            // One init segment; a second distinct one would need a new file.
            if let Some(map) = &segment.map {
                if !maps_seen.contains(&map.uri) {
                    anyhow::ensure!(
                        maps_seen.is_empty(),
                        "{}: more than one EXT-X-MAP",
                        rung.name
                    );
                    body.extend(fetch(&client, &playlist_url, &map.uri).await?);
                    maps_seen.push(map.uri.clone());
                }
            }
            body.extend(fetch(&client, &playlist_url, &segment.uri).await?);
        }
        anyhow::ensure!(!maps_seen.is_empty(), "{}: no EXT-X-MAP", rung.name);
        let path = dir.join(format!("livestream-{}.mp4", rung.name));
        std::fs::write(&path, &body)?;
        eprintln!(
            "  {}: {} segments, {media:.1} s, {} bytes",
            rung.name,
            playlist.segments.len(),
            body.len()
        );
        files.push(Some(path));
    }
    Ok(files)
}

async fn fetch(
    client: &reqwest::Client,
    playlist: &reqwest::Url,
    uri: &str,
) -> anyhow::Result<Vec<u8>> {
    let url = playlist.join(uri)?;
    Ok(client
        .get(url)
        .send()
        .await?
        .error_for_status()?
        .bytes()
        .await?
        .to_vec())
}

/// One ffmpeg, one decode, the four rungs as MP4 files, reading the input in real time like a
/// live transcoder (as the media benchmark's reference does).
fn encode_with_ffmpeg(input: &Path, dir: &Path) -> anyhow::Result<(Usage, Vec<PathBuf>)> {
    let mut filter = format!("[0:v]split={}", LADDER.len());
    for i in 0..LADDER.len() {
        filter.push_str(&format!("[s{i}]"));
    }
    for (i, rung) in LADDER.iter().enumerate() {
        filter.push_str(&format!(
            ";[s{i}]scale={}:{}:flags=bicubic[v{i}]",
            rung.width, rung.height
        ));
    }
    let mut cmd = Command::new("ffmpeg");
    cmd.args([
        "-hide_banner",
        "-loglevel",
        "error",
        "-nostdin",
        "-y",
        "-re",
        "-i",
    ])
    .arg(input)
    .args(["-filter_complex", &filter]);
    let mut files = Vec::new();
    for (i, rung) in LADDER.iter().enumerate() {
        let kbps = rung.kbps;
        cmd.args(["-map", &format!("[v{i}]"), "-an"]);
        cmd.args([
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-tune",
            "zerolatency",
            "-profile:v",
            rung.profile,
        ]);
        cmd.args([
            "-b:v",
            &format!("{kbps}k"),
            "-maxrate",
            &format!("{kbps}k"),
            "-bufsize",
            &format!("{}k", kbps * 2),
        ]);
        cmd.args([
            "-g",
            "100000",
            "-sc_threshold",
            "0",
            "-force_key_frames",
            "source",
        ]);
        let path = dir.join(format!("ffmpeg-{}.mp4", rung.name));
        cmd.arg(&path);
        files.push(path);
    }
    let child = cmd
        .stdout(Stdio::null())
        .spawn()
        .context("ffmpeg is needed")?;
    let (ok, usage) = wait_with_usage(child)?;
    anyhow::ensure!(ok, "the ffmpeg ladder failed");
    Ok((usage, files))
}

/// Scores both encodings of `rung` in one ffmpeg: the source is decoded and scaled (lanczos)
/// once; every input is renumbered by frame index so that frames pair by index.
fn compare(
    source: &Path,
    rung: &Rung,
    ours: &Path,
    reference: &Path,
    dir: &Path,
) -> anyhow::Result<(Score, Score)> {
    let (w, h) = (rung.width, rung.height);
    // Time from the first frame, counted in frames. One time base for all inputs: framesync
    // mispairs frames whose time bases differ (3 kHz against 15.36 kHz here).
    let retime = format!("settb=1/{FPS},setpts=PTS-STARTPTS");
    // The source is the main input of each filter: it sets which frames are scored.
    let filter = format!(
        "[0:v]{retime},scale={w}:{h}:flags=lanczos,format=yuv420p,split=2[r0][r1];\
         [1:v]{retime},format=yuv420p,split=2[o0][o1];\
         [r0][o0]psnr@ours_psnr=shortest=1[rp];[rp][o1]ssim@ours_ssim=shortest=1[ro];\
         [2:v]{retime},format=yuv420p,split=2[t0][t1];\
         [r1][t0]psnr@ffmpeg_psnr=shortest=1[rq];[rq][t1]ssim@ffmpeg_ssim=shortest=1[rt]"
    );
    let output = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-nostats", "-loglevel", "info"])
        .arg("-i")
        .arg(source)
        .arg("-i")
        .arg(ours)
        .arg("-i")
        .arg(reference)
        .args(["-filter_complex", &filter])
        .args([
            "-map", "[ro]", "-f", "null", "-", "-map", "[rt]", "-f", "null", "-",
        ])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .output()
        .context("ffmpeg runs")?;
    let log = String::from_utf8_lossy(&output.stderr);
    anyhow::ensure!(
        output.status.success(),
        "comparing {} failed:\n{log}",
        rung.name
    );
    let score = |who: &str, file: &Path| -> anyhow::Result<Score> {
        let (psnr_y, psnr_u, psnr_v, psnr_min) = psnr_summary(&log, &format!("psnr@{who}_psnr"))
            .with_context(|| format!("no PSNR summary for {who} {}:\n{log}", rung.name))?;
        let ssim = ssim_summary(&log, &format!("ssim@{who}_ssim"))
            .with_context(|| format!("no SSIM summary for {who} {}:\n{log}", rung.name))?;
        Ok(Score {
            video: probe_video(file)?,
            psnr_y,
            psnr_u,
            psnr_v,
            psnr_min,
            ssim,
        })
    };
    Ok((score("ours", ours)?, score("ffmpeg", reference)?))
}

/// The text after `[<instance> @ 0x...] ` on the line that starts with `prefix` there.
fn summary_line<'a>(log: &'a str, instance: &str, prefix: &str) -> Option<&'a str> {
    log.lines().find_map(|line| {
        let rest = line.strip_prefix(&format!("[{instance} @ "))?;
        let (_, text) = rest.split_once("] ")?;
        text.strip_prefix(prefix)
    })
}

/// The value after `key` in a summary line (`y:43.94`, `All:0.98 (17.1)`).
fn field(text: &str, key: &str) -> Option<f64> {
    text.split_whitespace()
        .find_map(|t| t.strip_prefix(key))
        .and_then(|v| v.parse().ok())
}

/// `PSNR y:.. u:.. v:.. average:..` (the PSNR of the mean squared error over all frames).
fn psnr_summary(log: &str, instance: &str) -> Option<(f64, f64, f64, f64)> {
    let text = summary_line(log, instance, "PSNR ")?;
    Some((
        field(text, "y:")?,
        field(text, "u:")?,
        field(text, "v:")?,
        field(text, "min:")?,
    ))
}

/// `SSIM Y:.. U:.. V:.. All:..` (the mean over all frames); returns All.
fn ssim_summary(log: &str, instance: &str) -> Option<f64> {
    field(summary_line(log, instance, "SSIM ")?, "All:")
}

/// What a file's video stream holds, from its packets.
#[derive(Debug, Clone, Copy)]
struct Video {
    frames: usize,
    /// Frames missing from the span between the first and the last.
    dropped: usize,
    first_pts: f64,
    /// The bytes of its packets over its presentation span, so container overhead (fragment
    /// headers, sample tables) counts on neither side.
    kbps: f64,
}

fn probe_video(file: &Path) -> anyhow::Result<Video> {
    let output = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0"])
        .args([
            "-show_entries",
            "packet=pts_time,duration_time,size",
            "-of",
            "csv=p=0",
        ])
        .arg(file)
        .output()
        .context("ffprobe runs")?;
    anyhow::ensure!(output.status.success(), "ffprobe {} failed", file.display());
    let (mut bytes, mut frames) = (0u64, 0usize);
    let (mut start, mut end) = (f64::INFINITY, f64::NEG_INFINITY);
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let mut fields = line.split(',');
        let (Some(pts), Some(duration), Some(size)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let (Ok(pts), Ok(size)) = (pts.parse::<f64>(), size.parse::<u64>()) else {
            continue;
        };
        let duration = duration.parse::<f64>().unwrap_or(1.0 / f64::from(FPS));
        bytes += size;
        frames += 1;
        start = start.min(pts);
        end = end.max(pts + duration);
    }
    anyhow::ensure!(frames > 0, "{} has no video packets", file.display());
    let span = end - start;
    let expected = (span * f64::from(FPS)).round() as usize;
    Ok(Video {
        frames,
        dropped: expected.saturating_sub(frames),
        first_pts: start,
        kbps: bytes as f64 * 8.0 / span / 1000.0,
    })
}

/// Cores, CPU model and ffmpeg version, so that figures from different hosts are not mixed.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let ffmpeg = Command::new("ffmpeg")
        .arg("-version")
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .nth(2)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "?".into());
    format!("{cores} cores, {model}, ffmpeg {ffmpeg}")
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "pass"
    } else {
        "**fail**"
    }
}

fn print_tables(
    rows: &[(&Rung, Score, Score)],
    source: Video,
    ours_cpu: Duration,
    reference_cpu: Duration,
    seconds: u32,
) {
    println!(
        "Machine: {}; source: {seconds} s of the 1080p30 reference ({} frames).\n",
        machine(),
        source.frames
    );
    println!("| rung | project kbit/s | PSNR Y / U / V (dB) | SSIM | ffmpeg kbit/s | PSNR Y / U / V (dB) | SSIM |");
    println!("|---|---|---|---|---|---|---|");
    for (rung, o, t) in rows {
        println!(
            "| {} | {:.0} | {:.2} / {:.2} / {:.2} | {:.4} | {:.0} | {:.2} / {:.2} / {:.2} | {:.4} |",
            rung.name, o.video.kbps, o.psnr_y, o.psnr_u, o.psnr_v, o.ssim,
            t.video.kbps, t.psnr_y, t.psnr_u, t.psnr_v, t.ssim
        );
    }
    println!();
    println!("| rung | project frames (dropped) | first frame | worst frame PSNR | ffmpeg frames (dropped) | first frame | worst frame PSNR |");
    println!("|---|---|---|---|---|---|---|");
    for (rung, o, t) in rows {
        println!(
            "| {} | {} ({}) | {:.3} s | {:.2} dB | {} ({}) | {:.3} s | {:.2} dB |",
            rung.name,
            o.video.frames,
            o.video.dropped,
            o.video.first_pts,
            o.psnr_min,
            t.video.frames,
            t.video.dropped,
            t.video.first_pts,
            t.psnr_min
        );
    }
    println!();
    println!(
        "| rung | bitrate project / ffmpeg (±{:.0} %) | Δ PSNR Y (≥ −{PSNR_Y_MARGIN}) | Δ PSNR U (≥ −{PSNR_UV_MARGIN}) | Δ PSNR V (≥ −{PSNR_UV_MARGIN}) | Δ SSIM (≥ −{SSIM_MARGIN}) | rung |",
        BITRATE_TOLERANCE * 100.0
    );
    println!("|---|---|---|---|---|---|---|");
    let mut all = true;
    for (rung, o, t) in rows {
        let ratio = o.video.kbps / t.video.kbps;
        let checks = [
            (ratio - 1.0).abs() <= BITRATE_TOLERANCE,
            o.psnr_y - t.psnr_y >= -PSNR_Y_MARGIN,
            o.psnr_u - t.psnr_u >= -PSNR_UV_MARGIN,
            o.psnr_v - t.psnr_v >= -PSNR_UV_MARGIN,
            o.ssim - t.ssim >= -SSIM_MARGIN,
        ];
        let ok = checks.iter().all(|c| *c);
        all &= ok;
        println!(
            "| {} | {ratio:.3} {} | {:+.2} {} | {:+.2} {} | {:+.2} {} | {:+.4} {} | {} |",
            rung.name,
            verdict(checks[0]),
            o.psnr_y - t.psnr_y,
            verdict(checks[1]),
            o.psnr_u - t.psnr_u,
            verdict(checks[2]),
            o.psnr_v - t.psnr_v,
            verdict(checks[3]),
            o.ssim - t.ssim,
            verdict(checks[4]),
            verdict(ok)
        );
    }
    let media = f64::from(seconds);
    let (our_cpu, ref_cpu) = (ours_cpu.as_secs_f64(), reference_cpu.as_secs_f64());
    println!();
    println!("| measure | livestream | ffmpeg reference | livestream / ffmpeg |");
    println!("|---|---|---|---|");
    println!(
        "| CPU seconds per media second | {:.3} | {:.3} | {:.2} |",
        our_cpu / media,
        ref_cpu / media,
        our_cpu / ref_cpu
    );
    println!("| CPU seconds, whole stream | {our_cpu:.1} | {ref_cpu:.1} | |");
    println!(
        "\nlivestream's CPU also covers the passthrough, audio, MKV archive, thumbnail and HTTP; \
         ffmpeg's is the four rungs alone (one decode, real time). Quality targets: {}.",
        if all && !rows.is_empty() {
            "all met"
        } else {
            "not all met"
        }
    );
}
