/**
 * @module
 * The benchmark's request body: a realistic Alertmanager webhook (version 4) of about
 * 1 KB carrying one firing alert. Every request gets its own fingerprint, startsAt and
 * instance, so the bridge decides a new alert occurrence each time (never a duplicate).
 *
 * The body is a template with three tokens; the Node load generator fills it in, and
 * `luaBodyFunction()` turns the same template into Lua for wrk, so both send the same bytes.
 */

/** Tokens replaced per request. */
export const TOKENS = ["__FP__", "__STARTS__", "__HOST__"] as const;
export type Token = (typeof TOKENS)[number];

const annotationsFor = (host: string) => ({
  summary: `nginx on ${host} is down`,
  description: `nginx on ${host} has not answered its status endpoint for 2 minutes (probe_success == 0). Upstream requests are failing over to the remaining pool members; capacity is reduced.`,
  runbook_url: "https://wiki.example.com/runbooks/nginx-down",
});

const labelsFor = (host: string) => ({
  alertname: "NginxDown",
  severity: "critical",
  instance: `${host}:9113`,
  job: "nginx",
  env: "production",
  region: "eu-central-1",
  team: "web-sre",
  service: "storefront",
});

/** The webhook with tokens where the per-request values go. */
export function webhookTemplate(): string {
  const host = "__HOST__";
  const labels = labelsFor(host);
  const common = { alertname: labels.alertname, severity: labels.severity, job: labels.job, env: labels.env };
  return JSON.stringify({
    receiver: "runbridge",
    status: "firing",
    alerts: [
      {
        status: "firing",
        labels,
        annotations: annotationsFor(host),
        startsAt: "__STARTS__",
        endsAt: "0001-01-01T00:00:00Z",
        generatorURL:
          "http://prometheus.example.com:9090/graph?g0.expr=probe_success%7Bjob%3D%22nginx%22%7D+%3D%3D+0&g0.tab=1",
        fingerprint: "__FP__",
      },
    ],
    groupLabels: { alertname: labels.alertname },
    commonLabels: common,
    commonAnnotations: { runbook_url: annotationsFor(host).runbook_url },
    externalURL: "http://alertmanager.example.com:9093",
    version: "4",
    groupKey: '{}/{severity="critical"}:{alertname="NginxDown"}',
    truncatedAlerts: 0,
  });
}

/** Splits the template into literal segments and the token after each (the last has none). */
export function templateParts(template = webhookTemplate()): { literals: string[]; tokens: Token[] } {
  const pattern = new RegExp(TOKENS.join("|"), "g");
  const literals: string[] = [];
  const tokens: Token[] = [];
  let last = 0;
  for (const match of template.matchAll(pattern)) {
    literals.push(template.slice(last, match.index));
    tokens.push(match[0] as Token);
    last = (match.index ?? 0) + match[0].length;
  }
  literals.push(template.slice(last));
  return { literals, tokens };
}

/** Base time for startsAt: a fixed instant, so the bodies of a run are reproducible. */
const BASE_MS = Date.UTC(2026, 0, 1, 0, 0, 0);

/** The values for request `counter` of stream `stream` (a load generator run; one per thread). */
export function requestValues(stream: number, counter: number): Record<Token, string> {
  return {
    __FP__: stream.toString(16).padStart(8, "0") + counter.toString(16).padStart(8, "0"),
    __STARTS__: new Date(BASE_MS + stream * 86_400_000 + counter).toISOString(),
    __HOST__: `web-${counter % 500}.example.com`,
  };
}

/** A body builder for the Node load generator. */
export function bodyBuilder(stream: number): (counter: number) => string {
  const { literals, tokens } = templateParts();
  return (counter) => {
    const values = requestValues(stream, counter);
    let body = literals[0] as string;
    for (let i = 0; i < tokens.length; i++) body += values[tokens[i] as Token] + (literals[i + 1] as string);
    return body;
  };
}

/**
 * Lua for wrk: a function `make_body(stream, counter)` producing exactly what
 * `bodyBuilder(stream)(counter)` produces.
 */
export function luaBodyFunction(): string {
  const { literals, tokens } = templateParts();
  const long = (text: string) => `[==[${text}]==]`;
  const expression: Record<Token, string> = { __FP__: "fp", __STARTS__: "starts", __HOST__: "host" };
  const pieces: string[] = [long(literals[0] as string)];
  tokens.forEach((token, i) => {
    pieces.push(expression[token], long(literals[i + 1] as string));
  });
  const baseSeconds = BASE_MS / 1000;
  return `
local function make_body(stream, counter)
  local fp = string.format("%08x%08x", stream, counter)
  local ms = stream * 86400000 + counter
  local seconds = math.floor(ms / 1000)
  local starts = os.date("!%Y-%m-%dT%H:%M:%S", ${baseSeconds} + seconds) .. string.format(".%03dZ", ms % 1000)
  local host = "web-" .. (counter % 500) .. ".example.com"
  return table.concat({ ${pieces.join(", ")} })
end
`;
}
