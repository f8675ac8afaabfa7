//! A function on disk. `new` makes a folder holding the source under the
//! name the server's build gives it (`src/lib.rs`, `handler.js`,
//! `handler.py`) and an `fnlab.json` {name, language}; `deploy` reads them
//! back. A lone source file deploys too (its language from its extension),
//! and so does a `.wasm` component.

use std::fs;
use std::path::{Path, PathBuf};

use fnlab_builds::Language;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The file that names a folder's function.
pub const MANIFEST: &str = "fnlab.json";

/// What `fnlab.json` says.
#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    /// The function's name on the server.
    pub name: String,
    /// Its language.
    pub language: Language,
}

/// Where a folder keeps a language's source: first the file `new` writes
/// (the name the server's build uses), then names people also give it.
pub fn source_files(language: Language) -> &'static [&'static str] {
    match language {
        Language::Rust => &["src/lib.rs", "lib.rs"],
        Language::JavaScript => &["handler.js", "index.js", "main.js"],
        Language::Python => &["handler.py", "main.py", "app.py"],
    }
}

/// What `deploy PATH` deploys.
#[derive(Debug, PartialEq, Eq)]
pub enum Deployable {
    /// Source for the server to build.
    Source {
        /// The function.
        name: String,
        /// The source's language.
        language: Language,
        /// The source file.
        file: PathBuf,
    },
    /// A component built elsewhere.
    Component {
        /// The function.
        name: String,
        /// The `.wasm` file.
        file: PathBuf,
    },
}

/// Works out what `path` is and which function it deploys to; `name`
/// (the `--name` flag) wins over what the files say.
pub fn deployable(path: &Path, name: Option<String>) -> Result<Deployable> {
    let metadata = fs::metadata(path).map_err(Error::file(path))?;
    if metadata.is_dir() {
        let manifest = read_manifest(&path.join(MANIFEST))?.ok_or_else(|| {
            Error::Usage(format!(
                "{} has no {MANIFEST}: deploy a source file, or make the folder with `fnlab-cli new`",
                path.display()
            ))
        })?;
        return Ok(Deployable::Source {
            file: source_in(path, manifest.language)?,
            name: name.unwrap_or(manifest.name),
            language: manifest.language,
        });
    }
    let stem = || {
        let stem = path.file_stem().unwrap_or_default();
        stem.to_string_lossy().into_owned()
    };
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if extension == "wasm" {
        let name = name.unwrap_or_else(stem);
        let file = path.to_owned();
        return Ok(Deployable::Component { name, file });
    }
    let language = match extension {
        "rs" => Language::Rust,
        "js" | "mjs" => Language::JavaScript,
        "py" => Language::Python,
        _ => {
            return Err(Error::Usage(format!(
                "{} is not a .rs, .js, .py or .wasm file",
                path.display()
            )));
        }
    };
    let name = match name {
        Some(name) => name,
        None => nearest_manifest(path)?.map_or_else(stem, |manifest| manifest.name),
    };
    Ok(Deployable::Source {
        name,
        language,
        file: path.to_owned(),
    })
}

/// The one source file of `language` in `dir`.
fn source_in(dir: &Path, language: Language) -> Result<PathBuf> {
    let names = source_files(language);
    let found: Vec<PathBuf> = (names.iter())
        .map(|name| dir.join(name))
        .filter(|file| file.is_file())
        .collect();
    match found.as_slice() {
        [file] => Ok(file.clone()),
        [] => Err(Error::Usage(format!(
            "{} has no {language} source: expected one of {}",
            dir.display(),
            names.join(", ")
        ))),
        several => Err(Error::Usage(format!(
            "{} has several {language} sources ({}): deploy the one you mean",
            dir.display(),
            (several.iter())
                .map(|file| file.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The `fnlab.json` of the folder holding `file`, or of a folder above it
/// (a Rust function's `src/lib.rs`).
fn nearest_manifest(file: &Path) -> Result<Option<Manifest>> {
    let absolute = std::path::absolute(file).map_err(Error::file(file))?;
    for dir in absolute.ancestors().skip(1) {
        if let Some(manifest) = read_manifest(&dir.join(MANIFEST))? {
            return Ok(Some(manifest));
        }
    }
    Ok(None)
}

/// Reads an `fnlab.json`, if there is one at `path`.
fn read_manifest(path: &Path) -> Result<Option<Manifest>> {
    let expected = r#"expected {"name": …, "language": "rust", "javascript" or "python"}"#;
    crate::files::read_json(path, expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    #[test]
    fn a_folder_deploys_its_manifests_function_from_its_source_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            &root.join(MANIFEST),
            r#"{"name":"hello","language":"rust"}"#,
        );
        write(&root.join("src/lib.rs"), "");
        let expected = Deployable::Source {
            name: "hello".into(),
            language: Language::Rust,
            file: root.join("src/lib.rs"),
        };
        assert_eq!(deployable(root, None).unwrap(), expected);
        // The file itself finds the manifest above it.
        assert_eq!(
            deployable(&root.join("src/lib.rs"), None).unwrap(),
            expected
        );
        // Two candidates: ambiguous.
        write(&root.join("lib.rs"), "");
        let error = deployable(root, None).unwrap_err().to_string();
        assert!(error.contains("several rust sources"), "{error}");
    }

    #[test]
    fn lone_files_take_their_name_from_the_file_or_the_flag() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("greet.py");
        write(&script, "");
        let component = dir.path().join("echo.wasm");
        write(&component, "");
        assert_eq!(
            deployable(&script, None).unwrap(),
            Deployable::Source {
                name: "greet".into(),
                language: Language::Python,
                file: script.clone()
            }
        );
        assert_eq!(
            deployable(&component, Some("other".into())).unwrap(),
            Deployable::Component {
                name: "other".into(),
                file: component
            }
        );
        let error = deployable(dir.path(), None).unwrap_err().to_string();
        assert!(error.contains("has no fnlab.json"), "{error}");
    }
}
