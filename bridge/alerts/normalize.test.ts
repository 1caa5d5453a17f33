import { describe, expect, it } from "vitest";
import { firingAlert, fixture, webhook } from "../../test/fixtures/alertmanager/index.js";
import { fingerprintLabels } from "./fingerprint.js";
import { normalizeWebhook } from "./normalize.js";
import type { AlertmanagerWebhook } from "./types.js";

const normalize = (body: unknown) => normalizeWebhook(body as AlertmanagerWebhook);

describe("normalizeWebhook", () => {
  it("turns a real firing webhook into one alert: zero endsAt dropped, nanoseconds of startsAt kept", () => {
    expect(normalize(fixture("firing"))).toEqual([
      {
        fingerprint: "5c2bd3a8e1f04a77",
        status: "firing",
        labels: { alertname: "NginxDown", instance: "web-1:9113", job: "nginx", severity: "critical" },
        annotations: {
          description: "nginx on web-1:9113 has not answered for 2 minutes.",
          summary: "nginx is down on web-1",
        },
        startsAt: "2025-06-02T12:00:00.123456789Z",
        endsAt: undefined,
        generatorURL: "http://prometheus:9090/graph?g0.expr=nginx_up+%3D%3D+0&g0.tab=1",
        alertname: "NginxDown",
        severity: "critical",
        groupKey: '{}/{severity="critical"}:{alertname="NginxDown"}',
      },
    ]);
  });

  it("keeps the same occurrence identity for the firing and the resolved delivery", () => {
    const [firing] = normalize(fixture("firing"));
    const [resolved] = normalize(fixture("resolved"));
    expect(resolved).toMatchObject({
      status: "resolved",
      fingerprint: firing?.fingerprint,
      startsAt: firing?.startsAt,
      endsAt: "2025-06-02T12:04:30.500Z",
    });
  });

  it("normalizes each alert of a grouped webhook on its own, sharing the group key", () => {
    const alerts = normalize(fixture("grouped"));
    expect(alerts.map((a) => [a.status, a.labels.instance, a.startsAt, a.groupKey])).toEqual([
      ["firing", "web-1:9100", "2025-06-02T11:58:00.000Z", '{}:{alertname="HostHighCpuLoad"}'],
      ["firing", "web-2:9100", "2025-06-02T11:59:30.000Z", '{}:{alertname="HostHighCpuLoad"}'],
      ["resolved", "web-3:9100", "2025-06-02T11:40:00.000Z", '{}:{alertname="HostHighCpuLoad"}'],
    ]);
  });

  it("writes startsAt in UTC whatever offset it arrived with", () => {
    const [alert] = normalize(webhook([firingAlert({}, { startsAt: "2025-06-02T14:00:00.5+02:00" })]));
    expect(alert?.startsAt).toBe("2025-06-02T12:00:00.500Z");
  });

  it.each([
    ["a leap second", "2016-12-31T23:59:60Z", "2016-12-31T23:59:60.000Z"],
    ["Go's zero time", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z"],
  ])("keeps %s as startsAt instead of 1970", (_case, startsAt, expected) => {
    const [alert] = normalize(webhook([firingAlert({}, { startsAt })]));
    expect(alert?.startsAt).toBe(expected);
  });

  it("lowercases a fingerprint so two spellings are one occurrence", () => {
    const [alert] = normalize(webhook([firingAlert({}, { fingerprint: "5C2BD3A8E1F04A77" })]));
    expect(alert?.fingerprint).toBe("5c2bd3a8e1f04a77");
  });

  it("uses severity none and an empty group key when they are missing", () => {
    const body = webhook([{ ...firingAlert({}), labels: { alertname: "Ping" } }]) as Partial<
      ReturnType<typeof webhook>
    >;
    delete body.groupKey;
    const [alert] = normalize(body);
    expect(alert).toMatchObject({ severity: "none", groupKey: "", alertname: "Ping" });
  });

  it("computes a fingerprint when the sender left it out, the same whatever the label order", () => {
    const forward = normalize(webhook([firingAlert({ instance: "web-1", job: "nginx" })]))[0];
    const backward = normalize(
      webhook([
        {
          ...firingAlert({}),
          labels: { job: "nginx", instance: "web-1", severity: "critical", alertname: "NginxDown" },
        },
      ]),
    )[0];
    expect(forward?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(backward?.fingerprint).toBe(forward?.fingerprint);
  });

  it("copies labels and annotations, so changing the body later changes nothing", () => {
    const body = fixture("firing");
    const [alert] = normalize(body);
    (body.alerts[0] as { labels: Record<string, string> }).labels.instance = "changed";
    expect(alert?.labels.instance).toBe("web-1:9113");
  });
});

describe("fingerprintLabels", () => {
  it("is stable across calls and label order", () => {
    expect(fingerprintLabels({ a: "1", b: "2" })).toBe(fingerprintLabels({ b: "2", a: "1" }));
    expect(fingerprintLabels({ a: "1", b: "2" })).toMatch(/^[0-9a-f]{16}$/);
  });

  it.each([
    ["a value moved into a name", { ab: "c" }, { a: "bc" }],
    ["a pair split differently", { a: "b", c: "d" }, { a: "bc", "": "d" }],
    ["an empty value versus a missing label", { a: "" }, {}],
    ["different values", { instance: "web-1" }, { instance: "web-2" }],
  ])("tells apart %s", (_case, one, other) => {
    expect(fingerprintLabels(one)).not.toBe(fingerprintLabels(other));
  });
});
