/**
 * @module
 * The demo's story, told against the running loop: the service crashes, the bridge holds the
 * remediation for an approver, the run restarts the service; then a second crash that a
 * restart does not fix, whose failed remediation opens the runbook's breaker; and a third,
 * which the open breaker suppresses. Every step waits
 * on what the bridge's API shows, never on a fixed delay alone.
 */
import { waitUntil } from "../test/harness/ports.js";
import { type ExecutionJson, executionsOf, status } from "./bridge-api.js";
import { DEMO_RUNBOOK, type Demo } from "./start.js";

export interface ScenarioOptions {
  /** Before the first crash. */
  firstFailureAfterMs: number;
  /** After the first remediation, before the second crash. */
  secondFailureAfterMs: number;
  say(line: string): void;
  signal: AbortSignal;
}

/**
 * Where the story of one execution ends: a run that succeeded is only `succeeded` until the alert
 * clears (`verified`) or the runbook's outcome window passes (`not_cleared`).
 */
const FINAL = new Set([
  "verified",
  "not_cleared",
  "rolled_back",
  "failed",
  "cancelled",
  "expired",
  "suppressed",
  "dispatch_failed",
]);
const FOREVER = 24 * 3_600_000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
}

export async function runScenario(demo: Demo, options: ScenarioOptions): Promise<void> {
  const { say, signal } = options;
  const bridgeUrl = demo.bridge.url;
  const wait = <T>(what: string, check: () => Promise<T | undefined | false>) =>
    waitUntil(check, {
      what,
      timeoutMs: FOREVER,
      intervalMs: 250,
      failFast: () => (signal.aborted ? "the demo is stopping" : undefined),
    });
  const nth = async (n: number): Promise<ExecutionJson | undefined> =>
    (await executionsOf(bridgeUrl, DEMO_RUNBOOK)).at(-n);

  // A new failure is a new alert only once the last one has resolved in Prometheus.
  const resolved = () =>
    wait("DemoServiceDown to resolve", async () => {
      const response = await fetch(`${demo.prometheusUrl}/api/v1/alerts`, {
        signal: AbortSignal.timeout(2_000),
      });
      const body = (await response.json()) as { data: { alerts: { labels: Record<string, string> }[] } };
      return !body.data.alerts.some((alert) => alert.labels.alertname === "DemoServiceDown");
    });

  /** Follows execution n from its decision to a final state, with the hint to approve. */
  const follow = async (n: number): Promise<ExecutionJson> => {
    await wait(`execution ${n} awaiting approval`, async () => (await nth(n))?.state === "awaiting_approval");
    say("");
    say("  ▶ the approval is held by the bridge. Answer it as the runbook's approver:");
    say("      npm run demo -- approve");
    say("");
    return wait(`execution ${n} to finish`, async () => {
      const execution = await nth(n);
      return execution && FINAL.has(execution.state) ? execution : undefined;
    });
  };

  await sleep(options.firstFailureAfterMs, signal);
  say("① the demo service crashes; Prometheus sees up == 0 and fires DemoServiceDown");
  await demo.supervisor.crash();
  const first = await follow(1);
  say(`  execution ${first.id}: ${first.state}${first.reason ? ` (${first.reason})` : ""}`);

  await resolved();
  await sleep(options.secondFailureAfterMs, signal);
  say("② the demo service crashes again, and this time a restart does not help");
  await demo.supervisor.crash({ stuck: true });
  const second = await follow(2);
  say(`  execution ${second.id}: ${second.state}${second.reason ? ` (${second.reason})` : ""}`);
  const open = await wait("the breaker to open", async () => {
    const breakers = (await status(bridgeUrl)).openBreakers;
    return breakers.length > 0 ? breakers : undefined;
  });
  say(`③ the breaker is open: ${open.map((b) => `${b.key} (${b.reason})`).join("; ")}`);

  await sleep(options.secondFailureAfterMs, signal);
  say("④ someone repairs the service by hand; it fails again while the breaker is open");
  await demo.supervisor.fix();
  await resolved();
  await demo.supervisor.crash();
  const third = await wait("execution 3 to be decided", async () => {
    const execution = await nth(3);
    return execution && FINAL.has(execution.state) ? execution : undefined;
  });
  say(`  execution ${third.id}: ${third.state} (${third.reason ?? ""})`);
  say("  the bridge leaves the service alone until the breaker half-opens and a probe succeeds.");
  say("  `npm run demo -- fix` brings the service back; Ctrl-C stops everything.");
}
