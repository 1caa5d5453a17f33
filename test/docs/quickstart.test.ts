/**
 * docs/quickstart.md, run: every command in its ```sh blocks is in the table below, either run
 * here (in order, in one "session": the directory `cd` moves to and the shell definitions
 * before it) or skipped with the reason, and a skip may only be for GitHub or Docker. A
 * command added to the page without an entry here, or an entry the page no longer has, fails
 * the test. Adaptations are named where they happen: the demo runs with --fast; `init` gets
 * `--action-ref` (it would ask GitHub which commit the release names); ~ is a temporary home
 * whose ~/src/infra is a fresh git repository; the example hosts of sections 6-7 are the
 * running demo's Alertmanager and bridge.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import type { AuditEventJson, ExecutionJson } from "../../bridge/http/api-types.js";
import { type DemoProcess, startDemoProcess } from "../demo/demo-process.js";
import { REPO_ROOT } from "../e2e/support.js";
import { waitUntil } from "../harness/ports.js";

const run = promisify(execFile);
const QUICKSTART = join(REPO_ROOT, "docs/quickstart.md");
const ACTION_REF = "0123456789abcdef0123456789abcdef01234567";

/** Each line of each ```sh block, comments and blank lines dropped. */
function shellCommands(markdown: string): string[] {
  return [...markdown.matchAll(/^ *```sh\n([\s\S]*?)^ *```$/gm)].flatMap((match) =>
    (match[1] as string)
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#")),
  );
}

/** The ```yaml block whose first line is `# <name>`. */
function yamlBlock(markdown: string, name: string): string {
  const found = [...markdown.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)]
    .map((match) => match[1] as string)
    .find((text) => text.startsWith(`# ${name}\n`));
  if (!found) throw new Error(`docs/quickstart.md has no yaml block starting with "# ${name}"`);
  return found;
}

interface Session {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Shell functions earlier commands defined, replayed before each command (exports go to env). */
  prelude: string[];
  demo?: DemoProcess;
  home: string;
}

async function sh(session: Session, command: string): Promise<string> {
  try {
    const { stdout } = await run("bash", ["-c", [...session.prelude, command].join("\n")], {
      cwd: session.cwd,
      env: session.env,
      timeout: 60_000,
    });
    return stdout;
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command}\n${failure.message}\n${failure.stdout ?? ""}${failure.stderr ?? ""}`);
  }
}

function demoOf(session: Session): DemoProcess {
  if (!session.demo) throw new Error("the demo is not running; `npm run demo` comes first in the quickstart");
  return session.demo;
}
async function bridgeGet<T>(session: Session, path: string): Promise<T> {
  const response = await fetch(`${demoOf(session).state().console.replace(/\/$/, "")}${path}`);
  return (await response.json()) as T;
}

type Entry = { skip: string } | { run(session: Session, command: string): Promise<void> };

/** Every command of the quickstart, in its order there. */
const COMMANDS: [command: string, entry: Entry][] = [
  [
    "npm run demo",
    {
      async run(session) {
        // Adapted: --fast (test-sized timings); its state file in the test's folder.
        session.demo = startDemoProcess(session.home);
        session.env = { ...session.env, RUNBRIDGE_DEMO_STATE: session.demo.stateFile };
        await session.demo.waitForOutput("npm run demo -- approve", 60_000);
      },
    },
  ],
  [
    "npm run demo -- approve",
    {
      async run(session, command) {
        const demo = demoOf(session);
        expect(await sh(session, command)).toMatch(/^approved ex_\w+$/m);
        await waitUntil(
          async () =>
            (
              await bridgeGet<{ executions: ExecutionJson[] }>(
                session,
                "/api/executions?runbook=demo-service-down",
              )
            ).executions.at(-1)?.state === "succeeded",
          { what: "the demo's first execution to succeed", timeoutMs: 40_000, intervalMs: 250 },
        );
        expect(demo.output()).toMatch(/job verify: success: /);
      },
    },
  ],
  [
    "npm run demo -- break    # crash the demo service now",
    {
      async run(session, command) {
        expect(await sh(session, command)).toContain("the demo service crashed");
      },
    },
  ],
  [
    "npm run demo -- fix      # clear a failure a restart cannot fix, and start the service again",
    {
      async run(session, command) {
        expect(await sh(session, command)).toContain("the demo service is running again");
      },
    },
  ],
  [
    'export RUNBRIDGE_HOME="$PWD"',
    {
      async run(session, command) {
        // Evaluated once, where it is typed (the checkout), as a shell session would.
        const value = (await sh(session, `${command}\necho "$RUNBRIDGE_HOME"`)).trimEnd();
        expect(value).toBe(REPO_ROOT);
        session.env = { ...session.env, RUNBRIDGE_HOME: value };
      },
    },
  ],
  [
    'runbridge() { node "$RUNBRIDGE_HOME/bin/runbridge.js" "$@"; }',
    {
      async run(session, command) {
        session.prelude.push(command);
        expect(await sh(session, "runbridge --help")).toMatch(/^Usage: runbridge <command>/);
      },
    },
  ],
  [
    "cd ~/src/infra",
    {
      async run(session, command) {
        // Adapted: ~ is a temporary home; ~/src/infra a fresh clone-like repository.
        const repo = join(session.home, "src/infra");
        mkdirSync(repo, { recursive: true });
        await run("git", ["init", "-q", "-b", "main"], { cwd: repo });
        await run("git", ["remote", "add", "origin", "https://github.com/acme/infra.git"], { cwd: repo });
        session.env = { ...session.env, HOME: session.home };
        expect(await sh(session, `${command} && pwd`)).toBe(`${repo}\n`);
        session.cwd = repo;
      },
    },
  ],
  [
    "runbridge init --repo acme/infra --bridge-url https://runbridge.example.com --alertmanager-url http://alertmanager.example.com:9093",
    {
      async run(session, command) {
        // Adapted: --action-ref, instead of asking GitHub which commit the release tag names.
        const out = await sh(session, `${command} --action-ref ${ACTION_REF}`);
        for (const file of [
          "runbooks/instance-down.yml",
          "runbooks/service-restart.yml",
          ".github/workflows/remediate.yml",
          ".github/workflows/runbooks.yml",
          ".runbridge/alertmanager-receiver.yml",
          ".runbridge/bridge.env",
        ]) {
          expect(out).toContain(`created      ${file}`);
        }
        expect(readFileSync(join(session.cwd, ".github/workflows/remediate.yml"), "utf8")).toContain(
          `runbridge/runbridge/action@${ACTION_REF}`,
        );
        expect(readFileSync(join(session.cwd, ".runbridge/bridge.env"), "utf8")).toContain(
          "GITHUB_REPOSITORY=acme/infra",
        );
      },
    },
  ],
  [
    "runbridge validate runbooks",
    {
      async run(session, command) {
        expect(await sh(session, command)).toMatch(/^ok: 2 runbooks valid/);
      },
    },
  ],
  [
    `echo '{"labels": {"alertname": "InstanceDown", "instance": "web-1:9100", "job": "node", "severity": "critical"}}' | runbridge route -`,
    {
      async run(session, command) {
        expect(await sh(session, command)).toContain("runbook: instance-down (runbooks/instance-down.yml)");
      },
    },
  ],
  [
    "git add runbooks .github/workflows && git commit -m 'Add Runbridge'",
    {
      async run(session, command) {
        session.env = {
          ...session.env,
          GIT_AUTHOR_NAME: "Quickstart",
          GIT_AUTHOR_EMAIL: "quickstart@example.com",
          GIT_COMMITTER_NAME: "Quickstart",
          GIT_COMMITTER_EMAIL: "quickstart@example.com",
        };
        await sh(session, command);
        const files = await sh(session, "git ls-files");
        expect(files).toContain(".github/workflows/remediate.yml");
        expect(files).not.toContain(".runbridge");
      },
    },
  ],
  ["git push", { skip: "needs GitHub: pushes to acme/infra" }],
  [
    "runbridge app create --url https://runbridge.example.com",
    {
      skip: "needs GitHub: the manifest flow confirms on github.com (the code exchange is tested against the emulator in test/cli/app-create.test.ts)",
    },
  ],
  [
    "set -a && . ~/src/infra/.runbridge/bridge.env && . ~/src/infra/.runbridge/github-app.env && set +a",
    { skip: "needs GitHub: github-app.env is what runbridge app create writes" },
  ],
  [
    "export GITHUB_APP_INSTALLATION_ID=12345678 RUNBRIDGE_RUNBOOKS_SOURCE=github HOST=0.0.0.0",
    { skip: "needs GitHub: the App's installation on acme/infra" },
  ],
  [
    "npm start",
    { skip: "needs GitHub: the bridge with the App's credentials, reading runbooks from acme/infra" },
  ],
  ["docker compose --env-file ~/src/infra/.runbridge/bridge.env up -d", { skip: "needs Docker" }],
  [
    "amtool check-config alertmanager.yml",
    {
      async run(session, command) {
        // What the page says to do first: the receiver from init merged into its alertmanager.yml.
        const config = parse(yamlBlock(readFileSync(QUICKSTART, "utf8"), "alertmanager.yml")) as {
          receivers: unknown[];
        };
        const receiver = parse(
          readFileSync(join(session.cwd, ".runbridge/alertmanager-receiver.yml"), "utf8"),
        ) as {
          receivers: unknown[];
        };
        config.receivers.push(...receiver.receivers);
        writeFileSync(join(session.cwd, "alertmanager.yml"), stringify(config));
        expect(await sh(session, command)).toContain("SUCCESS");
      },
    },
  ],
  [
    "amtool alert add alertname=InstanceDown instance=web-1:9100 job=node severity=critical --alertmanager.url=http://alertmanager.example.com:9093",
    {
      async run(session, command) {
        // Adapted: the running demo's Alertmanager and bridge stand in for the example hosts.
        const alertmanager = demoOf(session).state().alertmanager;
        await sh(session, command.replace("http://alertmanager.example.com:9093", alertmanager));
        const decision = await waitUntil(
          async () =>
            (
              await bridgeGet<{ events: AuditEventJson[] }>(
                session,
                "/api/audit?kind=decision.suppressed&n=100",
              )
            ).events.find((event) => event.message.includes("alertname InstanceDown")),
          { what: "the bridge to decide the InstanceDown alert", timeoutMs: 20_000, intervalMs: 250 },
        );
        expect(decision.message).toContain("no runbook");
      },
    },
  ],
  [
    "curl -s 'https://runbridge.example.com/api/executions?limit=5'",
    {
      async run(session, command) {
        const bridge = demoOf(session).state().console.replace(/\/$/, "");
        const body = JSON.parse(
          await sh(session, command.replace("https://runbridge.example.com", bridge)),
        ) as {
          executions: ExecutionJson[];
        };
        expect(body.executions.length).toBeGreaterThan(0);
        expect(body.executions.length).toBeLessThanOrEqual(5);
        // Newest first: the InstanceDown alert amtool just fired is among them.
        expect(body.executions.map((execution) => execution.alertname)).toContain("InstanceDown");
      },
    },
  ],
];

let session: Session;
beforeAll(() => {
  session = {
    cwd: REPO_ROOT,
    env: { ...process.env },
    prelude: [],
    home: mkdtempSync(join(tmpdir(), "runbridge-quickstart-")),
  };
});
afterAll(async () => {
  if (session.demo) {
    await session.demo.interrupt();
    expect(session.demo.output()).toMatch(/stopped\.\n$/);
  }
  rmSync(session.home, { recursive: true, force: true });
});

describe("docs/quickstart.md", () => {
  it("names every command of the page here, in order, and skips only what needs GitHub or Docker", () => {
    expect(shellCommands(readFileSync(QUICKSTART, "utf8"))).toEqual(COMMANDS.map(([command]) => command));
    for (const [command, entry] of COMMANDS) {
      if ("skip" in entry) expect(entry.skip, command).toMatch(/^needs (GitHub|Docker)\b/);
    }
  });

  it("runs every command that can run here, from npm run demo to the first alert at the bridge", async () => {
    for (const [command, entry] of COMMANDS) {
      if ("run" in entry) await entry.run(session, command);
    }
    expect(existsSync(join(session.home, "src/infra/.runbridge/alertmanager-receiver.yml"))).toBe(true);
  }, 120_000);
});
