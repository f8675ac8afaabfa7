//! The `fnlab` binary: parse the configuration, set up logging, run (or
//! run one of the server's commands, such as `fnlab admin grant ann`).

use clap::Parser;
use fnlab_server::{Command, Config};
use tracing_subscriber::EnvFilter;

/// Every request allocates and frees many small objects on two or more
/// threads; mimalloc does that in thread-local pages, where glibc's malloc
/// took an eighth of the server's time under load (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let config = Config::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,fnlab=info")),
        )
        .init();
    let done = match &config.command {
        Some(Command::Admin { action }) => fnlab_server::admin(&config, action).await,
        None => fnlab_server::run(config).await,
    };
    if let Err(e) = done {
        tracing::error!("{e}");
        eprintln!("fnlab: {e}");
        std::process::exit(1);
    }
}
