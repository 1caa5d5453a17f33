/**
 * @module
 * The GitHub side of the loop, in-process but over real HTTP: a real SQLite file (or another
 * engine's store, test/fixtures/store/engine-store.ts), the bridge's Hono app with POST
 * /webhook/github served on loopback, handlers calling the GitHub API emulator through the
 * bridge's own Octokit client, and runs started by the bridge's dispatcher.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { type AuditBus, createAuditBus } from "../../bridge/audit-bus.js";
import { loadConfig } from "../../bridge/config.js";
import { createGitHubClient, type GitHubClient } from "../../bridge/dispatch/github-client.js";
import { createDispatcher } from "../../bridge/dispatch/github-dispatcher.js";
import { createGitHubApi, type GitHubApi } from "../../bridge/github/github-api.js";
import type { GitHubHandlerDeps } from "../../bridge/github/handler-deps.js";
import { createGitHubWebhookReceiver } from "../../bridge/github/webhook-receiver.js";
import { createApp, type HttpDeps } from "../../bridge/http/app.js";
import { createLogger } from "../../bridge/logger.js";
import type { ResolvedRunbook } from "../../bridge/runbooks/resolved-runbook.js";
import type { RunbookSet } from "../../bridge/runbooks/runbook-set.js";
import type { AuditEvent } from "../../bridge/store/audit.js";
import type { Db } from "../../bridge/store/database.js";
import { updateExecution } from "../../bridge/store/execution-writes.js";
import { type Execution, findExecution } from "../../bridge/store/executions.js";
import { type TempDatabase, tempDatabase } from "../fixtures/store/temp-database.js";
import { createGitHubEmulator, type GitHubEmulator } from "../github-emulator/index.js";
import { octokitFor } from "../github-emulator/octokit-for.js";
import { loopRunbooks, seedExecution } from "./seed.js";

export const SECRET = "It's a Secret to Everybody";
export const REPOSITORY = { owner: "acme", repo: "infra" };

export interface LoopHarness {
  url: string;
  db: TempDatabase;
  /** The store the bridge uses: `db.db`, or the one given to startLoopHarness (another engine). */
  store: Db;
  gh: GitHubEmulator;
  octokit: GitHubClient;
  api: GitHubApi;
  bus: AuditBus;
  /** Every event published on the bus (after its transaction committed). */
  published: AuditEvent[];
  clock: { now: number };
  runbooks: { set: RunbookSet | undefined };
  handlerDeps: GitHubHandlerDeps;
  /** Seeds an execution and starts its run on the emulator through the bridge's dispatcher. */
  dispatched(over?: Parameters<typeof seedExecution>[2]): Promise<Execution & { runId: number }>;
  close(): Promise<void>;
}

export async function startLoopHarness(
  options: {
    /** undefined: GITHUB_WEBHOOK_SECRET unset (the route answers 404). */
    secret?: string | undefined;
    now?: number;
    runbooksFromGit?: GitHubHandlerDeps["runbooksFromGit"];
    /** A store to use instead of the temporary SQLite file. */
    store?: Db;
  } = {},
): Promise<LoopHarness> {
  const db = tempDatabase();
  const store = options.store ?? db.db;
  const gh = await createGitHubEmulator();
  const log = createLogger("silent");
  const config = loadConfig({
    GITHUB_TOKEN: "ghs_loop",
    GITHUB_REPOSITORY: "acme/infra",
    GITHUB_API_URL: gh.url,
    RUNBRIDGE_DRY_RUN: "false",
    ...("secret" in options && options.secret === undefined ? {} : { GITHUB_WEBHOOK_SECRET: SECRET }),
  });
  const octokit = createGitHubClient(config.github as NonNullable<typeof config.github>, log);
  const api = createGitHubApi(octokit, REPOSITORY);
  // Runs are started with a plain Octokit: the bridge's client spaces writes a second apart
  // (GitHub's advice), which would only slow the set-up of each test.
  const dispatcher = createDispatcher(octokitFor(gh) as unknown as GitHubClient, REPOSITORY);
  const bus = createAuditBus();
  const published: AuditEvent[] = [];
  bus.subscribe((event) => published.push(event));
  const clock = { now: options.now ?? Date.parse("2025-06-02T12:00:00Z") };
  const runbooks = { set: loopRunbooks() as RunbookSet | undefined };
  const handlerDeps: GitHubHandlerDeps = {
    db: store,
    runbooks: () => runbooks.set,
    bus,
    log,
    api,
    now: () => clock.now,
    runbooksFromGit: options.runbooksFromGit,
  };
  const secret = "secret" in options ? options.secret : SECRET;
  const receiver = secret === undefined ? undefined : createGitHubWebhookReceiver(secret, handlerDeps);
  const deps: HttpDeps = {
    db: store,
    config,
    log,
    bus,
    runbooks: () => runbooks.set,
    runbookProblems: () => [],
    now: () => clock.now,
  };
  const app = createApp(deps, { githubReceiver: receiver });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(started));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    db,
    store,
    gh,
    octokit,
    api,
    bus,
    published,
    clock,
    runbooks,
    handlerDeps,
    async dispatched(over = {}) {
      const execution = await seedExecution(store, clock.now, over);
      const runbook = runbooks.set?.index.byName.get(execution.runbook ?? "")?.runbook as ResolvedRunbook;
      const run = await dispatcher.dispatch(execution, runbook, AbortSignal.timeout(5_000));
      if (!run.runId) throw new Error("the emulator returned no run id");
      await updateExecution(store, execution.id, { runId: run.runId, runUrl: run.runUrl ?? null });
      return (await findExecution(store, execution.id)) as Execution & { runId: number };
    },
    async close() {
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gh.close();
      db.remove();
    },
  };
}

/** Alertmanager's resolved notification for the occurrence an execution answers, POSTed to the bridge. */
export async function postResolved(
  url: string,
  execution: Pick<Execution, "fingerprint" | "startsAt" | "alertname" | "target">,
  endsAt: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: { executions: { id: string | null; state: string; reason: string }[] } }> {
  const labels = {
    alertname: execution.alertname,
    instance: `${execution.target}:9113`,
    severity: "critical",
  };
  const body = {
    version: "4",
    groupKey: `{}:{alertname="${execution.alertname}"}`,
    truncatedAlerts: 0,
    status: "resolved",
    receiver: "runbridge",
    groupLabels: { alertname: execution.alertname },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: "http://127.0.0.1:9093",
    alerts: [
      {
        status: "resolved",
        labels,
        annotations: {},
        startsAt: execution.startsAt,
        endsAt,
        generatorURL: "http://127.0.0.1:9090/graph",
        fingerprint: execution.fingerprint,
      },
    ],
  };
  const response = await fetch(`${url}/webhook/alertmanager`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  return { status: response.status, body: (await response.json()) as never };
}
