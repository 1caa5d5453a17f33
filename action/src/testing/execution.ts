// Builds a real Execution for tests (no runbook file needed): a temporary work folder, the
// alert file, a mask over the given secrets. Call cleanup() in afterEach/afterAll.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Runbook } from "../../../bridge/runbooks/runbook.types.js";
import { parseAlert } from "../alert.js";
import type { Execution } from "../execution.js";
import { createMask } from "../mask.js";
import { scrubRunnerEnv } from "../steps/env.js";
import { testRunbook } from "./runbook.js";

export interface TestExecutionOptions {
  runbook?: Partial<Runbook>;
  alert?: object;
  target?: string;
  severity?: string;
  secrets?: Record<string, string>;
  dryRun?: boolean;
}

export function testExecution(options: TestExecutionOptions = {}): Execution & { cleanup(): void } {
  const workDir = mkdtempSync(join(tmpdir(), "runbridge-action-test-"));
  const alert = parseAlert(
    JSON.stringify(options.alert ?? { labels: { alertname: "NginxDown", instance: "web-1" } }),
  );
  const alertFile = join(workDir, "alert.json");
  writeFileSync(alertFile, JSON.stringify(alert.raw));
  const secrets = new Map(Object.entries(options.secrets ?? {}));
  return {
    runbook: testRunbook(options.runbook),
    runbookFile: "runbooks/nginx-down.yml",
    executionId: "exec-1",
    target: options.target ?? "web-1",
    severity: options.severity ?? "critical",
    alert,
    secrets,
    mask: createMask(secrets.values()),
    dryRun: options.dryRun ?? false,
    baseEnv: scrubRunnerEnv(process.env),
    workDir,
    alertFile,
    cleanup: () => rmSync(workDir, { recursive: true, force: true }),
  };
}
