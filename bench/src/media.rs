//! The media benchmark: the default ladder from a 1080p30 6 Mbit/s source, against ffmpeg.

use crate::process::{cpu_so_far, peak_rss_kib, wait_with_usage, Server, Usage};
use anyhow::{bail, Context};
use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use testkit::hls::{master_playlist, media_playlists, playable_stream};

const FPS: f64 = 30.0;
/// How often playlists are polled, like an impatient player.
const POLL: Duration = Duration::from_millis(20);

/// The default ladder, as ffmpeg is asked to produce it: (width, height, kbit/s).
const LADDER: [(u32, u32, u32); 4] = [
    (1920, 1080, 6000),
    (1280, 720, 3000),
    (854, 480, 1400),
    (640, 360, 800),
];

/// What was measured for the server.
struct Ours {
    usage: Usage,
    first_playable: BTreeMap<String, Duration>,
    lags: Vec<f64>,
}

pub async fn run(server: &Path, cache: &Path, seconds: u32) -> anyhow::Result<()> {
    anyhow::ensure!(
        server.exists(),
        "{} not found: run `cargo build --release --workspace` first",
        server.display()
    );
    let input = ensure_reference(cache, seconds)?;
    eprintln!("measuring livestream (publishing {seconds} s in real time)...");
    let ours = measure_livestream(server, &input, seconds).await?;
    eprintln!("measuring the ffmpeg reference ladder...");
    let reference = measure_ffmpeg(&input)?;
    print_table(&ours, &reference, seconds);
    Ok(())
}

/// Generates (once) the reference input: 1920x1080 30 fps H.264 High 6 Mbit/s, AAC 48 kHz, GOP 2 s.
pub(crate) fn ensure_reference(cache: &Path, seconds: u32) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(cache)?;
    let path = cache.join(format!("reference-1080p30-{seconds}s.mp4"));
    if path.exists() {
        return Ok(path.canonicalize()?);
    }
    eprintln!("generating the reference input {} ...", path.display());
    let tmp = path.with_extension("tmp.mp4");
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args(["-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30"])
        .args(["-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000"])
        .args(["-t", &seconds.to_string()])
        // Temporal noise makes the picture cost what camera footage costs to encode.
        .args(["-vf", "noise=alls=8:allf=t+u"])
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-profile:v",
            "high",
            "-pix_fmt",
            "yuv420p",
        ])
        .args(["-b:v", "6000k", "-maxrate", "6000k", "-bufsize", "12000k"])
        .args(["-g", "60", "-keyint_min", "60", "-sc_threshold", "0"])
        .args(["-c:a", "aac", "-b:a", "128k", "-ac", "2", "-ar", "48000"])
        .arg(&tmp)
        .status()
        .context("ffmpeg is needed (deploy/install-deps.sh)")?;
    anyhow::ensure!(status.success(), "generating the reference input failed");
    std::fs::rename(&tmp, &path)?;
    Ok(path.canonicalize()?)
}

/// Publishes `input` in real time, as it is (`-c copy`), to the RTMP `url`; the publisher runs
/// until its input ends.
pub(crate) fn publish_copy(input: &Path, url: &str) -> anyhow::Result<std::process::Child> {
    copy_publisher(input, url, &[])
        .stdout(Stdio::null())
        .spawn()
        .context("ffmpeg is needed (deploy/install-deps.sh)")
}

/// `ffmpeg -re -i input -c copy -f flv <output_args> url`, its errors silenced.
fn copy_publisher(input: &Path, url: &str, output_args: &[&str]) -> Command {
    let mut command = testkit::publish::copy_to_rtmp(input, url, output_args);
    command.stderr(Stdio::null());
    command
}

async fn measure_livestream(server: &Path, input: &Path, seconds: u32) -> anyhow::Result<Ours> {
    let key = "benchmark-stream-key";
    let server = Server::start(server, &[("LIVESTREAM_INGEST__STREAM_KEYS", key)]).await?;
    let (pid, rtmp_port, base) = (server.pid, server.rtmp_port, server.base.clone());
    let client = reqwest::Client::new();
    let cpu_before = cpu_so_far(pid)?;

    // The publisher reports how far it got; the smallest (wall - media) offset is when media
    // time zero went out.
    let mut publisher = copy_publisher(
        input,
        &format!("rtmp://127.0.0.1:{rtmp_port}/live/{key}"),
        &["-progress", "pipe:1", "-stats_period", "0.05"],
    )
    .stdout(Stdio::piped())
    .spawn()?;
    let spawned = Instant::now();
    let start = Arc::new(Mutex::new(None::<Instant>));
    let progress = publisher.stdout.take().context("publisher stdout")?;
    let start_writer = start.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(progress).lines().map_while(Result::ok) {
            let Some(us) = line
                .strip_prefix("out_time_us=")
                .and_then(|v| v.parse::<u64>().ok())
            else {
                continue;
            };
            let now = Instant::now();
            let Some(zero) = now.checked_sub(Duration::from_micros(us)) else {
                continue;
            };
            let mut start = start_writer.lock().unwrap_or_else(|p| p.into_inner());
            if start.is_none_or(|s| zero < s) {
                *start = Some(zero);
            }
        }
    });

    // Poll like a player: stream list, multivariant playlist, every media playlist.
    let mut id = None;
    let mut playlists: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut appearances: Vec<(String, Instant, f64)> = Vec::new();
    let mut first: BTreeMap<String, Instant> = BTreeMap::new();
    let mut ended: HashSet<String> = HashSet::new();
    let deadline = spawned + Duration::from_secs(u64::from(seconds) + 60);
    loop {
        anyhow::ensure!(
            Instant::now() < deadline,
            "the stream did not finish in time"
        );
        if id.is_none() {
            id = playable_stream(&client, &base).await?;
        }
        if let (Some(id), true) = (&id, playlists.is_empty()) {
            playlists = media_playlists(&master_playlist(&client, &base, id).await?);
        }
        if let Some(id) = &id {
            for uri in &playlists {
                if ended.contains(uri) {
                    continue;
                }
                let text = client
                    .get(format!("{base}/hls/{id}/{uri}"))
                    .send()
                    .await?
                    .bytes()
                    .await?;
                let Ok(playlist) = m3u8_rs::parse_media_playlist_res(&text) else {
                    continue;
                };
                let now = Instant::now();
                // Media time of each segment's end, from the media sequence and the durations
                // seen so far (the live window may already have dropped early segments).
                let mut end = 0.0;
                for (i, s) in playlist.segments.iter().enumerate() {
                    let number = playlist.media_sequence + i as u64;
                    let key = format!("{uri}#{number}");
                    let known_end = appearances
                        .iter()
                        .find(|(k, _, _)| *k == key)
                        .map(|(_, _, e)| *e);
                    end = known_end.unwrap_or(end + f64::from(s.duration));
                    if seen.insert(key.clone()) {
                        appearances.push((key, now, end));
                        first.entry(uri.clone()).or_insert(now);
                    }
                }
                if playlist.end_list {
                    ended.insert(uri.clone());
                }
            }
            if !playlists.is_empty() && ended.len() == playlists.len() {
                break;
            }
        }
        tokio::time::sleep(POLL).await;
    }
    let cpu = cpu_so_far(pid)?.saturating_sub(cpu_before);
    let peak = peak_rss_kib(pid);
    let _ = publisher.wait();
    let log = server.data.path().join("server.log");
    if !server.stop()? {
        bail!("the server did not exit cleanly; see {}", log.display());
    }
    let zero = start
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .context("no publisher progress")?;
    let frame = 1.0 / FPS;
    let lags = appearances
        .iter()
        .filter(|(key, _, _)| !key.starts_with("audio/"))
        .map(|(_, seen, end)| {
            let last_frame_sent = zero + Duration::from_secs_f64((end - frame).max(0.0));
            seen.saturating_duration_since(last_frame_sent)
                .as_secs_f64()
                - last_frame_sent
                    .saturating_duration_since(*seen)
                    .as_secs_f64()
        })
        .collect();
    let first_playable = first
        .into_iter()
        .map(|(uri, at)| {
            (
                uri.trim_end_matches("/playlist.m3u8").to_owned(),
                at.saturating_duration_since(zero),
            )
        })
        .collect();
    Ok(Ours {
        usage: Usage {
            cpu,
            peak_rss_kib: peak,
        },
        first_playable,
        lags,
    })
}

/// ffmpeg making the same outputs: one decode, the four x264 rungs with the same rate control,
/// keyframes where the source has them, the source and audio copied, all as fMP4 HLS, reading
/// the input in real time.
fn measure_ffmpeg(input: &Path) -> anyhow::Result<Usage> {
    let out = tempfile::tempdir()?;
    let mut filter = String::from("[0:v]split=4[s0][s1][s2][s3]");
    for (i, (w, h, _)) in LADDER.iter().enumerate() {
        filter.push_str(&format!(";[s{i}]scale={w}:{h}:flags=bicubic[v{i}]"));
    }
    let mut cmd = Command::new("ffmpeg");
    // Real time, like a live transcoder reading a publisher's stream (nginx-rtmp + ffmpeg):
    // both sides then work under the same conditions.
    cmd.args([
        "-hide_banner",
        "-loglevel",
        "error",
        "-nostdin",
        "-y",
        "-re",
        "-i",
    ])
    .arg(input);
    cmd.args(["-filter_complex", &filter]);
    for (i, (_, _, kbps)) in LADDER.iter().enumerate() {
        cmd.args(["-map", &format!("[v{i}]")]);
        cmd.args([
            &format!("-c:v:{i}"),
            "libx264",
            &format!("-b:v:{i}"),
            &format!("{kbps}k"),
        ]);
        cmd.args([
            &format!("-maxrate:v:{i}"),
            &format!("{kbps}k"),
            &format!("-bufsize:v:{i}"),
            &format!("{}k", kbps * 2),
        ]);
    }
    cmd.args([
        "-map", "0:v", "-c:v:4", "copy", "-map", "0:a", "-c:a", "copy",
    ]);
    cmd.args([
        "-preset",
        "veryfast",
        "-tune",
        "zerolatency",
        "-force_key_frames",
        "source",
        "-sc_threshold",
        "0",
        "-g",
        "100000",
    ]);
    cmd.args([
        "-f",
        "hls",
        "-hls_time",
        "2",
        "-hls_segment_type",
        "fmp4",
        "-hls_playlist_type",
        "event",
    ]);
    cmd.args([
        "-var_stream_map",
        "v:0 v:1 v:2 v:3 v:4 a:0",
        "-master_pl_name",
        "master.m3u8",
    ]);
    cmd.arg(out.path().join("%v_playlist.m3u8"));
    cmd.current_dir(out.path());
    let child = cmd.stdout(Stdio::null()).spawn().context("ffmpeg runs")?;
    let (ok, usage) = wait_with_usage(child)?;
    anyhow::ensure!(ok, "the ffmpeg reference failed");
    Ok(usage)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn print_table(ours: &Ours, reference: &Usage, seconds: u32) {
    let media = f64::from(seconds);
    let our_cpu = ours.usage.cpu.as_secs_f64() / media;
    let ref_cpu = reference.cpu.as_secs_f64() / media;
    let mut lags = ours.lags.clone();
    lags.sort_by(f64::total_cmp);
    println!("| measure | livestream | ffmpeg reference | livestream / ffmpeg |");
    println!("|---|---|---|---|");
    println!("| (a) CPU seconds per media second, default ladder | {our_cpu:.3} | {ref_cpu:.3} | {:.2} |", our_cpu / ref_cpu);
    for (rendition, at) in &ours.first_playable {
        println!(
            "| (b) publish → first playable segment, {rendition} | {:.2} s | | |",
            at.as_secs_f64()
        );
    }
    println!(
        "| (c) segment lag, median / p95 ({} video segments) | {:.3} s / {:.3} s | | |",
        lags.len(),
        percentile(&lags, 0.5),
        percentile(&lags, 0.95)
    );
    println!(
        "| (d) peak RSS | {:.0} MiB | {:.0} MiB | {:.2} |",
        ours.usage.peak_rss_kib as f64 / 1024.0,
        reference.peak_rss_kib as f64 / 1024.0,
        ours.usage.peak_rss_kib as f64 / reference.peak_rss_kib.max(1) as f64
    );
}
