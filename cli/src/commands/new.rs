//! `new NAME`: a folder with one of the server's templates, the same ones
//! the editor's "New function" offers, ready for `deploy`.

use std::fs;
use std::path::{Component, Path};

use super::Context;
use crate::api::{Template, parse};
use crate::args::NewArgs;
use crate::error::{Error, Result};
use crate::project::{MANIFEST, Manifest, source_files};

/// Writes `NAME/` with the chosen template; refuses an existing folder.
pub async fn run(context: &mut Context<'_, '_>, args: NewArgs) -> Result<()> {
    let components: Vec<_> = Path::new(&args.name).components().collect();
    if !matches!(components[..], [Component::Normal(_)]) {
        return Err(Error::Usage(format!(
            "{:?} is not a function name: it becomes a folder here, so no slashes or dots",
            args.name
        )));
    }
    let api = context.anonymous_api()?;
    let templates: Vec<Template> = parse(&api.get("/api/v1/templates").await?)?;
    let template = choose(&templates, &args)?;
    let dir = &context.local(&args.name);

    fs::create_dir(dir).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => Error::Usage(format!(
            "{} already exists: choose another name, or deploy that folder",
            dir.display()
        )),
        _ => Error::file(dir)(e),
    })?;
    let source = dir.join(source_files(template.language)[0]);
    if let Some(parent) = source.parent() {
        fs::create_dir_all(parent).map_err(Error::file(parent))?;
    }
    fs::write(&source, &template.source).map_err(Error::file(&source))?;
    let manifest = Manifest {
        name: args.name.clone(),
        language: template.language,
    };
    let json = serde_json::to_string_pretty(&manifest).expect("a manifest serializes") + "\n";
    let manifest = dir.join(MANIFEST);
    fs::write(&manifest, json).map_err(Error::file(&manifest))?;

    context.out(format_args!(
        "Created {} from the {} template \"{}\" ({}).",
        dir.display(),
        template.language.label(),
        template.name,
        template.id
    ))?;
    context.note(format_args!(
        "Edit {}, then run `fnlab-cli deploy {}`.",
        source.display(),
        dir.display()
    ));
    Ok(())
}

/// The template `args` ask for: by id (`javascript-lambda`), by the id's
/// last part with a language (`lambda`), or the language's first.
fn choose<'t>(templates: &'t [Template], args: &NewArgs) -> Result<&'t Template> {
    let of_language = |template: &&Template| args.language.is_none_or(|l| template.language == l);
    let found = match (&args.template, args.language) {
        (None, None) => {
            return Err(Error::Usage(
                "choose a language (--language rust, javascript or python) or a --template".into(),
            ));
        }
        (None, Some(_)) => templates.iter().find(of_language),
        (Some(wanted), _) => templates.iter().filter(of_language).find(|template| {
            let short = (template.id.split_once('-')).map_or(template.id.as_str(), |(_, s)| s);
            template.id == *wanted || short == wanted
        }),
    };
    found.ok_or_else(|| {
        let ids: Vec<&str> = (templates.iter().filter(of_language))
            .map(|template| template.id.as_str())
            .collect();
        Error::Usage(format!(
            "no such template; the server has: {}",
            ids.join(", ")
        ))
    })
}
