//! The `fnlab` binary: parse the configuration, set up logging, run.

use clap::Parser;
use fnlab_server::Config;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() {
    let config = Config::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,fnlab=info")),
        )
        .init();
    if let Err(e) = fnlab_server::run(config).await {
        tracing::error!("{e}");
        eprintln!("fnlab: {e}");
        std::process::exit(1);
    }
}
