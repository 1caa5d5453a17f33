/**
 * @module
 * Where step progress goes while it runs. In the Action that is the job log, with workflow
 * commands switched off around step output (a log line from a target must not be able to
 * set outputs, masks or annotations); tests pass a log that collects.
 */

export interface StepLog {
  /** A step (attempt) begins; its output follows. */
  begin(title: string): void;
  output(chunk: Buffer | string): void;
  /** The step (attempt) ended; `message` says how. */
  end(message: string): void;
}

/** A log that drops everything. */
export const silentLog: StepLog = { begin() {}, output() {}, end() {} };
