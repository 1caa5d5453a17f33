/**
 * @module
 * A problem found in a runbook, located for people: file, line, column and the field's
 * path, with a message that says what is wrong and what to write instead.
 */

export interface ProblemLocation {
  file: string;
  line?: number;
  column?: number;
  /** Dotted field path, e.g. `guards.cooldown` or `steps.remediate[0].run`; empty for the whole file. */
  path: string;
}

export class RunbookProblem implements ProblemLocation {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly path: string;
  readonly message: string;

  constructor(location: ProblemLocation, message: string) {
    this.file = location.file;
    this.line = location.line;
    this.column = location.column;
    this.path = location.path;
    this.message = message;
  }

  /** `runbooks/nginx-down.yml:14:7 guards.cooldown: "10 minutes" is not a duration (use 30s, 10m, 1h)` */
  toString(): string {
    const where = this.line ? `${this.file}:${this.line}:${this.column ?? 1}` : this.file;
    return this.path ? `${where} ${this.path}: ${this.message}` : `${where} ${this.message}`;
  }

  toJSON(): ProblemLocation & { message: string } {
    return { file: this.file, line: this.line, column: this.column, path: this.path, message: this.message };
  }
}

/** Turns a JSON-pointer-like segment list into `steps.remediate[0].run`. */
export function formatPath(segments: readonly (string | number)[]): string {
  let out = "";
  for (const segment of segments) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out ? `.${segment}` : segment;
  }
  return out;
}
