/**
 * @module
 * The diagnostics phase: collect everything the runbook asks for (a failing step does not stop
 * the others) and write it to files the workflow keeps as an artifact, with a short summary
 * (summary.md, the `digest` output, and a notice annotation the bridge's failure notice reads).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { DIAGNOSTICS_TITLE } from "../../../bridge/notify/diagnostics-summary.js";
import { formatDuration } from "../../../bridge/runbooks/duration.js";
import type { StepResult } from "../steps/runner.js";
import { type PhaseContext, type PhaseResult, reportHeader } from "./context.js";
import { diagnosticsDigest } from "./diagnostics-digest.js";
import { runSteps } from "./run-steps.js";

function markdown(title: string, results: readonly StepResult[]): string {
  const sections = results.map((result) => {
    const status = result.status === "failed" ? `failed: ${result.reason}` : result.status;
    // Four backticks: step output may itself contain a three-backtick fence.
    return `## ${result.name}\n\n${status} · ${formatDuration(result.durationMs)}\n\n\`\`\`\`\n${result.output}\n\`\`\`\`\n`;
  });
  return `# ${title}\n\n${sections.join("\n")}`;
}

export async function diagnostics(context: PhaseContext): Promise<PhaseResult> {
  const { execution, inputs } = context;
  const steps = execution.runbook.steps.diagnostics;
  const outcome = await runSteps(steps, execution, context.log, { keepGoing: true });
  const dir = resolve(inputs.reportDir);
  mkdirSync(dir, { recursive: true });
  const title = `Diagnostics: ${execution.runbook.name} on ${execution.target || "(no target)"} [${execution.executionId}]`;
  writeFileSync(join(dir, "diagnostics.md"), markdown(title, outcome.results));
  writeFileSync(
    join(dir, "diagnostics.json"),
    `${JSON.stringify({ runbook: execution.runbook.name, target: execution.target, executionId: execution.executionId, steps: outcome.results }, null, 2)}\n`,
  );
  const digest = diagnosticsDigest(outcome.results);
  writeFileSync(join(dir, "summary.md"), `${digest}\n`);
  const failed = outcome.results.filter((result) => result.status === "failed" && !result.continued);
  const verdict =
    steps.length === 0
      ? "diagnostics: the runbook has no diagnostics steps"
      : failed.length > 0
        ? `diagnostics incomplete: ${failed.map((result) => result.reason).join("; ")}`
        : `diagnostics collected: ${steps.length} step(s)`;
  await context.report({ ...reportHeader(context, "diagnostics"), verdict, results: outcome.results });
  return {
    status: failed.length > 0 ? "failure" : "success",
    verdict,
    outputs: { report: dir, digest },
    notice: { title: DIAGNOSTICS_TITLE, message: digest },
  };
}
