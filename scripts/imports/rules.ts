/**
 * @module
 * Which part of the flow may import which: the one table `scripts/check-imports.ts` enforces
 * and docs/architecture.md explains. Paths are relative to the repository root; an entry
 * ending in `/` is a folder (everything under it), one starting with `*` a suffix, any
 * other entry is one file.
 */

export interface ImportRule {
  /** Shown with each violation. */
  name: string;
  /** The importing files the rule applies to. */
  from: readonly string[];
  /** What those files may not import. */
  forbidden: readonly string[];
  /** Files inside `forbidden` that are allowed all the same: each one named, with the reason in `why`. */
  except?: readonly string[];
  /** Importing files inside `from` the rule does not apply to (the owner of what is forbidden). */
  exceptFrom?: readonly string[];
  /**
   * Also forbid reaching `forbidden` through other files (a chain of imports). For the Action:
   * whatever it reaches is bundled into action/dist, so a pure module that starts importing
   * the store would carry SQLite into every workflow run.
   */
  transitive?: boolean;
  /** Printed with each violation: what the rule protects and what to do instead. */
  why: string;
}

export const importRules: readonly ImportRule[] = [
  {
    name: "pure verdicts",
    from: ["bridge/guards/", "bridge/alerts/", "bridge/breakers/"],
    forbidden: ["bridge/store/", "bridge/http/"],
    why: "guards, alert parsing and the breaker state machine are pure functions of their inputs; read state in decide/ (or executions/) and pass it in",
  },
  {
    name: "the store knows SQL, not policy",
    from: ["bridge/store/"],
    forbidden: [
      "bridge/guards/",
      "bridge/decide/",
      "bridge/http/",
      "bridge/github/",
      "bridge/dispatch/",
      "bridge/executions/",
      "bridge/main.ts",
    ],
    // executions/states.ts is the state table (pure data) the execution rows are typed by.
    except: ["bridge/executions/states.ts"],
    why: "store/ answers queries named by intent and returns plain types; policy (guards, transitions, breaker rules) lives above it and calls it",
  },
  {
    name: "the Action carries no server",
    from: ["action/src/"],
    forbidden: [
      "bridge/store/",
      "bridge/http/",
      "bridge/main.ts",
      "bridge/github/",
      "bridge/dispatch/",
      "bridge/decide/",
      "bridge/executions/",
    ],
    transitive: true,
    why: "action/dist is bundled from what action/src reaches; share only pure modules (bridge/runbooks types and parsing, notification text)",
  },
  {
    name: "one owner of execution rows",
    from: ["bridge/"],
    forbidden: ["bridge/store/execution-writes.ts"],
    // Tests set a scene (an execution already running, a run already linked) directly.
    exceptFrom: ["bridge/executions/", "bridge/store/", "*.test.ts"],
    why: "only executions/ writes an execution row, one function per transition (row, audit events and breaker change in one transaction); call the transition instead",
  },
];
