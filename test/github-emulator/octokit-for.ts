/**
 * @module An Octokit pointed at an emulator, quiet about the 4xx/5xx answers tests provoke on purpose.
 */
import { Octokit } from "@octokit/rest";
import type { GitHubEmulator } from "./index.js";

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** @returns an Octokit using `gh.url` as `baseUrl` and a fake installation token */
export function octokitFor(gh: Pick<GitHubEmulator, "url">, auth = "ghs_test"): Octokit {
  return new Octokit({ auth, baseUrl: gh.url, log: silent });
}
