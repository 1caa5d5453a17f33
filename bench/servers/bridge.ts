/**
 * @module
 * (c) The real bridge, started with `startBridge` from its environment (bench/run.ts sets a
 * temporary database, a copy of the runbooks, dry-run, LOG_LEVEL=warn, a large storm limit).
 */
import { startBridge } from "../../bridge/main.js";
import { announceReady } from "./ready.js";

const bridge = await startBridge({ handleSignals: true });
announceReady(bridge.url);
