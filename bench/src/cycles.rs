//! The memory benchmark: many short broadcasts one after another (every third publisher killed
//! mid-stream), the server's resident memory, threads and file descriptors read after each.
//!
//! The same cycles run under each allocator available (glibc's, then jemalloc and mimalloc
//! preloaded from Debian's packages), so a growth that one allocator shows and another does not
//! is fragmentation, while a growth they all show is a leak.

use crate::process::Server;
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const KEY: &str = "bench-cycles-key";

/// An allocator the server can run with, and how to get it.
struct Allocator {
    name: &'static str,
    preload: Option<&'static str>,
}

const ALLOCATORS: &[Allocator] = &[
    Allocator {
        name: "as built",
        preload: None,
    },
    Allocator {
        name: "jemalloc (preloaded)",
        preload: Some("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"),
    },
    Allocator {
        name: "mimalloc (preloaded)",
        preload: Some("/usr/lib/x86_64-linux-gnu/libmimalloc.so.2"),
    },
];

/// What the server holds after one cycle.
#[derive(Clone, Copy, Default)]
struct Reading {
    rss_kib: u64,
    threads: u64,
    fds: u64,
}

fn read(pid: u32) -> anyhow::Result<Reading> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))?.count() as u64;
    Ok(Reading {
        rss_kib: field("VmRSS:"),
        threads: field("Threads:"),
        fds,
    })
}

/// A 4 s 360p clip with audio, encoded once.
fn ensure_clip(cache: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(cache)?;
    let path = cache.join("cycle-360p-4s.flv");
    if path.exists() {
        return Ok(path);
    }
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args(["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30"])
        .args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"])
        .args([
            "-t",
            "4",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-g",
            "30",
        ])
        .args(["-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "flv"])
        .arg(&path)
        .status()
        .context("ffmpeg")?;
    anyhow::ensure!(status.success(), "could not encode the cycle clip");
    Ok(path)
}

async fn live_count(client: &reqwest::Client, base: &str) -> anyhow::Result<usize> {
    let body: serde_json::Value = client
        .get(format!("{base}/api/streams"))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(body["streams"].as_array().map_or(0, Vec::len))
}

async fn wait_live(client: &reqwest::Client, base: &str, count: usize) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    while live_count(client, base).await? != count {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(30),
            "the server never had {count} live streams"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// Runs `cycles` broadcasts against a fresh server; returns the reading after each (index 0 is
/// before the first).
async fn run_cycles(
    server_bin: &Path,
    clip: &Path,
    cycles: u32,
    preload: Option<&str>,
) -> anyhow::Result<Vec<Reading>> {
    let mut env = vec![
        ("LIVESTREAM_INGEST__STREAM_KEYS", KEY),
        ("LIVESTREAM_RTMP__RECONNECT_GRACE_SECONDS", "1"),
    ];
    if let Some(lib) = preload {
        env.push(("LD_PRELOAD", lib));
    }
    let server = Server::start(server_bin, &env).await?;
    let client = reqwest::Client::new();
    let url = format!("rtmp://127.0.0.1:{}/live/{KEY}", server.rtmp_port);
    let mut readings = vec![read(server.pid)?];
    for cycle in 1..=cycles {
        let mut publisher = Command::new("ffmpeg")
            .args([
                "-hide_banner",
                "-loglevel",
                "quiet",
                "-nostdin",
                "-re",
                "-i",
            ])
            .arg(clip)
            .args(["-c", "copy", "-f", "flv", &url])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("ffmpeg publishes")?;
        wait_live(&client, &server.base, 1).await?;
        if cycle % 3 == 0 {
            tokio::time::sleep(Duration::from_secs(2)).await;
            publisher.kill()?;
        }
        publisher.wait()?;
        wait_live(&client, &server.base, 0).await?;
        // Let the ended stream's threads and files go. After the first and the last broadcast,
        // wait out the idle threads of tokio's blocking pool (10 s) and of GLib's thread pool
        // (15 s) too, so the thread counts compared are the ones that stay.
        let settle = if cycle == 1 || cycle == cycles {
            Duration::from_secs(20)
        } else {
            Duration::from_millis(500)
        };
        tokio::time::sleep(settle).await;
        readings.push(read(server.pid)?);
        if cycle % 10 == 0 {
            eprintln!(
                "  cycle {cycle}: {} MiB",
                readings[cycle as usize].rss_kib / 1024
            );
        }
    }
    anyhow::ensure!(server.stop()?, "the server did not stop cleanly");
    Ok(readings)
}

pub async fn run(
    server: &Path,
    cache: &Path,
    cycles: u32,
    only: Option<&str>,
) -> anyhow::Result<()> {
    anyhow::ensure!(cycles >= 10, "run at least 10 cycles");
    let clip = ensure_clip(cache)?;
    let mut results = Vec::new();
    for allocator in ALLOCATORS {
        if only.is_some_and(|name| !allocator.name.starts_with(name)) {
            continue;
        }
        if let Some(lib) = allocator.preload {
            if !Path::new(lib).exists() {
                eprintln!(
                    "{} skipped: {lib} is missing (apt-get install libjemalloc2 libmimalloc2.0)",
                    allocator.name
                );
                continue;
            }
        }
        eprintln!("{}: {cycles} cycles...", allocator.name);
        let readings = run_cycles(server, &clip, cycles, allocator.preload).await?;
        results.push((allocator.name, readings));
    }

    println!("| allocator | RSS after cycle 1 | cycle 5 | cycle {} | cycle {cycles} | growth since cycle 5 | threads after cycle 1 / last | fds after cycle 1 / last |", cycles / 2);
    println!("|---|---|---|---|---|---|---|---|");
    for (name, r) in &results {
        let mib = |i: usize| r[i].rss_kib as f64 / 1024.0;
        let last = cycles as usize;
        let growth = (mib(last) / mib(5) - 1.0) * 100.0;
        println!(
            "| {name} | {:.0} MiB | {:.0} MiB | {:.0} MiB | {:.0} MiB | {growth:+.1} % | {} / {} | {} / {} |",
            mib(1),
            mib(5),
            mib(last / 2),
            mib(last),
            r[1].threads,
            r[last].threads,
            r[1].fds,
            r[last].fds,
        );
    }
    if let Some((name, r)) = results.first() {
        let last = cycles as usize;
        let growth = r[last].rss_kib as f64 / r[5].rss_kib as f64 - 1.0;
        // GStreamer starts some threads of its own with the first pipeline: the baseline is
        // the server after its first broadcast.
        let ok = growth <= 0.05 && r[last].threads <= r[1].threads && r[last].fds <= r[1].fds;
        println!();
        println!(
            "{name}: {} (target: within 5 % of cycle 5, threads and fds back to where the first broadcast left them)",
            if ok { "PASS" } else { "FAIL" }
        );
    }
    Ok(())
}
