/**
 * @module
 * Several bridges on one database run the same runbook commit. The commit they follow is kept
 * in the database (store/settings.ts): a push reaching any bridge is loaded there and recorded,
 * and every other bridge sees the new commit within a poll and loads exactly that commit —
 * not its ref's head, which may have moved on — so one alert is decided the same way whichever
 * bridge it reaches, and each execution names the commit it was decided with.
 *
 * At start a bridge loads its ref's head (a push missed while every bridge was down is picked
 * up) and records it unless the recorded commit changed during the load; a start whose head
 * is rejected falls back to the recorded commit the others run.
 *
 * @example
 *   const shared = shareRunbookCommit({ db, reloader: runbooks, log, now });
 *   await shared.start();
 *   // the push handler: shared.reloadAt(payload.after)
 *   // on shutdown
 *   shared.stop();
 */
import type { Logger } from "../logger.js";
import type { Db } from "../store/database.js";
import { recordSharedRunbookCommit, sharedRunbookCommit } from "../store/settings.js";
import type { RunbookReloader } from "./reloader.js";

export interface SharedRunbookCommit {
  /** The first load: the ref's head, recorded for the others (or the recorded commit as fallback). */
  start(): Promise<void>;
  /** A push to the watched branch: loads `sha` and, when it became active, records it for the others. */
  reloadAt(sha: string): Promise<void>;
  /** Looks at the recorded commit once now and loads it if it is not active (the poll's step). */
  follow(): Promise<void>;
  stop(): void;
}

/** A recorded commit that did not load (GitHub failing, a set this bridge rejects) is tried again after this. */
const RETRY_REJECTED_MS = 60_000;

export function shareRunbookCommit(options: {
  db: Db;
  reloader: Pick<RunbookReloader, "current" | "reload">;
  log: Logger;
  now: () => number;
  /** How often the recorded commit is read; a push reaches the other bridges within about this long. */
  followMs?: number;
}): SharedRunbookCommit {
  const { db, reloader, log, now } = options;
  const followMs = options.followMs ?? 2_000;
  const active = () => reloader.current()?.commitSha;
  /** The recorded commit last loaded or tried, and when: a rejected commit is tried again only after a while. */
  let tried: { sha: string; at: number } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function follow(): Promise<void> {
    const recorded = await sharedRunbookCommit(db);
    if (recorded === undefined || recorded === active()) return;
    if (recorded === tried?.sha && now() - tried.at < RETRY_REJECTED_MS) return;
    tried = { sha: recorded, at: now() };
    log.info({ commit: recorded }, "another bridge recorded a new runbook commit; loading it");
    await reloader.reload(recorded);
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      follow()
        .catch((error) => log.warn({ err: error }, "cannot read the shared runbook commit; trying again"))
        .finally(schedule);
    }, followMs);
    timer.unref();
  }

  return {
    async start() {
      const before = await sharedRunbookCommit(db);
      await reloader.reload();
      const head = active();
      if (head === undefined) {
        if (before !== undefined) {
          log.warn(
            { commit: before },
            "the ref's head was not loaded; loading the commit the other bridges run",
          );
          tried = { sha: before, at: now() };
          await reloader.reload(before);
        }
      } else if (head !== before) {
        // Not written when another bridge recorded a push meanwhile: the poll loads that one.
        await recordSharedRunbookCommit(db, head, now(), before ?? null);
      }
      schedule();
    },
    async reloadAt(sha) {
      tried = { sha, at: now() };
      await reloader.reload(sha);
      if (active() === sha) await recordSharedRunbookCommit(db, sha, now());
    },
    follow,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
