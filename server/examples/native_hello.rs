//! The ceiling for `.ci/bench-speed`: a native axum handler answering
//! "Hello, world!" on `127.0.0.1:PORT` (the first argument), with the same
//! runtime and `TCP_NODELAY` as Fnlab, and nothing else: no sandbox, no
//! middleware, no usage record. What a request costs here is what any
//! host on this machine pays before a function runs.

use axum::Router;
use axum::routing::get;
use axum::serve::ListenerExt;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = std::env::args().nth(1).unwrap_or_else(|| "3999".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}"))
        .await?
        .tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
    let app = Router::new().route("/{*path}", get(|| async { "Hello, world!\n" }));
    axum::serve(listener, app).await
}
