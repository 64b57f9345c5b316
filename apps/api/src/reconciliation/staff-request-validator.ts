import * as fs from 'node:fs';
import * as path from 'node:path';
import { BadRequestException, Injectable } from '@nestjs/common';
import Ajv2020 from 'ajv/dist/2020';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { schemaRoot } from '@sanxian/contracts';

const SCHEMA_BASE = 'https://schemas.sanxian-hub.cn/staff/v1/';

/** The request bodies of the staff API, each with its schema in schemas/staff/. */
export interface StaffRequestBodies {
  'discrepancy-resolution': { action: 'accept-agency' | 'keep-registry' | 'dismiss'; comment: string };
  'discrepancy-assignment': { assigneeId: string | null };
  'discrepancy-bulk-assignment': { ids: string[]; assigneeId: string | null };
  'link-review-decision': { decision: 'confirm' | 'reject'; comment: string };
  'reconciliation-request': { townshipCode?: string; asOf?: string };
  'verification-request': { question: string; messageId?: string; crossCounty?: boolean };
}
export type StaffRequestName = keyof StaffRequestBodies;

export interface FieldIssue {
  field: string;
  message: string;
}

/** A 400 problem that names each offending field (`detail` and the `errors` extension). */
export function invalidFields(issues: FieldIssue[]): BadRequestException {
  return new BadRequestException({ message: issues.map((i) => `${i.field}: ${i.message}`).join('; '), errors: issues });
}

const BODY_NAMES: readonly StaffRequestName[] = [
  'discrepancy-resolution', 'discrepancy-assignment', 'discrepancy-bulk-assignment', 'link-review-decision', 'reconciliation-request',
  'verification-request',
];

/** Compiles the named schemas of schemas/staff/ (all loaded, so they can refer to each other), once. */
export function compileStaffSchemas<N extends string>(names: readonly N[]): Map<N, ValidateFunction> {
  const dir = path.join(schemaRoot(), 'staff');
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv, ['uuid', 'date']);
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.schema.json')).sort()) {
    ajv.addSchema(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as object);
  }
  const validators = new Map<N, ValidateFunction>();
  for (const name of names) {
    const validate = ajv.getSchema(`${SCHEMA_BASE}${name}.schema.json`);
    if (!validate) throw new Error(`schemas/staff/${name}.schema.json is missing`);
    validators.set(name, validate);
  }
  return validators;
}

/**
 * A request body checked by its schema: the body as the schema admits it, or a 400 naming every
 * offending field (`issues` turns ajv's errors into fields). An absent body is an empty object.
 */
export function checkedBody<T>(
  validate: ValidateFunction,
  body: unknown,
  issues: (errors: readonly ErrorObject[], body: Record<string, unknown>) => FieldIssue[] = (errors, body) => fieldIssues(errors, undefined, body),
): T {
  const value = body === undefined || body === null ? {} : body;
  if (typeof value !== 'object' || Array.isArray(value) || Buffer.isBuffer(value)) {
    throw invalidFields([{ field: 'body', message: 'must be a JSON object (Content-Type: application/json)' }]);
  }
  if (!validate(value)) throw invalidFields(issues(validate.errors ?? [], value as Record<string, unknown>));
  return value as T;
}

/**
 * Checks staff request bodies against schemas/staff/ (compiled once at start-up, as every schema
 * of the project is): a body either is what the schema says or the caller gets a 400 naming
 * every bad field.
 */
@Injectable()
export class StaffRequestValidator {
  private readonly validators = compileStaffSchemas(BODY_NAMES);

  /** The body, typed, or a 400 naming every offending field. An absent body is an empty object. */
  parse<N extends StaffRequestName>(name: N, body: unknown): StaffRequestBodies[N] {
    return checkedBody<StaffRequestBodies[N]>(this.validators.get(name)!, body);
  }
}


/**
 * One issue per field: the first ajv reports for it (`if` errors only repeat what `then` said).
 * `message` words an error; the staff API's wording by default.
 */
export function fieldIssues(
  errors: readonly ErrorObject[],
  message: (error: ErrorObject, params: Record<string, unknown>) => string = messageOf,
  body?: Record<string, unknown>,
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (error.keyword === 'if') continue;
    const params = error.params as Record<string, unknown>;
    const pointer =
      error.keyword === 'required' || error.keyword === 'dependentRequired' ? `${error.instancePath}/${String(params.missingProperty)}`
      : error.keyword === 'additionalProperties' ? `${error.instancePath}/${String(params.additionalProperty)}`
      : error.instancePath;
    const field = pointer.replace(/^\//, '').replace(/\//g, '.') || 'body';
    if (seen.has(field)) continue;
    seen.add(field);
    // PostgreSQL's text holds no NUL character: the schemas' text patterns refuse it, and say so.
    const nul = error.keyword === 'pattern' && String(valueAt(body, error.instancePath) ?? '').includes('\u0000');
    issues.push({ field, message: nul ? 'must not hold a NUL character (U+0000)' : message(error, params) });
  }
  return issues;
}

/** The value a JSON pointer of ajv's names in the body. */
function valueAt(body: unknown, pointer: string): unknown {
  return pointer.split('/').slice(1).reduce<unknown>((at, key) => (at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[key.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), body);
}

function messageOf(error: ErrorObject, params: Record<string, unknown>): string {
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a field of this request';
    case 'enum':
      return `must be one of: ${(params.allowedValues as unknown[]).join(', ')}`;
    case 'minLength':
    case 'pattern':
      // The only patterns here are "not blank" and the 9-digit township code.
      return error.instancePath.endsWith('townshipCode') ? 'must be a 9-digit township code' : 'must not be blank';
    case 'format':
      return params.format === 'date' ? 'must be a date, YYYY-MM-DD' : 'must be a UUID';
    case 'type':
      return `must be of type ${String(params.type)}`;
    case 'oneOf':
      return 'must be a UUID or null';
    default:
      return error.message ?? 'is invalid';
  }
}
