/**
 * @module
 * When and how the active runbook set is replaced: at start, when a local directory changes
 * (debounced), on a push to the watched branch of a Git source, and on demand (SIGHUP).
 * Reloads run one at a time in the order they were asked for, so a slow load of an earlier
 * push cannot finish last and leave an older commit active. A rejected set is logged and
 * recorded with its problems while the last good set stays active (runbook-holder.ts).
 *
 * @example
 *   const runbooks = createRunbookReloader({ origin, log, now, record: (event) => audit(event) });
 *   await runbooks.reload();
 *   const stopWatching = runbooks.watch();
 */
import type { GitHubClient } from "../dispatch/github-client.js";
import type { Logger } from "../logger.js";
import { type GitRunbookLocation, loadRunbooksFromGitHub } from "./github-source.js";
import { createRunbookHolder } from "./runbook-holder.js";
import { loadRunbookSet, type RunbookSet } from "./runbook-set.js";
import { watchRunbookDir } from "./watch-dir.js";

/** Where runbooks come from. */
export type RunbookOrigin =
  | { kind: "local"; dir: string }
  | { kind: "github"; octokit: GitHubClient; location: GitRunbookLocation };

/** One reload's outcome, shaped as an audit event (the composition root stores and publishes it). */
export interface ReloadRecord {
  at: number;
  kind: "runbooks.loaded" | "runbooks.rejected";
  message: string;
  data: { problems: string[]; commitSha: string | null; activeCommitSha: string | null };
}

export interface RunbookReloaderOptions {
  origin: RunbookOrigin;
  log: Logger;
  /** Records every reload's outcome; a failure here is logged, it never stops reloading. */
  record(event: ReloadRecord): Promise<void>;
  now(): number;
  /** How long a local directory must be quiet before it is read again (editors write in bursts). */
  debounceMs?: number;
}

export interface RunbookReloader {
  /** The active set, or undefined before the first valid set loaded. */
  current(): RunbookSet | undefined;
  /** Problems of the last rejected reload (empty after a good one). */
  problems(): string[];
  /** Reads the set again: a Git source at `sha` (a pushed commit), else at its ref's head. */
  reload(sha?: string): Promise<void>;
  /** For the GitHub push handler: the watched branch, present only for a Git source. */
  fromGit?: { ref: string; reloadAt(sha: string): Promise<void> };
  /** Starts following a local directory (a Git source follows pushes); returns how to stop. */
  watch(): () => void;
}

function describeOrigin(origin: RunbookOrigin): string {
  if (origin.kind === "local") return origin.dir;
  const { owner, repo, path, ref } = origin.location;
  return `${owner}/${repo}/${path}@${ref}`;
}

export function createRunbookReloader(options: RunbookReloaderOptions): RunbookReloader {
  const { origin, log, now } = options;
  const from = describeOrigin(origin);
  const { holder, reloadAsync } = createRunbookHolder((sha?: string) =>
    origin.kind === "github"
      ? loadRunbooksFromGitHub(origin.octokit, origin.location, sha)
      : loadRunbookSet(origin.dir),
  );

  async function reloadNow(sha?: string): Promise<void> {
    const outcome = await reloadAsync(sha);
    const at = sha ? ` at ${sha.slice(0, 12)}` : "";
    const commit = outcome.set?.commitSha ? ` at ${outcome.set.commitSha.slice(0, 12)}` : "";
    if (!outcome.ok) {
      log.error(
        { problems: outcome.problems },
        `runbooks from ${from}${at} rejected; ${outcome.set ? "the last good set stays active" : "no set is active"}`,
      );
    } else if (outcome.changed) {
      log.info(
        {
          runbooks: outcome.set?.runbooks.length,
          sourceHash: outcome.set?.sourceHash,
          commit: outcome.set?.commitSha,
        },
        "runbooks loaded",
      );
    }
    try {
      await options.record({
        at: now(),
        kind: outcome.ok ? "runbooks.loaded" : "runbooks.rejected",
        message: outcome.ok
          ? `${outcome.set?.runbooks.length} runbooks loaded from ${from}${commit} (${outcome.set?.sourceHash.slice(0, 12)})`
          : `runbooks from ${from}${at} rejected (${outcome.problems.length} problems): ${outcome.problems.slice(0, 5).join("; ")}`,
        // a rejected push recorded the last good set's commit as if it were the rejected one.
        data: {
          problems: outcome.problems.slice(0, 50),
          commitSha: (outcome.ok ? outcome.set?.commitSha : sha) ?? null,
          activeCommitSha: outcome.set?.commitSha ?? null,
        },
      });
    } catch (error) {
      log.error({ err: error }, "recording a runbook reload failed; the reload itself took effect");
    }
  }

  // One reload at a time, in the order asked: each waits for the one before it.
  let last: Promise<void> = Promise.resolve();
  const reload = (sha?: string): Promise<void> => {
    const next = last.catch(() => {}).then(() => reloadNow(sha));
    last = next;
    return next;
  };

  return {
    current: holder.current,
    problems: holder.problems,
    reload,
    fromGit:
      origin.kind === "github" ? { ref: origin.location.ref, reloadAt: (sha) => reload(sha) } : undefined,
    watch() {
      if (origin.kind !== "local") return () => {};
      const watcher = watchRunbookDir(
        origin.dir,
        () => {
          reload().catch((error) => log.error({ err: error }, "runbook reload failed"));
        },
        options.debounceMs,
      );
      return () => watcher.close();
    },
  };
}
