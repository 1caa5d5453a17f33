/**
 * @module
 * The loopback side of the GitHub App manifest flow, as a Hono app:
 * `GET /` shows what will be created and a form that posts the manifest to GitHub;
 * `GET /callback?code=…&state=…` is where GitHub sends the browser back. The `state` must be
 * the one this run generated (else the request did not come from our form, and the code is
 * not exchanged); the first valid code is exchanged once, and `done` settles with the result.
 *
 * @example
 * ```ts
 * const flow = manifestFlow({ manifest: () => manifest, formAction, state, exchange });
 * const server = await listen(flow.app, { host: "127.0.0.1", port: 0 });
 * const created = await flow.done;
 * ```
 */
import { timingSafeEqual } from "node:crypto";
import { Hono } from "hono";
import { html } from "hono/html";
import type { AppManifest } from "./manifest.js";

export interface ManifestFlowOptions<T> {
  /**
   * The manifest, asked for on each page view: its redirect URL names the port, known only once
   * the server listens. Never derived from the request's Host, which a rebinding page controls.
   */
  manifest(): AppManifest;
  /**
   * The `Host` the page is served under (`127.0.0.1:<port>`). Requests naming another host are
   * refused: a page on another site that rebinds its name to 127.0.0.1 could otherwise read
   * the form's `state` and send back a code of its own.
   */
  host(): string;
  /** The GitHub URL the form posts to, `state` included. */
  formAction: string;
  state: string;
  /** Exchanges the code for the App's credentials and stores them; returns what the page shows. */
  exchange(code: string): Promise<{ result: T; message: string }>;
}

export interface ManifestFlow<T> {
  app: Hono;
  /** Settles once: with the exchange's result, or with its error. */
  done: Promise<T>;
}

function sameState(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

const page = (title: string, body: unknown) => html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${title}</title>
    <style>
      body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
      code { background: #f3f3f3; padding: 0 0.2em; }
    </style>
  </head>
  <body>
    <h1>${title}</h1>
    ${body}
  </body>
</html>`;

export function manifestFlow<T>(options: ManifestFlowOptions<T>): ManifestFlow<T> {
  let settle!: { resolve(value: T): void; reject(error: unknown): void };
  const done = new Promise<T>((resolve, reject) => {
    settle = { resolve, reject };
  });
  let exchanging = false;
  const app = new Hono();

  app.use(async function onlyLoopbackHost(c, next) {
    if (c.req.header("host") !== options.host()) {
      return c.text("This page answers only at the address runbridge app create printed.", 403);
    }
    await next();
    // A one-shot page: no keep-alive connection holds the command open once it is done.
    c.header("connection", "close");
  });

  app.get("/", (c) => {
    const manifest = options.manifest();
    return c.html(
      page(
        "Create the Runbridge GitHub App",
        html`<p>
            GitHub will ask you to name the App and confirm. It gets these repository permissions and
            nothing else:
          </p>
          <ul>
            ${Object.entries(manifest.default_permissions).map(
              ([name, access]) => html`<li><code>${name}</code>: ${access}</li>`,
            )}
          </ul>
          <p>
            Events: ${manifest.default_events.map((event, i) => html`${i > 0 ? ", " : ""}<code>${event}</code>`)}.
            Webhook URL: <code>${manifest.hook_attributes.url}</code>.
          </p>
          <form action="${options.formAction}" method="post">
            <input type="hidden" name="manifest" value="${JSON.stringify(manifest)}" />
            <button type="submit">Create the GitHub App on GitHub</button>
          </form>`,
      ),
    );
  });

  app.get("/callback", async (c) => {
    const code = c.req.query("code");
    if (!sameState(options.state, c.req.query("state"))) {
      // Not the answer to our form (a forged or stale link): never exchange its code.
      return c.html(
        page(
          "This link does not belong to this run",
          html`<p>The <code>state</code> does not match the one <code>runbridge app create</code> sent, so
            nothing was exchanged. Start again from the page the command printed.</p>`,
        ),
        400,
      );
    }
    if (!code) {
      return c.html(page("No code", html`<p>GitHub sent no <code>code</code>; start again.</p>`), 400);
    }
    if (exchanging) {
      return c.html(page("Already done", html`<p>This run has already exchanged its code.</p>`), 409);
    }
    exchanging = true;
    try {
      const { result, message } = await options.exchange(code);
      settle.resolve(result);
      return c.html(page("GitHub App created", html`<p>${message}</p><p>You can close this page.</p>`));
    } catch (error) {
      settle.reject(error);
      return c.html(page("The App could not be completed", html`<p>${(error as Error).message}</p>`), 502);
    }
  });

  return { app, done };
}
