/**
 * @module
 * Every property path of schemas/runbook.schema.json, as docs/runbooks.md names them:
 * `guards.breaker.failures`, `notify[].slack.webhookSecret`; the fields of one step (shared
 * by the five phases) under `step.` (`step.http.url`).
 */

type Node = Record<string, unknown>;

const STEP_LIST = "#/$defs/stepList";

export function schemaPropertyPaths(schema: Node): string[] {
  const defs = (schema.$defs ?? {}) as Record<string, Node>;
  const paths = new Set<string>();

  const resolve = (ref: string): Node => {
    const name = ref.replace(/^#\/\$defs\//, "");
    const target = defs[name];
    if (!target) throw new Error(`unresolved $ref ${ref}`);
    return target;
  };

  const walk = (node: Node, path: string, seen: Set<string>): void => {
    if (typeof node.$ref === "string") {
      // A phase's step list is documented once, as `step.*`.
      if (node.$ref === STEP_LIST) return;
      if (seen.has(node.$ref)) return;
      walk(resolve(node.$ref), path, new Set([...seen, node.$ref]));
    }
    for (const key of ["allOf", "oneOf", "anyOf"]) {
      for (const branch of (node[key] as Node[] | undefined) ?? []) walk(branch, path, seen);
    }
    if (node.items && typeof node.items === "object") walk(node.items as Node, `${path}[]`, seen);
    for (const [name, child] of Object.entries((node.properties ?? {}) as Record<string, Node>)) {
      const childPath = path ? `${path}.${name}` : name;
      paths.add(childPath);
      walk(child, childPath, seen);
    }
  };

  walk(schema, "", new Set());
  walk(defs.step as Node, "step", new Set());
  return [...paths];
}
