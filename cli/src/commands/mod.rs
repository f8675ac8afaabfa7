//! One module per command, and the [`Context`] they share: the global
//! flags, which server and token to use, and where to write.

mod deploy;
mod env;
mod functions;
mod invoke;
mod login;
mod logs;
mod new;

use std::fmt::Display;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::api::Api;
use crate::args::{Cli, Command, Global};
use crate::error::{Error, Result};
use crate::{Console, Environment};

/// Runs the parsed command line.
pub async fn run(cli: Cli, environment: &Environment, console: &mut Console<'_>) -> Result<()> {
    let mut context = Context {
        global: cli.global,
        environment,
        console,
    };
    match cli.command {
        Command::Login(args) => login::run(&mut context, args).await,
        Command::New(args) => new::run(&mut context, args).await,
        Command::Deploy(args) => deploy::run(&mut context, args).await,
        Command::Invoke(args) => invoke::run(&mut context, args).await,
        Command::Logs(args) => logs::run(&mut context, args).await,
        Command::Rollback(args) => functions::rollback(&mut context, args).await,
        Command::Env(command) => env::run(&mut context, command).await,
        Command::Ls => functions::list(&mut context).await,
    }
}

/// What every command works with.
pub struct Context<'a, 'c> {
    /// `--json`, `--url`, `--token`.
    pub global: Global,
    /// The stored login and the environment's overrides.
    pub environment: &'a Environment,
    /// Where to read and write.
    pub console: &'a mut Console<'c>,
}

impl Context<'_, '_> {
    /// The server's API as the logged-in user.
    pub fn api(&self) -> Result<Api> {
        let (url, token) = self.server()?;
        Api::new(&url, Some(token.ok_or(Error::NotLoggedIn)?))
    }

    /// The server's API for what anyone may ask (the templates).
    pub fn anonymous_api(&self) -> Result<Api> {
        Api::new(&self.server()?.0, None)
    }

    /// The server's URL and token: from the flags, else the environment,
    /// else the stored login. The stored token goes only to the server it
    /// was made for, never to another URL given on the command line.
    fn server(&self) -> Result<(String, Option<String>)> {
        let stored = self.environment.stored()?;
        let url = (self.global.url.clone())
            .or_else(|| self.environment.url.clone())
            .or_else(|| stored.as_ref().map(|login| login.url.clone()))
            .ok_or(Error::NotLoggedIn)?;
        let url = url.trim_end_matches('/').to_owned();
        let token = (self.global.token.clone())
            .or_else(|| self.environment.token.clone())
            .or_else(|| {
                (stored.as_ref())
                    .filter(|login| login.url == url)
                    .map(|login| login.token.clone())
            });
        Ok((url, token))
    }

    /// `path` as the person typed it, from the working directory.
    pub fn local(&self, path: impl AsRef<Path>) -> PathBuf {
        self.environment.working_dir.join(path)
    }

    /// Whether to print the server's JSON rather than text.
    pub fn json(&self) -> bool {
        self.global.json
    }

    /// Prints a line of the command's result.
    pub fn out(&mut self, line: impl Display) -> Result<()> {
        writeln!(self.console.stdout, "{line}").map_err(Error::file("standard output"))
    }

    /// Prints the server's JSON as the command's result.
    pub fn out_json(&mut self, value: &Value) -> Result<()> {
        let text = serde_json::to_string_pretty(value).expect("JSON values serialize");
        self.out(text)
    }

    /// Tells the person something beside the result (on standard error).
    pub fn note(&mut self, line: impl Display) {
        // Nothing better to do when even standard error is gone.
        let _ = writeln!(self.console.stderr, "{line}");
    }
}
