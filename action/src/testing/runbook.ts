// Runbooks, steps and checks for tests, written as in a runbook file and resolved the way the
// loader resolves them, so a test never spells out a default itself.
import { resolveRunbook } from "../../../bridge/runbooks/resolve.js";
import type {
  ResolvedHttpCheck,
  ResolvedPromqlCheck,
  ResolvedRunbook,
  ResolvedStep,
} from "../../../bridge/runbooks/resolved-runbook.js";
import type { HttpCheck, PromqlCheck, Runbook, Step } from "../../../bridge/runbooks/runbook.types.js";

export function testRunbook(overrides: Partial<Runbook> = {}): ResolvedRunbook {
  return resolveRunbook({
    name: "nginx-down",
    description: "test",
    owner: "@test",
    match: { alertname: "NginxDown" },
    mode: "auto",
    ...overrides,
  });
}

export function testStep(step: Step): ResolvedStep {
  const [resolved] = testRunbook({ steps: { remediate: [step] } }).steps.remediate;
  if (!resolved) throw new Error("the resolver dropped a step");
  return resolved;
}

export function testHttpCheck(check: HttpCheck): ResolvedHttpCheck {
  const step = testStep({ name: "http", http: check });
  if (!("http" in step)) throw new Error("the resolver turned an http step into another kind");
  return step.http;
}

export function testPromqlCheck(check: PromqlCheck): ResolvedPromqlCheck {
  const step = testStep({ name: "promql", promql: check });
  if (!("promql" in step)) throw new Error("the resolver turned a promql step into another kind");
  return step.promql;
}
