/**
 * @module
 * Alertmanager identifies an alert by a hash of its label set. When a sender leaves the
 * fingerprint out, we compute a stable one from the sorted labels so the same alert
 * always gets the same identity, whichever order its labels arrive in.
 */
import { createHash } from "node:crypto";

export function fingerprintLabels(labels: Readonly<Record<string, string>>): string {
  const hash = createHash("sha256");
  for (const name of Object.keys(labels).sort()) {
    // \0 and \xff never occur in label names or UTF-8 text, so pairs cannot run together.
    hash
      .update(name)
      .update("\0")
      .update(labels[name] ?? "")
      .update("\xff");
  }
  return hash.digest("hex").slice(0, 16);
}
