/**
 * @module
 * Holds the active runbook set. A reload that finds any problem is rejected: its errors
 * are reported and the last good set stays active, so a broken change never disarms
 * (or misroutes) the bridge.
 */
import type { RunbookSet, RunbookSetResult } from "./runbook-set.js";

export interface ReloadOutcome {
  ok: boolean;
  changed: boolean;
  problems: string[];
  set?: RunbookSet;
}

export interface RunbookHolder {
  current(): RunbookSet | undefined;
  /** Problems of the last rejected load (empty after a good one). */
  problems(): string[];
  reload(): ReloadOutcome;
}

/**
 * @param load reads the set; `sha` asks a Git source for one commit (a push), else its ref's head
 */
export function createRunbookHolder(load: (sha?: string) => RunbookSetResult | Promise<RunbookSetResult>): {
  holder: RunbookHolder;
  reloadAsync(sha?: string): Promise<ReloadOutcome>;
} {
  let active: RunbookSet | undefined;
  let lastProblems: string[] = [];

  function apply(result: RunbookSetResult): ReloadOutcome {
    if (!result.set) {
      lastProblems = result.problems.map(String);
      return { ok: false, changed: false, problems: lastProblems, set: active };
    }
    const changed =
      result.set.sourceHash !== active?.sourceHash || result.set.commitSha !== active?.commitSha;
    active = result.set;
    lastProblems = [];
    return { ok: true, changed, problems: [], set: active };
  }

  const holder: RunbookHolder = {
    current: () => active,
    problems: () => lastProblems,
    reload() {
      const result = load();
      if (result instanceof Promise)
        throw new Error("this runbook source loads asynchronously; use reloadAsync()");
      return apply(result);
    },
  };
  return { holder, reloadAsync: async (sha?: string) => apply(await load(sha)) };
}
