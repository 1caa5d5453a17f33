/**
 * @module
 * The Node flags the compiled bridge runs with, in one place: `npm start` (package.json), the
 * Docker image's CMD and the benchmark's bridge processes use exactly these, and
 * test/packaging checks that they agree.
 *
 * --max-semi-space-size=2: Node 24's V8 sizes the young generation from the machine's memory
 * (128 MB of new space on a 23.5 GiB machine), so an idle bridge held ~280 MB. The bridge's
 * garbage is small and short-lived (one decision's objects); 2 MB semi-spaces keep scavenges
 * short and cut the idle RSS to about 115 MB. Figures: docs/benchmarks.md.
 */
export const BRIDGE_NODE_FLAGS = ["--max-semi-space-size=2"];
