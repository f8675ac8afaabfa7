#!/usr/bin/env bash
# Rebuilds public/editor/editor.js (committed) from src/editor.js and the
# pinned npm packages in package-lock.json. Run it after changing either.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
    npm ci --silent --no-audit --no-fund
fi
mkdir -p ../../public/editor
npx esbuild src/editor.js --bundle --minify --format=iife --target=es2020 \
    --legal-comments=none --outfile=../../public/editor/editor.js
