import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { listRunbookFiles } from "./load.js";
import { buildRunbookSet, loadRunbookSet, type RunbookSource } from "./runbook-set.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const sets = "test/fixtures/runbooks/sets";

/** Reads a fixture set, naming files by their repository path as the CLI would. */
function sourcesOf(dir: string): RunbookSource[] {
  return listRunbookFiles(`${root}${dir}`).map((file) => ({
    file: file.slice(root.length),
    text: readFileSync(file, "utf8"),
  }));
}

describe("buildRunbookSet", () => {
  it.each([
    [
      "duplicate-names",
      [
        `${sets}/duplicate-names/disk-full.yml:1:7 name: duplicate runbook name "disk-full" (also in ${sets}/duplicate-names/disk-full-copy.yml)`,
      ],
    ],
    [
      "stolen-example",
      [
        `${sets}/stolen-example/crash-looping.yml:14:5 examples[1]: example 2: KubePodCrashLooping{namespace="platform-ingress", pod="ingress-7c9d4"} should be handled by crash-looping, but is routed to kube-pods: priority 0 < kube-pods's 10`,
      ],
    ],
    [
      "wrong-target",
      [
        `${sets}/wrong-target/nginx-down.yml:15:5 examples[1]: example 2: NginxDown{instance="web-2:9113"} should have target "web-2:9113", got "web-2"`,
        `${sets}/wrong-target/nginx-down.yml:20:5 examples[2]: example 3: NginxDown{host="web-3"} should have target "web-3", got none`,
        `${sets}/wrong-target/nginx-down.yml:25:5 examples[3]: example 4: NginxDown{instance="web-4:9113"} must not be handled by nginx-down, but it is (only matching runbook)`,
      ],
    ],
    [
      "broken-sibling",
      // good.yml's failing example is not reported: examples wait until every runbook parses.
      [`${sets}/broken-sibling/broken.yml:1:1 missing required field "mode"`],
    ],
  ])("rejects the %s set with located problems", (name, expected) => {
    const result = buildRunbookSet(sourcesOf(`${sets}/${name}`));
    expect(result.set).toBeUndefined();
    expect(result.problems.map(String)).toEqual(expected);
  });

  it("reports an example that no runbook takes, with the rule that refused it", () => {
    const text = [
      "name: disk-full",
      "description: x",
      "owner: me",
      "match: { alertname: DiskFull, labels: { mountpoint: /var } }",
      "mode: auto",
      "examples:",
      "  - alert: { labels: { alertname: DiskFull, mountpoint: /home } }",
      "    matches: true",
    ].join("\n");
    expect(buildRunbookSet([{ file: "disk-full.yml", text }]).problems.map(String)).toEqual([
      'disk-full.yml:7:5 examples[0]: example 1: DiskFull{mountpoint="/home"} should be handled by disk-full, but no runbook takes it: label mountpoint="/home" does not match /var',
    ]);
  });

  it("builds a set whose hash names its content, not the order the files came in", () => {
    const sources = sourcesOf("runbooks");
    const forward = buildRunbookSet(sources);
    const backward = buildRunbookSet([...sources].reverse(), "0123abcd");
    expect(forward.problems).toEqual([]);
    expect(forward.set?.sourceHash).toMatch(/^[0-9a-f]{64}$/);
    expect(backward.set?.sourceHash).toBe(forward.set?.sourceHash);
    expect(backward.set?.commitSha).toBe("0123abcd");

    const edited = sources.map((source, index) =>
      index === 0 ? { ...source, text: `${source.text}# edited\n` } : source,
    );
    expect(buildRunbookSet(edited).set?.sourceHash).not.toBe(forward.set?.sourceHash);
  });

  it("accepts an empty set; it routes nothing", () => {
    const { set, problems } = buildRunbookSet([]);
    expect(problems).toEqual([]);
    expect(set?.index.route({ labels: { alertname: "NginxDown" } }).winner).toBeUndefined();
  });
});

describe("loadRunbookSet", () => {
  it("loads the shipped example runbooks without problems", () => {
    const { set, problems } = loadRunbookSet(`${root}runbooks`);
    expect(problems.map(String)).toEqual([]);
    expect(set?.index.size).toBe(24);
  });

  it("explains a missing directory and what to set instead", () => {
    const { set, problems } = loadRunbookSet(`${root}${sets}/does-not-exist`);
    expect(set).toBeUndefined();
    expect(String(problems[0])).toMatch(
      /does-not-exist cannot read the runbooks directory: ENOENT.*Set RUNBRIDGE_RUNBOOKS to a directory of \*\.yml runbooks\.$/,
    );
  });
});
