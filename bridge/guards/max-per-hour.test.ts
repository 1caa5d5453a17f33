import { describe, expect, it } from "vitest";
import { context, HOUR, MINUTE, NOW, runbook } from "../../test/fixtures/guards/context.js";
import { maxPerHour } from "./max-per-hour.js";

const ago = (...minutes: number[]) => minutes.map((m) => NOW - m * MINUTE);

describe("maxPerHour", () => {
  it.each<[string, number | undefined, number[], string | undefined]>([
    ["allows when the runbook sets no limit", undefined, ago(50, 40, 30, 20, 10), undefined],
    ["allows below the limit", 3, ago(50, 10), undefined],
    ["does not count dispatches older than an hour", 2, ago(61, 60, 10), undefined],
    [
      "refuses at the limit; the next slot opens when the oldest counted one leaves the hour",
      2,
      ago(50, 10),
      "maxPerHour: nginx-down dispatched 2 times in the last hour (limit 2); next slot 12:40:05Z",
    ],
    [
      "over the limit (limit lowered), waits until enough have left the window",
      2,
      ago(55, 45, 30, 5),
      "maxPerHour: nginx-down dispatched 4 times in the last hour (limit 2); next slot 13:00:05Z",
    ],
    [
      "a limit of one opens an hour after the last dispatch",
      1,
      ago(20),
      "maxPerHour: nginx-down dispatched 1 times in the last hour (limit 1); next slot 13:10:05Z",
    ],
  ])("%s", (_case, limit, dispatches, reason) => {
    const verdict = maxPerHour(
      context({
        runbook: runbook({ guards: limit ? { maxPerHour: limit } : {} }),
        state: { dispatchesLastHour: dispatches },
      }),
    );
    if (reason === undefined) expect(verdict).toEqual({ allow: true });
    else expect(verdict).toEqual({ allow: false, guard: "max_per_hour", reason });
  });

  it("allows again exactly at the announced next slot", () => {
    const dispatches = ago(50, 10);
    const limited = runbook({ guards: { maxPerHour: 2 } });
    const nextSlot = (dispatches[0] as number) + HOUR;
    expect(
      maxPerHour(context({ runbook: limited, now: nextSlot - 1, state: { dispatchesLastHour: dispatches } })),
    ).toMatchObject({ allow: false });
    expect(
      maxPerHour(context({ runbook: limited, now: nextSlot, state: { dispatchesLastHour: dispatches } })),
    ).toEqual({
      allow: true,
    });
  });
});
