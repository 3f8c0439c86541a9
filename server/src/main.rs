//! The `livestream` binary: parses the command line and hands over to the library.

use clap::{Parser, Subcommand};
use livestream::configuration::Settings;
use livestream::startup::Application;
use livestream::telemetry;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "livestream",
    version,
    about = "Self-hosted live streaming: RTMP in, adaptive HLS out"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server: RTMP ingest, HTTP API and HLS delivery.
    Serve {
        /// A TOML configuration file; environment variables (LIVESTREAM_*) override it.
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    telemetry::init();
    match cli.command {
        Command::Serve { config } => {
            let settings = Settings::load(config.as_deref())?;
            let app = Application::build(settings).await?;
            app.run_until_stopped().await?;
        }
    }
    Ok(())
}
