// `runbridge app create` through the whole manifest flow on loopback: the command's page, its
// form posted to an emulated "github.com" that redirects back with a one-time code, and the
// code exchanged at the GitHub API emulator (checked against GitHub's OpenAPI description).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CliContext } from "../../bridge/cli/context.js";
import { runCli } from "../../bridge/cli/main.js";
import { loadConfig } from "../../bridge/config.js";
import { createGitHubEmulator, type GitHubEmulator } from "../github-emulator/index.js";
import { type ManifestPage, startManifestPage } from "../github-emulator/manifest-page.js";

const BRIDGE = "https://runbridge.acme.example";

let emulator: GitHubEmulator;
let github: ManifestPage;
const temps: string[] = [];

beforeAll(async () => {
  emulator = await createGitHubEmulator();
  github = await startManifestPage(emulator);
});
beforeEach(() => {
  emulator.reset();
  github.submissions.length = 0;
});
afterAll(async () => {
  await github.close();
  await emulator.close();
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "runbridge-app-"));
  temps.push(dir);
  execFileSync("git", ["init", "-q"], { cwd: dir });
  return dir;
}

/** Starts the command in-process; `page()` waits for the URL it prints. */
function start(args: string[], cwd: string) {
  const out = { stdout: "", stderr: "" };
  const context: CliContext = {
    cwd,
    env: {},
    stdout: (text) => {
      out.stdout += text;
    },
    stderr: (text) => {
      out.stderr += text;
    },
    readStdin: async () => "",
  };
  const exit = runCli(
    ["app", "create", "--github-url", github.url, "--api-url", emulator.url, ...args],
    context,
  );
  const page = async (): Promise<string> => {
    for (let i = 0; i < 200; i++) {
      const match = /^Open (http:\/\/127\.0\.0\.1:\d+\/) in a browser/m.exec(out.stdout);
      if (match?.[1]) return match[1];
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`the command printed no page URL: ${JSON.stringify(out)}`);
  };
  return { out, exit, page };
}

const unescapeHtml = (text: string) =>
  text
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");

/** Reads the page's form as a browser would: where it posts, and the manifest it carries. */
async function readForm(pageUrl: string): Promise<{ action: string; manifest: string }> {
  const response = await fetch(pageUrl);
  expect(response.status).toBe(200);
  const text = await response.text();
  const action = /<form action="([^"]+)" method="post">/.exec(text)?.[1];
  const manifest = /<input type="hidden" name="manifest" value="([^"]*)"/.exec(text)?.[1];
  if (!action || !manifest) throw new Error(`no manifest form on the page:\n${text}`);
  return { action: unescapeHtml(action), manifest: unescapeHtml(manifest) };
}

/** Posts the form to "github.com" and follows its redirect back to the command, as a browser would. */
async function submit(form: { action: string; manifest: string }): Promise<Response> {
  const posted = await fetch(form.action, {
    method: "POST",
    body: new URLSearchParams({ manifest: form.manifest }),
    redirect: "manual",
  });
  expect(posted.status).toBe(302);
  return fetch(posted.headers.get("location") as string);
}

describe("runbridge app create", () => {
  it("posts the minimal manifest, exchanges the code and writes the App's credentials with mode 0600", async () => {
    const dir = tempDir();
    const run = start(["--url", BRIDGE], dir);
    const pageUrl = await run.page();
    const form = await readForm(pageUrl);

    const state = new URL(form.action).searchParams.get("state") as string;
    expect(state).toMatch(/^[0-9a-f]{32}$/);
    expect(form.action).toBe(`${github.url}/settings/apps/new?state=${state}`);
    expect(JSON.parse(form.manifest)).toEqual({
      name: "Runbridge",
      url: BRIDGE,
      description: expect.any(String),
      hook_attributes: { url: `${BRIDGE}/webhook/github`, active: true },
      redirect_url: `${pageUrl}callback`,
      public: false,
      default_permissions: {
        actions: "write",
        checks: "read",
        deployments: "write",
        contents: "read",
        issues: "write",
        metadata: "read",
      },
      default_events: ["workflow_run", "workflow_job", "deployment_protection_rule", "push", "issue_comment"],
    });

    const back = await submit(form);
    expect(back.status).toBe(200);
    expect(await back.text()).toContain("GitHub App created");
    expect(await run.exit).toBe(0);

    // One conversion, without credentials (the code is one), as GitHub's description has it.
    expect(emulator.violations).toEqual([]);
    expect(emulator.requests.map((r) => [r.method, r.operationId, r.auth])).toEqual([
      ["POST", "apps/create-from-manifest", null],
    ]);
    const [app] = emulator.state.apps;
    if (!app) throw new Error("the emulator created no App");
    expect(app.owner).toBe("octocat");

    const file = join(dir, ".runbridge/github-app.env");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, "utf8");
    expect(text).toContain(`GITHUB_APP_ID=${app.id}\n`);
    expect(text).toContain(`GITHUB_WEBHOOK_SECRET='${app.webhookSecret}'\n`);
    expect(text).toContain(`GITHUB_APP_CLIENT_ID='${app.clientId}'\n`);
    // Read as a shell reads it, the variables configure the bridge with the App's key.
    const env = JSON.parse(
      execFileSync(
        "bash",
        ["-c", 'set -a; . "$1"; node -e "console.log(JSON.stringify(process.env))"', "-", file],
        {
          encoding: "utf8",
          env: { PATH: process.env.PATH ?? "" },
        },
      ),
    ) as Record<string, string>;
    const config = loadConfig({ ...env, GITHUB_REPOSITORY: "acme/ops", GITHUB_APP_INSTALLATION_ID: "42" });
    expect(config.github?.auth).toEqual({
      kind: "app",
      appId: String(app.id),
      privateKey: app.pem.trimEnd(),
      installationId: 42,
    });
    expect(config.githubWebhookSecret).toBe(app.webhookSecret);

    expect(run.out.stdout).toContain(`Created the GitHub App "Runbridge" (id ${app.id})`);
    expect(run.out.stdout).toContain("GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY, GITHUB_WEBHOOK_SECRET");
    expect(run.out.stdout).toContain(`https://github.com/apps/${app.slug}/installations/new`);
    // The credentials stay out of Git in this clone.
    expect(
      execFileSync("git", ["status", "--porcelain", "--untracked-files=all"], { cwd: dir, encoding: "utf8" }),
    ).toBe("");
  });

  it("creates the App in an organization with --org", async () => {
    const dir = tempDir();
    const run = start(
      ["--url", BRIDGE, "--org", "acme", "--name", "Runbridge ACME", "--out", "app.env"],
      dir,
    );
    const form = await readForm(await run.page());
    expect(new URL(form.action).pathname).toBe("/organizations/acme/settings/apps/new");
    expect((await submit(form)).status).toBe(200);
    expect(await run.exit).toBe(0);
    expect(github.submissions.map((s) => [s.path, s.status])).toEqual([
      ["/organizations/acme/settings/apps/new", 302],
    ]);
    expect(emulator.state.apps.map((a) => [a.owner, a.slug])).toEqual([["acme", "runbridge-acme"]]);
    expect(statSync(join(dir, "app.env")).mode & 0o777).toBe(0o600);
    expect(
      execFileSync("git", ["status", "--porcelain", "--untracked-files=all"], { cwd: dir, encoding: "utf8" }),
    ).toBe("");
  });

  it("exchanges no code whose state is not its own, and still completes the real answer", async () => {
    const dir = tempDir();
    const run = start(["--url", BRIDGE], dir);
    const pageUrl = await run.page();
    const forged = await fetch(`${pageUrl}callback?code=stolen&state=${"0".repeat(32)}`);
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain("nothing was exchanged");
    expect(emulator.requests).toEqual([]);
    expect(existsSync(join(dir, ".runbridge/github-app.env"))).toBe(false);

    expect((await submit(await readForm(pageUrl))).status).toBe(200);
    expect(await run.exit).toBe(0);
    expect(emulator.requests).toHaveLength(1);
  });

  it("answers only under its own address, so a rebinding page cannot read the state", async () => {
    const run = start(["--url", BRIDGE], tempDir());
    const pageUrl = new URL(await run.page());
    const status = await new Promise<number>((resolve, reject) => {
      request(
        {
          host: "127.0.0.1",
          port: pageUrl.port,
          path: "/",
          headers: { host: `evil.example:${pageUrl.port}` },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      )
        .on("error", reject)
        .end();
    });
    expect(status).toBe(403);
    expect((await submit(await readForm(pageUrl.toString()))).status).toBe(200);
    expect(await run.exit).toBe(0);
  });

  it("refuses to start when the credentials file exists, before anything happens on GitHub", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "app.env"), "keep me\n");
    const run = start(["--url", BRIDGE, "--out", "app.env"], dir);
    expect(await run.exit).toBe(1);
    expect(run.out.stderr).toContain("app.env exists; pass --force to replace it");
    expect(run.out.stdout).toBe("");
    expect(readFileSync(join(dir, "app.env"), "utf8")).toBe("keep me\n");
  });

  it("needs the bridge's URL, for the webhook", async () => {
    const run = start([], tempDir());
    expect(await run.exit).toBe(2);
    expect(run.out.stderr).toContain("--url is missing");
  });
});
