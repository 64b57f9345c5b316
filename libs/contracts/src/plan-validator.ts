import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { schemaRoot } from './schema-root';

let validate: ValidateFunction | undefined;

/**
 * Checks an assessment plan against `schemas/plan/assessment-plan.schema.json`; the problems
 * as `<JSON Pointer>: <message>`, empty when the document is valid. Compiled once.
 */
export function planSchemaProblems(document: unknown): string[] {
  if (validate === undefined) {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats(ajv, ['date', 'date-time']);
    validate = ajv.compile(JSON.parse(readFileSync(join(schemaRoot(), 'plan', 'assessment-plan.schema.json'), 'utf8')) as object);
  }
  if (validate(document)) return [];
  return (validate.errors ?? []).map(problem);
}

function problem(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') return `${error.instancePath}/${String(params.missingProperty)}: is missing`;
  if (error.keyword === 'additionalProperties') return `${error.instancePath}/${String(params.additionalProperty)}: is not a field of the plan`;
  return `${error.instancePath || '/'}: ${error.message ?? 'is invalid'}`;
}
