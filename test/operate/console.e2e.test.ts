// The console in Debian Chromium (playwright-core) against a real bridge: alerts appear live over
// SSE, the dry-run banner tells the truth, the API token unlocks the kill switch, breaker reset and
// silences (in a real Alertmanager), and a restarted bridge is caught up through Last-Event-ID.
// Leaves a screenshot in docs/console.png.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGitHubEmulator, type GitHubEmulator } from "../github-emulator/index.js";
import { type AlertmanagerCluster, startAlertmanagerCluster } from "../harness/alertmanager.js";
import { freePort } from "../harness/ports.js";
import { deliver, workflowRunPayload } from "../loop/github-webhooks.js";
import { launchChromium } from "./chromium.js";
import {
  fireAlert,
  getJson,
  type OperatedBridge,
  runbookYaml,
  startOperatedBridge,
} from "./start-operated-bridge.js";

const SCREENSHOT = fileURLToPath(new URL("../../docs/console.png", import.meta.url));
const TOKEN = "console-e2e-token";

const RUNBOOKS = {
  "web-down.yml": runbookYaml("web-down", "NginxDown", { cooldown: "10m" }),
  "db-down.yml": runbookYaml("db-down", "PostgresDown", {
    mode: "approval",
    environment: "remediation-databases",
    breaker: "{ failures: 1, within: 1h, openFor: 30m }",
  }),
  // An approval runbook whose environment GitHub does not know, and nobody to answer the bridge:
  // its approval cannot be held (the console's banner says so once the bridge has read it).
  "cache-flush.yml": runbookYaml("cache-flush", "CacheStale", {
    mode: "approval",
    environment: "remediation-nowhere",
  }),
};
const WEBHOOK_SECRET = "console-webhook-secret";

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

async function openConsole(url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    // 401s while no token is entered are expected; scripts must not throw.
    if (message.type() === "error" && !/401|Unauthorized/.test(message.text())) errors.push(message.text());
  });
  await page.goto(url);
  Object.defineProperty(page, "scriptErrors", { value: errors });
  return page;
}

function scriptErrors(page: Page): string[] {
  return (page as Page & { scriptErrors: string[] }).scriptErrors;
}

describe("the console of a dry-run bridge, reads open", () => {
  let dir: string;
  let port: number;
  let bridge: OperatedBridge;
  let page: Page;

  const start = () =>
    startOperatedBridge({
      runbooks: RUNBOOKS,
      env: { PORT: String(port), RUNBRIDGE_DB: join(dir, "runbridge.db") },
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "runbridge-console-"));
    port = await freePort();
    bridge = await start();
    page = await openConsole(bridge.url);
  });
  afterAll(async () => {
    await page?.close();
    await bridge?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("shows the dry-run banner and the automation state", async () => {
    await expect.poll(() => page.locator("#dry-run-banner").isVisible()).toBe(true);
    await expect.poll(() => page.textContent("#automation-state")).toBe("automation on");
    await expect.poll(() => page.textContent("#stream-state")).toBe("feed: live");
    // Without a token configured on the bridge, writes are refused: the button stays off.
    expect(await page.locator("#kill-switch").isDisabled()).toBe(true);
  });

  it("shows a fired alert live, in the feed and in the executions table", async () => {
    await fireAlert(bridge.url, { alertname: "NginxDown", instance: "web-1", severity: "critical" });
    const item = page.locator('#feed li[data-kind="decision.dry_run"]');
    await item.first().waitFor({ timeout: 10_000 });
    expect(await item.first().textContent()).toContain("NginxDown");
    const row = page.locator('#executions tbody tr[data-state="dry_run"]');
    await row.first().waitFor({ timeout: 10_000 });
    expect(await row.first().locator("td").nth(3).textContent()).toBe("web-1");
  });

  it("renders alert content as text, never as markup", async () => {
    await fireAlert(bridge.url, { alertname: "<img src=x onerror=alert(1)>", instance: "<b>bold</b>" });
    await page.locator("#feed li", { hasText: "<img src=x" }).first().waitFor({ timeout: 10_000 });
    expect(await page.locator("#feed img, #executions img, #executions b").count()).toBe(0);
    expect(scriptErrors(page)).toEqual([]);
  });

  it("catches up after the bridge restarts: EventSource reconnects with Last-Event-ID", async () => {
    const before = await page.locator("#feed li").count();
    // Keep the page from reconnecting until the new event is in the database, whatever the timing.
    await page.route("**/api/events**", (route) => route.abort());
    await bridge.close();
    await expect.poll(() => page.getAttribute("#stream-state", "data-state")).toBe("connecting");
    bridge = await start();
    await fireAlert(bridge.url, { alertname: "NginxDown", instance: "web-restarted" });
    expect(await page.getAttribute("#stream-state", "data-state")).toBe("connecting");
    await page.unroute("**/api/events**");
    // Only the replay from Last-Event-ID can bring it: it happened while the page was disconnected.
    await page.locator("#feed li", { hasText: "web-restarted" }).first().waitFor({ timeout: 15_000 });
    // …and nothing twice (a fresh backlog instead of a replay would repeat old events).
    const ids = await page
      .locator("#feed li")
      .evaluateAll((items) => items.map((li) => li.getAttribute("data-id")));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThan(before);
  });
});

describe("the console of a dispatching bridge, with the API token", () => {
  let gh: GitHubEmulator;
  let am: AlertmanagerCluster;
  let bridge: OperatedBridge;
  let page: Page;

  beforeAll(async () => {
    gh = await createGitHubEmulator();
    // db-down's environment has required reviewers: GitHub holds its approvals, so the bridge
    // dispatches it (and the refused dispatch opens its breaker).
    gh.state.setEnvironment("remediation-databases", { reviewers: ["octocat"] });
    const webhookPort = await freePort();
    am = await startAlertmanagerCluster({
      webhookUrl: `http://127.0.0.1:${webhookPort}/webhook/alertmanager`,
    });
    bridge = await startOperatedBridge({
      runbooks: RUNBOOKS,
      env: {
        GITHUB_TOKEN: "ghs_console",
        GITHUB_REPOSITORY: "acme/ops",
        GITHUB_API_URL: gh.url,
        RUNBRIDGE_DRY_RUN: "false",
        RUNBRIDGE_API_TOKEN: TOKEN,
        GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
        ALERTMANAGER_URL: am.members[0]?.url ?? "",
      },
    });
    page = await openConsole(bridge.url);
  });
  afterAll(async () => {
    await page?.close();
    await bridge?.close();
    await am?.close();
    await gh?.close();
  });

  it("asks for the token, then streams with it", async () => {
    await expect.poll(() => page.textContent("#message")).toMatch(/needs the API token/);
    expect(await page.locator("#dry-run-banner").isVisible()).toBe(false);
    await page.fill("#token-input", TOKEN);
    await page.click("#token-save");
    await expect.poll(() => page.textContent("#token-state")).toBe("set for this tab");
    await expect.poll(() => page.textContent("#stream-state")).toBe("feed: live");
    expect(await page.evaluate('sessionStorage.getItem("runbridge.apiToken")')).toBe(TOKEN);
    expect(await page.locator("#kill-switch").isEnabled()).toBe(true);
    expect(await page.locator("#dry-run-banner").isVisible()).toBe(false);
  });

  it("shows alerts live with their state, reason, target and GitHub run", async () => {
    await fireAlert(bridge.url, { alertname: "NginxDown", instance: "web-1", severity: "critical" });
    const dispatched = page.locator('#executions tbody tr[data-state="dispatched"]');
    await dispatched.first().waitFor({ timeout: 10_000 });
    const link = dispatched.first().locator("a");
    expect(await link.getAttribute("href")).toMatch(/^https:\/\/github\.com\/acme\/ops\/actions\/runs\/\d+$/);
    await page.locator('#feed li[data-kind="dispatch.accepted"]').first().waitFor({ timeout: 10_000 });

    await fireAlert(bridge.url, {
      alertname: "NginxDown",
      instance: "web-1",
      severity: "critical",
      pod: "b",
    });
    const suppressed = page.locator('#executions tbody tr[data-state="suppressed"]');
    await suppressed.first().waitFor({ timeout: 10_000 });
    expect(await suppressed.first().locator(".reason").textContent()).toMatch(/^cooldown: web-down on web-1/);

    gh.faults.push({ operationId: "actions/create-workflow-dispatch", times: 1, status: 422 });
    await fireAlert(bridge.url, {
      alertname: "PostgresDown",
      instance: "pg-replica-2",
      severity: "critical",
    });
    await page.locator("#breakers tbody tr").first().waitFor({ timeout: 10_000 });
    await fireAlert(bridge.url, { alertname: "DiskFillingUp", instance: "log-3", severity: "warning" });
    await page.locator("#feed li", { hasText: "DiskFillingUp" }).first().waitFor({ timeout: 10_000 });
    await page
      .locator("#executions tbody tr", { hasText: "DiskFillingUp" })
      .first()
      .waitFor({ timeout: 10_000 });
    await page.locator("#token-input").blur();
    await page.evaluate('document.getElementById("message").textContent = ""');
    await page.screenshot({ path: SCREENSHOT });
    expect(scriptErrors(page)).toEqual([]);
  });

  it("switches automation off and on with the kill switch", async () => {
    await page.fill("#kill-reason", "incident 42: hands off");
    await page.click("#kill-switch");
    await expect.poll(() => page.textContent("#automation-state")).toBe("automation OFF");
    expect(await page.textContent("#kill-switch")).toBe("Resume automation");
    await page.locator('#feed li[data-kind="kill_switch"]', { hasText: "incident 42" }).first().waitFor();

    const fired = await fireAlert(bridge.url, { alertname: "NginxDown", instance: "web-9" });
    expect(fired.body.executions?.[0]?.reason).toMatch(/kill switch/);
    await page.locator("#executions tbody tr", { hasText: "web-9" }).first().waitFor({ timeout: 10_000 });

    await page.click("#kill-switch");
    await expect.poll(() => page.textContent("#automation-state")).toBe("automation on");
    const status = await getJson<{ enabled: boolean }>(`${bridge.url}/api/status`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(status.enabled).toBe(true);
  });

  it("resets an open breaker", async () => {
    const row = page.locator("#breakers tbody tr").first();
    expect(await row.getAttribute("data-key")).toBe("runbook:db-down");
    await row.locator("button").click();
    await expect.poll(() => page.locator("#breakers tbody tr").count()).toBe(0);
    await page.locator('#feed li[data-kind="breaker.reset"]').first().waitFor();
  });

  it("silences an alert in Alertmanager", async () => {
    const row = page.locator("#executions tbody tr", { hasText: "web-1" }).last();
    await row.locator("button", { hasText: "Silence" }).click();
    await page.locator("#silence-dialog[open]").waitFor();
    await page.selectOption("#silence-duration", "2h");
    await page.fill("#silence-comment", "fix is rolling out");
    await page.fill("#silence-by", "bob");
    await page.click("#silence-submit");
    await expect
      .poll(() => page.textContent("#message"))
      .toMatch(/^Silenced NginxDown until .* \(silence [0-9a-f-]+\)\.$/);
    const silences = await getJson<
      { createdBy: string; comment: string; matchers: { name: string; value: string }[] }[]
    >(`${am.members[0]?.apiUrl}/silences`);
    expect(silences).toHaveLength(1);
    expect(silences[0]).toMatchObject({ createdBy: "bob", comment: "fix is rolling out" });
    expect(silences[0]?.matchers).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "instance", value: "web-1" })]),
    );
    expect(scriptErrors(page)).toEqual([]);
  });

  it("shows a manual run with its actor, and a banner for an approval that cannot be held", async () => {
    const payload = workflowRunPayload({
      runId: 880_001,
      status: "in_progress",
      displayTitle: "Remediate web-down on web-7 [manual-880001]",
      repository: "acme/ops",
    });
    const run = payload.workflow_run as Record<string, Record<string, unknown> | string>;
    run.event = "workflow_dispatch";
    run.path = ".github/workflows/remediate.yml";
    (run.triggering_actor as Record<string, unknown>).login = "mona";
    expect((await deliver(bridge.url, "workflow_run", payload, WEBHOOK_SECRET)).status).toBe(200);
    await page.reload();
    const row = page.locator("#executions tbody tr", { hasText: "manual run by @mona" });
    await row.first().waitFor({ timeout: 10_000 });
    expect(await row.first().locator("td.mono").textContent()).toBe("web-7");
    expect(await row.first().locator("button", { hasText: "Silence" }).isDisabled()).toBe(true);

    const banner = page.locator("#approvals-banner");
    await banner.waitFor({ state: "visible", timeout: 10_000 });
    expect(await banner.textContent()).toMatch(
      /^Approval cannot be held: cache-flush: approval: auto and environment remediation-nowhere does not exist/,
    );
    expect(scriptErrors(page)).toEqual([]);
  });
});
