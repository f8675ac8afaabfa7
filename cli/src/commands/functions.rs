//! `ls` and `rollback`: the user's functions as they stand, and putting an
//! earlier version back.

use reqwest::Method;
use serde_json::json;

use super::Context;
use crate::api::{Deployment, Function, function_path, parse};
use crate::args::RollbackArgs;
use crate::error::Result;
use crate::show;

/// `ls`: name, live version, URL and last invocation of each function.
pub async fn list(context: &mut Context<'_, '_>) -> Result<()> {
    let found = context.api()?.get("/api/v1/functions").await?;
    if context.json() {
        return context.out_json(&found);
    }
    let functions: Vec<Function> = parse(&found)?;
    if functions.is_empty() {
        context.note("No functions yet: `fnlab-cli new NAME` makes one.");
        return Ok(());
    }
    let header = ["NAME", "LIVE", "URL", "LAST INVOCATION"];
    let mut rows = vec![header.map(str::to_owned).to_vec()];
    for function in functions {
        rows.push(vec![
            function.name,
            function.live_version.map_or("-".into(), |v| v.to_string()),
            function.url,
            function
                .last_invocation_at
                .map_or("never".into(), show::ago),
        ]);
    }
    context.out(show::table(&rows).trim_end())
}

/// `rollback NAME VERSION`.
pub async fn rollback(context: &mut Context<'_, '_>, args: RollbackArgs) -> Result<()> {
    let path = format!("{}/rollback", function_path(&args.name));
    let body = json!({ "version": args.version });
    let answer = context.api()?.send(Method::POST, &path, &body).await?;
    if context.json() {
        return context.out_json(&answer);
    }
    let live: Deployment = parse(&answer)?;
    context.out(format_args!(
        "{} runs version {} again.\n{}",
        args.name, live.version, live.url
    ))
}
