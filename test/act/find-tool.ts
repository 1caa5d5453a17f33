// Finds an executable on PATH, the way a shell would; the act suites skip when act is missing.
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

export function findOnPath(name: string, path = process.env.PATH ?? ""): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
