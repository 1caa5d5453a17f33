import type { ResolvedRunbook } from "./resolved-runbook.js";

/** A runbook as loaded from its file: schema-checked, semantically checked, resolved. */
export interface LoadedRunbook {
  runbook: ResolvedRunbook;
  /** Path as given to the loader, e.g. `runbooks/nginx-down.yml`. */
  file: string;
  /** sha256 of the file's bytes: which version of the runbook decided an alert. */
  sourceHash: string;
}
