/**
 * @module
 * The Node flags the compiled bridge runs with, in one place: `npm start` (package.json), the
 * Docker image's CMD and the benchmark's bridge processes use exactly these, and
 * test/packaging checks that they agree.
 *
 * --max-semi-space-size=8: Node 24's V8 sizes the young generation from the machine's memory
 * (128 MB of new space on a 23.5 GiB machine), so an idle bridge held ~250-280 MB. The bridge's
 * garbage is small and short-lived (one decision's objects). Measured on the compiled bridge
 * (2 cores, same minute): 2 MB semi-spaces give the least memory (idle ~125 MB) but cost ~18 % of
 * decisions/s in scavenges; 8 MB keep ~90 % of the uncapped throughput at idle ~134 MB (~190 MB
 * under load, against ~290 MB uncapped). Figures: docs/benchmarks.md.
 *
 * --expose-gc: lets the bridge collect the garbage of starting once, with V8's memory-reducing
 * collection, instead of holding it while idle (bridge/settle-memory.ts; ~20 MB at idle).
 *
 * --invocation-count-for-maglev=5000 --invocation-count-for-turbofan=100000: V8 optimizes a
 * function after about 400 (Maglev) and 3,000 (TurboFan) runs by default. Starting runs some
 * code that often and never again: the YAML lexer over every runbook, Ajv's code generator.
 * Optimizing it loads V8's optimizing compilers — their code in the Node binary and their
 * working memory — into a bridge that then sits idle. With these thresholds nothing of
 * starting is optimized, and the decision path, run thousands of times a second in a storm,
 * still is within seconds. Measured on the compiled bridge (2 cores, same minutes, four runs
 * each, in MiB): idle 82.3-89.8 MiB → 75.9-76.5 MiB (mapped files 54.4 → 48.9 MiB, private
 * 28-36 → 27-28 MiB);
 * wrk, 32 connections, rounds of 4 s from a fresh start: the first round 5,930-5,942 decisions/s
 * against 6,272-6,899 with V8's defaults, the rounds after it 7,754-8,558 against 4,551-8,616.
 *
 * --bytecode-old-age=1 --flush-baseline-code: V8 drops a function's bytecode after six full
 * collections in which it did not run (baseline code never); these drop both after one. What
 * starting ran once (migrations, loading and checking runbooks) then goes with the start-up
 * collection (settle-memory.ts), while whatever runs between two collections — every request's
 * path, the timers — keeps its code. A function dropped and later needed is compiled again from
 * its source, as on its first call. Measured on the compiled bridge with the thresholds above
 * (same minutes, three runs each, in MB of 10^6 bytes as the bench reports): idle 79.2-80.0 MB →
 * 76.7-77.1 MB (private 27.9-28.7 → 25.3-25.7 MB); wrk, interleaved rounds of 4 s from a fresh
 * start: 5,540-8,128 decisions/s with them, 5,738-8,249 without.
 *
 * These are V8's own flags: a Node upgrade that drops them fails test/packaging's start of the
 * compiled bridge, not production.
 */
export const BRIDGE_NODE_FLAGS = [
  "--max-semi-space-size=8",
  "--expose-gc",
  "--invocation-count-for-maglev=5000",
  "--invocation-count-for-turbofan=100000",
  "--bytecode-old-age=1",
  "--flush-baseline-code",
];

/**
 * The environment the compiled bridge starts with, beside its flags (glibc reads it when the
 * process starts, so it cannot be set from inside the bridge).
 *
 * MALLOC_ARENA_MAX=2: glibc gives each thread that allocates its own malloc arena (Node has
 * the main thread, libuv's pool and V8's workers), and each keeps the memory it freed. Two
 * arenas are enough for a process whose allocations happen on the main thread. Measured on
 * the compiled bridge at idle (2 cores, same minutes): 102-108 MB without, 94.8-94.9 MB with 2
 * (private memory 40-47 MB → 33 MB); 1 arena (94.7-95.8 MB) saved no more.
 *
 * MALLOC_MMAP_THRESHOLD_=32768: an allocation of 32 KB or more gets its own mapping, returned
 * to the system when freed. glibc's default starts at 128 KB and rises (up to 32 MB) each time
 * a large block is freed, after which such blocks come from the arenas, where what V8's
 * compiler threads allocate while the bridge starts stays behind, freed but resident: on an
 * idle bridge, malloc_stats() showed 29 MB held and 9 MB in use (malloc_trim(0) from gdb gave
 * back 17.5 MB). Measured on the compiled bridge at idle (same minutes, three runs each):
 * 96.1-102.9 MB without, 85.5-88.1 MB with; throughput with wrk, three interleaved rounds:
 * 6,603-7,070 decisions/s without, 6,889-7,159 with; peak RSS under that load 165-170 MB → 155-157 MB.
 */
export const BRIDGE_ENV = { MALLOC_ARENA_MAX: "2", MALLOC_MMAP_THRESHOLD_: "32768" };
