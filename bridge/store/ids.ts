import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/**
 * A new execution id: `ex_` + 10 time characters + 8 random, so ids sort by creation
 * time and stay short enough to carry in a run name (`[ex_…]`).
 */
export function newExecutionId(now: number): string {
  let time = "";
  let rest = now;
  for (let index = 0; index < 10; index++) {
    time = ALPHABET[rest % 32] + time;
    rest = Math.floor(rest / 32);
  }
  let random = "";
  for (const byte of randomBytes(8)) random += ALPHABET[byte % 32];
  return `ex_${time}${random}`;
}
