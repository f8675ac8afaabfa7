"""Fnlab's syntax check of a Python function, run inside the build sandbox:
compiles the file named on the command line as `handler.py` (what the
runtime does on each request) without running it.

A syntax error is printed as a JSON diagnostic on stdout (the fields of
fnlab_builds::Diagnostic, lines and columns from 1) and as Python's own
message on stderr, for the build log; the exit code is then 1.
"""

import json
import sys
import traceback

path = sys.argv[1]
with open(path, encoding="utf-8", errors="replace") as file:
    source = file.read()
try:
    compile(source, "handler.py", "exec", dont_inherit=True)
except SyntaxError as error:
    line = error.lineno or 1
    column = error.offset or 1
    end_line = error.end_lineno or line
    end_column = error.end_offset if error.end_offset and error.end_offset > 0 else column + 1
    if (end_line, end_column) <= (line, column):
        end_line, end_column = line, column + 1
    print(json.dumps({
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
        "severity": "error",
        "message": f"{type(error).__name__}: {error.msg}",
    }))
    sys.stderr.write("".join(traceback.format_exception_only(error)))
    sys.exit(1)
print("handler.py: syntax OK", file=sys.stderr)
