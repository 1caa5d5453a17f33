// The console's runbooks view (the scorecard) and execution detail view in Debian Chromium
// (playwright-core), against a real bridge dispatching to the GitHub API emulator, with GitHub's
// side played by signed deliveries of real workflow_run / workflow_job payloads. Hostile alert
// text stays text in both views.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGitHubEmulator, type GitHubEmulator } from "../github-emulator/index.js";
import { deliver, workflowJobPayload, workflowRunPayload } from "../loop/github-webhooks.js";
import { launchChromium } from "./chromium.js";
import {
  fireAlert,
  getJson,
  type OperatedBridge,
  runbookYaml,
  startOperatedBridge,
} from "./start-operated-bridge.js";

const SECRET = "console-runbooks-secret";
const HOSTILE = "<img src=x onerror=alert(1)>";
const MINUTE = 60_000;

let browser: Browser;
let gh: GitHubEmulator;
let bridge: OperatedBridge;
let page: Page;
const errors: string[] = [];
let remediated: string;

interface Detail {
  execution: { id: string; state: string; runId: number | null };
}

async function executionState(id: string): Promise<string> {
  return (await getJson<Detail>(`${bridge.url}/api/executions/${id}`)).execution.state;
}

async function until(id: string, state: string): Promise<Detail> {
  await expect.poll(() => executionState(id), { timeout: 10_000 }).toBe(state);
  return getJson<Detail>(`${bridge.url}/api/executions/${id}`);
}

async function github(event: string, payload: Record<string, unknown>): Promise<void> {
  const answer = await deliver(bridge.url, event, payload, SECRET);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
}

beforeAll(async () => {
  browser = await launchChromium();
  gh = await createGitHubEmulator();
  bridge = await startOperatedBridge({
    runbooks: {
      "web-down.yml": runbookYaml("web-down", "NginxDown", { cooldown: "10m" }),
      "db-down.yml": runbookYaml("db-down", "PostgresDown"),
    },
    env: {
      GITHUB_TOKEN: "ghs_console",
      GITHUB_REPOSITORY: "acme/infra",
      GITHUB_API_URL: gh.url,
      GITHUB_WEBHOOK_SECRET: SECRET,
      RUNBRIDGE_RECONCILE_INTERVAL: "1h",
      RUNBRIDGE_DRY_RUN: "false",
    },
  });
}, 60_000);
afterAll(async () => {
  await page?.close();
  await browser?.close();
  await bridge?.close();
  await gh?.close();
});

describe("the console's runbooks and execution detail views", () => {
  it("records a remediation that ran, a refusal and a failed dispatch (the scene, through the bridge's own paths)", async () => {
    const startsAt = new Date(Date.now() - 2 * MINUTE).toISOString();
    const web1 = { alertname: "NginxDown", instance: "web-1", severity: "critical" };
    const fired = await fireAlert(bridge.url, web1, { startsAt });
    remediated = fired.body.executions?.[0]?.id as string;
    const { execution } = await until(remediated, "dispatched");
    const runId = execution.runId as number;
    const displayTitle = gh.runs().find((run) => run.id === runId)?.displayTitle;
    gh.setRunStatus(runId, "in_progress");
    await github("workflow_run", workflowRunPayload({ runId, status: "in_progress", displayTitle }));
    for (const [jobId, name] of [
      [501, "health-check"],
      [502, "remediate"],
      [503, "verify"],
    ] as const) {
      await github("workflow_job", workflowJobPayload({ runId, jobId, name, status: "completed" }));
    }
    gh.setRunStatus(runId, "completed", "success");
    await github(
      "workflow_run",
      workflowRunPayload({ runId, status: "completed", conclusion: "success", displayTitle }),
    );
    await until(remediated, "succeeded");
    await fireAlert(bridge.url, web1, { startsAt, status: "resolved", endsAt: new Date().toISOString() });
    // The same host again within the cooldown: refused.
    const again = await fireAlert(bridge.url, { ...web1, pod: "b" });
    expect(again.body.executions?.[0]?.state).toBe("suppressed");
    // GitHub refuses db-down's dispatch, for a target whose name is markup.
    gh.faults.push({ operationId: "actions/create-workflow-dispatch", times: 1, status: 422 });
    const failed = await fireAlert(bridge.url, { alertname: "PostgresDown", instance: HOSTILE });
    await until(failed.body.executions?.[0]?.id as string, "dispatch_failed");
    // An alert no runbook takes, named in markup.
    await fireAlert(bridge.url, { alertname: HOSTILE, instance: "<b>bold</b>" });

    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on("pageerror", (error) => errors.push(error.message));
    page.on("dialog", (dialog) => {
      errors.push(`a script opened a dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    await page.goto(bridge.url);
  });

  it("shows each runbook's scorecard for the chosen window", async () => {
    const web = page.locator('#scorecard tbody tr[data-runbook="web-down"]');
    await web.waitFor({ timeout: 10_000 });
    const cells = () => web.locator("th, td").allTextContents();
    const row = await cells();
    // Runbook, executions, dispatched, verified rate, not cleared, rolled back, failed, …
    // Its one run succeeded and the alert then resolved: verified.
    expect(row.slice(0, 7)).toEqual(["web-down", "2", "1", "100% (1/1)", "0", "0", "0"]);
    // Resolved 2-3 minutes after the alert started, and after the dispatch a little less.
    expect(row[7]).toMatch(/^\d+m( \d+s)? \/ \d+m( \d+s)?$/);
    expect(row[8]).toMatch(/^(\d+m )?\d+s \/ (\d+m )?\d+s$|^\d+m( \d+s)? \/ \d+m( \d+s)?$/);
    expect(row.slice(9, 11)).toEqual(["0", "cooldown 1"]);
    expect(row[11]).toBe("closed");

    const db = page.locator('#scorecard tbody tr[data-runbook="db-down"]');
    expect((await db.locator("th, td").allTextContents()).slice(0, 7)).toEqual([
      "db-down",
      "1",
      "0",
      "0% (0/1)",
      "0",
      "0",
      "1",
    ]);
    expect(await db.locator(".state").textContent()).toBe("dispatch_failed");

    // The table has a header for every column and each runbook names its row.
    expect(await page.locator("#scorecard thead th[scope=col]").count()).toBe(13);
    expect(await page.locator("#scorecard tbody th[scope=row]").count()).toBe(2);

    await page.selectOption("#scorecard-window", "24h");
    expect((await cells()).slice(0, 3)).toEqual(["web-down", "2", "1"]);
    expect(await page.locator("#scorecard img, #scorecard b").count()).toBe(0);
  });

  it("opens an execution's detail from its row: outcome, run link, run phases and the whole audit trail", async () => {
    await page.locator(`#executions tbody tr[data-id="${remediated}"] td.reason`).click();
    const dialog = page.locator("#execution-dialog[open]");
    await dialog.waitFor({ timeout: 10_000 });
    expect(await dialog.locator("h2").textContent()).toBe(`Execution ${remediated}`);
    expect(await dialog.locator(".facts .state").textContent()).toBe("verified");
    const run = dialog.locator(".facts a");
    expect(await run.getAttribute("href")).toMatch(
      /^https:\/\/github\.com\/acme\/infra\/actions\/runs\/\d+$/,
    );
    expect(await run.getAttribute("rel")).toBe("noopener noreferrer");
    expect(
      await dialog
        .locator("table tbody tr")
        .evaluateAll((rows) =>
          rows.map((row) => [...row.querySelectorAll("td")].slice(0, 3).map((cell) => cell.textContent)),
        ),
    ).toEqual([
      ["health-check", "completed", "success"],
      ["remediate", "completed", "success"],
      ["verify", "completed", "success"],
    ]);
    const kinds = await dialog
      .locator(".trail li")
      .evaluateAll((items) => items.map((li) => li.getAttribute("data-kind")));
    expect(kinds[0]).toBe("decision.pending");
    expect(kinds).toEqual(expect.arrayContaining(["dispatch.accepted", "alert.resolved"]));
    expect(await dialog.locator(".facts").textContent()).toContain("alert resolved");
    // Focus moves into the dialog; Close (or Escape) hands the page back.
    expect(await page.evaluate("document.activeElement?.id")).toBe("execution-close");
    await page.keyboard.press("Escape");
    await expect.poll(() => page.locator("#execution-dialog[open]").count()).toBe(0);
  });

  it("opens the detail from the keyboard, and shows hostile alert text as text", async () => {
    const row = page.locator("#executions tbody tr", { hasText: "PostgresDown" }).first();
    await row.locator("button.link").focus();
    await page.keyboard.press("Enter");
    const dialog = page.locator("#execution-dialog[open]");
    await dialog.waitFor({ timeout: 10_000 });
    expect(await dialog.locator(".facts").textContent()).toContain(HOSTILE);
    expect(await dialog.locator("img").count()).toBe(0);
    await dialog.locator("#execution-close").click();

    await page.locator("#executions tbody tr", { hasText: HOSTILE }).first().locator("td.reason").click();
    await dialog.waitFor({ timeout: 10_000 });
    expect(await dialog.locator("h2").textContent()).toMatch(/^Execution ex_/);
    expect(await dialog.locator(".facts dd").first().textContent()).toBe(HOSTILE);
    expect(await dialog.locator("img, b").count()).toBe(0);
    await dialog.locator("#execution-close").click();
    expect(await page.locator("body img").count()).toBe(0);
    expect(errors).toEqual([]);
  });
});
