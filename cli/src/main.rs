//! The `fnlab-cli` program: the library's [`fnlab_cli::run`] on this
//! process's arguments, environment and standard streams.

use std::io::IsTerminal;
use std::process::ExitCode;

use fnlab_cli::{Console, Environment};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let (stdin, stderr) = (std::io::stdin(), std::io::stderr());
    let mut console = Console {
        stdin_is_terminal: stdin.is_terminal(),
        stderr_is_terminal: stderr.is_terminal(),
        stdin: &mut stdin.lock(),
        stdout: &mut std::io::stdout().lock(),
        // Not locked: the progress bar draws from a thread of its own.
        stderr: &mut std::io::stderr(),
    };
    fnlab_cli::run(
        std::env::args_os(),
        &Environment::from_process(),
        &mut console,
    )
    .await
    .into()
}
