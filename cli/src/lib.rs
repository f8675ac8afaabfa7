//! `fnlab-cli`, Fnlab's command-line client: log in once, then create,
//! deploy, call and watch functions from a terminal or a script. It talks
//! only the public REST API (`/api/v1/…`), as any other client would, so
//! whatever it can do a `curl` can too, and the server needs nothing of its
//! own for it.
//!
//! The program is this library; `main.rs` only hands it the process's
//! arguments, environment and standard streams. A test runs the same
//! [`run`] in-process with its own [`Environment`] (a temporary config
//! directory, no process-wide variables touched) and [`Console`] (piped
//! input, captured output).
//!
//! Output is for people by default; with `--json` each command prints the
//! server's JSON instead, unchanged. Errors go to standard error with the
//! server's own message, and the [`Exit`] code says what kind of failure it
//! was.
//!
//! # Layout
//!
//! - `args`: the command line (clap), whose doc comments are `--help`.
//! - `config`: where the login is stored, and what the environment overrides.
//! - `api`: the REST client: requests, the API's errors, the answers' shapes.
//! - `events`: server-sent events (a build's progress, the live log).
//! - `project`: a function's folder on disk: `fnlab.json` and its source file.
//! - `files`: JSON read back, and files only their owner may read.
//! - `diagnostics`: compiler messages printed the way rustc prints them.
//! - `progress`: a build's progress as a bar on a terminal, as lines elsewhere.
//! - `show`: times, durations and tables for people.
//! - `commands`: one module per command.
//! - `error`: what can go wrong, and which exit code it is.

mod api;
mod args;
mod commands;
mod config;
mod diagnostics;
mod error;
mod events;
mod files;
mod progress;
mod project;
mod show;

use std::ffi::OsString;
use std::io::{BufRead, Write};

use clap::Parser;

pub use config::Environment;
pub use error::Exit;

/// The streams a run reads and writes, and whether people are at them.
pub struct Console<'a> {
    /// Where typed or piped input comes from (the login's username and
    /// password, a request body given as `@-`).
    pub stdin: &'a mut dyn BufRead,
    /// Results: what a command was asked for, and nothing else.
    pub stdout: &'a mut dyn Write,
    /// Progress, status lines and errors.
    pub stderr: &'a mut dyn Write,
    /// Whether a person types the input: then the login prompts, and reads
    /// the password without echoing it.
    pub stdin_is_terminal: bool,
    /// Whether a person watches standard error: then a build shows a
    /// progress bar rather than one line per step.
    pub stderr_is_terminal: bool,
}

/// Runs the command line `args` (the program's name first, as in
/// `std::env::args_os`) and says how it ended. Nothing here exits the
/// process or reads its environment: `environment` and `console` are all
/// it sees of the world besides the network and the files it is told of.
pub async fn run<I, T>(args: I, environment: &Environment, console: &mut Console<'_>) -> Exit
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match args::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        // --help and --version are answers, not mistakes.
        Err(e) if !e.use_stderr() => {
            let _ = write!(console.stdout, "{}", e.render());
            return Exit::Ok;
        }
        Err(e) => {
            let _ = write!(console.stderr, "{}", e.render());
            return Exit::Usage;
        }
    };
    let result = commands::run(cli, environment, console).await;
    let _ = console.stdout.flush();
    match result {
        Ok(()) => Exit::Ok,
        Err(e) => {
            let _ = writeln!(console.stderr, "error: {e}");
            e.exit()
        }
    }
}
