//! `livestream-bench`: measures the server against a reference run in the same session and
//! prints a Markdown table.
//!
//! ```text
//! cargo build --release --workspace && target/release/livestream-bench media
//! cargo build --release --workspace && target/release/livestream-bench chat
//! cargo build --release --workspace && target/release/livestream-bench cycles
//! cargo build --release --workspace && target/release/livestream-bench quality
//! cargo build --release --workspace && target/release/livestream-bench hls
//! ```

mod chat;
mod cycles;
mod delivery;
mod media;
mod process;
mod quality;
mod restream;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "livestream-bench",
    about = "Livestream benchmarks (prints a Markdown table)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Publish the 1080p30 reference input in real time; compare CPU with an ffmpeg ladder and
    /// measure time to first playable segment, segment lag and peak memory.
    Media {
        /// The server binary to measure.
        #[arg(long, default_value = "target/release/livestream")]
        server: PathBuf,
        /// Where the generated reference input is cached.
        #[arg(long, default_value = "target/bench")]
        cache: PathBuf,
        /// Length of the reference input in seconds.
        #[arg(long, default_value_t = 60)]
        seconds: u32,
    },
    /// Hold N subscribers in one chat room and ramp publishers' message rates; report the highest
    /// sustained deliveries/s with p99 latency under 250 ms and zero loss.
    Chat {
        #[arg(long, default_value = "target/release/livestream")]
        server: PathBuf,
        /// Subscribers in the room.
        #[arg(long, default_value_t = 1000)]
        subscribers: usize,
        /// Seconds each rate step lasts.
        #[arg(long, default_value_t = 5)]
        step_seconds: u64,
        /// Compare one node with two (MariaDB and Redis; subscribers on the other node).
        #[arg(long)]
        nodes: bool,
    },
    /// Publish and end many short broadcasts (every third publisher killed) and read the
    /// server's memory, threads and file descriptors after each, under each allocator.
    Cycles {
        #[arg(long, default_value = "target/release/livestream")]
        server: PathBuf,
        #[arg(long, default_value = "target/bench")]
        cache: PathBuf,
        /// Broadcasts per allocator.
        #[arg(long, default_value_t = 100)]
        cycles: u32,
        /// Only the allocator whose name starts with this ("as built", "jemalloc", "mimalloc").
        #[arg(long)]
        allocator: Option<String>,
    },
    /// Publish the reference input, download every rung whole and encode the same ladder with
    /// ffmpeg; compare both with the lanczos-scaled source (bitrate, PSNR Y/U/V, SSIM) and CPU.
    Quality {
        #[arg(long, default_value = "target/release/livestream")]
        server: PathBuf,
        #[arg(long, default_value = "target/bench")]
        cache: PathBuf,
        /// Length of the reference input in seconds.
        #[arg(long, default_value_t = 20)]
        seconds: u32,
    },
    /// Publish the reference input to a source-only room with N restream destinations (nginx-rtmp
    /// servers), with none, and to nginx-rtmp pushing to the same servers; compare CPU and memory.
    Restream {
        #[arg(long, default_value = "target/release/livestream")]
        server: PathBuf,
        #[arg(long, default_value = "target/bench")]
        cache: PathBuf,
        /// Destinations the broadcast is pushed to.
        #[arg(long, default_value_t = 2)]
        destinations: usize,
        /// Length of the reference input in seconds.
        #[arg(long, default_value_t = 30)]
        seconds: u32,
    },
    /// Serve a live stream's media playlist and a segment to wrk, against nginx serving the same
    /// bytes from disk; hold 1000 blocking LL-HLS reloads and read the server's memory and threads.
    Hls {
        #[arg(long, default_value = "target/release/livestream")]
        server: PathBuf,
        /// Seconds each wrk run lasts.
        #[arg(long, default_value_t = 10)]
        seconds: u32,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Media {
            server,
            cache,
            seconds,
        } => media::run(&server, &cache, seconds).await,
        Command::Chat {
            server,
            subscribers,
            step_seconds,
            nodes,
        } => chat::run(&server, subscribers, step_seconds, nodes).await,
        Command::Cycles {
            server,
            cache,
            cycles,
            allocator,
        } => cycles::run(&server, &cache, cycles, allocator.as_deref()).await,
        Command::Quality {
            server,
            cache,
            seconds,
        } => quality::run(&server, &cache, seconds).await,
        Command::Hls { server, seconds } => delivery::run(&server, seconds).await,
        Command::Restream {
            server,
            cache,
            destinations,
            seconds,
        } => restream::run(&server, &cache, destinations, seconds).await,
    }
}
