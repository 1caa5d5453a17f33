/** One alert as the bridge decides on it, whatever shape it arrived in. */
export interface NormalizedAlert {
  fingerprint: string;
  status: "firing" | "resolved";
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /**
   * The occurrence's start as one canonical RFC 3339 text (alerts/starts-at.ts): UTC, at least
   * milliseconds, up to nanoseconds, a leap second kept. Compare with `compareStartsAt`.
   */
  startsAt: string;
  /** ISO 8601, or undefined while firing with no end. */
  endsAt?: string;
  generatorURL?: string;
  alertname: string;
  severity: string;
  /** Alertmanager group this alert was notified in. */
  groupKey: string;
}

/** The parts of an Alertmanager webhook the bridge uses. */
export interface AlertmanagerWebhook {
  version: "4";
  groupKey?: string;
  status: "firing" | "resolved";
  receiver?: string;
  groupLabels?: Record<string, string>;
  commonLabels?: Record<string, string>;
  externalURL?: string;
  alerts: {
    status: "firing" | "resolved";
    labels: Record<string, string> & { alertname: string };
    annotations?: Record<string, string>;
    startsAt: string;
    endsAt?: string;
    generatorURL?: string;
    fingerprint?: string;
  }[];
}
