// Builds Fnlab's JavaScript runtime component, inside the build sandbox:
// `node build.mjs <runtime.js> <wit dir> <out.wasm>`. componentize-js is
// called through its JS API (its CLI, and `jco componentize`, mishandle
// WIT paths here).

import { writeFile } from 'node:fs/promises';
import { componentize } from '@bytecodealliance/componentize-js';

const [sourcePath, witPath, out] = process.argv.slice(2);
// `env: true` hands wizer the sandbox's (clean) environment: without HOME
// it cannot start.
const { component } = await componentize({ sourcePath, witPath, worldName: 'runtime', env: true });
await writeFile(out, component);
console.error(`runtime component: ${component.length} bytes`);
