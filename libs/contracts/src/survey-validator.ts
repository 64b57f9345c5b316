import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { schemaRoot } from './schema-root';

/** The spot check's documents, each with its schema in schemas/survey/. */
export const SURVEY_SCHEMAS = ['survey-return', 'signed-return', 'key-enrollment', 'key-revocation', 'return-receipt'] as const;
export type SurveySchemaName = (typeof SURVEY_SCHEMAS)[number];

/** One bad field: its JSON Pointer (`/return/groups/0/status`, or `body`) and what is wrong. */
export interface SurveyFieldIssue {
  field: string;
  message: string;
}

let validators: Map<SurveySchemaName, ValidateFunction> | undefined;

function compiled(): Map<SurveySchemaName, ValidateFunction> {
  if (validators) return validators;
  const dir = join(schemaRoot(), 'survey');
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv, ['uuid', 'date', 'date-time']);
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.schema.json')).sort()) {
    ajv.addSchema(JSON.parse(readFileSync(join(dir, file), 'utf8')) as object);
  }
  validators = new Map(SURVEY_SCHEMAS.map((name) => [name, ajv.getSchema(`https://schemas.sanxian-hub.cn/survey/v1/${name}.schema.json`)!]));
  return validators;
}

/**
 * Checks a document against its schema in schemas/survey/ (compiled once); every bad field, empty when
 * the document is valid. The conditional parts (a reason only when not checked) report the field itself.
 */
export function surveySchemaIssues(name: SurveySchemaName, document: unknown): SurveyFieldIssue[] {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return [{ field: 'body', message: 'must be a JSON object' }];
  const validate = compiled().get(name)!;
  if (validate(document)) return [];
  const issues = new Map<string, SurveyFieldIssue>();
  for (const error of validate.errors ?? []) {
    if (error.keyword === 'if') continue; // the failing branch is reported by its own error
    const issue = issueOf(error);
    if (!issues.has(issue.field)) issues.set(issue.field, issue);
  }
  return [...issues.values()];
}

function issueOf(error: ErrorObject): SurveyFieldIssue {
  const params = error.params as Record<string, unknown>;
  const at = error.instancePath;
  switch (error.keyword) {
    case 'required': return { field: `${at}/${String(params.missingProperty)}`, message: 'is required' };
    case 'additionalProperties': return { field: `${at}/${String(params.additionalProperty)}`, message: 'is not a field of this document' };
    case 'false schema': return { field: at, message: at.endsWith('/reason') ? 'is given only when not checked' : 'is given only when checked' };
    case 'enum': return { field: at, message: `must be one of: ${(params.allowedValues as unknown[]).join(', ')}` };
    case 'format': return { field: at, message: `must be a ${String(params.format)}` };
    default: return { field: at || 'body', message: error.message ?? 'is invalid' };
  }
}
