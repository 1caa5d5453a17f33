#!/usr/bin/env node
/**
 * Smoke test of a running bridge, as the image workflow runs it against the freshly built
 * container (.github/workflows/image.yml) and test/packaging/smoke-bridge.test.ts against a
 * bridge on loopback: /healthz and /readyz answer, a webhook without the token is refused, and a
 * posted Alertmanager alert is decided in dry-run (recorded, nothing dispatched).
 *
 *   RUNBRIDGE_URL=http://127.0.0.1:9009 RUNBRIDGE_ALERTMANAGER_TOKEN=… node scripts/smoke-bridge.mjs
 *
 * Optional: RUNBRIDGE_SMOKE_ALERT (an Alertmanager webhook body; default the NginxDown fixture,
 * which the shipped runbooks route to nginx-down), RUNBRIDGE_SMOKE_RUNBOOK (the runbook expected
 * to take it), RUNBRIDGE_SMOKE_WAIT (seconds to wait for /readyz; default 60). Plain Node, no
 * dependencies: it runs before `npm ci` on a CI runner.
 */
import { readFileSync } from "node:fs";

const base = (process.env.RUNBRIDGE_URL ?? "http://127.0.0.1:9009").replace(/\/+$/, "");
const token = process.env.RUNBRIDGE_ALERTMANAGER_TOKEN ?? "";
const alertFile =
  process.env.RUNBRIDGE_SMOKE_ALERT ?? new URL("../test/fixtures/alertmanager/firing.json", import.meta.url);
const expectedRunbook = process.env.RUNBRIDGE_SMOKE_RUNBOOK ?? "nginx-down";
const waitSeconds = Number(process.env.RUNBRIDGE_SMOKE_WAIT ?? 60);

function fail(message) {
  console.error(`smoke: FAILED: ${message}`);
  process.exit(1);
}

async function get(path) {
  try {
    const response = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(5_000) });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    return { status: 0, body: String(error?.cause?.code ?? error) };
  }
}

async function waitFor(path) {
  const deadline = Date.now() + waitSeconds * 1_000;
  let last;
  while (Date.now() < deadline) {
    last = await get(path);
    if (last.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  fail(`${base}${path} did not answer 200 within ${waitSeconds}s (last: ${last?.status} ${last?.body})`);
}

function post(body, headers) {
  return fetch(`${base}/webhook/alertmanager`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
    signal: AbortSignal.timeout(10_000),
  });
}

if (!token) fail("RUNBRIDGE_ALERTMANAGER_TOKEN is unset: the smoke test posts with the bridge's token");
const alert = readFileSync(alertFile, "utf8");

await waitFor("/healthz");
console.log(`smoke: ${base}/healthz answers`);
await waitFor("/readyz");
console.log(`smoke: ${base}/readyz answers (database writable, runbooks loaded)`);

const refused = await post(alert, {});
if (refused.status !== 401) fail(`a webhook without the token got ${refused.status}, expected 401`);
console.log("smoke: a webhook without the token is refused (401)");

const accepted = await post(alert, { authorization: `Bearer ${token}` });
const answer = await accepted.text();
if (accepted.status !== 200) fail(`the posted alert got ${accepted.status}: ${answer}`);
const executions = JSON.parse(answer).executions ?? [];
const decided = executions.find((execution) => execution.runbook === expectedRunbook);
if (!decided) fail(`no execution of ${expectedRunbook} in the answer: ${answer}`);
if (decided.state !== "dry_run") {
  fail(
    `${expectedRunbook} was decided as ${decided.state}, expected dry_run (no GitHub credentials): ${answer}`,
  );
}
console.log(
  `smoke: the posted alert was decided in dry-run: ${decided.id} ${decided.runbook} ${decided.state}`,
);
