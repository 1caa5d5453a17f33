// The configuration shown in docs/setup.md is what the real tools accept: the Alertmanager
// receiver passes `amtool check-config`, the Prometheus scrape config (with the shipped rules)
// passes `promtool check config`.
import { execFile } from "node:child_process";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AMTOOL_BIN } from "../harness/alertmanager.js";
import { PROMTOOL_BIN } from "../harness/prometheus.js";

const run = promisify(execFile);
const DOCS = fileURLToPath(new URL("../../docs/", import.meta.url));

/** The ```yaml block whose first line is `# <name>`. */
function block(markdown: string, name: string): string {
  const found = [...markdown.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)]
    .map((match) => match[1] as string)
    .find((text) => text.startsWith(`# ${name}\n`));
  if (!found) throw new Error(`docs/setup.md has no yaml block starting with "# ${name}"`);
  return found;
}

describe("docs/setup.md", () => {
  let dir: string;
  let setup: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "runbridge-setup-doc-"));
    setup = await readFile(join(DOCS, "setup.md"), "utf8");
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("shows an Alertmanager configuration amtool accepts, with send_resolved and a bearer token", async () => {
    const config = block(setup, "alertmanager.yml");
    expect(config).toMatch(/send_resolved: true/);
    expect(config).toMatch(/authorization:\s*\n\s*type: Bearer/);
    const credentials = join(dir, "runbridge-token");
    await writeFile(credentials, "secret\n");
    const file = join(dir, "alertmanager.yml");
    await writeFile(file, config.replace("/etc/alertmanager/runbridge-token", credentials));
    const { stdout } = await run(AMTOOL_BIN, ["check-config", file]);
    expect(stdout).toMatch(/SUCCESS/);
  });

  it("shows a Prometheus configuration promtool accepts, loading the shipped rules", async () => {
    const file = join(dir, "prometheus.yml");
    await writeFile(file, block(setup, "prometheus.yml"));
    await copyFile(join(DOCS, "prometheus/runbridge.rules.yml"), join(dir, "runbridge.rules.yml"));
    const { stdout } = await run(PROMTOOL_BIN, ["check", "config", file]);
    expect(stdout).toMatch(/SUCCESS: \d+ rules found/);
  });
});
