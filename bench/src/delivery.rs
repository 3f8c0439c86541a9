//! `livestream-bench hls`: how fast a live stream's HLS is served, against nginx serving the same
//! bytes from disk in the same run, and what a thousand blocked LL-HLS reloads cost.
//!
//! ```text
//! ffmpeg (360p test pattern, real time) ─RTMP─▶ livestream ─▶ playlist, segment ─▶ saved to disk
//! wrk -t1 -c64 ─▶ livestream  /hls/<id>/<rung>/playlist.m3u8, /hls/<id>/<rung>/<msn>.m4s
//! wrk -t1 -c64 ─▶ nginx       /playlist.m3u8, /segment.m4s   (the same bytes, sendfile)
//! 1000 × GET playlist.m3u8?_HLS_msn=…&_HLS_part=… (the next part) ─▶ RSS and threads while held
//! ```

use crate::process::Server;
use anyhow::Context;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use testkit::hls::{master_playlist, playable_stream};
use testkit::nginx::Nginx;

const KEY: &str = "benchmark-delivery-key";
const CONNECTIONS: u32 = 64;
const WAITING_VIEWERS: usize = 1000;
/// How many times each wrk run is repeated; the median is reported.
const ROUNDS: u32 = 3;

pub async fn run(server: &Path, seconds: u32) -> anyhow::Result<()> {
    anyhow::ensure!(
        server.exists(),
        "{} not found: run `cargo build --release --workspace` first",
        server.display()
    );
    for tool in ["wrk", "nginx", "ffmpeg"] {
        anyhow::ensure!(
            Command::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .stdout(Stdio::null())
                .status()?
                .success(),
            "{tool} is needed (deploy/install-deps.sh)"
        );
    }
    let ours = Server::start(server, &[("LIVESTREAM_INGEST__STREAM_KEYS", KEY)]).await?;
    let mut publisher = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-re"])
        .args(["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30"])
        .args(["-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000"])
        .args(["-t", &(seconds * 4 * ROUNDS + 60).to_string()])
        .args(["-c:v", "libx264", "-preset", "veryfast", "-b:v", "1500k"])
        .args(["-g", "60", "-keyint_min", "60", "-sc_threshold", "0"])
        .args(["-c:a", "aac", "-b:a", "128k", "-f", "flv"])
        .arg(format!("rtmp://127.0.0.1:{}/live/{KEY}", ours.rtmp_port))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("ffmpeg")?;
    let result = measure(&ours, seconds).await;
    let _ = publisher.kill();
    let _ = publisher.wait();
    ours.stop()?;
    let figures = result?;
    print_table(&figures);
    Ok(())
}

struct Wrk {
    requests_per_second: f64,
    p99_ms: f64,
}

struct Figures {
    playlist: (Wrk, Wrk),
    segment: (Wrk, Wrk),
    segment_bytes: usize,
    playlist_bytes: usize,
    waiting: Waiting,
}

struct Waiting {
    held: usize,
    answered: usize,
    rss_before_kib: u64,
    rss_held_kib: u64,
    threads_before: u64,
    threads_held: u64,
}

async fn measure(ours: &Server, seconds: u32) -> anyhow::Result<Figures> {
    let client = reqwest::Client::new();
    let started = Instant::now();
    let id = loop {
        if let Some(id) = playable_stream(&client, &ours.base).await? {
            break id;
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(30),
            "the stream never became playable"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // A few segments, so the playlist is the size a live one has.
    tokio::time::sleep(Duration::from_secs(8)).await;
    let master = master_playlist(&client, &ours.base, &id).await?;
    let variant = master
        .variants
        .iter()
        .min_by_key(|v| v.bandwidth)
        .context("a variant")?
        .uri
        .clone();
    let rendition = variant.trim_end_matches("/playlist.m3u8").to_owned();
    let playlist_url = format!("{}/hls/{id}/{variant}", ours.base);
    // nginx serves the same bytes from disk. The encoder shares the two cores with the servers
    // and wrk, so each pair of runs is repeated and the median is reported.
    let root = tempfile::tempdir()?;
    let nginx = nginx_serving(root.path())?;
    let theirs = format!("http://127.0.0.1:{}", nginx.port);
    let mut playlist_runs = (Vec::new(), Vec::new());
    let mut segment_runs = (Vec::new(), Vec::new());
    let (mut playlist_bytes, mut segment_bytes) = (0, 0);
    for round in 1..=ROUNDS {
        // The live playlist as it is now, for nginx too.
        let playlist = client.get(&playlist_url).send().await?.error_for_status()?;
        let playlist = playlist.bytes().await?;
        std::fs::write(root.path().join("playlist.m3u8"), &playlist)?;
        playlist_bytes = playlist.len();
        eprintln!("round {round}/{ROUNDS}: wrk, media playlist ({playlist_bytes} bytes)...");
        let theirs_url = format!("{theirs}/playlist.m3u8");
        pair(&playlist_url, &theirs_url, seconds, &mut playlist_runs)?;
        // The newest complete segment, from a fresh playlist, fetched now so it is still kept
        // (window + 3 segments) while wrk runs.
        let text = client.get(&playlist_url).send().await?.error_for_status()?;
        let text = text.text().await?;
        let segment_name = text
            .lines()
            .rfind(|l| l.ends_with(".m4s") && !l.starts_with('#'))
            .context("a complete segment in the playlist")?;
        let segment_url = format!("{}/hls/{id}/{rendition}/{segment_name}", ours.base);
        let segment = client
            .get(&segment_url)
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        std::fs::write(root.path().join("segment.m4s"), &segment)?;
        segment_bytes = segment.len();
        eprintln!("round {round}/{ROUNDS}: wrk, segment ({segment_bytes} bytes)...");
        let theirs_url = format!("{theirs}/segment.m4s");
        pair(&segment_url, &theirs_url, seconds, &mut segment_runs)?;
    }
    drop(nginx);

    eprintln!("holding {WAITING_VIEWERS} blocking playlist requests...");
    let waiting = hold_waiting(&client, ours, &playlist_url).await?;
    Ok(Figures {
        playlist: (median(playlist_runs.0), median(playlist_runs.1)),
        segment: (median(segment_runs.0), median(segment_runs.1)),
        segment_bytes,
        playlist_bytes,
        waiting,
    })
}

/// Asks for the part after the next one from many connections at once, reads the server's memory
/// and threads while they wait, then counts the answers.
async fn hold_waiting(
    client: &reqwest::Client,
    ours: &Server,
    playlist_url: &str,
) -> anyhow::Result<Waiting> {
    let text = client.get(playlist_url).send().await?.text().await?;
    let hint = text
        .lines()
        .find_map(|l| l.strip_prefix("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\""))
        .and_then(|l| l.strip_suffix(".m4s\""))
        .context("a preload hint")?;
    let (msn, part) = hint.split_once('.').context("msn.part")?;
    let url = format!("{playlist_url}?_HLS_msn={msn}&_HLS_part={part}");
    let rss_before_kib = status_kib(ours.pid, "VmRSS:");
    let threads_before = status_kib(ours.pid, "Threads:");
    // One connection per viewer, as browsers hold them.
    let viewers = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()?;
    let requests: Vec<_> = (0..WAITING_VIEWERS)
        .map(|_| {
            let (viewers, url) = (viewers.clone(), url.clone());
            tokio::spawn(async move {
                let response = viewers.get(&url).send().await.ok()?;
                response.status().is_success().then_some(())
            })
        })
        .collect();
    // Connected and waiting: the part takes up to one part duration to come.
    tokio::time::sleep(Duration::from_millis(150)).await;
    let rss_held_kib = status_kib(ours.pid, "VmRSS:");
    let threads_held = status_kib(ours.pid, "Threads:");
    let mut answered = 0;
    for request in requests {
        if let Ok(Some(())) = request.await {
            answered += 1;
        }
    }
    let _ = client;
    Ok(Waiting {
        held: WAITING_VIEWERS,
        answered,
        rss_before_kib,
        rss_held_kib,
        threads_before,
        threads_held,
    })
}

fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// wrk against `ours`, then against `theirs`, each run added to `runs`. Ours goes first: a
/// segment is kept for a limited time after it leaves the playlist.
fn pair(
    ours: &str,
    theirs: &str,
    seconds: u32,
    runs: &mut (Vec<Wrk>, Vec<Wrk>),
) -> anyhow::Result<()> {
    runs.0.push(wrk(ours, seconds)?);
    runs.1.push(wrk(theirs, seconds)?);
    Ok(())
}

/// The run with the median request rate; its p99 goes with it.
fn median(mut runs: Vec<Wrk>) -> Wrk {
    runs.sort_by(|a, b| a.requests_per_second.total_cmp(&b.requests_per_second));
    let middle = runs.len() / 2;
    runs.swap_remove(middle)
}

/// `wrk -t1 -c64 -d<seconds>s --latency url`: requests per second and the 99th percentile.
fn wrk(url: &str, seconds: u32) -> anyhow::Result<Wrk> {
    let out = Command::new("wrk")
        .args([
            "-t1",
            &format!("-c{CONNECTIONS}"),
            &format!("-d{seconds}s"),
            "--latency",
        ])
        .arg(url)
        .output()
        .context("wrk")?;
    let text = String::from_utf8_lossy(&out.stdout);
    anyhow::ensure!(out.status.success(), "wrk {url}: {text}");
    anyhow::ensure!(!text.contains("Non-2xx"), "wrk {url} got errors:\n{text}");
    let requests_per_second = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .context("wrk's Requests/sec")?;
    let p99_ms = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("99%"))
        .map(|v| milliseconds(v.trim()))
        .context("wrk's 99% latency")??;
    Ok(Wrk {
        requests_per_second,
        p99_ms,
    })
}

/// wrk's `123.45us`, `1.23ms` or `1.02s`.
fn milliseconds(value: &str) -> anyhow::Result<f64> {
    let (number, scale) = if let Some(v) = value.strip_suffix("us") {
        (v, 0.001)
    } else if let Some(v) = value.strip_suffix("ms") {
        (v, 1.0)
    } else if let Some(v) = value.strip_suffix('s') {
        (v, 1000.0)
    } else {
        anyhow::bail!("a latency: {value}")
    };
    Ok(number.parse::<f64>()? * scale)
}

/// nginx serving `root` on a free loopback port, as many workers as cores.
fn nginx_serving(root: &Path) -> anyhow::Result<Nginx> {
    Nginx::start(|dir, port| {
        format!(
            "daemon off;\nworker_processes auto;\npid {pid};\nerror_log {err} warn;\n\
             events {{ worker_connections 4096; }}\n\
             http {{\n  access_log off;\n  sendfile on;\n  tcp_nopush on;\n  keepalive_requests 100000;\n\
             types {{ application/vnd.apple.mpegurl m3u8; video/mp4 m4s; }}\n\
             client_body_temp_path {tmp}; proxy_temp_path {tmp}; fastcgi_temp_path {tmp};\n\
             uwsgi_temp_path {tmp}; scgi_temp_path {tmp};\n\
             server {{ listen 127.0.0.1:{port}; root {root};\n\
             location / {{ add_header Cache-Control no-cache; }} }}\n}}\n",
            pid = dir.join("nginx.pid").display(),
            err = dir.join("error.log").display(),
            tmp = dir.display(),
            root = root.display(),
        )
    })
}

fn print_table(f: &Figures) {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "\n## HLS delivery: livestream against nginx ({cores} cores, wrk -t1 -c{CONNECTIONS}, same machine, median of {ROUNDS} runs)\n"
    );
    println!("| request | livestream req/s | nginx req/s | ratio | livestream p99 | nginx p99 |");
    println!("|---|---|---|---|---|---|");
    for (what, (ours, theirs)) in [
        (
            format!("media playlist ({} B)", f.playlist_bytes),
            &f.playlist,
        ),
        (
            format!("segment ({} KB)", f.segment_bytes / 1000),
            &f.segment,
        ),
    ] {
        println!(
            "| {what} | {:.0} | {:.0} | {:.2} | {:.2} ms | {:.2} ms |",
            ours.requests_per_second,
            theirs.requests_per_second,
            ours.requests_per_second / theirs.requests_per_second.max(1.0),
            ours.p99_ms,
            theirs.p99_ms,
        );
    }
    let w = &f.waiting;
    println!("\n| blocking reloads held at once | answered | server RSS before → held | threads before → held |");
    println!("|---|---|---|---|");
    println!(
        "| {} | {} | {:.1} → {:.1} MiB ({:.1} KiB each) | {} → {} |",
        w.held,
        w.answered,
        w.rss_before_kib as f64 / 1024.0,
        w.rss_held_kib as f64 / 1024.0,
        w.rss_held_kib.saturating_sub(w.rss_before_kib) as f64 / w.held.max(1) as f64,
        w.threads_before,
        w.threads_held
    );
}
