/**
 * @module
 * Validates a Kubernetes manifest against the API's OpenAPI schemas offline: kubernetes-models
 * carries a validator generated from the Kubernetes OpenAPI document for every built-in kind,
 * and @kubernetes-models/prometheus-operator one from the prometheus-operator CRDs
 * (ServiceMonitor, PrometheusRule). An unknown apiVersion/kind is an error, never a pass.
 */

interface Model {
  validate(): void;
}
type ModelClass = new (data: unknown) => Model;

/** The npm module holding a kind's model: `apps/v1` + `StatefulSet` → kubernetes-models/apps/v1/StatefulSet. */
function modulePath(apiVersion: string, kind: string): string {
  if (apiVersion.startsWith("monitoring.coreos.com/")) {
    return `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`;
  }
  return `kubernetes-models/${apiVersion}/${kind}`;
}

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** Throws, naming the object and the schema's complaint, when the manifest does not conform. */
export async function validateManifest(manifest: Manifest): Promise<void> {
  const where = `${manifest.kind}/${manifest.metadata?.name} (${manifest.apiVersion})`;
  let model: ModelClass | undefined;
  try {
    const module = (await import(modulePath(manifest.apiVersion, manifest.kind))) as Record<
      string,
      ModelClass
    >;
    model = module[manifest.kind];
  } catch (error) {
    throw new Error(`${where}: no schema for this apiVersion and kind (${(error as Error).message})`);
  }
  if (!model) throw new Error(`${where}: no schema for this apiVersion and kind`);
  try {
    new model(manifest).validate();
  } catch (error) {
    throw new Error(`${where} does not match the Kubernetes schema: ${(error as Error).message}`);
  }
}
