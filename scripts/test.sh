#!/usr/bin/env bash
# Every suite: lint and format (Biome), types (tsc), workflows (actionlint), then vitest
# (unit, integration and end-to-end with real Alertmanager, Prometheus, act and Chromium),
# all on Node 24 or newer: the machine's own, or the pinned one `npm ci` linked as
# node_modules/.bin/node (scripts/node-runtime.mjs), first on PATH also when this script is
# run without npm.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin:$PATH"

node scripts/node-runtime.mjs check
echo "== node $(node --version) ($(node -p process.execPath))"
echo "== biome"; npx biome check .
echo "== tsc"; npx tsc --noEmit
echo "== actionlint"; actionlint -no-color .github/workflows/*.yml
echo "== vitest"; npx vitest run "$@"
