import type { Runbook } from "./runbook.types.js";

/** A runbook as loaded from its file: schema-checked, defaults applied. */
export interface LoadedRunbook {
  runbook: Runbook;
  /** Path as given to the loader, e.g. `runbooks/nginx-down.yml`. */
  file: string;
  /** sha256 of the file's bytes: which version of the runbook decided an alert. */
  sourceHash: string;
}
