/**
 * @module
 * The valid payloads the fuzzer starts from. Alertmanager: webhooks built from every shipped
 * runbook's must-match examples, so mutated deliveries still reach real decisions (guards,
 * dispatch, group runbooks). GitHub: the real example payloads of every event the bridge
 * handles (`@octokit/webhooks-examples`), moved to the bridge's repository.
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { loadRunbookSet } from "../../bridge/runbooks/runbook-set.js";
import type { Json } from "./mutate.js";

const require = createRequire(import.meta.url);
export const RUNBOOKS_DIR = fileURLToPath(new URL("../../runbooks", import.meta.url));

export function alertmanagerSeeds(): Json[] {
  const { set, problems } = loadRunbookSet(RUNBOOKS_DIR);
  if (!set) throw new Error(`the shipped runbooks do not load: ${problems.map((p) => p.message).join("; ")}`);
  const seeds: Json[] = [];
  for (const loaded of set.runbooks) {
    for (const example of loaded.runbook.examples ?? []) {
      if (!example.matches) continue;
      const labels = example.alert.labels as Record<string, string>;
      seeds.push({
        version: "4",
        groupKey: `{}:{alertname="${labels.alertname}"}`,
        truncatedAlerts: 0,
        status: "firing",
        receiver: "runbridge",
        groupLabels: { alertname: labels.alertname ?? "" },
        commonLabels: labels,
        commonAnnotations: (example.alert.annotations ?? {}) as Record<string, string>,
        externalURL: "http://alertmanager.invalid",
        alerts: [
          {
            status: "firing",
            labels,
            annotations: (example.alert.annotations ?? {}) as Record<string, string>,
            startsAt: "2026-12-01T10:00:00Z",
            endsAt: "0001-01-01T00:00:00Z",
            generatorURL: "http://prometheus.invalid/graph",
            fingerprint: "0123456789abcdef",
          },
        ],
      });
    }
  }
  return seeds;
}

export const GITHUB_EVENTS = [
  "workflow_run",
  "workflow_job",
  "deployment_protection_rule",
  "issue_comment",
  "push",
  "ping",
] as const;

interface ExampleGroup {
  name: string;
  examples: Record<string, unknown>[];
}

/** Real example payloads by event, their repository renamed to `fullName`. */
export function githubSeeds(fullName: string): { event: string; payload: Json }[] {
  const groups = require("@octokit/webhooks-examples/api.github.com/index.json") as ExampleGroup[];
  const [owner = "", repo = ""] = fullName.split("/");
  const seeds: { event: string; payload: Json }[] = [];
  for (const event of GITHUB_EVENTS) {
    for (const example of groups.find((group) => group.name === event)?.examples ?? []) {
      const payload = structuredClone(example) as Record<string, Json>;
      const repository = payload.repository as Record<string, Json> | undefined;
      if (repository) {
        repository.full_name = fullName;
        repository.name = repo;
        if (repository.owner && typeof repository.owner === "object")
          (repository.owner as Record<string, Json>).login = owner;
      }
      seeds.push({ event, payload: payload as Json });
    }
  }
  return seeds;
}
