/**
 * @module
 * Asks Alertmanager's API v2 whether one alert occurrence is still active:
 * `GET /api/v2/alerts?filter=<label matchers>` on every member of an HA pair. An alert is
 * still active when any member that answers lists the same fingerprint with the same startsAt
 * (silenced or inhibited alerts are still firing, so they count); a listed alert with another
 * startsAt is a new occurrence, which means this one ended. Nobody answering is `unknown`.
 *
 * @example
 *   const alerts = createAlertmanagerAlerts({ urls: ["http://am-1:9093", "http://am-2:9093"] });
 *   await alerts.check({ labels, fingerprint, startsAt }); // { kind: "active", source: "http://am-1:9093" }
 */
import type { AlertCheck } from "../executions/outcome.js";

export interface AlertOccurrence {
  labels: Readonly<Record<string, string>>;
  fingerprint: string;
  startsAt: string;
}

export interface AlertmanagerAlerts {
  check(occurrence: AlertOccurrence, signal?: AbortSignal): Promise<AlertCheck>;
}

export interface AlertmanagerAlertsOptions {
  /** Base URLs (http://host:9093), one per member of an HA pair. */
  urls: readonly string[];
  /** Per request. */
  timeoutMs?: number;
}

interface GettableAlert {
  fingerprint?: string;
  startsAt?: string;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * `name="value"` for Alertmanager's matcher syntax: backslash, quote and newline escaped, so a
 * label value (alert content, untrusted) stays one value and cannot add a matcher.
 */
export function equalityMatcher(name: string, value: string): string {
  const escaped = value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
  return `${name}="${escaped}"`;
}

/** The query string: every label of the occurrence as an equality matcher, every kind of active alert. */
export function alertsQuery(labels: Readonly<Record<string, string>>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(labels)) {
    // A kept copy may mark dropped labels under a reserved name: no alert carries it.
    if (LABEL_NAME.test(name) && !name.startsWith("__"))
      params.append("filter", equalityMatcher(name, value));
  }
  for (const flag of ["active", "silenced", "inhibited", "unprocessed"]) params.set(flag, "true");
  return params.toString();
}

function sameOccurrence(alert: GettableAlert, occurrence: AlertOccurrence): boolean {
  if (alert.fingerprint?.toLowerCase() !== occurrence.fingerprint.toLowerCase()) return false;
  const listed = Date.parse(alert.startsAt ?? "");
  return Number.isFinite(listed) && listed === Date.parse(occurrence.startsAt);
}

export function createAlertmanagerAlerts(options: AlertmanagerAlertsOptions): AlertmanagerAlerts {
  const urls = options.urls.map((url) => url.replace(/\/+$/, ""));
  const timeoutMs = options.timeoutMs ?? 5_000;

  async function ask(url: string, query: string, signal?: AbortSignal): Promise<GettableAlert[]> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const response = await fetch(`${url}/api/v2/alerts?${query}`, {
      headers: { accept: "application/json" },
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    if (!response.ok) {
      throw new Error(`answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
    }
    const body: unknown = await response.json();
    if (!Array.isArray(body)) throw new Error("answered with something other than a list of alerts");
    return body as GettableAlert[];
  }

  return {
    async check(occurrence, signal) {
      if (urls.length === 0) {
        return {
          kind: "unknown",
          why: "ALERTMANAGER_URL is unset, so the bridge relied on notifications only",
        };
      }
      const query = alertsQuery(occurrence.labels);
      const answered: string[] = [];
      const failures: string[] = [];
      for (const url of urls) {
        try {
          const alerts = await ask(url, query, signal);
          if (alerts.some((alert) => sameOccurrence(alert, occurrence)))
            return { kind: "active", source: url };
          answered.push(url);
        } catch (error) {
          failures.push(`${url} ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      if (answered.length > 0) return { kind: "inactive", source: answered.join(", ") };
      return {
        kind: "unknown",
        why: `no Alertmanager answered (${failures.join("; ")}); check ALERTMANAGER_URL and that the bridge can reach it`,
      };
    },
  };
}
