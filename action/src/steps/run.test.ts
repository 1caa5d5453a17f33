import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RunStep } from "../../../bridge/runbooks/runbook.types.js";
import { testExecution } from "../testing/execution.js";
import { testStep } from "../testing/runbook.js";
import { MAX_VALUE_BYTES } from "./env.js";
import { silentLog } from "./log.js";
import { runStep } from "./runner.js";

/** Whether `pid` is a live process (not gone, not a zombie); Linux /proc. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

describe("run step", () => {
  const executions: { cleanup(): void }[] = [];
  const execution = (options: Parameters<typeof testExecution>[0] = {}) => {
    const created = testExecution(options);
    executions.push(created);
    return created;
  };
  afterEach(() => {
    for (const created of executions.splice(0)) created.cleanup();
  });

  it("runs the script with bash and passes on exit 0", async () => {
    const result = await runStep(
      testStep({ name: "hello", run: 'echo "hello from $SHELL_NAME"', env: { SHELL_NAME: "bash" } }),
      execution(),
      silentLog,
    );
    expect(result.status).toBe("passed");
    expect(result.output).toBe("hello from bash\n");
  });

  it("fails on the first failing command, like GitHub's bash (-e -o pipefail)", async () => {
    const result = await runStep(
      testStep({ name: "strict", run: "false | true\necho not reached" }),
      execution(),
      silentLog,
    );
    expect(result.status).toBe("failed");
    expect(result.output).toBe("");
    expect(result.reason).toBe('step "strict" (run) failed: script exited with code 1');
  });

  it("runs sh when asked", async () => {
    const result = await runStep(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS template
      testStep({ name: "posix", shell: "sh", run: 'test -z "${BASH_VERSION:-}" && echo posix' }),
      execution(),
      silentLog,
    );
    expect(result.output).toBe("posix\n");
  });

  it("stops the script and its children when the timeout passes", async () => {
    const run = execution();
    const pidFile = join(run.workDir, "child.pid");
    const started = Date.now();
    const step: RunStep = {
      name: "slow",
      run: `sleep 30 & echo $! > ${pidFile}; wait; echo never`,
      timeout: "300ms",
    };
    const result = await runStep(testStep(step), run, silentLog);
    expect(result.status).toBe("failed");
    expect(result.reason).toBe('step "slow" (run) failed: timed out after 300ms');
    expect(Date.now() - started).toBeLessThan(5_000);
    const child = Number(readFileSync(pidFile, "utf8"));
    // The background sleep was in the script's process group, so it is gone too (or a zombie
    // waiting for whichever process adopted it to reap it: exited all the same).
    expect(running(child)).toBe(false);
  });

  it("gives the script alert data only as environment variables", async () => {
    const run = execution({
      alert: {
        labels: { alertname: "NginxDown", instance: "web-1:9100", "job.name": "nginx", severity: "critical" },
        annotations: { summary: "nginx is down" },
      },
      severity: "critical",
    });
    const step: RunStep = {
      name: "env",
      run: [
        'printf "%s|" "$ALERT_NAME" "$ALERT_SEVERITY" "$ALERT_LABEL_INSTANCE" "$ALERT_LABEL_JOB_NAME"',
        'printf "%s|" "$ALERT_ANNOTATION_SUMMARY" "$TARGET" "$EXECUTION_ID" "$RUNBOOK"',
        'echo; cat "$ALERT_FILE"',
      ].join("\n"),
    };
    const result = await runStep(testStep(step), run, silentLog);
    const [fields, file] = result.output.split("\n");
    expect(fields).toBe("NginxDown|critical|web-1:9100|nginx|nginx is down|web-1|exec-1|nginx-down|");
    expect(JSON.parse(file ?? "")).toMatchObject({ labels: { "job.name": "nginx" } });
    // The script file is the runbook's text, untouched.
    expect(step.run).not.toContain("web-1");
  });

  it("gives a step only the secrets it names, and masks them in its output", async () => {
    const run = execution({ secrets: { API_TOKEN: "s3cr3t-value-123", OTHER: "other-secret-456" } });
    const result = await runStep(
      testStep({
        name: "secret",
        secrets: ["API_TOKEN"],
        // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS template
        run: 'echo "token=$API_TOKEN other=${OTHER:-unset}"',
      }),
      run,
      silentLog,
    );
    expect(result.output).toBe("token=*** other=unset\n");
  });

  it("names the missing secret and how to provide it", async () => {
    const result = await runStep(
      testStep({ name: "needs", secrets: ["MISSING"], run: "true" }),
      execution(),
      silentLog,
    );
    expect(result.reason).toContain('step "needs" needs secret MISSING, which is not set');
  });

  it("hides the Action's own inputs (all secrets, the token) from scripts", async () => {
    process.env.INPUT_SECRETS = '{"X":"leak"}';
    try {
      const result = await runStep(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS template
        testStep({ name: "peek", run: 'echo "${INPUT_SECRETS:-hidden}"' }),
        execution(),
        silentLog,
      );
      expect(result.output).toBe("hidden\n");
    } finally {
      delete process.env.INPUT_SECRETS;
    }
  });
});

describe("run step with hostile alert data", () => {
  const run = testExecution();
  afterEach(() => run.cleanup());

  const cases: [string, (marker: string) => string][] = [
    ["a quote that ends a string", (marker) => `"; touch ${marker} #`],
    ["single quotes", (marker) => `'; touch ${marker}; '`],
    ["command substitution", (marker) => `$(touch ${marker})`],
    ["backticks", (marker) => `\`touch ${marker}\``],
    ["newlines", (marker) => `x\ntouch ${marker}\n`],
    ["parameter expansion", (marker) => `\${IFS}$(touch ${marker})\${PATH}`],
    ["a 1 MB value", (marker) => `$(touch ${marker})${"A".repeat(1024 * 1024)}`],
    ["a NUL byte", (marker) => `a\0$(touch ${marker})`],
  ];

  it.each(cases)("keeps %s as data", async (_, make) => {
    const marker = join(run.workDir, "pwned");
    const value = make(marker);
    const hostile = testExecution({
      alert: {
        labels: { alertname: value, instance: value, evil: value },
        annotations: { description: value },
      },
      target: value.slice(0, 200),
    });
    try {
      const out = join(hostile.workDir, "out");
      const step: RunStep = {
        name: "uses the data",
        run: `printf '%s' "$ALERT_LABEL_EVIL" > ${out}\necho "target=$TARGET name=$ALERT_NAME" >/dev/null\necho "truncated=\${ALERT_TRUNCATED:-}"`,
      };
      const result = await runStep(testStep(step), hostile, silentLog);
      expect(result.status, result.reason).toBe("passed");
      expect(existsSync(marker)).toBe(false);
      const expected = value.replaceAll("\0", "");
      const received = readFileSync(out, "utf8");
      if (Buffer.byteLength(expected) > MAX_VALUE_BYTES) {
        // Too long for one environment variable: cut, flagged, and whole in ALERT_FILE.
        expect(expected.startsWith(received)).toBe(true);
        expect(result.output).toContain("ALERT_LABEL_EVIL");
        const file = JSON.parse(readFileSync(hostile.alertFile, "utf8")) as { labels: { evil: string } };
        expect(file.labels.evil).toBe(value);
      } else {
        expect(received).toBe(expected);
      }
    } finally {
      hostile.cleanup();
    }
  });
});
