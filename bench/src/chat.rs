//! The chat benchmark: N subscribers in one room, publishers ramping their message rate.

use crate::process::{cpu_so_far, peak_rss_kib, Server};
use anyhow::Context;
use futures_util::{SinkExt, StreamExt};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use testkit::api::{HttpServer, Remote};
use tokio_tungstenite::tungstenite::Message;

const PUBLISHERS: usize = 4;
const P99_LIMIT: Duration = Duration::from_millis(250);
/// Total messages per second sent by all publishers, step by step.
const RATES: [u32; 10] = [10, 20, 50, 100, 200, 300, 400, 600, 800, 1200];

/// What subscribers observed, shared by their tasks.
#[derive(Default)]
struct Observed {
    deliveries: AtomicU64,
    latencies_us: Mutex<Vec<u64>>,
}

struct Step {
    rate: u32,
    sent: u64,
    delivered: u64,
    p99: Duration,
    cpu_per_second: f64,
    rss_mib: f64,
    seconds: f64,
}

/// Users, a room and the chat URLs of one set-up: publishers on the first node, subscribers on
/// the last (the same node when there is one).
struct Setup {
    tokens: Vec<String>,
    publish_url: String,
    subscribe_url: String,
    pids: Vec<u32>,
}

async fn prepare(nodes: &[Server]) -> anyhow::Result<Setup> {
    let (first, last) = (&nodes[0], &nodes[nodes.len() - 1]);
    let api = Remote::new(first.base.clone());
    let password = "Bench-Marking-Passphrase-77";
    let mut tokens = Vec::new();
    for i in 0..PUBLISHERS {
        let session = api
            .anonymous()
            .post(
                "/api/auth/register",
                Some(serde_json::json!({ "username": format!("publisher{i}"),
                    "password": password, "role": "streamer" })),
            )
            .await
            .success()?;
        tokens.push(
            session["access_token"]
                .as_str()
                .context("token")?
                .to_owned(),
        );
    }
    let room = api
        .with_token(&tokens[0])
        .post("/api/rooms", Some(serde_json::json!({ "title": "bench" })))
        .await
        .success()?;
    let room = room["room"]["id"].as_str().context("room id")?.to_owned();
    let chat = |node: &Server| format!("ws://127.0.0.1:{}/api/rooms/{room}/chat", node.http_port);
    Ok(Setup {
        tokens,
        publish_url: chat(first),
        subscribe_url: chat(last),
        pids: nodes.iter().map(|n| n.pid).collect(),
    })
}

/// Settings every node of the benchmark runs with.
/// Every client runs on this machine, so the per-address caps are lifted with the rest.
const LIMITS: [(&str, &str); 6] = [
    ("LIVESTREAM_CHAT__MAX_CONNECTIONS", "100000"),
    ("LIVESTREAM_CHAT__MAX_CONNECTIONS_PER_ADDRESS", "100000"),
    ("LIVESTREAM_CHAT__MESSAGES_PER_WINDOW", "1000"),
    ("LIVESTREAM_CHAT__WINDOW_SECONDS", "1"),
    ("LIVESTREAM_AUTH__LOGIN_ATTEMPTS_PER_MINUTE", "1000"),
    ("LIVESTREAM_AUTH__REGISTRATIONS_PER_HOUR", "1000"),
];

/// One node on SQLite, or with `nodes`, the comparison the scale-out issue asks for: one node
/// on MariaDB, then two nodes on that MariaDB and Redis with every message crossing from the
/// publishers' node to the subscribers' (scripts/services.sh runs both services).
pub async fn run(
    server: &Path,
    subscribers: usize,
    step_seconds: u64,
    nodes: bool,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        server.exists(),
        "{} not found: run `cargo build --release --workspace` first",
        server.display()
    );
    if !nodes {
        let node = Server::start(server, &LIMITS).await?;
        let steps = ramp(
            &prepare(std::slice::from_ref(&node)).await?,
            subscribers,
            step_seconds,
            None,
        )
        .await?;
        let _ = node.stop();
        print_steps(&steps, subscribers);
        return Ok(());
    }
    let mut results = Vec::new();
    for count in [1, 2] {
        let database = Database::create()?;
        let prefix = format!("bench-{}-{count}", std::process::id());
        let mut env: Vec<(&str, &str)> = LIMITS.to_vec();
        env.push(("LIVESTREAM_DATABASE__URL", &database.url));
        if count > 1 {
            env.push(("LIVESTREAM_CLUSTER__REDIS_URL", "redis://127.0.0.1:6379"));
            env.push(("LIVESTREAM_CLUSTER__KEY_PREFIX", &prefix));
            env.push((
                "LIVESTREAM_AUTH__JWT_SECRET",
                "bench-the-token-secret-every-node-shares",
            ));
            env.push((
                "LIVESTREAM_RESTREAM__SECRET",
                "bench-the-restream-secret-every-node-shares",
            ));
        }
        let mut started = Vec::new();
        for node in ["bench-a", "bench-b"].into_iter().take(count) {
            let mut env = env.clone();
            env.push(("LIVESTREAM_CLUSTER__NODE_ID", node));
            started.push(Server::start(server, &env).await?);
        }
        let setup = prepare(&started).await?;
        // The two-node run goes as far as the one-node run sustained, and one step more.
        let limit = results.first().map(|steps: &Vec<Step>| steps.len());
        let steps = ramp(&setup, subscribers, step_seconds, limit).await?;
        for node in started {
            let _ = node.stop();
        }
        eprintln!(
            "{count} node(s) on MariaDB{}:",
            if count > 1 { " and Redis" } else { "" }
        );
        print_steps(&steps, subscribers);
        results.push(steps);
    }
    println!("\n| publish rate (msg/s) | p99 one node | p99 two nodes (publishers on A, subscribers on B) | difference | both lossless |");
    println!("|---|---|---|---|---|");
    for (one, two) in results[0].iter().zip(&results[1]) {
        let lossless = |s: &Step| s.delivered == s.sent * subscribers as u64;
        println!(
            "| {} | {:.1} ms | {:.1} ms | {:+.1} ms | {} |",
            one.rate,
            one.p99.as_secs_f64() * 1000.0,
            two.p99.as_secs_f64() * 1000.0,
            (two.p99.as_secs_f64() - one.p99.as_secs_f64()) * 1000.0,
            if lossless(one) && lossless(two) {
                "yes"
            } else {
                "no"
            }
        );
    }
    Ok(())
}

/// A fresh MariaDB database on 127.0.0.1:3306 (root, no password), dropped with the value.
struct Database {
    name: String,
    url: String,
}

impl Database {
    fn create() -> anyhow::Result<Self> {
        let name = format!("livestream_bench_{}_{}", std::process::id(), rand_suffix());
        mariadb(&format!("CREATE DATABASE {name} CHARACTER SET utf8mb4"))?;
        Ok(Self {
            url: format!("mysql://root@127.0.0.1:3306/{name}"),
            name,
        })
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let _ = mariadb(&format!("DROP DATABASE IF EXISTS {}", self.name));
    }
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0)
}

fn mariadb(sql: &str) -> anyhow::Result<()> {
    let status = std::process::Command::new("mariadb")
        .args([
            "--protocol=tcp",
            "-h",
            "127.0.0.1",
            "-P",
            "3306",
            "-u",
            "root",
            "-e",
            sql,
        ])
        .status()
        .context("the mariadb client (scripts/services.sh)")?;
    anyhow::ensure!(status.success(), "mariadb: {sql}");
    Ok(())
}

/// Connects the subscribers and publishers of `setup` and ramps the rate until a step loses a
/// message or misses the p99 limit (or after `max_steps`).
async fn ramp(
    setup: &Setup,
    subscribers: usize,
    step_seconds: u64,
    max_steps: Option<usize>,
) -> anyhow::Result<Vec<Step>> {
    let url = &setup.subscribe_url;
    let tokens = &setup.tokens;
    let pids = &setup.pids;
    let cpu_now = || -> anyhow::Result<Duration> {
        pids.iter()
            .map(|p| cpu_so_far(*p))
            .sum::<anyhow::Result<Duration>>()
    };
    let rss_now = || pids.iter().map(|p| peak_rss_kib(*p)).sum::<u64>();
    // Subscribers: count deliveries, measure latency from the timestamp inside each message.
    let epoch = Instant::now();
    let observed = Arc::new(Observed::default());
    eprintln!("connecting {subscribers} subscribers...");
    for _ in 0..subscribers {
        let (mut socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .context("subscriber connects")?;
        let observed = observed.clone();
        tokio::spawn(async move {
            while let Some(Ok(frame)) = socket.next().await {
                let Message::Text(text) = frame else { continue };
                let Some(at) = text.find("bench@") else {
                    continue;
                };
                let digits: String = text[at + 6..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                let Ok(sent_us) = digits.parse::<u64>() else {
                    continue;
                };
                let now_us = epoch.elapsed().as_micros() as u64;
                observed.deliveries.fetch_add(1, Ordering::Relaxed);
                observed
                    .latencies_us
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(now_us.saturating_sub(sent_us));
            }
        });
    }
    let mut publishers = Vec::new();
    for token in tokens {
        let (mut socket, _) = tokio_tungstenite::connect_async(&setup.publish_url)
            .await
            .context("publisher connects")?;
        socket
            .send(Message::text(
                serde_json::json!({ "type": "auth", "token": token }).to_string(),
            ))
            .await?;
        publishers.push(socket);
    }
    // Publishers' own frames (acks, echoes) are drained by a task each.
    let mut senders = Vec::new();
    for socket in publishers {
        let (sink, mut stream) = socket.split();
        tokio::spawn(async move { while stream.next().await.is_some() {} });
        senders.push(sink);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;

    let mut steps: Vec<Step> = Vec::new();
    for rate in RATES
        .into_iter()
        .take(max_steps.map_or(RATES.len(), |n| n + 1))
    {
        observed.deliveries.store(0, Ordering::Relaxed);
        observed
            .latencies_us
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        let cpu_before = cpu_now()?;
        let step_start = Instant::now();
        let total = rate as u64 * step_seconds;
        let interval = Duration::from_secs_f64(1.0 / f64::from(rate));
        let mut sent = 0u64;
        let mut broken = false;
        while sent < total {
            let due = step_start + interval.mul_f64(sent as f64);
            tokio::time::sleep_until(due.into()).await;
            let text = format!("bench@{}", epoch.elapsed().as_micros());
            let sink = &mut senders[(sent as usize) % PUBLISHERS];
            let frame =
                Message::text(serde_json::json!({ "type": "send", "text": text }).to_string());
            // A publisher the server dropped (it fell behind reading) ends the ramp.
            if sink.send(frame).await.is_err() {
                broken = true;
                break;
            }
            sent += 1;
        }
        let sending = step_start.elapsed();
        // Let the last messages arrive.
        let expected = sent * subscribers as u64;
        let drain = Instant::now();
        while observed.deliveries.load(Ordering::Relaxed) < expected
            && drain.elapsed() < Duration::from_secs(3)
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let cpu = cpu_now()?.saturating_sub(cpu_before);
        let delivered = observed.deliveries.load(Ordering::Relaxed);
        let mut latencies = observed
            .latencies_us
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        latencies.sort_unstable();
        let p99 = latencies
            .get(((latencies.len() as f64) * 0.99) as usize)
            .or(latencies.last())
            .copied()
            .unwrap_or(0);
        let step = Step {
            rate,
            sent,
            delivered,
            p99: Duration::from_micros(p99),
            cpu_per_second: cpu.as_secs_f64() / step_start.elapsed().as_secs_f64(),
            rss_mib: rss_now() as f64 / 1024.0,
            seconds: sending.as_secs_f64(),
        };
        eprintln!(
            "rate {rate}/s: {}/{} delivered, p99 {:?}, CPU {:.2}",
            step.delivered, expected, step.p99, step.cpu_per_second
        );
        let ok = !broken && step.delivered == expected && step.p99 <= P99_LIMIT;
        if broken {
            eprintln!("rate {rate}/s: a publisher was disconnected; stopping");
        }
        steps.push(step);
        if !ok {
            break;
        }
    }
    Ok(steps)
}

fn print_steps(steps: &[Step], subscribers: usize) {
    println!("| publish rate (msg/s) | deliveries/s | p99 latency | delivered / expected | server CPU (cores) | server peak RSS |");
    println!("|---|---|---|---|---|---|");
    for s in steps {
        println!(
            "| {} | {:.0} | {:.1} ms | {} / {} | {:.2} | {:.0} MiB |",
            s.rate,
            s.delivered as f64 / s.seconds.max(1e-3),
            s.p99.as_secs_f64() * 1000.0,
            s.delivered,
            s.sent * subscribers as u64,
            s.cpu_per_second,
            s.rss_mib
        );
    }
    let best = steps
        .iter()
        .rfind(|s| s.delivered == s.sent * subscribers as u64 && s.p99 <= P99_LIMIT);
    match best {
        Some(s) => println!(
            "\nHighest sustained: {:.0} deliveries/s to {subscribers} subscribers (p99 {:.1} ms, no loss), server CPU {:.2} cores, peak RSS {:.0} MiB.",
            s.delivered as f64 / s.seconds.max(1e-3),
            s.p99.as_secs_f64() * 1000.0,
            s.cpu_per_second,
            s.rss_mib
        ),
        None => println!("\nNo step met p99 ≤ 250 ms with zero loss."),
    }
}
