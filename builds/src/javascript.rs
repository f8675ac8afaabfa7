//! JavaScript through componentize-js (npm, installed by `.ci/setup.sh`
//! from `guests/javascript/package-lock.json` under the tools directory,
//! `javascript/`): the runtime is `guests/javascript/runtime.js`, built by
//! `build.mjs` through componentize-js's JS API, and a function's syntax is
//! checked by `check.mjs` (acorn) with the system's Node.

use crate::Language;
use crate::script::Recipe;

/// How JavaScript's runtime is built and its functions checked.
pub(crate) const RECIPE: Recipe = Recipe {
    language: Language::JavaScript,
    source_file: "handler.js",
    // componentize-js 0.23's StarlingMonkey exports
    // wasi:http/incoming-handler@0.2.10.
    wasi_version: "0.2.10",
    files: &[
        (
            "runtime.js",
            include_str!("../../guests/javascript/runtime.js"),
        ),
        (
            "build.mjs",
            include_str!("../../guests/javascript/build.mjs"),
        ),
        (
            "check.mjs",
            include_str!("../../guests/javascript/check.mjs"),
        ),
        (
            "wit/world.wit",
            include_str!("../../guests/javascript/world.wit"),
        ),
    ],
    // Node looks for packages in /node_modules, above /build.
    tools: ("javascript/node_modules", "/node_modules"),
    build: &[
        "/usr/bin/node",
        "/build/build.mjs",
        "/build/runtime.js",
        "/build/wit",
        "/out/runtime.wasm",
    ],
    check: &["/usr/bin/node", "/build/check.mjs", "/src/handler.js"],
};
