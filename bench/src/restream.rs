//! `livestream-bench restream`: what pushing one broadcast to N other RTMP servers costs,
//! against nginx-rtmp's own `push` relaying the same input to the same servers.
//!
//! ```text
//! ffmpeg -re -c copy ─▶ livestream (source-only preset, N destinations) ─▶ N nginx-rtmp sinks
//! ffmpeg -re -c copy ─▶ livestream (source-only preset, no destination)
//! ffmpeg -re -c copy ─▶ nginx-rtmp relay (`push` ×N)                     ─▶ N nginx-rtmp sinks
//! ```
//!
//! The server keeps its whole source path (LL-HLS packaging and the MKV archive of the source)
//! in both of its runs; the difference between them is what the destinations cost.

use crate::media::{ensure_reference, publish_copy};
use crate::process::{cpu_so_far, peak_rss_kib, wait_with_usage, Server};
use anyhow::Context;
use std::path::Path;
use std::time::{Duration, Instant};
use testkit::api::{HttpServer, Remote};
use testkit::nginx::{Nginx, RTMP_MODULE};

const ADMIN: (&str, &str) = ("bench-admin", "Bench-Admin-Passphrase-31");
const STREAMER_PASSWORD: &str = "Bench-Marking-Passphrase-77";
/// The measured window starts this long after the publish, once every connection is up.
const SETTLE: Duration = Duration::from_secs(5);

/// CPU and memory of one run over the measured window.
struct Figures {
    cores: f64,
    peak_rss_kib: u64,
    /// Bytes each destination was sent (ours only), from the API.
    sent: Vec<u64>,
}

pub async fn run(
    server: &Path,
    cache: &Path,
    destinations: usize,
    seconds: u32,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        server.exists(),
        "{} not found: run `cargo build --release --workspace` first",
        server.display()
    );
    anyhow::ensure!(
        Path::new(RTMP_MODULE).exists(),
        "nginx's RTMP module is missing: deploy/install-deps.sh installs libnginx-mod-rtmp"
    );
    anyhow::ensure!(
        u64::from(seconds) > SETTLE.as_secs() + 5,
        "--seconds must leave at least 5 s after the {SETTLE:?} start-up"
    );
    let input = ensure_reference(cache, seconds)?;
    let sinks = (0..destinations)
        .map(|_| nginx_rtmp(None))
        .collect::<anyhow::Result<Vec<_>>>()?;
    eprintln!("measuring livestream with no destination...");
    let alone = measure_livestream(server, &input, &[], seconds).await?;
    eprintln!("measuring livestream with {destinations} destinations...");
    let pushing = measure_livestream(server, &input, &sinks, seconds).await?;
    eprintln!("measuring nginx-rtmp pushing to {destinations} servers...");
    let relay = measure_nginx(&input, &sinks, seconds).await?;
    print_table(&alone, &pushing, &relay, destinations, seconds);
    Ok(())
}

/// The CPU `pid` uses from [`SETTLE`] after `started` until `seconds` in, in cores.
async fn window(pid: u32, started: Instant, seconds: u32) -> anyhow::Result<f64> {
    tokio::time::sleep_until((started + SETTLE).into()).await;
    let (cpu_then, then) = (cpu_so_far(pid)?, Instant::now());
    let end = started + Duration::from_secs(u64::from(seconds)) - Duration::from_secs(1);
    tokio::time::sleep_until(end.into()).await;
    let used = cpu_so_far(pid)?.saturating_sub(cpu_then);
    Ok(used.as_secs_f64() / then.elapsed().as_secs_f64())
}

async fn measure_livestream(
    binary: &Path,
    input: &Path,
    sinks: &[Nginx],
    seconds: u32,
) -> anyhow::Result<Figures> {
    let server = Server::start(
        binary,
        &[
            ("LIVESTREAM_AUTH__ADMIN_USERNAME", ADMIN.0),
            ("LIVESTREAM_AUTH__ADMIN_PASSWORD", ADMIN.1),
            ("LIVESTREAM_RESTREAM__ALLOW_PRIVATE_DESTINATIONS", "true"),
        ],
    )
    .await?;
    let api = Remote::new(server.base.clone());
    let token = |session: &serde_json::Value| -> anyhow::Result<String> {
        Ok(session["access_token"]
            .as_str()
            .context("token")?
            .to_owned())
    };
    let admin = token(
        &api.anonymous()
            .post(
                "/api/auth/login",
                Some(serde_json::json!({ "username": ADMIN.0, "password": ADMIN.1 })),
            )
            .await
            .success()?,
    )?;
    let preset = api
        .with_token(&admin)
        .post(
            "/api/presets",
            Some(
                serde_json::json!({ "name": "source-only", "passthrough": true,
                "segment_seconds": 2, "window_segments": 6, "renditions": [] }),
            ),
        )
        .await
        .success()?;
    let streamer = token(
        &api.anonymous()
            .post(
                "/api/auth/register",
                Some(serde_json::json!({ "username": "restreamer",
                    "password": STREAMER_PASSWORD, "role": "streamer" })),
            )
            .await
            .success()?,
    )?;
    let room = api
        .with_token(&streamer)
        .post(
            "/api/rooms",
            Some(serde_json::json!({ "title": "bench", "preset_id": preset["id"] })),
        )
        .await
        .success()?;
    let room_id = room["room"]["id"].as_str().context("room id")?.to_owned();
    let key = room["stream_key"]
        .as_str()
        .context("stream key")?
        .to_owned();
    for (i, sink) in sinks.iter().enumerate() {
        api.with_token(&streamer)
            .post(
                &format!("/api/rooms/{room_id}/destinations"),
                Some(
                    serde_json::json!({ "name": format!("sink {i}"), "url": rtmp_url(sink),
                    "stream_key": format!("bench-destination-key-{i}") }),
                ),
            )
            .await
            .success()?;
    }
    let publisher = publish_copy(
        input,
        &format!("rtmp://127.0.0.1:{}/live/{key}", server.rtmp_port),
    )?;
    let started = Instant::now();
    let cores = window(server.pid, started, seconds).await?;
    let listed = api
        .with_token(&streamer)
        .get(&format!("/api/rooms/{room_id}/destinations"))
        .await
        .success()?;
    let mut sent = Vec::new();
    for destination in listed.as_array().context("destinations")? {
        anyhow::ensure!(
            destination["status"] == "live",
            "a destination is not live: {destination}"
        );
        sent.push(destination["bytes_sent"].as_u64().context("bytes_sent")?);
    }
    let (published, _) = wait_with_usage(publisher)?;
    anyhow::ensure!(published, "the publisher failed");
    let peak_rss_kib = peak_rss_kib(server.pid);
    anyhow::ensure!(server.stop()?, "the server did not stop cleanly");
    Ok(Figures {
        cores,
        peak_rss_kib,
        sent,
    })
}

async fn measure_nginx(input: &Path, sinks: &[Nginx], seconds: u32) -> anyhow::Result<Figures> {
    let relay = nginx_rtmp(Some(sinks))?;
    let publisher = publish_copy(input, &format!("{}/bench", rtmp_url(&relay)))?;
    let started = Instant::now();
    let pid = relay.child.id();
    let cores = window(pid, started, seconds).await?;
    let (published, _) = wait_with_usage(publisher)?;
    anyhow::ensure!(published, "the publisher failed");
    Ok(Figures {
        cores,
        peak_rss_kib: peak_rss_kib(pid),
        sent: Vec::new(),
    })
}

fn print_table(alone: &Figures, pushing: &Figures, relay: &Figures, n: usize, seconds: u32) {
    let cores = std::thread::available_parallelism().map_or(0, |c| c.get());
    println!(
        "\n## Restreaming: one 6 Mbit/s 1080p30 broadcast to {n} RTMP servers ({cores} cores, {seconds} s published, measured from {} s)\n",
        SETTLE.as_secs()
    );
    println!("| set-up | CPU (cores) | per destination | peak RSS |");
    println!("|---|---|---|---|");
    let per = |f: &Figures| (f.cores - alone.cores) / n.max(1) as f64;
    println!(
        "| livestream, source only, no destination | {:.3} | | {} MiB |",
        alone.cores,
        alone.peak_rss_kib / 1024
    );
    println!(
        "| livestream, source only, {n} destinations | {:.3} | {:+.3} | {} MiB |",
        pushing.cores,
        per(pushing),
        pushing.peak_rss_kib / 1024
    );
    println!(
        "| nginx-rtmp, `push` to {n} (reference) | {:.3} | | {} MiB |",
        relay.cores,
        relay.peak_rss_kib / 1024
    );
    let sent: Vec<String> = pushing
        .sent
        .iter()
        .map(|b| format!("{:.1} MB", *b as f64 / 1e6))
        .collect();
    println!(
        "\nSent to each destination by the end of the window: {}.",
        sent.join(", ")
    );
}

/// One nginx-rtmp process (no master, no workers to follow): a sink that takes what it is sent,
/// or, with `push`, a relay to those sinks.
fn nginx_rtmp(push: Option<&[Nginx]>) -> anyhow::Result<Nginx> {
    let pushes: String = push
        .unwrap_or_default()
        .iter()
        .map(|sink| format!("push {};\n", rtmp_url(sink)))
        .collect();
    Nginx::start(|dir, port| {
        format!(
            "load_module {RTMP_MODULE};\ndaemon off;\nmaster_process off;\npid {pid};\n\
             error_log {err} warn;\nevents {{ worker_connections 256; }}\n\
             rtmp {{ server {{ listen 127.0.0.1:{port}; chunk_size 4096;\n\
             application live {{ live on; {pushes} }} }} }}\n",
            pid = dir.join("nginx.pid").display(),
            err = dir.join("error.log").display(),
        )
    })
}

/// The application URL of an nginx-rtmp server.
fn rtmp_url(nginx: &Nginx) -> String {
    format!("rtmp://127.0.0.1:{}/live", nginx.port)
}
