// The shipped Prometheus rules pass Debian's promtool: syntax (check rules) and behaviour
// (test rules, with the unit tests next to the rules file).
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { PROMTOOL_BIN } from "../harness/prometheus.js";

const run = promisify(execFile);
const DIR = fileURLToPath(new URL("../../docs/prometheus/", import.meta.url));

describe("docs/prometheus/runbridge.rules.yml", () => {
  it("passes promtool check rules", async () => {
    const { stdout } = await run(PROMTOOL_BIN, ["check", "rules", "runbridge.rules.yml"], { cwd: DIR });
    expect(stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it("passes its promtool unit tests", async () => {
    const { stdout } = await run(PROMTOOL_BIN, ["test", "rules", "runbridge.rules.test.yml"], { cwd: DIR });
    expect(stdout).toMatch(/SUCCESS/);
  });
});
