#!/usr/bin/env bash
# Every suite: lint and format (Biome), types (tsc; the console's browser code with the DOM's),
# workflows (actionlint), the import rules between the parts of the flow
# (scripts/imports/rules.ts, docs/architecture.md), then vitest (unit, integration and
# end-to-end with real Alertmanager, Prometheus, act and Chromium), all on Node 24 or newer:
# the machine's own, or the pinned one `npm ci` linked as node_modules/.bin/node
# (scripts/node-runtime.mjs), first on PATH also when this script is run without npm.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin:$PATH"

node scripts/node-runtime.mjs check
echo "== node $(node --version) ($(node -p process.execPath))"
echo "== biome"; npx biome check .
echo "== tsc"; npx tsc --noEmit && npx tsc --noEmit -p bridge/http/console
echo "== actionlint"; actionlint -no-color .github/workflows/*.yml
echo "== imports"; npx tsx scripts/check-imports.ts
# The suites with several bridges on one PostgreSQL database (three bridge processes, an
# Alertmanager pair, 1,000 racing rounds) run after the rest, alone: beside the other end-to-end
# suites their load stretched those suites' waits for GitHub's spaced-out calls past their limits.
SEVERAL_BRIDGES=(test/e2e/replicas.e2e.test.ts bridge/decide/replica-race.test.ts)
if [ "$#" -gt 0 ]; then
  echo "== vitest"; npx vitest run "$@"
else
  echo "== vitest"; npx vitest run "${SEVERAL_BRIDGES[@]/#/--exclude=}"
  echo "== vitest: several bridges on one PostgreSQL database"; npx vitest run "${SEVERAL_BRIDGES[@]}"
fi
