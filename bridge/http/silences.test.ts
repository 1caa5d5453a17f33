import { describe, expect, it } from "vitest";
import { parseSilenceRequest } from "./silences.js";

const DAY = 86_400_000;
const labelsOf = async (id: string) =>
  id === "ex_1" ? { alertname: "NginxDown", instance: "web-1" } : undefined;
const parse = (body: unknown) => parseSilenceRequest(body, labelsOf, 30 * DAY);

describe("silence requests", () => {
  it("turns labels into exact matchers", async () => {
    const parsed = await parse({ labels: { alertname: "A", job: "x" }, duration: "1h30m", comment: " why " });
    expect(parsed).toEqual({
      ok: true,
      value: {
        matchers: [
          { name: "alertname", value: "A", isRegex: false, isEqual: true },
          { name: "job", value: "x", isRegex: false, isEqual: true },
        ],
        durationMs: 5_400_000,
        comment: "why",
        createdBy: "runbridge",
        executionId: undefined,
      },
    });
  });

  it("takes an execution's alert labels", async () => {
    const parsed = await parse({ executionId: "ex_1", duration: "1h", comment: "c", createdBy: "bob" });
    expect(parsed.ok && parsed.value.matchers.map((m) => `${m.name}=${m.value}`)).toEqual([
      "alertname=NginxDown",
      "instance=web-1",
    ]);
    expect(parsed.ok && parsed.value.createdBy).toBe("bob");
  });

  it.each([
    [null, 400, /send JSON/],
    [[], 400, /send JSON/],
    [{ executionId: "ex_2", duration: "1h", comment: "c" }, 404, /no execution ex_2/],
    [{ executionId: 7, duration: "1h", comment: "c" }, 400, /executionId must be a string/],
    [{ matchers: "alertname=A", duration: "1h", comment: "c" }, 400, /non-empty list/],
    [{ matchers: [null], duration: "1h", comment: "c" }, 400, /matchers\[0\] must be an object/],
    [{ matchers: [{ name: "a", value: 1 }], duration: "1h", comment: "c" }, 400, /matchers\[0\]\.value/],
    [{ labels: { a: "b" }, duration: 60, comment: "c" }, 400, /duration must be a duration/],
    [{ labels: { a: "b" }, duration: "1h", comment: "x".repeat(1001) }, 400, /comment/],
    [{ labels: { a: "b" }, duration: "1h", comment: "c", createdBy: 5 }, 400, /createdBy/],
  ])("refuses %j with %i", async (body, status, message) => {
    const parsed = await parse(body);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.status).toBe(status);
      expect(parsed.error).toMatch(message);
    }
  });
});
