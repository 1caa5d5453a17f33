import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/** Random bytes are drawn in blocks: one system call per 512 ids instead of one per id. */
let pool = Buffer.alloc(0);
let offset = 0;

function randomByte(): number {
  if (offset >= pool.length) {
    pool = randomBytes(4_096);
    offset = 0;
  }
  return pool[offset++] as number;
}

function encodeTime(time: number): string {
  let encoded = "";
  let rest = Math.max(0, Math.floor(time));
  for (let index = 0; index < 10; index++) {
    encoded = ALPHABET[rest % 32] + encoded;
    rest = Math.floor(rest / 32);
  }
  return encoded;
}

/**
 * A new execution id: `ex_` + 10 time characters + 8 random, so ids sort by creation
 * time and stay short enough to carry in a run name (`[ex_…]`).
 */
export function newExecutionId(now: number): string {
  let random = "";
  for (let index = 0; index < 8; index++) random += ALPHABET[randomByte() % 32];
  return `ex_${encodeTime(now)}${random}`;
}

/** The smallest id created at or after `time`: turns a time filter into an id range. */
export function executionIdFloor(time: number): string {
  return `ex_${encodeTime(time)}`;
}

/** When an execution was created, read from its id (newExecutionId), or undefined for an id of another shape. */
export function executionIdTime(id: string): number | undefined {
  const match = /^ex_([0-9a-hjkmnp-tv-z]{10})/.exec(id);
  if (!match) return undefined;
  let time = 0;
  for (const character of match[1] as string) time = time * 32 + ALPHABET.indexOf(character);
  return time;
}
