/**
 * `ssh host "command"` hands its command to the remote shell as text, so an alert value in it
 * would be code there. Shipped runbooks escape such values with printf %q first. This test runs
 * every shipped step that calls ssh through the Action's step runner with hostile label values;
 * `ssh` here does what sshd does with the command (runs it with `sh -c`), on a "host" whose PATH
 * holds only recorders: each remote command logs its argv instead of acting (sudo logs, then
 * runs the rest). The hostile value must arrive as one word and nothing it names may run.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { silentLog } from "../../action/src/steps/log.js";
import { runStep } from "../../action/src/steps/runner.js";
import { testExecution } from "../../action/src/testing/execution.js";
import type { ResolvedRunStep } from "../../bridge/runbooks/resolved-runbook.js";
import { loadRunbookSet } from "../../bridge/runbooks/runbook-set.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
/** Label values that run `touch` or `id` wherever a shell reads them as code. */
const HOSTILE = [
  "x.service; touch /tmp/runbridge-pwned",
  "x.service $(id) `id`",
  `x.service'; touch /tmp/runbridge-pwned; echo '`,
  'x.service"; touch /tmp/runbridge-pwned; echo "',
];
/** Commands the shipped steps run on the remote host, plus what an injection would run. */
const REMOTE_COMMANDS = [
  ...["sudo", "systemctl", "journalctl", "du", "sort", "head", "df", "lsof", "ps", "free", "grep"],
  ...["nginx", "mpstat", "vmstat", "cut", "nproc", "apt-get", "dnf", "touch", "id"],
];

const dir = mkdtempSync(join(tmpdir(), "runbridge-ssh-"));
const local = join(dir, "local");
const remote = join(dir, "remote");
const log = join(dir, "remote.log");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function script(path: string, text: string): void {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
}
mkdirSync(local);
mkdirSync(remote);
// ssh [-o option]... host command...: the command words joined by spaces, run by a shell.
script(
  join(local, "ssh"),
  `#!/bin/sh
while [ "$1" = "-o" ]; do shift 2; done
shift
exec env -i PATH="${remote}" RECORD_LOG="${log}" /bin/sh -c "$*"
`,
);
// One recorder, installed under every remote command's name: argv, NUL-separated, one line each.
const recorder = `#!/bin/sh
{ printf '%s' "\${0##*/}"; for arg in "$@"; do printf '\\0%s' "$arg"; done; printf '\\n'; } >> "$RECORD_LOG"
if [ "\${0##*/}" = sudo ]; then exec "$@"; fi
exit 0
`;
for (const name of REMOTE_COMMANDS) script(join(remote, name), recorder);

const { set } = loadRunbookSet(`${root}runbooks`);
const sshSteps = (set?.runbooks ?? []).flatMap((loaded) =>
  Object.values(loaded.runbook.steps)
    .flat()
    .filter((step): step is ResolvedRunStep => "run" in step && /\bssh\b/.test(step.run))
    .map((step) => [`${loaded.runbook.name}: ${step.name}`, step] as const),
);

function remoteCalls(): string[][] {
  let text = "";
  try {
    text = readFileSync(log, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split("\0"));
}

describe("alert values reach remote shells as data", () => {
  it("finds the shipped steps that use ssh", () => {
    expect(sshSteps.length).toBeGreaterThan(10);
  });

  it.each(sshSteps.flatMap(([name, step]) => HOSTILE.map((value) => [name, value, step] as const)))(
    "%s, with a label %j",
    async (_, hostile, step) => {
      rmSync(log, { force: true });
      const referenced = [...step.run.matchAll(/\$\{?ALERT_LABEL_([A-Z0-9_]+)/g)].map((m) => m[1] as string);
      const escaped = [...step.run.matchAll(/printf '%q' "\$ALERT_LABEL_([A-Z0-9_]+)"/g)].map(
        (m) => m[1] as string,
      );
      const labels = Object.fromEntries(referenced.map((name) => [name.toLowerCase(), hostile]));
      const execution = testExecution({
        alert: { labels: { alertname: "Anything", ...labels } },
        target: "web-1",
      });
      try {
        const result = await runStep(
          { ...step, retries: 0, timeoutMs: 20_000 },
          { ...execution, baseEnv: { ...execution.baseEnv, PATH: `${local}:${execution.baseEnv.PATH}` } },
          silentLog,
        );
        const calls = remoteCalls();
        const names = calls.map((call) => call[0]);
        expect(names, result.output).not.toContain("touch");
        expect(names, result.output).not.toContain("id");
        // Where the step hands a label to the remote host, it arrives whole, as one argument.
        if (escaped.length > 0 && calls.length > 0) {
          expect(
            calls.some((call) => call.slice(1).includes(hostile)),
            JSON.stringify(calls),
          ).toBe(true);
        }
      } finally {
        execution.cleanup();
      }
    },
  );
});
