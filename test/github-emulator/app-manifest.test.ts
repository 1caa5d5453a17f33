import { createPrivateKey } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createGitHubEmulator, type GitHubEmulator } from "./index.js";
import { type ManifestPage, startManifestPage } from "./manifest-page.js";
import { octokitFor } from "./octokit-for.js";

const manifest = {
  name: "Runbridge Test",
  url: "https://bridge.example",
  hook_attributes: { url: "https://bridge.example/webhook/github" },
  redirect_url: "http://127.0.0.1:1/callback",
  default_permissions: { actions: "write", metadata: "read" },
  default_events: ["workflow_run"],
};

async function post(page: ManifestPage, path: string, body: unknown): Promise<Response> {
  return fetch(`${page.url}${path}`, {
    method: "POST",
    body: new URLSearchParams({ manifest: JSON.stringify(body) }),
    redirect: "manual",
  });
}

describe("GitHub App manifests", () => {
  let gh: GitHubEmulator;
  let page: ManifestPage;
  beforeEach(async () => {
    gh = await createGitHubEmulator();
    page = await startManifestPage(gh);
  });
  afterEach(async () => {
    await page.close();
    await gh.close();
  });

  it("redirects a posted manifest back with a code and the state, and converts the code once", async () => {
    const posted = await post(page, "/settings/apps/new?state=abc", manifest);
    expect(posted.status).toBe(302);
    const back = new URL(posted.headers.get("location") as string);
    expect(`${back.origin}${back.pathname}`).toBe(manifest.redirect_url);
    expect(back.searchParams.get("state")).toBe("abc");
    const code = back.searchParams.get("code") as string;

    // No token: the one-time code is the credential.
    const octokit = octokitFor(gh, "");
    const { status, data } = await octokit.rest.apps.createFromManifest({ code });
    expect(status).toBe(201);
    expect(gh.violations).toEqual([]);
    expect(data).toMatchObject({
      name: "Runbridge Test",
      slug: "runbridge-test",
      owner: { login: "octocat" },
      permissions: { actions: "write", metadata: "read" },
      events: ["workflow_run"],
    });
    expect(data.webhook_secret).toMatch(/^[0-9a-f]{40}$/);
    expect(createPrivateKey(data.pem).asymmetricKeyType).toBe("rsa");
    expect(data.pem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);

    await expect(octokit.rest.apps.createFromManifest({ code })).rejects.toMatchObject({ status: 404 });
  });

  it("refuses an expired code with 422, as GitHub does after an hour", async () => {
    const code = gh.state.submitManifest(manifest, "octocat", new Date(Date.now() - 2 * 3_600_000));
    await expect(octokitFor(gh, "").rest.apps.createFromManifest({ code })).rejects.toMatchObject({
      status: 422,
    });
  });

  it("refuses manifests GitHub would refuse: an event without its permission, no url", async () => {
    const noPermission = await post(page, "/settings/apps/new", { ...manifest, default_events: ["push"] });
    expect(noPermission.status).toBe(422);
    expect(await noPermission.text()).toBe("default_events: push needs the contents permission");
    const { url: _url, ...withoutUrl } = manifest;
    expect((await post(page, "/settings/apps/new", withoutUrl)).status).toBe(422);
    expect(gh.state.manifests.size).toBe(0);
  });

  it("gives an App created under /organizations/<org>/ to that organization", async () => {
    const posted = await post(page, "/organizations/acme/settings/apps/new?state=s", manifest);
    const code = new URL(posted.headers.get("location") as string).searchParams.get("code") as string;
    const { data } = await octokitFor(gh, "").rest.apps.createFromManifest({ code });
    expect(data.owner).toMatchObject({ login: "acme" });
  });
});
