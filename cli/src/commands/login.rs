//! `login URL`: the password is sent once, to open a session that creates
//! an API token named after this machine, and the session is closed
//! again. Only the token is kept, so it can be revoked on the "API tokens"
//! page without changing the password.

use reqwest::Method;
use serde_json::json;

use super::Context;
use crate::api::Api;
use crate::args::LoginArgs;
use crate::config::Login;
use crate::error::{Error, Result};

/// Logs in to `args.server` and stores the token.
pub async fn run(context: &mut Context<'_, '_>, args: LoginArgs) -> Result<()> {
    let url = args.server.trim_end_matches('/').to_owned();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(Error::Usage(format!(
            "give the server's URL with http:// or https://, such as https://{url}"
        )));
    }
    let username = match args.username {
        Some(username) => username,
        None => ask(context, "Username: ", "username")?,
    };
    let password = if context.console.stdin_is_terminal && !args.password_stdin {
        rpassword::prompt_password("Password: ")
            .map_err(|e| Error::Usage(format!("cannot read the password: {e}")))?
    } else {
        read_line(context, "the password")?
    };

    let api = Api::new(&url, None)?;
    let credentials = json!({ "username": username, "password": password });
    let user = api
        .send(Method::POST, "/api/v1/login", &credentials)
        .await?;
    let name = format!(
        "fnlab-cli on {}",
        gethostname::gethostname().to_string_lossy()
    );
    let created = (api.send(Method::POST, "/api/v1/tokens", &json!({ "name": name }))).await?;
    // The session was only the way to the token.
    api.send(Method::POST, "/api/v1/logout", &json!({})).await?;
    let token = created["token"].as_str().ok_or_else(|| Error::NotFnlab {
        url: url.clone(),
        reason: format!("no token in {created}"),
    })?;

    let stored = context.environment.store(&Login {
        url: url.clone(),
        token: token.to_owned(),
    })?;
    if context.json() {
        return context.out_json(&user);
    }
    let username = user["username"].as_str().unwrap_or(&username).to_owned();
    context.out(format_args!("Logged in to {url} as {username}."))?;
    context.note(format_args!(
        "API token {name:?} stored in {}",
        stored.display()
    ));
    Ok(())
}

/// Asks for `what`: prompted on a terminal, else read from the input.
fn ask(context: &mut Context<'_, '_>, prompt: &str, what: &str) -> Result<String> {
    if context.console.stdin_is_terminal {
        let _ = write!(context.console.stderr, "{prompt}");
        let _ = context.console.stderr.flush();
    }
    read_line(context, what)
}

/// The next line of the input, without its line ending.
fn read_line(context: &mut Context<'_, '_>, what: &str) -> Result<String> {
    let mut line = String::new();
    context
        .console
        .stdin
        .read_line(&mut line)
        .map_err(Error::file("standard input"))?;
    let line = line.trim_end_matches(['\n', '\r']);
    if line.is_empty() {
        return Err(Error::Usage(format!("no {what} given on standard input")));
    }
    Ok(line.to_owned())
}
