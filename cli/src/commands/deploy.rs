//! `deploy [PATH]`. Source is saved as the function's draft and built on
//! the server without waiting on the request (`deploy?wait=false`); the
//! build's event stream then shows its progress as it happens, and its
//! end carries the diagnostics. A `.wasm` component is uploaded as it is.

use fnlab_builds::BuildState;
use reqwest::Method;
use serde_json::{Value, json};

use super::Context;
use crate::api::{Api, Build, Deployment, Queued, SavedDraft, StateChange, function_path, parse};
use crate::args::DeployArgs;
use crate::diagnostics;
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::project::{Deployable, deployable};

/// Deploys what `args.path` holds.
pub async fn run(context: &mut Context<'_, '_>, args: DeployArgs) -> Result<()> {
    let api = context.api()?;
    match deployable(&context.local(&args.path), args.name)? {
        Deployable::Component { name, file } => {
            let bytes = std::fs::read(&file).map_err(Error::file(&file))?;
            let request = (api.request(Method::PUT, &component_path(&name)))
                .header("content-type", "application/wasm")
                .body(bytes);
            let deployed = api.json(request).await?;
            if context.json() {
                return context.out_json(&deployed);
            }
            let deployment: Deployment = parse(&deployed)?;
            context.out(format_args!(
                "Deployed {name} version {}.\n{}",
                deployment.version, deployment.url
            ))
        }
        Deployable::Source {
            name,
            language,
            file,
        } => {
            let source = std::fs::read_to_string(&file).map_err(Error::file(&file))?;
            let draft = json!({ "language": language, "source": source });
            let saved = (api.send(Method::PUT, &function_path(&name), &draft)).await?;
            let url = parse::<SavedDraft>(&saved)?.url;
            let build = build(context, &api, &name).await?;
            let parsed: Build = parse(&build)?;
            let label = file.display().to_string();
            for diagnostic in &parsed.diagnostics {
                context.note(diagnostics::render(diagnostic, &label, &source));
            }
            if context.json() {
                context.out_json(&build)?;
            }
            match (parsed.state, parsed.version) {
                (BuildState::Live, Some(version)) if !context.json() => {
                    let took = parsed.build_ms.map_or(String::new(), |ms| {
                        format!(" (built in {:.1} s)", ms as f64 / 1000.0)
                    });
                    context.out(format_args!(
                        "Deployed {name} version {version}{took}.\n{url}"
                    ))
                }
                (BuildState::Live, _) => Ok(()),
                _ => Err(Error::BuildFailed(parsed.error.map_or_else(
                    || "no reason given".to_owned(),
                    |error| error.message,
                ))),
            }
        }
    }
}

/// Builds `name`'s saved draft, showing its progress; returns the build
/// as the server reports it once done.
async fn build(context: &mut Context<'_, '_>, api: &Api, name: &str) -> Result<Value> {
    let path = format!("{}/deploy?wait=false", function_path(name));
    let queued: Queued = parse(&api.send(Method::POST, &path, &json!({})).await?)?;
    let status = format!("/api/v1/builds/{}", queued.build_id);
    let stream = api.request(Method::GET, &format!("{status}/events"));
    let mut events = api.events(stream).await?;
    let progress = Progress::new(context.console.stderr_is_terminal);
    while let Some(event) = events.next().await? {
        match event.name.as_str() {
            "state" => progress.state(&parse::<StateChange>(&event.data)?, context.console.stderr),
            "log" => progress.log(event.data["text"].as_str().unwrap_or_default()),
            "done" => return Ok(event.data),
            _ => {}
        }
    }
    drop(progress);
    // The stream was cut (a server restarting, say): the build may have
    // ended all the same.
    let build = api.get(&status).await?;
    if parse::<Build>(&build)?.state.is_done() {
        return Ok(build);
    }
    Err(Error::NotFnlab {
        url: status,
        reason: "the build's event stream ended before the build; it goes on".into(),
    })
}

/// The API path of `name`'s component upload.
fn component_path(name: &str) -> String {
    format!("{}/component", function_path(name))
}
