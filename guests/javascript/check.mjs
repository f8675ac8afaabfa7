// Fnlab's syntax check of a JavaScript function, run inside the build
// sandbox: parses the file named on the command line as an ES module with
// acorn (pinned in package.json) without running it, and refuses imports
// (a function is one file; the runtime has no module loader).
//
// A problem is printed as a JSON diagnostic on stdout (the fields of
// fnlab_builds::Diagnostic, lines and columns from 1) and as text on
// stderr, for the build log; the exit code is then 1.

import { readFileSync } from 'node:fs';
import { parse } from 'acorn';

const source = readFileSync(process.argv[2], 'utf8');

function report(line, column, endLine, endColumn, message) {
  const diagnostic = { line, column, end_line: endLine, end_column: endColumn, severity: 'error', message };
  console.log(JSON.stringify(diagnostic));
  console.error(`handler.js:${line}:${column}: ${message}`);
  process.exitCode = 1;
}

let program;
try {
  program = parse(source, { ecmaVersion: 'latest', sourceType: 'module', locations: true });
} catch (error) {
  if (!(error instanceof SyntaxError) || !error.loc) throw error;
  const { line, column } = error.loc;
  // acorn ends its message with "(line:column)"; the editor shows the place.
  const message = error.message.replace(/ \(\d+:\d+\)$/, '');
  report(line, column + 1, line, column + 2, `SyntaxError: ${message}`);
}
for (const node of program?.body ?? []) {
  if (node.type === 'ImportDeclaration' || (node.type === 'ExportNamedDeclaration' && node.source)
      || node.type === 'ExportAllDeclaration') {
    const { start, end } = node.loc;
    report(start.line, start.column + 1, end.line, end.column + 1,
      'imports are not available: a function is one file (fetch, Request, Response, URL and console are built in)');
  }
}
if (!process.exitCode) console.error('handler.js: syntax OK');
