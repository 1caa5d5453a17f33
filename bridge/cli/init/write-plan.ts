/**
 * @module
 * Writes the files `runbridge init` generated, idempotently: a missing file is created, an
 * identical one left alone, and one that differs is kept unless `force` says otherwise — so a
 * second run with nothing changed changes nothing, and a file someone edited is never lost
 * by accident. Secret files are written with mode 0600 and their mode is repaired if looser.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export interface PlannedFile {
  /** Relative to the repository root, with `/`. */
  path: string;
  content: string;
  /** Holds a credential: mode 0600, never committed. */
  secret?: boolean;
}

export type FileOutcome =
  | { path: string; action: "created" | "unchanged" | "overwritten" | "mode-fixed" }
  | { path: string; action: "skipped"; reason: string };

const SECRET_MODE = 0o600;

/**
 * @param root the repository root the paths are relative to
 * @param force overwrite files whose content differs
 * @returns what happened to each file, in plan order
 */
export function writePlan(root: string, plan: readonly PlannedFile[], force: boolean): FileOutcome[] {
  return plan.map((file): FileOutcome => {
    const absolute = join(root, file.path);
    const mode = file.secret ? SECRET_MODE : 0o644;
    if (!existsSync(absolute)) {
      // A folder made for secrets is private too.
      mkdirSync(dirname(absolute), { recursive: true, ...(file.secret ? { mode: 0o700 } : {}) });
      writeFileSync(absolute, file.content, { mode, flag: "wx" });
      // The umask may have narrowed or (for 0644) kept the mode; a secret must end up 0600.
      if (file.secret) chmodSync(absolute, SECRET_MODE);
      return { path: file.path, action: "created" };
    }
    if (!statSync(absolute).isFile()) {
      return { path: file.path, action: "skipped", reason: "exists and is not a regular file" };
    }
    const current = readFileSync(absolute, "utf8");
    const looseSecret = file.secret === true && (statSync(absolute).mode & 0o077) !== 0;
    if (current === file.content) {
      if (!looseSecret) return { path: file.path, action: "unchanged" };
      chmodSync(absolute, SECRET_MODE);
      return { path: file.path, action: "mode-fixed" };
    }
    if (!force) {
      return {
        path: file.path,
        action: "skipped",
        reason: "exists and differs from what init writes; kept as it is (run with --force to replace it)",
      };
    }
    writeFileSync(absolute, file.content, { mode });
    if (file.secret) chmodSync(absolute, SECRET_MODE);
    return { path: file.path, action: "overwritten" };
  });
}
