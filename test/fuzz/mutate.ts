/**
 * @module
 * Mutations of a valid payload into the hostile ones a public HTTP surface meets: values of
 * the wrong type, huge and deeply nested values, prototype keys, odd timestamps, bracket,
 * newline and template tricks in strings (structural, on the parsed JSON), and duplicate keys,
 * invalid UTF-8, truncation and stray bytes (textual, on the serialized body).
 */
import type { Random } from "./random.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const TRICKY_STRINGS = [
  "",
  " ",
  "\n",
  "line one\nline two\r\n::warning::injected",
  "::add-mask::secret",
  // A GitHub Actions expression, as alert text: it must never be evaluated.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text is the point
  "${{ secrets.GITHUB_TOKEN }}",
  "$(touch /tmp/pwned)",
  "`id`",
  "'; DROP TABLE executions; --",
  "<!channel> <!here> @everyone",
  "[link](https://evil.invalid) ![x](https://evil.invalid/x.png)",
  "<script>alert(1)</script>",
  "{{ .Labels }}",
  "]]}}))",
  "\u0000",
  "\u2028\u2029",
  "\u202eevil\u202c",
  "\uD800",
  "💥".repeat(50),
  "a".repeat(70_000),
  "x".repeat(1_000_000),
  "__proto__",
  "constructor",
  "0001-01-01T00:00:00Z",
];

const ODD_TIMESTAMPS = [
  "0001-01-01T00:00:00Z",
  "9999-12-31T23:59:59Z",
  "2016-12-31T23:59:60Z",
  "2024-02-30T10:00:00Z",
  "2024-06-01T10:00:00.123456789+14:00",
  "2024-06-01 10:00:00",
  "1970-01-01T00:00:00Z",
  "-000001-01-01T00:00:00Z",
  "NaN",
  "",
  "now",
];

const PROTOTYPE_KEYS = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf"];

function nested(depth: number): Json {
  let value: Json = "bottom";
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
}

/** A value of some other type than JSON usually carries there. */
function wrongValue(random: Random): Json {
  switch (random.int(12)) {
    case 0:
      return null;
    case 1:
      return random.chance(0.5);
    case 2:
      return random.pick([0, -1, 1e308, -1e308, 2 ** 53 + 1, 0.1, 1e-320]);
    case 3:
      return random.pick(TRICKY_STRINGS);
    case 4:
      return random.pick(ODD_TIMESTAMPS);
    case 5:
      return [];
    case 6:
      return {};
    case 7:
      return Array.from({ length: random.pick([2, 100, 5_000]) }, (_, i) => `item-${i}`);
    case 8:
      return Object.fromEntries(
        Array.from({ length: random.pick([50, 2_000]) }, (_, i) => [`k${i}`, `v${i}`]),
      );
    case 9:
      return nested(random.pick([50, 500, 1_000]));
    case 10:
      return Object.fromEntries(PROTOTYPE_KEYS.map((key) => [key, { polluted: true }]));
    default:
      return { nested: { deeper: random.pick(TRICKY_STRINGS) } };
  }
}

/**
 * How deep mutations reach. A payload's own nodes sit a few levels down; below this are only
 * the deeply nested values a mutation put there. Mutating inside those nested them further with
 * each mutation of a case, past what structuredClone can copy (a RangeError in the fuzzer
 * itself, seen at 100,000 cases with FUZZ_SEED=20261207).
 */
const MAX_PATH_DEPTH = 32;

/** Paths to every node of a JSON value (not descending into long arrays beyond a few items). */
function paths(value: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []) {
  out.push(prefix);
  if (prefix.length >= MAX_PATH_DEPTH) return out;
  if (Array.isArray(value)) {
    for (const [i, item] of value.slice(0, 4).entries()) paths(item, [...prefix, i], out);
  } else if (value && typeof value === "object")
    for (const [key, item] of Object.entries(value)) paths(item, [...prefix, key], out);
  return out;
}

function parentOf(root: Json, path: (string | number)[]): { parent: Json; key: string | number } | undefined {
  if (path.length === 0) return undefined;
  let node = root;
  for (const step of path.slice(0, -1)) node = (node as Record<string | number, Json>)[step] as Json;
  return { parent: node, key: path.at(-1) as string | number };
}

/** One structural mutation of a copy of `payload`. */
export function mutateStructure(payload: Json, random: Random): Json {
  const root = structuredClone(payload);
  const all = paths(root);
  const target = random.pick(all);
  const slot = parentOf(root, target);
  if (!slot) return wrongValue(random);
  const parent = slot.parent as Record<string | number, Json>;
  switch (random.int(6)) {
    case 0:
      delete parent[slot.key];
      break;
    case 1: {
      // A prototype key next to the real ones, through defineProperty so JSON.stringify keeps it.
      const key = random.pick(PROTOTYPE_KEYS);
      if (parent && typeof parent === "object" && !Array.isArray(parent))
        Object.defineProperty(parent, key, {
          value: wrongValue(random),
          enumerable: true,
          configurable: true,
          writable: true,
        });
      break;
    }
    case 2:
      if (typeof parent[slot.key] === "string") parent[slot.key] = random.pick(TRICKY_STRINGS);
      else parent[slot.key] = wrongValue(random);
      break;
    case 3:
      if (/at$|At$|time/i.test(String(slot.key))) parent[slot.key] = random.pick(ODD_TIMESTAMPS);
      else parent[slot.key] = wrongValue(random);
      break;
    case 4:
      // Many copies of an array item (a 1,000-alert delivery), or a huge value.
      if (Array.isArray(parent)) {
        const item = parent[0] ?? null;
        parent.push(...Array.from({ length: random.pick([10, 300]) }, () => structuredClone(item)));
      } else parent[slot.key] = wrongValue(random);
      break;
    default:
      parent[slot.key] = wrongValue(random);
  }
  return root;
}

/** One textual mutation of a serialized body. */
export function mutateText(body: string, random: Random): Buffer {
  const bytes = Buffer.from(body, "utf8");
  switch (random.int(8)) {
    case 0: {
      // A duplicate key: the same key twice in the outermost object, the second with another value.
      const match = /^\{\s*"([^"]+)"\s*:/.exec(body);
      if (!match) return bytes;
      return Buffer.from(
        `{"${match[1]}":${JSON.stringify(random.pick(TRICKY_STRINGS))},${body.slice(1)}`,
        "utf8",
      );
    }
    case 1: {
      // Invalid UTF-8 inside a string value: a lone continuation byte, an overlong form, a truncated sequence.
      const at = body.indexOf('":"');
      if (at < 0) return bytes;
      const cut = Buffer.byteLength(body.slice(0, at + 3), "utf8");
      const bad = random.pick([
        Buffer.from([0x80]),
        Buffer.from([0xc0, 0xaf]),
        Buffer.from([0xe2, 0x82]),
        Buffer.from([0xff, 0xfe]),
      ]);
      return Buffer.concat([bytes.subarray(0, cut), bad, bytes.subarray(cut)]);
    }
    case 2:
      return bytes.subarray(0, random.int(bytes.length));
    case 3:
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
    case 4:
      return Buffer.concat([bytes, Buffer.from(random.pick(["}", "]", "\u0000", " garbage", ",{}"]))]);
    case 5: {
      const copy = Buffer.from(bytes);
      for (let i = 0; i < 1 + random.int(4); i++) copy[random.int(copy.length)] = random.int(256);
      return copy;
    }
    default:
      return Buffer.from(
        random.pick(["", "null", "[]", "{}", "0", '"string"', "[{}]", "{".repeat(100_000)]),
        "utf8",
      );
  }
}

export type { Json };
