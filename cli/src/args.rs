//! The command line. The doc comments here are what `--help` prints.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use fnlab_builds::Language;

/// The end of `--help`: what the environment sets, and the exit codes
/// (see [`Exit`](crate::Exit)).
const AFTER_HELP: &str = "\
Environment:
  FNLAB_URL, FNLAB_TOKEN  the server and API token, over the stored login
  FNLAB_CONFIG_DIR        where `login` stores them (else $XDG_CONFIG_HOME/fnlab or ~/.config/fnlab)

Exit codes:
  0  done
  1  the server refused (its message is printed), the build failed, or the function answered 5xx
  2  usage error: a wrong argument, or a local file that cannot be read or written
  3  the server cannot be reached, or did not answer like Fnlab
  4  not logged in, or the server refused the API token";

/// Fnlab from the terminal: log in, create a function, deploy it, call it,
/// and read its logs.
#[derive(Debug, Parser)]
#[command(name = "fnlab-cli", version, after_help = AFTER_HELP)]
pub struct Cli {
    /// The flags every command takes.
    #[command(flatten)]
    pub global: Global,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// Print the server's JSON instead of text for people.
    #[arg(long, global = true)]
    pub json: bool,
    /// The server, over the one `login` stored and FNLAB_URL.
    #[arg(long, global = true, value_name = "URL")]
    pub url: Option<String>,
    /// The API token, over the one `login` stored and FNLAB_TOKEN.
    #[arg(long, global = true, value_name = "TOKEN")]
    pub token: Option<String>,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Log in to a Fnlab server and keep an API token for the other commands.
    ///
    /// The username and password are asked for on a terminal, else read as
    /// the first two lines of standard input. The token is stored in
    /// $FNLAB_CONFIG_DIR, $XDG_CONFIG_HOME/fnlab or ~/.config/fnlab
    /// (config.json, readable by you only).
    Login(LoginArgs),
    /// Make a folder NAME/ with a template's source and an fnlab.json.
    New(NewArgs),
    /// Deploy a function: a folder made by `new`, a source file, or a
    /// .wasm component.
    Deploy(DeployArgs),
    /// Call a function at its public URL (or with --payload, directly with
    /// a JSON event); print its answer.
    Invoke(InvokeArgs),
    /// Show a function's invocations and what they printed.
    Logs(LogsArgs),
    /// Make an earlier version of a function live again.
    Rollback(RollbackArgs),
    /// A function's environment variables and secrets: list, set, unset.
    #[command(subcommand)]
    Env(EnvCommand),
    /// List your functions.
    Ls,
}

/// `login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The server, such as https://fnlab.example.org.
    pub server: String,
    /// Your username (else asked for).
    #[arg(long)]
    pub username: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
}

/// `new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The function's name, also the folder's.
    pub name: String,
    /// rust, javascript or python (else the template's).
    #[arg(long, short)]
    pub language: Option<Language>,
    /// A template's id, such as javascript-lambda, or its last part
    /// (lambda) with --language; the language's first by default.
    #[arg(long, short)]
    pub template: Option<String>,
}

/// `deploy`.
#[derive(Debug, Args)]
pub struct DeployArgs {
    /// A folder with an fnlab.json, a source file (.rs, .js, .py) or a
    /// .wasm component.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// The function's name, over fnlab.json's and the file's.
    #[arg(long)]
    pub name: Option<String>,
}

/// `invoke`.
#[derive(Debug, Args)]
pub struct InvokeArgs {
    /// The function.
    pub name: String,
    /// The request body: text, @file, or @- for standard input.
    #[arg(long, short)]
    pub data: Option<String>,
    /// The method (GET, or POST with --data).
    #[arg(long, short = 'X')]
    pub method: Option<String>,
    /// The path and query the function sees, such as /users?id=1.
    #[arg(long, default_value = "/")]
    pub path: String,
    /// A request header, as 'name: value' (again for more).
    #[arg(long = "header", short = 'H', value_name = "HEADER")]
    pub headers: Vec<String>,
    /// Invoke directly with this JSON event instead of calling the URL, as
    /// `aws lambda invoke --payload` does: JSON, @file, or @- for standard
    /// input. Prints the handler's result; its logs go to standard error.
    #[arg(long, conflicts_with_all = ["data", "method", "path", "headers"])]
    pub payload: Option<String>,
}

/// `logs`.
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// The function.
    pub name: String,
    /// Keep showing invocations as they end, until interrupted.
    #[arg(long, short)]
    pub follow: bool,
    /// Only this status (404) or class (5xx).
    #[arg(long)]
    pub status: Option<String>,
    /// Only this outcome (ok, timeout, trap, out_of_memory…); with --follow.
    #[arg(long, requires = "follow")]
    pub outcome: Option<String>,
    /// Only invocations whose logs or request id contain this text.
    #[arg(long = "query", short = 'q', value_name = "TEXT")]
    pub text: Option<String>,
    /// How many of the latest invocations to show (at most 1000).
    #[arg(long, short = 'n', default_value_t = 20, conflicts_with = "follow")]
    pub limit: u32,
}

/// `rollback`.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The function.
    pub name: String,
    /// The version to make live.
    pub version: i64,
}

/// `env`.
#[derive(Debug, Subcommand)]
pub enum EnvCommand {
    /// Show the variables (with their values) and the secrets (names only).
    List {
        /// The function.
        name: String,
    },
    /// Set variables, or with --secret secrets. The function sees them
    /// within a second, with no redeploy.
    Set {
        /// The function.
        name: String,
        /// KEY=VALUE, again for more. With --secret, a lone KEY reads its
        /// value from the first line of standard input, so that it stays
        /// out of the shell's history.
        #[arg(required = true, value_name = "KEY=VALUE")]
        entries: Vec<String>,
        /// Store them as secrets: sealed, and never shown again.
        #[arg(long, short)]
        secret: bool,
    },
    /// Remove variables or secrets.
    Unset {
        /// The function.
        name: String,
        /// Their names.
        #[arg(required = true, value_name = "KEY")]
        keys: Vec<String>,
    },
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn help_lists_the_exit_codes() {
        let help = Cli::command().render_help().to_string();
        assert!(help.contains("Exit codes:"), "{help}");
        assert!(help.contains("4  not logged in"), "{help}");
    }
}
