//! `logs NAME`: a function's latest invocations, oldest first so the
//! newest ends up at the prompt, or with `--follow` each one as it ends
//! (the live tail, server-sent events), until interrupted.

use reqwest::Method;

use super::Context;
use crate::api::{Api, Invocation, function_path, parse};
use crate::args::LogsArgs;
use crate::error::{Error, Result};
use crate::show;

/// Shows `args.name`'s invocations.
pub async fn run(context: &mut Context<'_, '_>, args: LogsArgs) -> Result<()> {
    let api = context.api()?;
    let given = [
        ("status", &args.status),
        ("outcome", &args.outcome),
        ("q", &args.text),
    ];
    let filters: Vec<(&str, &str)> = (given.into_iter())
        .filter_map(|(key, value)| Some((key, value.as_deref()?)))
        .collect();
    if args.follow {
        follow(context, &api, &args.name, &filters).await
    } else {
        latest(context, &api, &args, &filters).await
    }
}

/// The latest `args.limit` invocations that pass `filters`.
async fn latest(
    context: &mut Context<'_, '_>,
    api: &Api,
    args: &LogsArgs,
    filters: &[(&str, &str)],
) -> Result<()> {
    let path = format!("{}/invocations", function_path(&args.name));
    let request = (api.request(Method::GET, &path))
        .query(&[("limit", args.limit)])
        .query(filters);
    let found = api.json(request).await?;
    if context.json() {
        return context.out_json(&found);
    }
    let invocations: Vec<Invocation> = parse(&found)?;
    if invocations.is_empty() {
        context.note(format_args!("No invocations of {} to show.", args.name));
    }
    for invocation in invocations.iter().rev() {
        print(context, invocation)?;
    }
    Ok(())
}

/// Each invocation that passes `filters` as it ends, until interrupted.
async fn follow(
    context: &mut Context<'_, '_>,
    api: &Api,
    name: &str,
    filters: &[(&str, &str)],
) -> Result<()> {
    let path = format!("{}/logs/tail", function_path(name));
    let mut events = api
        .events(api.request(Method::GET, &path).query(filters))
        .await?;
    while let Some(event) = events.next().await? {
        match event.name.as_str() {
            "ready" => context.note(format_args!(
                "Following {name}'s invocations (Ctrl-C to stop)."
            )),
            "invocation" if context.json() => {
                // One invocation a line, for line-by-line readers.
                context.out(&event.data)?;
            }
            "invocation" => print(context, &parse(&event.data)?)?,
            "skipped" => context.note(format_args!(
                "… {} more left out: too many at once to show",
                event.data["count"]
            )),
            _ => {}
        }
        context
            .console
            .stdout
            .flush()
            .map_err(Error::file("standard output"))?;
    }
    Err(Error::Unreachable {
        url: path,
        reason: "the server ended the live log".into(),
    })
}

/// One invocation: a line of what and how, then what it printed.
fn print(context: &mut Context<'_, '_>, invocation: &Invocation) -> Result<()> {
    let request = match (&invocation.method, &invocation.path) {
        (Some(method), Some(path)) => format!("{method} {path}  "),
        _ => String::new(),
    };
    context.out(format_args!(
        "{}  {request}{} {}  {}  {}",
        show::timestamp(invocation.started_at),
        invocation.status,
        invocation.outcome,
        show::duration(invocation.wall_us),
        invocation.request_id,
    ))?;
    for line in invocation.stdout.lines() {
        context.out(format_args!("  | {line}"))?;
    }
    for line in invocation.stderr.lines() {
        context.out(format_args!("  ! {line}"))?;
    }
    Ok(())
}
