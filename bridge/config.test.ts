import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

const PEM = "-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEA\\n-----END RSA PRIVATE KEY-----";

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe("loadConfig", () => {
  describe("defaults", () => {
    it("runs on embedded defaults with an empty environment, in dry-run", () => {
      expect(loadConfig({})).toMatchObject({
        port: 9009,
        host: "127.0.0.1",
        dbFile: "./data/runbridge.db",
        runbooksDir: "./runbooks",
        dryRun: true,
        allowUnauthenticated: false,
        logLevel: "info",
        bodyLimitBytes: 1_048_576,
        storm: { max: 30, windowMs: 300_000, openForMs: 900_000 },
        dispatch: { concurrency: 2, timeoutMs: 15_000, maxAttempts: 12, lookupGraceMs: 10_000 },
        notifications: {
          pagerDutyUrl: "https://events.pagerduty.com/v2/enqueue",
          timeoutMs: 10_000,
          maxAttempts: 10,
        },
      });
      const config = loadConfig({});
      expect(config.github).toBeUndefined();
      expect(config.alertmanagerAuth).toBeUndefined();
      expect(config.apiToken).toBeUndefined();
      expect(config.enabled).toBeUndefined();
    });

    it.each<[string, Record<string, string>, number | undefined]>([
      ["90 days unless set", {}, 90 * 86_400_000],
      ["the duration given", { RUNBRIDGE_RETENTION: "30d" }, 30 * 86_400_000],
      ["nothing pruned when off", { RUNBRIDGE_RETENTION: "off" }, undefined],
    ])(
      "keeps alerts, executions and audit events for %s (RUNBRIDGE_RETENTION)",
      (_case, env, retentionMs) => {
        expect(loadConfig(env).retentionMs).toBe(retentionMs);
      },
    );

    it("is not in dry-run once a GitHub token and repository are set", () => {
      const config = loadConfig({ GITHUB_TOKEN: "ghp_x", GITHUB_REPOSITORY: "acme/ops" });
      expect(config.dryRun).toBe(false);
      expect(config.github).toEqual({
        apiUrl: "https://api.github.com",
        owner: "acme",
        repo: "ops",
        auth: { kind: "token", token: "ghp_x" },
      });
    });

    it.each([
      ["true", { GITHUB_TOKEN: "ghp_x", GITHUB_REPOSITORY: "acme/ops" }, true],
      ["1", { GITHUB_TOKEN: "ghp_x", GITHUB_REPOSITORY: "acme/ops" }, true],
      ["false", { GITHUB_TOKEN: "ghp_x", GITHUB_REPOSITORY: "acme/ops" }, false],
      ["yes", {}, true],
    ])("an explicit RUNBRIDGE_DRY_RUN=%s wins", (value, env, dryRun) => {
      expect(loadConfig({ ...env, RUNBRIDGE_DRY_RUN: value }).dryRun).toBe(dryRun);
    });

    it("reads every setting it documents", () => {
      const config = loadConfig({
        PORT: "0",
        HOST: "0.0.0.0",
        RUNBRIDGE_DB: "/var/lib/runbridge/db.sqlite",
        RUNBRIDGE_RUNBOOKS: "/etc/runbooks",
        RUNBRIDGE_ALERTMANAGER_TOKEN: "s3cret",
        RUNBRIDGE_API_TOKEN: "api",
        GITHUB_REPOSITORY: "acme/ops",
        GITHUB_API_URL: "https://ghe.example.com/api/v3/",
        GITHUB_TOKEN: "ghp_x",
        RUNBRIDGE_ENABLED: "false",
        LOG_LEVEL: "debug",
        RUNBRIDGE_BODY_LIMIT: "2048",
      });
      expect(config).toMatchObject({
        port: 0,
        host: "0.0.0.0",
        dbFile: "/var/lib/runbridge/db.sqlite",
        runbooksDir: "/etc/runbooks",
        alertmanagerAuth: { kind: "bearer", secret: "s3cret" },
        apiToken: "api",
        repository: { owner: "acme", repo: "ops" },
        github: { apiUrl: "https://ghe.example.com/api/v3" },
        enabled: false,
        logLevel: "debug",
        bodyLimitBytes: 2048,
      });
    });

    it("takes user:password in RUNBRIDGE_ALERTMANAGER_TOKEN as basic auth", () => {
      expect(loadConfig({ RUNBRIDGE_ALERTMANAGER_TOKEN: "alertmanager:pa:ss" }).alertmanagerAuth).toEqual({
        kind: "basic",
        secret: "alertmanager:pa:ss",
      });
    });
  });

  describe("bad values", () => {
    it.each<[string, Record<string, string>, RegExp]>([
      ["PORT not a number", { PORT: "http" }, /^PORT="http" must be a whole number from 0 to 65535$/],
      ["PORT out of range", { PORT: "70000" }, /^PORT="70000" must be a whole number/],
      [
        "RUNBRIDGE_DRY_RUN not a boolean",
        { RUNBRIDGE_DRY_RUN: "maybe" },
        /^RUNBRIDGE_DRY_RUN="maybe" must be true or false$/,
      ],
      ["RUNBRIDGE_ENABLED not a boolean", { RUNBRIDGE_ENABLED: "nah" }, /^RUNBRIDGE_ENABLED=/],
      ["LOG_LEVEL unknown", { LOG_LEVEL: "verbose" }, /^LOG_LEVEL="verbose" must be one of fatal, error/],
      [
        "RUNBRIDGE_BODY_LIMIT too small",
        { RUNBRIDGE_BODY_LIMIT: "10" },
        /^RUNBRIDGE_BODY_LIMIT="10" must be/,
      ],
      [
        "RUNBRIDGE_STORM_WINDOW not a duration",
        { RUNBRIDGE_STORM_WINDOW: "five" },
        /^RUNBRIDGE_STORM_WINDOW="five" is not a duration/,
      ],
      [
        "RUNBRIDGE_RETENTION not a duration",
        { RUNBRIDGE_RETENTION: "ninety days" },
        /^RUNBRIDGE_RETENTION="ninety days" is not a duration/,
      ],
      [
        "RUNBRIDGE_RETENTION shorter than a day",
        { RUNBRIDGE_RETENTION: "12h" },
        /^RUNBRIDGE_RETENTION="12h" is shorter than a day: cooldowns, rate limits and breakers count the executions it would delete\. Use e\.g\. 30d or 90d, or off/,
      ],
      [
        "RUNBRIDGE_DISPATCH_TIMEOUT not a duration",
        { RUNBRIDGE_DISPATCH_TIMEOUT: "15" },
        /^RUNBRIDGE_DISPATCH_TIMEOUT="15"/,
      ],
      [
        "GITHUB_REPOSITORY not owner/name",
        { GITHUB_REPOSITORY: "acme" },
        /^GITHUB_REPOSITORY="acme" must be owner\/name$/,
      ],
      [
        "GITHUB_API_URL not a URL",
        { GITHUB_TOKEN: "t", GITHUB_REPOSITORY: "a/b", GITHUB_API_URL: "api.github.com" },
        /^GITHUB_API_URL="api.github.com" must be an http\(s\) URL$/,
      ],
      ["a token without GITHUB_REPOSITORY", { GITHUB_TOKEN: "t" }, /^GITHUB_REPOSITORY must be set/],
      [
        "RUNBRIDGE_DRY_RUN=false without credentials",
        { RUNBRIDGE_DRY_RUN: "false" },
        /^RUNBRIDGE_DRY_RUN=false needs GitHub credentials/,
      ],
    ])("%s is refused with a message naming the variable", (_case, env, message) => {
      const problems = problemsOf(env);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(message);
    });

    it("reports every problem at once", () => {
      expect(problemsOf({ PORT: "x", LOG_LEVEL: "loud", RUNBRIDGE_ENABLED: "?" })).toHaveLength(3);
    });

    it("puts every problem in the error's message", () => {
      expect(() => loadConfig({ PORT: "x" })).toThrow(/invalid configuration:\n {2}- PORT="x"/);
    });
  });

  describe("listening beyond loopback", () => {
    it.each(["127.0.0.1", "127.0.0.2", "localhost", "::1"])("allows %s without a token", (host) => {
      expect(loadConfig({ HOST: host }).host).toBe(host);
    });

    it.each(["0.0.0.0", "::", "10.0.0.5", "bridge.internal"])("refuses %s without a token", (host) => {
      const [problem] = problemsOf({ HOST: host });
      expect(problem).toContain(
        `HOST=${host} is not a loopback address and RUNBRIDGE_ALERTMANAGER_TOKEN is unset`,
      );
      expect(problem).toContain("RUNBRIDGE_ALLOW_UNAUTHENTICATED=true");
    });

    it("allows a non-loopback address with an Alertmanager token", () => {
      expect(loadConfig({ HOST: "0.0.0.0", RUNBRIDGE_ALERTMANAGER_TOKEN: "t" }).host).toBe("0.0.0.0");
    });

    it("allows a non-loopback address when RUNBRIDGE_ALLOW_UNAUTHENTICATED=true", () => {
      expect(loadConfig({ HOST: "0.0.0.0", RUNBRIDGE_ALLOW_UNAUTHENTICATED: "true" })).toMatchObject({
        host: "0.0.0.0",
        allowUnauthenticated: true,
      });
    });

    it("still refuses when RUNBRIDGE_ALLOW_UNAUTHENTICATED=false", () => {
      expect(problemsOf({ HOST: "0.0.0.0", RUNBRIDGE_ALLOW_UNAUTHENTICATED: "false" })).toHaveLength(1);
    });
  });

  describe("GitHub App", () => {
    const app = {
      GITHUB_REPOSITORY: "acme/ops",
      GITHUB_APP_ID: "12345",
      GITHUB_APP_PRIVATE_KEY: PEM,
      GITHUB_APP_INSTALLATION_ID: "678",
    };

    it("uses the app when all three variables are set, with \\n in the key turned into newlines", () => {
      const config = loadConfig(app);
      expect(config.dryRun).toBe(false);
      expect(config.github?.auth).toEqual({
        kind: "app",
        appId: "12345",
        privateKey: PEM.replace(/\\n/g, "\n"),
        installationId: 678,
      });
    });

    it.each(["GITHUB_APP_ID", "GITHUB_APP_PRIVATE_KEY", "GITHUB_APP_INSTALLATION_ID"] as const)(
      "needs all three: without %s it names them",
      (missing) => {
        const env: Record<string, string> = { ...app };
        delete env[missing];
        expect(problemsOf(env)).toEqual([
          "a GitHub App needs all of GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY and GITHUB_APP_INSTALLATION_ID (or use GITHUB_TOKEN)",
        ]);
      },
    );

    it("refuses an installation id that is not a positive number", () => {
      expect(problemsOf({ ...app, GITHUB_APP_INSTALLATION_ID: "abc" })).toEqual([
        'GITHUB_APP_INSTALLATION_ID="abc" must be a positive number',
      ]);
    });

    it("refuses a private key that is not PEM", () => {
      expect(problemsOf({ ...app, GITHUB_APP_PRIVATE_KEY: "not-a-key" })[0]).toMatch(
        /^GITHUB_APP_PRIVATE_KEY must be a PEM private key/,
      );
    });

    it("prefers GITHUB_TOKEN when both are configured", () => {
      expect(loadConfig({ ...app, GITHUB_TOKEN: "ghp_x" }).github?.auth).toEqual({
        kind: "token",
        token: "ghp_x",
      });
    });
  });
});
