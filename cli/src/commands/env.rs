//! `env list|set|unset NAME`: a function's variables and secrets, through
//! `GET|PUT /api/v1/functions/{name}/env`.

use reqwest::Method;
use serde_json::{Map, Value, json};

use super::Context;
use crate::api::function_path;
use crate::args::EnvCommand;
use crate::error::{Error, Result};
use crate::show;

/// Runs one `env` subcommand and prints the function's configuration then.
pub async fn run(context: &mut Context<'_, '_>, command: EnvCommand) -> Result<()> {
    let api = context.api()?;
    let (name, answer) = match command {
        EnvCommand::List { name } => {
            let answer = api.get(&env_path(&name)).await?;
            (name, answer)
        }
        EnvCommand::Set {
            name,
            entries,
            secret,
        } => {
            let mut values = Map::new();
            for entry in entries {
                let (key, value) = split(context, &entry, secret)?;
                values.insert(key, Value::String(value));
            }
            let kind = if secret { "secrets" } else { "vars" };
            let body = json!({ kind: values });
            (
                name.clone(),
                api.send(Method::PUT, &env_path(&name), &body).await?,
            )
        }
        EnvCommand::Unset { name, keys } => {
            let removed: Map<String, Value> =
                keys.into_iter().map(|key| (key, Value::Null)).collect();
            let body = json!({ "vars": removed });
            (
                name.clone(),
                api.send(Method::PUT, &env_path(&name), &body).await?,
            )
        }
    };
    if context.json() {
        return context.out_json(&answer);
    }
    print(context, &name, &answer)
}

fn env_path(name: &str) -> String {
    format!("{}/env", function_path(name))
}

/// `KEY=VALUE` split; a lone `KEY` of a secret takes the first line of
/// standard input.
fn split(context: &mut Context<'_, '_>, entry: &str, secret: bool) -> Result<(String, String)> {
    if let Some((key, value)) = entry.split_once('=') {
        return Ok((key.to_owned(), value.to_owned()));
    }
    if !secret {
        return Err(Error::Usage(format!("{entry:?} is not KEY=VALUE")));
    }
    if context.console.stdin_is_terminal {
        context.note(format!("Value of {entry} (one line, not shown again):"));
    }
    let mut line = String::new();
    (context.console.stdin.read_line(&mut line)).map_err(Error::file("standard input"))?;
    Ok((
        entry.to_owned(),
        line.trim_end_matches(['\r', '\n']).to_owned(),
    ))
}

/// One line per variable (with its value), then one per secret.
fn print(context: &mut Context<'_, '_>, name: &str, answer: &Value) -> Result<()> {
    let vars = answer["vars"].as_object().cloned().unwrap_or_default();
    let secrets = answer["secrets"].as_array().cloned().unwrap_or_default();
    if vars.is_empty() && secrets.is_empty() {
        context.note(format!(
            "{name} has no variables or secrets: `fnlab-cli env set {name} KEY=VALUE` adds one."
        ));
        return Ok(());
    }
    let mut rows = vec![["NAME", "KIND", "VALUE"].map(str::to_owned).to_vec()];
    for (key, value) in vars {
        rows.push(vec![
            key,
            "variable".into(),
            value.as_str().unwrap_or("").to_owned(),
        ]);
    }
    for secret in secrets {
        let set = secret["updated_at"].as_i64().map_or("-".into(), show::ago);
        let state = if secret["readable"] == false {
            "sealed with another key: set it again".to_owned()
        } else {
            format!("(hidden, set {set})")
        };
        let key = secret["name"].as_str().unwrap_or("").to_owned();
        rows.push(vec![key, "secret".into(), state]);
    }
    context.out(show::table(&rows).trim_end())
}
