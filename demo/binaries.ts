/**
 * @module
 * The Debian binaries the demo runs, and what to install when one is missing.
 */
import { accessSync, constants } from "node:fs";
import { ALERTMANAGER_BIN } from "../test/harness/alertmanager.js";
import { PROMETHEUS_BIN } from "../test/harness/prometheus.js";

export const BINARIES = [
  { name: "prometheus", path: PROMETHEUS_BIN, debianPackage: "prometheus", env: "PROMETHEUS_BIN" },
  {
    name: "alertmanager",
    path: ALERTMANAGER_BIN,
    debianPackage: "prometheus-alertmanager",
    env: "ALERTMANAGER_BIN",
  },
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
      `  ${b.name}: ${b.path} is not there; install the Debian package ${b.debianPackage} ` +
      `(sudo apt-get install ${b.debianPackage}) or set ${b.env} to its path`,
  );
  throw new Error(
    `the demo runs the real Prometheus and Alertmanager, and some are missing:\n${lines.join("\n")}`,
  );
}
