/**
 * @module
 * `npm run soak`: SOAK_MINUTES (default 30) of mixed traffic at SOAK_RATE requests/s (default
 * 200) against the real bridge, restarted with SIGTERM every SOAK_RESTART_MINUTES (default 5) on
 * the same database (test/soak/soak.ts). Prints RSS and open descriptors per bridge lifetime and
 * the accounting; exit 1 if anything accepted is unaccounted for, the outbox does not drain, an
 * invariant breaks, or RSS in the last minute is 50% above the first minute's.
 */
import { formatReport, runSoak } from "./soak.js";

const minutes = Number(process.env.SOAK_MINUTES ?? 30);
const restartMinutes = Number(process.env.SOAK_RESTART_MINUTES ?? 5);
const rate = Number(process.env.SOAK_RATE ?? 200);
const say = (line: string) => process.stderr.write(`[soak] ${line}\n`);

say(`${minutes} min at ${rate} requests/s, a restart every ${restartMinutes} min`);
const report = await runSoak({
  durationMs: minutes * 60_000,
  restartEveryMs: restartMinutes * 60_000,
  rate,
  say,
});
if (report.rssLastMinuteKb > report.rssFirstMinuteKb * 1.5) {
  report.problems.push(
    `RSS grew from ${report.rssFirstMinuteKb} kB (first minute) to ${report.rssLastMinuteKb} kB (last minute)`,
  );
}
process.stdout.write(`${formatReport(report)}\n`);
process.exit(report.problems.length > 0 ? 1 : 0);
