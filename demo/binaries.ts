/**
 * @module
 * The Debian binaries the demo runs, and what to install when one is missing.
 */
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { ALERTMANAGER_BIN } from "../test/harness/alertmanager.js";
import { PROMETHEUS_BIN } from "../test/harness/prometheus.js";

/** Looks a command up on PATH, as the shell of a runbook step does. */
function onPath(command: string): string {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return command;
}

export const BINARIES = [
  { name: "prometheus", path: PROMETHEUS_BIN, debianPackage: "prometheus", env: "PROMETHEUS_BIN" },
  {
    name: "alertmanager",
    path: ALERTMANAGER_BIN,
    debianPackage: "prometheus-alertmanager",
    env: "ALERTMANAGER_BIN",
  },
  // The demo runbook's steps call the demo's control address with curl.
  { name: "curl", path: onPath("curl"), debianPackage: "curl", env: "PATH" },
] as const;

/**
 * @throws Error naming each missing binary, its Debian package and the variable that points elsewhere
 */
export function checkBinaries(): void {
  const missing = BINARIES.filter((binary) => {
    try {
      accessSync(binary.path, constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return;
  const lines = missing.map(
    (b) =>
      `  ${b.name}: ${b.env === "PATH" ? "not found on PATH" : `${b.path} is not there`}; install the Debian package ${b.debianPackage} ` +
      `(sudo apt-get install ${b.debianPackage}) or ${b.env === "PATH" ? "add its folder to PATH" : `set ${b.env} to its path`}`,
  );
  throw new Error(
    `the demo runs the real Prometheus, Alertmanager and curl, and some are missing:\n${lines.join("\n")}`,
  );
}
