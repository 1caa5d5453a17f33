/**
 * @module
 * The bridge the fuzzer attacks: the real one (`startBridge`) with the shipped runbooks, a
 * real SQLite file, dispatching to the GitHub API emulator, an Alertmanager token and a GitHub
 * webhook secret, so authenticated mutated deliveries reach every handler.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createGitHubEmulator, type GitHubEmulator } from "../github-emulator/index.js";
import { type OperatedBridge, startOperatedBridge } from "../operate/start-operated-bridge.js";
import { RUNBOOKS_DIR } from "./corpus.js";
import type { FuzzTarget } from "./run-fuzz.js";

export interface FuzzedBridge {
  bridge: OperatedBridge;
  gh: GitHubEmulator;
  target: FuzzTarget;
  close(): Promise<void>;
}

export async function startFuzzedBridge(): Promise<FuzzedBridge> {
  const gh = await createGitHubEmulator();
  for (const environment of ["remediation-production", "remediation-staging", "remediation"]) {
    gh.state.setEnvironment(environment, { reviewers: ["octocat"] });
  }
  const runbooks = Object.fromEntries(
    readdirSync(RUNBOOKS_DIR)
      .filter((file) => /\.ya?ml$/.test(file))
      .map((file) => [file, readFileSync(join(RUNBOOKS_DIR, file), "utf8")]),
  );
  const target: FuzzTarget = {
    url: "",
    alertmanagerToken: "fuzz-alertmanager-token",
    githubSecret: "fuzz-webhook-secret",
    repository: "acme/infra",
  };
  const bridge = await startOperatedBridge({
    runbooks,
    env: {
      GITHUB_TOKEN: "ghs_fuzz",
      GITHUB_REPOSITORY: target.repository,
      GITHUB_API_URL: gh.url,
      GITHUB_WEBHOOK_SECRET: target.githubSecret,
      RUNBRIDGE_ALERTMANAGER_TOKEN: target.alertmanagerToken,
      RUNBRIDGE_DRY_RUN: "false",
      LOG_LEVEL: "silent",
    },
  });
  target.url = bridge.url;
  return {
    bridge,
    gh,
    target,
    async close() {
      await bridge.close();
      await gh.close();
    },
  };
}
