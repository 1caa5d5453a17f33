/**
 * @module
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time by function and by
 * package/file, so a benchmark miss comes with its hot spots.
 *
 * @example
 *   npx tsx bench/profile-summary.ts /tmp/profiles/CPU.*.cpuprofile
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  name: string;
  selfMs: number;
  share: number;
}

function shortUrl(url: string): string {
  const nodeModules = url.lastIndexOf("node_modules/");
  if (nodeModules >= 0) return url.slice(nodeModules + "node_modules/".length);
  const repo = url.indexOf("/bridge/");
  if (repo >= 0) return url.slice(repo + 1);
  return url.replace(/^file:\/\//, "");
}

function packageOf(url: string): string {
  if (!url) return "(native/V8)";
  const nodeModules = url.lastIndexOf("node_modules/");
  if (nodeModules >= 0) {
    const rest = url.slice(nodeModules + "node_modules/".length).split("/");
    return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  if (url.startsWith("node:")) return "node core";
  const repo = url.indexOf("/bridge/");
  if (repo >= 0) return url.slice(repo + 1);
  return shortUrl(url);
}

export function summariseProfile(
  file: string,
  top = 25,
): { byFunction: HotSpot[]; byPackage: HotSpot[]; totalMs: number } {
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (!us) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === "(idle)") continue;
    total += us;
    const name = `${functionName || "(anonymous)"} ${url ? `${shortUrl(url)}:${lineNumber + 1}` : ""}`.trim();
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    const pkg = functionName === "(garbage collector)" ? "(garbage collector)" : packageOf(url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  const rank = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfMs: us / 1000, share: us / total }));
  return { byFunction: rank(byFunction), byPackage: rank(byPackage), totalMs: total / 1000 };
}

export function formatProfile(summary: ReturnType<typeof summariseProfile>): string {
  const line = (spot: HotSpot) =>
    `${(spot.share * 100).toFixed(1).padStart(5)}%  ${spot.selfMs.toFixed(0).padStart(7)} ms  ${spot.name}`;
  return [
    `busy (non-idle) samples: ${summary.totalMs.toFixed(0)} ms`,
    "self time by package / file:",
    ...summary.byPackage.map(line),
    "self time by function:",
    ...summary.byFunction.map(line),
  ].join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const file of process.argv.slice(2)) {
    console.log(`== ${file}`);
    console.log(formatProfile(summariseProfile(file)));
  }
}
