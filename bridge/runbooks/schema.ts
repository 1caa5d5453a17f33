/**
 * @module
 * The compiled runbook schema. `schemas/runbook.schema.json` is the single source of
 * the runbook contract: the validator, the defaults and the TypeScript types all come from it.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import runbookSchema from "../../schemas/runbook.schema.json" with { type: "json" };

export { runbookSchema };

type JsonSchema = Record<string, unknown>;

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
ajv.addSchema(runbookSchema);

const SCHEMA_ID = runbookSchema.$id;

/** Validates a whole runbook document (already parsed from YAML). */
export const validateRunbookShape: ValidateFunction = ajv.getSchema(SCHEMA_ID) as ValidateFunction;

const subValidators = new Map<string, ValidateFunction>();

/** A validator for one `$defs` entry, e.g. `runStep`; used to tell which `oneOf` branch an input meant. */
export function definitionValidator(name: string): ValidateFunction {
  let validate = subValidators.get(name);
  if (!validate) {
    validate = ajv.compile({ $ref: `${SCHEMA_ID}#/$defs/${name}` });
    subValidators.set(name, validate);
  }
  return validate;
}

/** Resolves a local `$ref` such as `#/$defs/duration` to its schema node. */
export function resolveRef(ref: string): JsonSchema {
  const name = ref.replace(/^#\/\$defs\//, "");
  const node = (runbookSchema.$defs as Record<string, JsonSchema>)[name];
  if (!node) throw new Error(`schema reference ${ref} does not exist in runbook.schema.json`);
  return node;
}

export type { ErrorObject };
