/**
 * @module
 * Which secrets each phase of a run may see: exactly the ones its steps (or, for notify, its
 * channels) name. The plan job hands these lists to the workflow, which passes each phase job
 * only those secrets (docs/security.md, "Secrets in the run"). A GitHub expression cannot
 * pick secrets by a list of any length, so the workflow has a fixed number of slots per phase
 * (`secrets[fromJSON(list)[0]]` … `[5]`); a runbook that names more is refused when it is
 * loaded, by the bridge and by the plan job alike.
 *
 * @example
 *   phaseSecrets(runbook)["remediate"]; // ["PG_ADMIN_URL"]
 */
import type { PhaseName, ResolvedRunbook, ResolvedStep } from "./resolved-runbook.js";

/** Slots per phase job in .github/workflows/remediate.yml; change both together. */
export const SECRET_SLOTS = 6;

/** The workflow's phase jobs, each with the runbook part whose secrets it receives. */
export const SECRET_PHASES = {
  "health-check": "healthCheck",
  diagnostics: "diagnostics",
  remediate: "remediate",
  verify: "verify",
  rollback: "rollback",
  notify: "notify",
} as const satisfies Record<string, PhaseName | "notify">;

export type SecretPhase = keyof typeof SECRET_PHASES;

/** Secret names one step reads: its `secrets` list and the secrets behind its headers. */
function stepSecrets(step: ResolvedStep): string[] {
  const names = [...step.secrets];
  if ("http" in step) names.push(...Object.values(step.http.secretHeaders ?? {}));
  if ("promql" in step) names.push(...Object.values(step.promql.secretHeaders ?? {}));
  return names;
}

/** Names in first-seen order, each once (GitHub secret names are case-insensitive). */
function unique(names: string[]): string[] {
  const seen = new Set<string>();
  return names.filter((name) => {
    const key = name.toUpperCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Phase job → the secret names it needs, in the order its steps name them. */
export function phaseSecrets(runbook: ResolvedRunbook): Record<SecretPhase, string[]> {
  const lists = {} as Record<SecretPhase, string[]>;
  for (const [phase, part] of Object.entries(SECRET_PHASES) as [SecretPhase, PhaseName | "notify"][]) {
    lists[phase] = unique(
      part === "notify"
        ? runbook.notify.flatMap((channel) => (channel.slack ? [channel.slack.webhookSecret] : []))
        : runbook.steps[part].flatMap(stepSecrets),
    );
  }
  return lists;
}

/** One message per phase that names more secrets than the workflow has slots for. */
export function secretSlotProblems(runbook: ResolvedRunbook): { phase: SecretPhase; message: string }[] {
  return Object.entries(phaseSecrets(runbook))
    .filter(([, names]) => names.length > SECRET_SLOTS)
    .map(([phase, names]) => ({
      phase: phase as SecretPhase,
      message:
        `the ${phase} phase names ${names.length} secrets (${names.join(", ")}); the remediate workflow ` +
        `passes a phase at most ${SECRET_SLOTS}: combine some (e.g. one JSON secret) or move steps to another phase`,
    }));
}
