#!/usr/bin/env node
/**
 * The version a run of .github/workflows/release.yml releases, checked before anything is built
 * or tagged: from the pushed tag (`vX.Y.Z`) or the dispatch's `version` input (`X.Y.Z`, only from
 * main), and equal to package.json's version, so the tag, the Action, the image and `runbridge
 * --version` name one release. Prints `version=`, `tag=` and `major=` lines for $GITHUB_OUTPUT;
 * a wrong input exits 1 with the reason (docs/releasing.md).
 *
 *   REF_TYPE=tag REF_NAME=v1.2.3 node scripts/release-version.mjs
 *   REF_TYPE=branch REF_NAME=main INPUT_VERSION=1.2.3 node scripts/release-version.mjs
 */
import { readFileSync } from "node:fs";

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

/**
 * @param {{ refType?: string; refName?: string; inputVersion?: string; packageVersion: string }} run
 * @returns {{ version: string; tag: string; major: string }}
 */
export function releaseVersion({ refType, refName, inputVersion, packageVersion }) {
  let version;
  if (refType === "tag") {
    if (!refName?.startsWith("v") || !SEMVER.test(refName.slice(1))) {
      throw new Error(`tag ${JSON.stringify(refName)} is not vX.Y.Z (e.g. v1.2.3): push a tag of that form`);
    }
    version = refName.slice(1);
  } else {
    const input = (inputVersion ?? "").trim().replace(/^v/, "");
    if (!SEMVER.test(input)) {
      throw new Error(`version input ${JSON.stringify(inputVersion ?? "")} is not X.Y.Z (e.g. 1.2.3)`);
    }
    if (refName !== "main") {
      throw new Error(
        `releases are cut from main; this run is on ${JSON.stringify(refName)}: dispatch it on main`,
      );
    }
    version = input;
  }
  if (version !== packageVersion) {
    throw new Error(
      `releasing ${version} but package.json says ${packageVersion}: set "version": "${version}" in package.json (npm version ${version} --no-git-tag-version), merge that to main, then release`,
    );
  }
  return { version, tag: `v${version}`, major: `v${version.split(".")[0]}` };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const packageJson = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  try {
    const release = releaseVersion({
      refType: process.env.REF_TYPE,
      refName: process.env.REF_NAME,
      inputVersion: process.env.INPUT_VERSION,
      packageVersion: packageJson.version,
    });
    for (const [name, value] of Object.entries(release)) console.log(`${name}=${value}`);
  } catch (error) {
    console.error(`::error::${error.message}`);
    process.exit(1);
  }
}
