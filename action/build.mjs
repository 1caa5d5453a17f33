// Bundles the Action into action/dist/index.js (committed: `uses: ./action` runs it from a
// checkout, without npm install). The same input must give byte-identical output, because
// check-dist compares a fresh build with the committed one.
//
//   node action/build.mjs [outdir]     (default: action/dist)
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const outdir = resolve(process.argv[2] ?? join(here, "dist"));

mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: [join(here, "src/index.ts")],
  outfile: join(outdir, "index.js"),
  bundle: true,
  platform: "node",
  // The runner uses node24; act and older self-hosted runners use node20.
  target: "node20",
  format: "esm",
  // Dependencies such as @actions/core are CommonJS and call require() for Node built-ins,
  // which an ES module does not have.
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module";\nconst require = __createRequire(import.meta.url);',
  },
  legalComments: "none",
  sourcemap: false,
  // Paths in the bundle are relative to this folder's parent, never absolute, so the output
  // does not depend on where the repository is checked out.
  absWorkingDir: resolve(here, ".."),
  logLevel: "warning",
});
// The bundle is an ES module wherever it is checked out, whatever the surrounding package.json says.
writeFileSync(join(outdir, "package.json"), '{ "type": "module" }\n');
