import { describe, expect, it } from "vitest";
import { firingAlert, fixture, webhook } from "../../test/fixtures/alertmanager/index.js";
import { checkAlertmanagerWebhook } from "./validate.js";

describe("checkAlertmanagerWebhook", () => {
  it.each(["firing", "resolved", "grouped"] as const)(
    "accepts a real %s webhook from Alertmanager",
    (name) => {
      const body = fixture(name);
      expect(checkAlertmanagerWebhook(body)).toEqual({ ok: true, webhook: body });
    },
  );

  it("accepts an alert without a fingerprint (older senders and hand-written tests)", () => {
    expect(checkAlertmanagerWebhook(webhook([firingAlert({ instance: "web-1" })])).ok).toBe(true);
  });

  it.each(["2016-12-31T23:59:60Z", "0001-01-01T00:00:00Z", "2025-06-02T14:00:00.123456789+02:00"])(
    "accepts startsAt %s (a leap second and Go's zero time are valid RFC 3339)",
    (startsAt) => {
      expect(checkAlertmanagerWebhook(webhook([firingAlert({}, { startsAt })])).ok).toBe(true);
    },
  );

  it("tolerates fields Alertmanager may add later", () => {
    const body = { ...fixture("firing"), somethingNew: { nested: true } };
    expect(checkAlertmanagerWebhook(body).ok).toBe(true);
  });

  type Alert = Record<string, unknown> & { labels: Record<string, unknown> };
  type Body = Record<string, unknown> & { alerts: Alert[] };
  /** The grouped fixture with one change; `alert(i)` is its i-th alert. */
  const broken = (change: (body: Body, alert: (index: number) => Alert) => void) => {
    const body = fixture("grouped") as unknown as Body;
    change(body, (index) => body.alerts[index] as Alert);
    return body;
  };

  it.each<[string, unknown, string]>([
    [
      "refuses version 3, naming the field and the supported version",
      broken((b) => {
        b.version = "3";
      }),
      'not an Alertmanager webhook: version must be "4" (only Alertmanager webhook version 4 is supported)',
    ],
    [
      "refuses a body without alerts",
      broken((b) => {
        delete (b as Record<string, unknown>).alerts;
      }),
      'not an Alertmanager webhook: (body) missing "alerts"',
    ],
    [
      "refuses alerts that are not a list",
      broken((b) => {
        (b as Record<string, unknown>).alerts = { alertname: "x" };
      }),
      "not an Alertmanager webhook: alerts must be array",
    ],
    [
      "refuses an alert without an alertname, naming which alert",
      broken((_b, alert) => {
        delete alert(1).labels.alertname;
      }),
      'not an Alertmanager webhook: alerts.1.labels missing "alertname"',
    ],
    [
      "refuses an empty alertname",
      broken((_b, alert) => {
        alert(0).labels.alertname = "";
      }),
      "not an Alertmanager webhook: alerts.0.labels.alertname must NOT have fewer than 1 characters",
    ],
    [
      "refuses a startsAt that is not a time",
      broken((_b, alert) => {
        alert(2).startsAt = "yesterday";
      }),
      'not an Alertmanager webhook: alerts.2.startsAt must match format "date-time"',
    ],
    [
      "refuses a startsAt that cannot be kept exactly, naming the field (never a default time)",
      broken((_b, alert) => {
        alert(1).startsAt = "2025-06-02T11:59:30.1234567891Z";
      }),
      'not an Alertmanager webhook: alerts.1.startsAt "2025-06-02T11:59:30.1234567891Z" has 10 fractional digits; at most 9 (nanoseconds, as Alertmanager writes) are kept',
    ],
    [
      "refuses a label value that is not a string",
      broken((_b, alert) => {
        alert(0).labels.port = 9100;
      }),
      "not an Alertmanager webhook: alerts.0.labels.port must be string",
    ],
    [
      "refuses an unknown alert status",
      broken((_b, alert) => {
        alert(0).status = "pending";
      }),
      "not an Alertmanager webhook: alerts.0.status must be equal to one of the allowed values",
    ],
    [
      "refuses a fingerprint that is not hex",
      broken((_b, alert) => {
        alert(0).fingerprint = "'; drop table alerts;--";
      }),
      'not an Alertmanager webhook: alerts.0.fingerprint must match pattern "^[0-9a-fA-F]{1,64}$"',
    ],
    ["refuses an array", [], "not an Alertmanager webhook: (body) must be object"],
    ["refuses null", null, "not an Alertmanager webhook: (body) must be object"],
  ])("%s", (_case, body, error) => {
    expect(checkAlertmanagerWebhook(body)).toEqual({ ok: false, error });
  });
});
