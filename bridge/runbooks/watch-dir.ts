/**
 * @module
 * Reloads runbooks when files in their directory change. Editors write in bursts
 * (temp file, rename, chmod), so changes are debounced.
 */
import { type FSWatcher, watch } from "node:fs";

export function watchRunbookDir(dir: string, onChange: () => void, debounceMs = 300): { close(): void } {
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, { persistent: false }, () => {
      clearTimeout(timer);
      timer = setTimeout(onChange, debounceMs);
    });
  } catch {
    // A missing directory is reported by the loader; there is nothing to watch.
  }
  return {
    close() {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
