/**
 * @module
 * `runbridge report [--since 24h|7d|30d] [--json] [--url URL]`: reads the runbook scorecard
 * from a running bridge's API (GET /api/runbooks) and prints one window of it as markdown
 * (a weekly issue, `$GITHUB_STEP_SUMMARY`) or JSON. The bridge's address comes from --url,
 * else $RUNBRIDGE_URL; the API token from $RUNBRIDGE_API_TOKEN, sent as a bearer token.
 */
import type { ErrorAnswer, RunbooksAnswer, ScorecardWindow } from "../http/api-types.js";
import { parseCommandArgs } from "./args.js";
import { type CliContext, CliError, UsageError } from "./context.js";
import { renderScorecardMarkdown } from "./scorecard-markdown.js";

const WINDOWS: readonly ScorecardWindow[] = ["24h", "7d", "30d"];
const DEFAULT_URL = "http://127.0.0.1:9009";

export const reportUsage = `Usage: runbridge report [--since 24h|7d|30d] [--json] [--url URL]

Prints each runbook's scorecard over the window (default 7d), read from a running bridge's
API (GET /api/runbooks): executions, dispatched, verified rate, not cleared, rolled back,
failed, time to resolution (median / p90), relapses, suppressions by guard, breaker state,
and each runbook's last failure with its run link. Markdown, fit for a weekly issue or
"runbridge report >> \\$GITHUB_STEP_SUMMARY".

Options:
  --since W   the window: 24h, 7d or 30d (default 7d)
  --json      print {"window", "generatedAt", "runbooks": [...]} for that window instead
  --url URL   the bridge (default: $RUNBRIDGE_URL, else ${DEFAULT_URL})
  -h, --help  show this help

Environment:
  RUNBRIDGE_API_TOKEN  the bridge's API token, when it has one (sent as a bearer token)`;

async function fetchScorecard(base: string, token: string | undefined): Promise<RunbooksAnswer> {
  let url: URL;
  try {
    url = new URL("/api/runbooks", base);
  } catch {
    throw new UsageError(`--url ${base} is not a URL; e.g. --url http://127.0.0.1:9009`, reportUsage);
  }
  const headers: Record<string, string> = { accept: "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(url, { headers, signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
    throw new CliError(`cannot reach the bridge at ${url.origin} (${cause}); start it, or pass --url`);
  }
  const body = (await response.json().catch(() => undefined)) as
    | RunbooksAnswer
    | Partial<ErrorAnswer>
    | undefined;
  if (response.status === 401) {
    throw new CliError(
      `the bridge at ${url.origin} refused the request (401): set RUNBRIDGE_API_TOKEN to its API token`,
    );
  }
  if (!response.ok || !body || !("runbooks" in body)) {
    const reason = body && "error" in body && body.error ? body.error : `HTTP ${response.status}`;
    throw new CliError(
      `the bridge at ${url.origin} did not answer with a scorecard: ${reason}; is it a Runbridge bridge?`,
    );
  }
  return body;
}

export async function reportCommand(args: readonly string[], context: CliContext): Promise<number> {
  const { help, values } = parseCommandArgs(
    args,
    { since: { type: "string" }, json: { type: "boolean" }, url: { type: "string" } },
    0,
    reportUsage,
  );
  if (help) {
    context.stdout(`${reportUsage}\n`);
    return 0;
  }
  const since = values.since ?? "7d";
  if (!(WINDOWS as readonly string[]).includes(since)) {
    throw new UsageError(
      `--since ${since} is not a scorecard window; use ${WINDOWS.join(", ")}`,
      reportUsage,
    );
  }
  const window = since as ScorecardWindow;
  const base = values.url ?? context.env.RUNBRIDGE_URL ?? DEFAULT_URL;
  const answer = await fetchScorecard(base, context.env.RUNBRIDGE_API_TOKEN || undefined);
  if (values.json) {
    const runbooks = answer.runbooks.map(({ windows, ...card }) => ({ ...card, ...windows[window] }));
    context.stdout(`${JSON.stringify({ window, generatedAt: answer.generatedAt, runbooks }, null, 2)}\n`);
    return 0;
  }
  context.stdout(renderScorecardMarkdown(answer, window, new URL(base).origin));
  return 0;
}
