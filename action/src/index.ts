// The bundle's entry point: everything else is reachable from run().
import { run } from "./main.js";

await run();
