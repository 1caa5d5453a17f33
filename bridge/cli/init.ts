/**
 * @module
 * `runbridge init`: sets up a repository for Runbridge — a runbooks starter, the remediate
 * workflow pinned to the released Action by commit, the runbook PR check, an Alertmanager
 * receiver with a fresh token and the bridge's env file — then prints what is left to do on
 * GitHub and in Alertmanager. Safe to re-run: nothing that differs is overwritten without
 * `--force`, and a run with nothing to change changes nothing.
 *
 * @example
 * ```sh
 * runbridge init --repo acme/ops --bridge-url https://runbridge.acme.example
 * runbridge init --action-ref 0123456789abcdef0123456789abcdef01234567   # offline
 * ```
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { parseCommandArgs } from "./args.js";
import { type CliContext, CliError, UsageError } from "./context.js";
import { resolveActionPin } from "./init/action-pin.js";
import { alertmanagerReceiver, generateToken, tokenOfReceiver } from "./init/alertmanager-receiver.js";
import { initReport } from "./init/next-steps.js";
import { excludeLocally, originRepository, repositoryRoot } from "./init/repository.js";
import { type ActionPin, remediateWorkflow, runbooksWorkflow, SOURCE_WORKFLOWS } from "./init/workflows.js";
import { type PlannedFile, writePlan } from "./init/write-plan.js";
import { urlOption } from "./url-option.js";

/** Where the Action is released from. */
export const ACTION_REPOSITORY = "runbridge/runbridge";
const PACKAGE_JSON = new URL("../../package.json", import.meta.url);
const STARTER_RUNBOOKS = new URL("./init/starter-runbooks/", import.meta.url);
/** The folder for files holding credentials; excluded from Git in this clone. */
const SECRETS_DIR = ".runbridge";
const RECEIVER_FILE = `${SECRETS_DIR}/alertmanager-receiver.yml`;
const BRIDGE_ENV_FILE = `${SECRETS_DIR}/bridge.env`;

export const initUsage = `Usage: runbridge init [options]

Run in a clone of the repository that will hold the runbooks. Writes:
  runbooks/*.yml                       two starter runbooks (diagnose; restart after approval)
  .github/workflows/remediate.yml      the remediation workflow, using the released Action
                                       pinned by commit SHA
  .github/workflows/runbooks.yml       the runbook PR check (runbridge validate and diff)
  ${RECEIVER_FILE}   Alertmanager receiver with a fresh bearer token
  ${BRIDGE_ENV_FILE}               the bridge's RUNBRIDGE_ALERTMANAGER_TOKEN and GITHUB_REPOSITORY
The last two hold the token: mode 0600, and listed in .git/info/exclude. A file that exists
and differs is kept (and named) unless --force; re-running keeps the token already written.

Options:
  --repo <owner/name>           the GitHub repository (default: from the origin remote)
  --environment <name>          GitHub environment that gates remediation (default: remediation-production)
  --bridge-url <url>            where Alertmanager reaches the bridge (default: http://127.0.0.1:9009)
  --alertmanager-url <url>      Alertmanager's URL, for the bridge's silences (ALERTMANAGER_URL)
  --action-version <vX.Y.Z>     the Action release to pin (default: this runbridge's version)
  --action-ref <sha>            pin the Action to this commit without asking GitHub
  --api-url <url>               GitHub API (default: $GITHUB_API_URL, else https://api.github.com);
                                $GITHUB_TOKEN is sent when set
  --force                       overwrite files that differ
  -h, --help                    show this help`;

const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
// The runbook schema's pattern for `environment`, narrowed to what is safe unquoted in YAML.
const ENVIRONMENT = /^[A-Za-z0-9._-]{1,255}$/;
const SHA = /^[0-9a-f]{40}$/;
const VERSION = /^v\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

function packageVersion(): string {
  const { version } = JSON.parse(readFileSync(PACKAGE_JSON, "utf8")) as { version: string };
  return `v${version}`;
}

function readSource(url: URL): string {
  try {
    return readFileSync(url, "utf8");
  } catch (error) {
    throw new CliError(
      `this runbridge installation lacks ${url.pathname} (${(error as Error).message}); reinstall runbridge, init generates the workflows from it.`,
    );
  }
}

function starterRunbooks(environment: string): PlannedFile[] {
  return readdirSync(STARTER_RUNBOOKS)
    .filter((name) => name.endsWith(".yml"))
    .sort()
    .map((name) => ({
      path: `runbooks/${name}`,
      content: readFileSync(new URL(name, STARTER_RUNBOOKS), "utf8").replace(
        /^environment: remediation-production$/m,
        `environment: ${environment}`,
      ),
    }));
}

/** The token to write: the one a previous run wrote (so Alertmanager and the bridge still agree), else a new one. */
function existingToken(root: string): string | undefined {
  const receiver = `${root}/${RECEIVER_FILE}`;
  if (existsSync(receiver)) {
    const token = tokenOfReceiver(readFileSync(receiver, "utf8"));
    if (token) return token;
  }
  const env = `${root}/${BRIDGE_ENV_FILE}`;
  if (existsSync(env)) {
    const line = /^RUNBRIDGE_ALERTMANAGER_TOKEN=(\S+)$/m.exec(readFileSync(env, "utf8"));
    if (line?.[1]) return line[1];
  }
  return undefined;
}

function bridgeEnv(
  token: string,
  repository: string | undefined,
  alertmanagerUrl: string | undefined,
): string {
  return [
    "# Environment for the Runbridge bridge, written by `runbridge init`. It holds a secret:",
    "# keep it mode 0600 and out of Git. Add the GitHub App's variables (runbridge app create).",
    `RUNBRIDGE_ALERTMANAGER_TOKEN=${token}`,
    repository ? `GITHUB_REPOSITORY=${repository}` : "# GITHUB_REPOSITORY=<owner>/<name>",
    alertmanagerUrl ? `ALERTMANAGER_URL=${alertmanagerUrl}` : "# ALERTMANAGER_URL=http://alertmanager:9093",
    "",
  ].join("\n");
}

export async function initCommand(args: readonly string[], context: CliContext): Promise<number> {
  const { help, values } = parseCommandArgs(
    args,
    {
      repo: { type: "string" },
      environment: { type: "string" },
      "bridge-url": { type: "string" },
      "alertmanager-url": { type: "string" },
      "action-version": { type: "string" },
      "action-ref": { type: "string" },
      "api-url": { type: "string" },
      force: { type: "boolean" },
    },
    0,
    initUsage,
  );
  if (help) {
    context.stdout(`${initUsage}\n`);
    return 0;
  }
  if (values.repo !== undefined && !REPOSITORY.test(values.repo)) {
    throw new UsageError(`--repo "${values.repo}" is not owner/name`, initUsage);
  }
  const environment = values.environment ?? "remediation-production";
  if (!ENVIRONMENT.test(environment)) {
    throw new UsageError(
      `--environment "${environment}" must be letters, digits, ".", "_" or "-" (at most 255)`,
      initUsage,
    );
  }
  const version = values["action-version"] ?? packageVersion();
  if (!VERSION.test(version)) {
    throw new UsageError(`--action-version "${version}" is not a release tag like v1.2.3`, initUsage);
  }
  const actionRef = values["action-ref"];
  if (actionRef !== undefined && !SHA.test(actionRef)) {
    throw new UsageError(
      `--action-ref "${actionRef}" is not a commit SHA (40 lower-case hex digits); a tag or branch can move, a SHA cannot`,
      initUsage,
    );
  }
  const bridgeUrl = urlOption(values["bridge-url"] ?? "http://127.0.0.1:9009", "--bridge-url", initUsage);
  const alertmanagerUrl =
    values["alertmanager-url"] === undefined
      ? undefined
      : urlOption(values["alertmanager-url"], "--alertmanager-url", initUsage);
  const apiUrl = urlOption(
    values["api-url"] ?? context.env.GITHUB_API_URL ?? "https://api.github.com",
    "--api-url",
    initUsage,
  );

  const root = repositoryRoot(context.cwd);
  const repository = values.repo ?? originRepository(root);
  // Read the sources before asking GitHub: a broken installation fails without a network call.
  const sources = {
    remediate: readSource(SOURCE_WORKFLOWS.remediate),
    runbooks: readSource(SOURCE_WORKFLOWS.runbooks),
  };
  const pin: ActionPin = actionRef
    ? { repository: ACTION_REPOSITORY, sha: actionRef, version }
    : await resolveActionPin({
        repository: ACTION_REPOSITORY,
        version,
        apiUrl,
        ...(context.env.GITHUB_TOKEN ? { token: context.env.GITHUB_TOKEN } : {}),
      });

  const token = existingToken(root) ?? generateToken();
  const plan: PlannedFile[] = [
    ...starterRunbooks(environment),
    { path: ".github/workflows/remediate.yml", content: remediateWorkflow(sources.remediate, pin) },
    { path: ".github/workflows/runbooks.yml", content: runbooksWorkflow(sources.runbooks, pin) },
    { path: RECEIVER_FILE, content: alertmanagerReceiver(bridgeUrl, token), secret: true },
    { path: BRIDGE_ENV_FILE, content: bridgeEnv(token, repository, alertmanagerUrl), secret: true },
  ];
  const excluded = excludeLocally(root, `/${SECRETS_DIR}/`, `${SECRETS_DIR}/probe`);
  const outcomes = writePlan(root, plan, values.force === true);
  context.stdout(
    initReport({
      outcomes,
      repository,
      environment,
      bridgeUrl,
      receiverFile: RECEIVER_FILE,
      bridgeEnvFile: BRIDGE_ENV_FILE,
      excluded,
    }),
  );
  return 0;
}
