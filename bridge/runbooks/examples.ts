/**
 * @module
 * Every runbook carries example alerts it must (or must not) win. They are checked
 * against the whole set, so a new runbook that silently steals another's alerts fails
 * validation with the reason.
 */
import type { LoadedRunbook } from "./loaded-runbook.js";
import type { MatchIndex } from "./match-index.js";
import type { Example } from "./runbook.types.js";

export interface ExampleFailure {
  runbook: LoadedRunbook;
  index: number;
  message: string;
}

export function describeAlert(labels: Readonly<Record<string, string>>): string {
  const { alertname, ...rest } = labels;
  const pairs = Object.entries(rest)
    .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
    .join(", ");
  return `${alertname ?? "(no alertname)"}{${pairs}}`;
}

function checkExample(loaded: LoadedRunbook, example: Example, index: MatchIndex): string | undefined {
  const name = loaded.runbook.name;
  const result = index.route({ labels: example.alert.labels, annotations: example.alert.annotations ?? {} });
  const winner = result.winner?.runbook.runbook.name;
  const alert = describeAlert(example.alert.labels);
  if (example.matches) {
    if (winner !== name) {
      const own = result.rejected.find((rejected) => rejected.runbook.runbook.name === name);
      const lost = result.lost.find((candidate) => candidate.runbook.runbook.name === name);
      const why = own?.reason ?? lost?.reason ?? "its alertname does not match";
      return `${alert} should be handled by ${name}, but ${winner ? `is routed to ${winner}` : "no runbook takes it"}: ${why}`;
    }
    if (example.target !== undefined && result.target !== example.target) {
      return `${alert} should have target ${JSON.stringify(example.target)}, got ${result.target === undefined ? "none" : JSON.stringify(result.target)}`;
    }
    return undefined;
  }
  if (winner === name) return `${alert} must not be handled by ${name}, but it is (${result.reason})`;
  return undefined;
}

export function checkExamples(runbooks: readonly LoadedRunbook[], index: MatchIndex): ExampleFailure[] {
  const failures: ExampleFailure[] = [];
  for (const loaded of runbooks) {
    loaded.runbook.examples.forEach((example, position) => {
      const message = checkExample(loaded, example, index);
      if (message) failures.push({ runbook: loaded, index: position, message });
    });
  }
  return failures;
}
