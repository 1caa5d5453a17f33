#!/usr/bin/env node
// The `runbridge` command. The CLI is TypeScript run in place: tsx's ESM loader is
// registered first, so a `npm install`ed package needs no build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../bridge/cli/main.ts");
await main();
