//! The `livestream` binary: parses the command line and hands over to the library.

use clap::{Parser, Subcommand};
use livestream::configuration::Settings;
use livestream::models::user::ExistingAccount;
use livestream::startup::Application;
use livestream::telemetry;
use std::path::PathBuf;

/// mimalloc for the whole process: with its `override` feature it also serves GStreamer's C
/// allocations. Under glibc's allocator, memory crept up broadcast after broadcast
/// (fragmentation in per-thread arenas; `livestream-bench cycles`, docs/benchmarks.md, "Memory over many broadcasts").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Print the OpenAPI document of the HTTP API (committed as `web/src/api/openapi.json`).
    Openapi,
    /// Print the JSON Schema of the chat protocol's frames (committed as
    /// `docs/chat-protocol.schema.json`).
    ChatSchema,
    /// Manage accounts from the command line.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an admin account. The password is read from LIVESTREAM_ADMIN_PASSWORD or stdin.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        // Documents go to stdout alone, without log lines.
        Command::Openapi => println!("{}", livestream::routes::openapi_json()),
        Command::ChatSchema => println!("{}", livestream::chat::protocol::json_schema::document()),
        Command::Serve { config } => {
            telemetry::init();
            let settings = Settings::load(config.as_deref())?;
            let app = Application::build(settings).await?;
            app.run_until_stopped().await?;
        }
        Command::Admin {
            command: AdminCommand::Create { username, config },
        } => {
            telemetry::init();
            let settings = Settings::load(config.as_deref())?;
            let password = match std::env::var("LIVESTREAM_ADMIN_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            std::fs::create_dir_all(&settings.storage.data_dir)?;
            let db = livestream::seed::open(&settings).await?;
            livestream::seed::ensure_admin(&db, &username, &password, ExistingAccount::Refuse)
                .await?;
            println!("admin {username} created");
        }
    }
    Ok(())
}
