/**
 * @module
 * The bridge's configuration: environment variables → one typed, validated object.
 * This is the only module that reads `process.env` (through `main.ts`); a bad value
 * stops the start with a message naming the variable and what it expects.
 */
import { isIP } from "node:net";
import { formatDuration, parseDuration } from "./runbooks/duration.js";
import { DEFAULT_CLAIM_LEASE_MS } from "./store/outbox.js";

export interface GitHubConfig {
  apiUrl: string;
  owner: string;
  repo: string;
  auth:
    | { kind: "token"; token: string }
    | { kind: "app"; appId: string; privateKey: string; installationId: number };
}

export interface AlertmanagerAuth {
  kind: "bearer" | "basic";
  /** The bearer token, or `user:password` for basic auth. */
  secret: string;
}

/** PostgreSQL in place of the SQLite file: several bridges may share it. */
export interface DatabaseConfig {
  url: string;
  /** Connections in this bridge's pool. */
  poolSize: number;
  /** PostgreSQL's statement_timeout for this bridge's statements. */
  statementTimeoutMs: number;
  /**
   * How long an outbox or notification claim answers for its row unless renewed: when a bridge
   * sharing the database dies, its rows in flight move to another bridge after at most this.
   */
  claimLeaseMs: number;
}

export interface Config {
  port: number;
  host: string;
  /** The embedded SQLite file, used unless `database` is set. */
  dbFile: string;
  database?: DatabaseConfig;
  runbooksDir: string;
  alertmanagerAuth?: AlertmanagerAuth;
  apiToken?: string;
  allowUnauthenticated: boolean;
  github?: GitHubConfig;
  /** Repository to dispatch to, also known in dry-run for links. */
  repository?: { owner: string; repo: string };
  dryRun: boolean;
  /** Initial kill-switch position; the operator's later choice (stored) wins once set. */
  enabled?: boolean;
  logLevel: string;
  bodyLimitBytes: number;
  /** Largest POST /webhook/github body; read whole before its signature can be checked. */
  githubBodyLimitBytes: number;
  /**
   * The origin browsers reach the console at when it differs from the listen address (a
   * reverse proxy, a DNS name): its host is accepted in Host and Origin besides the bridge's own.
   */
  publicUrl?: URL;
  storm: { max: number; windowMs: number; openForMs: number };
  staleAfterMs: number;
  dispatch: { concurrency: number; timeoutMs: number; maxAttempts: number; lookupGraceMs: number };
  /**
   * The notifications the bridge sends itself (notify mode, breaker escalations, failures):
   * PagerDuty's Events API v2 endpoint, and how hard each one is tried.
   */
  notifications: { pagerDutyUrl: string; timeoutMs: number; maxAttempts: number };
  /** Where runbooks come from: the local directory, or the repository through the GitHub API. */
  runbooksSource: { kind: "local" } | { kind: "github"; ref: string; path: string };
  githubWebhookSecret?: string;
  reconcile: { intervalMs: number; quietForMs: number };
  /**
   * Judging succeeded runs: `graceMs` is added to each runbook's outcome.within, because
   * Alertmanager sends a resolved notification only at its group's next flush, up to one
   * group_interval (5m by default) after the alert resolved; `intervalMs` is how often the
   * deadlines are checked.
   */
  outcome: { graceMs: number; intervalMs: number };
  /** Alertmanager API v2 base URLs (an HA pair: comma-separated), for silences from the console and outcome checks. */
  alertmanagerUrls: string[];
  /** Bearer token the Prometheus scraper must send to /metrics; unset = open. */
  metricsToken?: string;
  /** Alerts, final executions and audit events older than this are pruned; undefined = kept forever. */
  retentionMs?: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  string(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${name}=${JSON.stringify(raw)} must be a whole number from ${min} to ${max}`);
      return fallback;
    }
    return value;
  }

  boolean(name: string): boolean | undefined {
    const raw = this.string(name)?.toLowerCase();
    if (raw === undefined) return undefined;
    if (["true", "1", "yes", "on"].includes(raw)) return true;
    if (["false", "0", "no", "off"].includes(raw)) return false;
    this.problems.push(`${name}=${JSON.stringify(raw)} must be true or false`);
    return undefined;
  }

  duration(name: string, fallback: string): number {
    const raw = this.string(name) ?? fallback;
    try {
      return parseDuration(raw);
    } catch {
      this.problems.push(`${name}=${JSON.stringify(raw)} is not a duration (use 30s, 10m, 1h)`);
      return parseDuration(fallback);
    }
  }
}

const DAY_MS = 86_400_000;

/**
 * RUNBRIDGE_RETENTION: 90d unless set; `off` keeps everything. At least a day, because
 * cooldowns, rate limits and breaker windows are counted from the executions it deletes.
 */
function readRetention(read: Reader): number | undefined {
  const raw = read.string("RUNBRIDGE_RETENTION");
  if (raw?.toLowerCase() === "off") return undefined;
  const retentionMs = read.duration("RUNBRIDGE_RETENTION", "90d");
  if (raw !== undefined && retentionMs < DAY_MS) {
    read.problems.push(
      `RUNBRIDGE_RETENTION=${JSON.stringify(raw)} is shorter than a day: cooldowns, rate limits and breakers count the executions it would delete. Use e.g. 30d or 90d, or off to keep everything`,
    );
  }
  return retentionMs;
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || (isIP(host) === 4 && host.startsWith("127."));
}

function readGitHub(
  read: Reader,
  repository: { owner: string; repo: string } | undefined,
): GitHubConfig | undefined {
  const token = read.string("GITHUB_TOKEN");
  const appId = read.string("GITHUB_APP_ID");
  const privateKey = read.string("GITHUB_APP_PRIVATE_KEY")?.replace(/\\n/g, "\n");
  const installation = read.string("GITHUB_APP_INSTALLATION_ID");
  const apiUrl = (read.string("GITHUB_API_URL") ?? "https://api.github.com").replace(/\/+$/, "");
  if (!/^https?:\/\//.test(apiUrl))
    read.problems.push(`GITHUB_API_URL=${JSON.stringify(apiUrl)} must be an http(s) URL`);
  const anyApp = appId || privateKey || installation;
  if (!token && !anyApp) return undefined;
  if (!repository) {
    read.problems.push("GITHUB_REPOSITORY must be set (owner/name) when GitHub credentials are configured");
    return undefined;
  }
  if (token) return { apiUrl, ...repository, auth: { kind: "token", token } };
  if (!appId || !privateKey || !installation) {
    read.problems.push(
      "a GitHub App needs all of GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY and GITHUB_APP_INSTALLATION_ID (or use GITHUB_TOKEN)",
    );
    return undefined;
  }
  const installationId = Number(installation);
  if (!Number.isInteger(installationId) || installationId <= 0) {
    read.problems.push(
      `GITHUB_APP_INSTALLATION_ID=${JSON.stringify(installation)} must be a positive number`,
    );
    return undefined;
  }
  if (!privateKey.includes("PRIVATE KEY")) {
    read.problems.push(
      "GITHUB_APP_PRIVATE_KEY must be a PEM private key (-----BEGIN RSA PRIVATE KEY----- …)",
    );
  }
  return { apiUrl, ...repository, auth: { kind: "app", appId, privateKey, installationId } };
}

function readRepository(read: Reader): { owner: string; repo: string } | undefined {
  const raw = read.string("GITHUB_REPOSITORY");
  if (!raw) return undefined;
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(raw);
  if (!match) {
    read.problems.push(`GITHUB_REPOSITORY=${JSON.stringify(raw)} must be owner/name`);
    return undefined;
  }
  return { owner: match[1] as string, repo: match[2] as string };
}

function readPublicUrl(read: Reader): URL | undefined {
  const raw = read.string("RUNBRIDGE_PUBLIC_URL");
  if (!raw) return undefined;
  try {
    const url = new URL(raw);
    if (url.protocol === "http:" || url.protocol === "https:") return url;
  } catch {
    // reported below
  }
  read.problems.push(
    `RUNBRIDGE_PUBLIC_URL=${JSON.stringify(raw)} must be the http(s) URL browsers open the console at, e.g. https://runbridge.example.com`,
  );
  return undefined;
}

function readAlertmanagerAuth(read: Reader): AlertmanagerAuth | undefined {
  const secret = read.string("RUNBRIDGE_ALERTMANAGER_TOKEN");
  if (!secret) return undefined;
  return { kind: secret.includes(":") ? "basic" : "bearer", secret };
}

/** RUNBRIDGE_DATABASE_URL selects PostgreSQL; without it the SQLite file (RUNBRIDGE_DB) is the store. */
function readDatabase(read: Reader): DatabaseConfig | undefined {
  const url = read.string("RUNBRIDGE_DATABASE_URL");
  const poolSize = read.integer("RUNBRIDGE_DATABASE_POOL", 10, 1, 100);
  const statementTimeoutMs = read.duration("RUNBRIDGE_DATABASE_STATEMENT_TIMEOUT", "30s");
  const claimLeaseMs = read.duration("RUNBRIDGE_CLAIM_LEASE", formatDuration(DEFAULT_CLAIM_LEASE_MS));
  if (url === undefined) return undefined;
  if (!/^postgres(ql)?:\/\//.test(url)) {
    read.problems.push(
      "RUNBRIDGE_DATABASE_URL must be a PostgreSQL URL (postgres://user:password@host:5432/database); leave it unset to use the SQLite file in RUNBRIDGE_DB",
    );
    return undefined;
  }
  return { url, poolSize, statementTimeoutMs, claimLeaseMs };
}

export function loadConfig(env: Env): Config {
  const read = new Reader(env);
  const host = read.string("HOST") ?? "127.0.0.1";
  const repository = readRepository(read);
  const github = readGitHub(read, repository);
  const explicitDryRun = read.boolean("RUNBRIDGE_DRY_RUN");
  const logLevel = read.string("LOG_LEVEL") ?? "info";
  if (!LEVELS.includes(logLevel))
    read.problems.push(`LOG_LEVEL=${JSON.stringify(logLevel)} must be one of ${LEVELS.join(", ")}`);

  const config: Config = {
    port: read.integer("PORT", 9009, 0, 65_535),
    host,
    dbFile: read.string("RUNBRIDGE_DB") ?? "./data/runbridge.db",
    database: readDatabase(read),
    runbooksDir: read.string("RUNBRIDGE_RUNBOOKS") ?? "./runbooks",
    alertmanagerAuth: readAlertmanagerAuth(read),
    apiToken: read.string("RUNBRIDGE_API_TOKEN"),
    allowUnauthenticated: read.boolean("RUNBRIDGE_ALLOW_UNAUTHENTICATED") ?? false,
    github,
    repository,
    dryRun: explicitDryRun ?? !github,
    enabled: read.boolean("RUNBRIDGE_ENABLED"),
    logLevel,
    bodyLimitBytes: read.integer("RUNBRIDGE_BODY_LIMIT", 1_048_576, 1_024, 64 * 1_048_576),
    // The events the bridge handles are a few KB to a few hundred KB (a push lists its
    // commits); GitHub's own cap is 25 MB.
    githubBodyLimitBytes: read.integer("RUNBRIDGE_GITHUB_BODY_LIMIT", 5 * 1_048_576, 1_024, 25 * 1_048_576),
    publicUrl: readPublicUrl(read),
    storm: {
      max: read.integer("RUNBRIDGE_STORM_MAX", 30, 1, 100_000),
      windowMs: read.duration("RUNBRIDGE_STORM_WINDOW", "5m"),
      openForMs: read.duration("RUNBRIDGE_STORM_OPEN_FOR", "15m"),
    },
    staleAfterMs: read.duration("RUNBRIDGE_STALE_AFTER", "6h"),
    dispatch: {
      concurrency: read.integer("RUNBRIDGE_DISPATCH_CONCURRENCY", 2, 1, 16),
      timeoutMs: read.duration("RUNBRIDGE_DISPATCH_TIMEOUT", "15s"),
      maxAttempts: read.integer("RUNBRIDGE_DISPATCH_MAX_ATTEMPTS", 12, 1, 1_000),
      lookupGraceMs: read.duration("RUNBRIDGE_DISPATCH_LOOKUP_GRACE", "10s"),
    },
    notifications: {
      pagerDutyUrl:
        read.string("RUNBRIDGE_PAGERDUTY_EVENTS_URL") ?? "https://events.pagerduty.com/v2/enqueue",
      timeoutMs: read.duration("RUNBRIDGE_NOTIFY_TIMEOUT", "10s"),
      maxAttempts: read.integer("RUNBRIDGE_NOTIFY_MAX_ATTEMPTS", 10, 1, 1_000),
    },
    runbooksSource: { kind: "local" },
    alertmanagerUrls: [],
    githubWebhookSecret: read.string("GITHUB_WEBHOOK_SECRET"),
    reconcile: {
      intervalMs: read.duration("RUNBRIDGE_RECONCILE_INTERVAL", "1m"),
      quietForMs: read.duration("RUNBRIDGE_RECONCILE_QUIET_FOR", "2m"),
    },
    outcome: {
      // Alertmanager's default group_interval: set it to yours when you changed it.
      graceMs: read.duration("RUNBRIDGE_VERIFY_GRACE", "5m"),
      intervalMs: read.duration("RUNBRIDGE_VERIFY_INTERVAL", "15s"),
    },
  };
  const source = read.string("RUNBRIDGE_RUNBOOKS_SOURCE") ?? "local";
  if (source === "github") {
    config.runbooksSource = {
      kind: "github",
      ref: read.string("RUNBRIDGE_RUNBOOKS_REF") ?? "main",
      path: (read.string("RUNBRIDGE_RUNBOOKS_PATH") ?? "runbooks").replace(/^\/+|\/+$/g, ""),
    };
    if (!github)
      read.problems.push("RUNBRIDGE_RUNBOOKS_SOURCE=github needs GitHub credentials and GITHUB_REPOSITORY");
  } else if (source !== "local") {
    read.problems.push(`RUNBRIDGE_RUNBOOKS_SOURCE=${JSON.stringify(source)} must be local or github`);
  }
  const alertmanagerUrls = (read.string("ALERTMANAGER_URL") ?? "")
    .split(",")
    .map((url) => url.trim().replace(/\/+$/, ""))
    .filter((url) => url !== "");
  for (const url of alertmanagerUrls) {
    if (!/^https?:\/\//.test(url)) {
      read.problems.push(`ALERTMANAGER_URL has ${JSON.stringify(url)}: each entry must be an http(s) URL`);
    }
  }
  config.alertmanagerUrls = alertmanagerUrls;
  config.metricsToken = read.string("RUNBRIDGE_METRICS_TOKEN");
  config.retentionMs = readRetention(read);
  if (explicitDryRun === false && !github) {
    read.problems.push(
      "RUNBRIDGE_DRY_RUN=false needs GitHub credentials (GITHUB_TOKEN or a GitHub App) and GITHUB_REPOSITORY",
    );
  }
  if (!isLoopback(host) && !config.alertmanagerAuth && !config.allowUnauthenticated) {
    read.problems.push(
      `HOST=${host} is not a loopback address and RUNBRIDGE_ALERTMANAGER_TOKEN is unset: anyone who can reach the port could trigger remediations. Set RUNBRIDGE_ALERTMANAGER_TOKEN (or RUNBRIDGE_ALLOW_UNAUTHENTICATED=true if a proxy authenticates)`,
    );
  }
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return config;
}
