// Runs act against a repository without a Docker engine: jobs run on this host
// (-P ubuntu-latest=-self-hosted, and any other label the test maps), and the two remote actions the workflow uses are replaced by
// local stand-ins (--local-repository), because act would otherwise clone them from GitHub.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./e2e-repo.js";

export interface ActRun {
  code: number | null;
  /** act's combined output. */
  log: string;
}

export interface ActOptions {
  act: string;
  repo: string;
  event: "workflow_dispatch" | "repository_dispatch";
  eventFile: string;
  /** A private folder for act's action cache and job workspaces. */
  cacheDir: string;
  secrets?: Record<string, string>;
  env?: Record<string, string>;
  /**
   * Runner labels run on this host. Default ["ubuntu-latest"]; a job whose runs-on has no
   * mapped label is skipped by act ("Skipping unsupported platform"), as GitHub would queue it.
   */
  labels?: string[];
  timeoutMs?: number;
}

/** `uses: owner/repo@sha` of every remote action in the workflow, mapped to its stand-in. */
function localActions(): string[] {
  const workflow = readFileSync(join(REPO_ROOT, ".github/workflows/remediate.yml"), "utf8");
  const standIns: Record<string, string> = {
    "actions/checkout": join(REPO_ROOT, "test/fixtures/act/checkout"),
    "actions/upload-artifact": join(REPO_ROOT, "test/fixtures/act/upload-artifact"),
  };
  const args: string[] = [];
  for (const [, action, ref] of workflow.matchAll(/uses:\s*([\w.-]+\/[\w.-]+)@([\w.-]+)/g)) {
    const dir = standIns[action as string];
    if (!dir)
      throw new Error(`remediate.yml uses ${action}, which has no local stand-in in test/fixtures/act`);
    args.push("--local-repository", `${action}@${ref}=${dir}`);
  }
  return args;
}

export function runAct(options: ActOptions): Promise<ActRun> {
  const args = [
    options.event,
    "-W",
    ".github/workflows/remediate.yml",
    "-e",
    options.eventFile,
    ...(options.labels ?? ["ubuntu-latest"]).flatMap((label) => ["-P", `${label}=-self-hosted`]),
    "--action-cache-path",
    options.cacheDir,
    "--no-cache-server",
    ...localActions(),
  ];
  for (const [name, value] of Object.entries(options.secrets ?? {})) args.push("-s", `${name}=${value}`);
  for (const [name, value] of Object.entries(options.env ?? {})) args.push("--env", `${name}=${value}`);
  return new Promise((resolve, reject) => {
    const child = spawn(options.act, args, { cwd: options.repo, stdio: ["ignore", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => chunks.push(chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`could not start act (${options.act}): ${error.message}`));
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, log: Buffer.concat(chunks).toString("utf8") });
    });
  });
}

/** Names of the jobs that ran, in the order act started them. */
export function jobsStarted(log: string): string[] {
  const jobs: string[] = [];
  for (const [, job] of log.matchAll(/^\[Remediate\/([\w-]+)\s*\] ⭐ Run Set up job/gm))
    jobs.push(job as string);
  return jobs;
}

/** The lines act printed for one job. */
export function jobLog(log: string, job: string): string {
  const prefix = new RegExp(`^\\[Remediate/${job}\\s*\\]`);
  return log
    .split("\n")
    .filter((line) => prefix.test(line))
    .join("\n");
}
