import { beforeEach, describe, expect, it } from "vitest";
import { STORE_ENGINES, useEngineStore } from "../../test/fixtures/store/engine-store.js";
import { appendAudit, queryAudit } from "./audit.js";

const T0 = Date.parse("2025-06-02T12:00:00Z");
describe.each(STORE_ENGINES)("on %s", (engine) => {
  const db = useEngineStore(engine, "audit");

  beforeEach(async () => {
    const messages = [
      ["decision.pending", "NginxDown", "dispatching web-restart on web_1"],
      ["decision.suppressed", "NginxDown", "cooldown: 100% sure"],
      ["decision.suppressed", "DiskFull", "target webX1 is not allowed"],
      ["dispatch.attempt", "DiskFull", "path C:\\temp\\x"],
    ] as const;
    for (const [index, [kind, alertname, message]] of messages.entries()) {
      await appendAudit(db.db, { at: T0 + index * 1_000, kind, alertname, message });
    }
  });

  const messagesOf = async (query: Parameters<typeof queryAudit>[1]) =>
    (await queryAudit(db.db, query)).map((e) => e.message);

  describe("queryAudit", () => {
    it("lists newest first", async () => {
      expect(await messagesOf({})).toHaveLength(4);
      expect(await messagesOf({ n: 1 })).toEqual(["path C:\\temp\\x"]);
    });

    it.each<[string, Parameters<typeof queryAudit>[1], string[]]>([
      [
        "filters by kind",
        { kind: "decision.suppressed" },
        ["target webX1 is not allowed", "cooldown: 100% sure"],
      ],
      [
        "filters by alertname",
        { alertname: "NginxDown" },
        ["cooldown: 100% sure", "dispatching web-restart on web_1"],
      ],
      ["filters by since", { since: T0 + 2_000 }, ["path C:\\temp\\x", "target webX1 is not allowed"]],
      ["matches contains case-insensitively", { contains: "COOLDOWN" }, ["cooldown: 100% sure"]],
      [
        "takes _ in contains literally, not as any character",
        { contains: "web_1" },
        ["dispatching web-restart on web_1"],
      ],
      ["takes % in contains literally, not as anything", { contains: "100%" }, ["cooldown: 100% sure"]],
      ["finds nothing for a % that is not there", { contains: "web%1" }, []],
      ["takes a backslash literally", { contains: "C:\\temp" }, ["path C:\\temp\\x"]],
      [
        "combines filters",
        { kind: "decision.suppressed", contains: "allowed" },
        ["target webX1 is not allowed"],
      ],
    ])("%s", async (_case, query, expected) => {
      expect(await messagesOf(query)).toEqual(expected);
    });
  });
});
