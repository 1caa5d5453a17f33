#!/usr/bin/env bash
# Every suite: lint and format (Biome), types (tsc; the console's browser code with the DOM's),
# workflows (actionlint), the import rules between the parts of the flow
# (scripts/imports/rules.ts, docs/architecture.md), then vitest
# (unit, integration and end-to-end with real Alertmanager, Prometheus, act and Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin:$PATH"

echo "== biome"; npx biome check .
echo "== tsc"; npx tsc --noEmit && npx tsc --noEmit -p bridge/http/console
echo "== actionlint"; actionlint -no-color .github/workflows/*.yml
echo "== imports"; npx tsx scripts/check-imports.ts
echo "== vitest"; npx vitest run "$@"
