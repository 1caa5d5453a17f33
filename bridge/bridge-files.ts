/**
 * @module
 * Files the bridge reads at run time (SQL migrations, console assets), named by their path
 * under `bridge/`. This module sits at the root of `bridge/`, beside main.ts, and resolves
 * against its own URL: run in place (tsx, tests) that is `bridge/`; in the build, where
 * every module is bundled into `dist/bridge/main.js` (scripts/build-bridge.mjs), it is
 * `dist/bridge/`, where the build copies those files under the same paths. A module that
 * resolved `./x` against its own URL would point elsewhere once bundled.
 */
export function bridgeFile(path: string): URL {
  return new URL(path, import.meta.url);
}
