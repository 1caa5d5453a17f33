import { describe, expect, it } from "vitest";
import { consoleRoutes } from "./console.js";

describe("consoleRoutes", () => {
  const app = consoleRoutes();

  it("serves the page with a Content-Security-Policy that allows only its own scripts", async () => {
    const page = await app.request("/");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
  });

  it("serves every module the page loads, and the modules those import", async () => {
    const html = await (await app.request("/")).text();
    const pending = [...html.matchAll(/<script type="module" src="([^"]+)"/g)].map(
      (match) => match[1] as string,
    );
    const served: string[] = [];
    while (pending.length > 0) {
      const path = pending.shift() as string;
      if (served.includes(path)) continue;
      const response = await app.request(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("content-type"), path).toBe("text/javascript; charset=utf-8");
      served.push(path);
      // Static imports, one per line at the top of the module (the JSDoc `@import` of types is erased).
      for (const [, specifier] of (await response.text()).matchAll(/^import .* from "([^"]+)";$/gm)) {
        pending.push(new URL(specifier as string, `http://console${path}`).pathname);
      }
    }
    expect(served.sort()).toEqual([
      "/console/console.js",
      "/console/dom.js",
      "/console/execution-view.js",
      "/console/runbooks-view.js",
      "/console/sse.js",
    ]);
  });

  it("answers 404 for a file that is not part of the console", async () => {
    expect((await app.request("/console/tsconfig.json")).status).toBe(404);
  });
});
