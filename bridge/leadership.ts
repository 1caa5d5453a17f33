/**
 * @module
 * Which bridge runs the timed work that must happen once however many bridges share the
 * database: the reconciler, the outcome watcher, the lapsed-breaker watcher and retention.
 * The bridge holding the `timers` lease does; it renews the lease on every pass it asks about,
 * and when it dies the lease expires and the next bridge to ask takes it. A bridge alone on its
 * database (SQLite) always leads and writes nothing for it.
 */
import { randomBytes } from "node:crypto";
import type { Logger } from "./logger.js";
import type { Db } from "./store/database.js";
import { holdLease, releaseLease } from "./store/leases.js";

export interface Leadership {
  /** This bridge's instance id, as written in the lease. */
  readonly holder: string;
  /** Whether this bridge leads now (taking or renewing the lease when shared). */
  leads(): Promise<boolean>;
  /** Gives the lease up (a stopping bridge), so another bridge leads without waiting for it to expire. */
  stop(): Promise<void>;
}

const LEASE = "timers";

export function createLeadership(options: {
  db: Db;
  /** Other bridges share the database (PostgreSQL). */
  shared: boolean;
  log: Logger;
  now: () => number;
  /** How long the lease holds unless renewed; a dead leader's work moves after at most this long. */
  ttlMs?: number;
}): Leadership {
  const holder = `${process.pid}-${randomBytes(6).toString("hex")}`;
  const ttlMs = options.ttlMs ?? 30_000;
  let leading = false;
  /** The lease is known held until then without asking again (a third of its time). */
  let confirmedUntil = 0;
  let stopped = false;

  return {
    holder,
    async leads() {
      if (!options.shared) return true;
      if (stopped) return false;
      const now = options.now();
      if (leading && now < confirmedUntil) return true;
      let holds: boolean;
      try {
        holds = await holdLease(options.db, LEASE, holder, now, now + ttlMs);
      } catch (error) {
        // Unsure, so not leading: a second leader would do the work twice.
        options.log.warn({ err: error }, "cannot take or renew the timers lease; not leading until it can");
        holds = false;
      }
      if (holds !== leading) {
        options.log.info(
          { holder },
          holds
            ? "this bridge now runs the reconciler, outcome, breaker and retention timers (it holds the timers lease)"
            : "another bridge holds the timers lease; this one leaves the timers to it",
        );
      }
      leading = holds;
      confirmedUntil = holds ? now + ttlMs / 3 : 0;
      return holds;
    },
    async stop() {
      stopped = true;
      if (!options.shared || !leading) return;
      leading = false;
      await releaseLease(options.db, LEASE, holder).catch((error: unknown) => {
        options.log.warn(
          { err: error },
          "cannot give up the timers lease; another bridge takes it once it expires",
        );
      });
    },
  };
}
