import { describe, expect, it } from "vitest";
import { foreignEventReason } from "./event-origin.js";

const repository = { owner: "acme", repo: "infra" };

describe("foreignEventReason", () => {
  it.each<[string, unknown, { installationId?: number }, string | undefined]>([
    ["the bridge's own repository", { repository: { full_name: "acme/infra" } }, {}, undefined],
    ["names are case-insensitive", { repository: { full_name: "ACME/Infra" } }, {}, undefined],
    [
      "another repository sharing the secret",
      { repository: { full_name: "acme/website" } },
      {},
      "it is about acme/website, not acme/infra",
    ],
    ["no repository at all", { action: "completed" }, {}, "it names no repository (expected acme/infra)"],
    [
      "another installation of the App",
      { repository: { full_name: "acme/infra" }, installation: { id: 7 } },
      { installationId: 42 },
      "it comes from App installation 7, not 42",
    ],
    [
      "the App's own installation",
      { repository: { full_name: "acme/infra" }, installation: { id: 42 } },
      { installationId: 42 },
      undefined,
    ],
  ])("%s", (_case, payload, expected, reason) => {
    expect(foreignEventReason(payload, { repository, ...expected })).toBe(reason);
  });

  it("has nothing to compare without GITHUB_REPOSITORY", () => {
    expect(foreignEventReason({ repository: { full_name: "x/y" } }, {})).toBeUndefined();
  });
});
