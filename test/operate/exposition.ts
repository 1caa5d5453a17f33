/**
 * @module
 * The Prometheus text format, parsed just enough for the operating tests, and the metric
 * families the operating issue asks /metrics to expose.
 */

/** The metric families of the issue, by the name /metrics exposes them under. */
export const REQUIRED_METRICS = [
  "runbridge_alerts_received_total",
  "runbridge_decisions_total",
  "runbridge_dispatch_attempts_total",
  "runbridge_alert_to_dispatch_seconds",
  "runbridge_executions",
  "runbridge_breakers_open",
  "runbridge_cooldown_remaining_seconds",
  "runbridge_outbox_depth",
  "runbridge_runbooks_loaded",
  "runbridge_runbooks_info",
  "runbridge_enabled",
  "runbridge_dry_run",
  "runbridge_github_rate_limit_remaining",
  "runbridge_last_event_timestamp_seconds",
  "runbridge_last_alert_received_timestamp_seconds",
  "process_cpu_seconds_total",
  "process_resident_memory_bytes",
  "nodejs_eventloop_lag_seconds",
];

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format (enough of it for these tests). */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!match) throw new Error(`unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? "").matchAll(
      /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g,
    )) {
      labels[name as string] = (value as string).replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    }
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** Metric family names: from `# TYPE` lines, so families without samples yet count too. */
export function familyNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name] of text.matchAll(/^# TYPE (\S+) \S+$/gm)) names.add(name as string);
  return names;
}

/**
 * Every name a query may use for what the text exposes: sample names, family names, and the
 * `_bucket`/`_sum`/`_count` series of histograms and summaries (present even before a sample).
 */
export function exposedNames(text: string): Set<string> {
  const names = new Set<string>(parseExposition(text).map((sample) => sample.name));
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name as string);
    if (type === "histogram" || type === "summary") {
      for (const suffix of ["_bucket", "_sum", "_count"]) names.add(`${name}${suffix}`);
    }
  }
  return names;
}
