//! Python through componentize-py (PyPI, in a virtual environment that
//! `.ci/setup.sh` makes under the tools directory, `python/`): the runtime
//! is `guests/python/runtime.py`, and a function's syntax is checked by
//! `guests/python/check.py` with the system's Python, as the runtime
//! compiles it on each request.

use crate::Language;
use crate::script::Recipe;

/// How Python's runtime is built and its functions checked.
pub(crate) const RECIPE: Recipe = Recipe {
    language: Language::Python,
    source_file: "handler.py",
    wasi_version: "0.2.12",
    files: &[
        ("runtime.py", include_str!("../../guests/python/runtime.py")),
        ("check.py", include_str!("../../guests/python/check.py")),
        (
            "wit/world.wit",
            include_str!("../../guests/python/world.wit"),
        ),
    ],
    tools: ("python", "/tools"),
    // The environment's interpreter finds its packages through the
    // pyvenv.cfg beside it, wherever the environment is mounted.
    build: &[
        "/tools/bin/python",
        "-c",
        "import sys; from componentize_py import script; sys.argv[0] = 'componentize-py'; sys.exit(script())",
        "-d",
        "/build/wit",
        "-w",
        "runtime",
        "componentize",
        "-p",
        "/build",
        "runtime",
        "-o",
        "/out/runtime.wasm",
    ],
    check: &["/usr/bin/python3", "/build/check.py", "/src/handler.py"],
};
