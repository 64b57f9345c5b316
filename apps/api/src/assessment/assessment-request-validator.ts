import { Injectable } from '@nestjs/common';
import type { ErrorObject } from 'ajv';
import type { DecisionRequest } from '@sanxian/assessment';
import type { QualitativeGrade } from '@sanxian/domain';
import { checkedBody, compileStaffSchemas, fieldIssues, FieldIssue } from '../reconciliation/staff-request-validator';

export type AssessorInputType = 'grade' | 'item' | 'value' | 'check' | 'veto-event';

/** An assessor's entry as the schema admits it (which fields a type takes is the schema's business). */
export interface AssessorInputBody {
  type: AssessorInputType;
  unitId?: string;
  indicatorId?: string;
  checkId?: string;
  grade?: QualitativeGrade;
  value?: number;
  numerator?: number;
  denominator?: number;
  itemId?: string;
  count?: number;
  vetoId?: string;
  date?: string;
  unitIds?: string[];
  evidenceIds?: string[];
  note?: string;
}

/** The assessment's request bodies, each with its schema in schemas/staff/. */
export interface AssessmentRequestBodies {
  'assessor-input': AssessorInputBody;
  'assessment-compute-request': { year: number; asOf?: string };
  'assessment-publication-request': { comment?: string };
  'assessor-input-withdrawal': { reason: string };
  'person-decision': DecisionRequest;
  'responsibility-letter-request': { unitId: string; responsible: { name: string; post: string }; signedOn: string };
}

export type AssessmentRequestName = keyof AssessmentRequestBodies;

const BODY_NAMES: readonly AssessmentRequestName[] = ['assessor-input', 'assessment-compute-request', 'assessment-publication-request', 'assessor-input-withdrawal', 'person-decision', 'responsibility-letter-request'];

/**
 * Checks the assessment's request bodies against schemas/staff/ (compiled once): the body is what
 * the schema says, or a 400 naming every bad field (the same problem shape as the rest of the
 * staff API).
 */
@Injectable()
export class AssessmentRequestValidator {
  private readonly validators = compileStaffSchemas(BODY_NAMES);

  /** The body, typed, or a 400 naming every offending field. An absent body is an empty object. */
  parse<N extends AssessmentRequestName>(name: N, body: unknown): AssessmentRequestBodies[N] {
    return checkedBody<AssessmentRequestBodies[N]>(this.validators.get(name)!, body, assessmentFieldIssues);
  }
}

/** The schemas' pattern of a text (schemas/staff/common.schema.json): not blank, no NUL character. */
const TEXT_PATTERN = '^(?=[\\s\\S]*\\S)[^\\u0000]*$';

/** One issue per field, worded for assessor input (which fields a type takes depends on `type`). */
export function assessmentFieldIssues(errors: readonly ErrorObject[], body: Record<string, unknown>): FieldIssue[] {
  return fieldIssues(errors, (error, params) => messageOf(error, params, body), body);
}

function messageOf(error: ErrorObject, params: Record<string, unknown>, body: Record<string, unknown>): string {
  switch (error.keyword) {
    case 'required':
      return typeof body.type === 'string' && error.instancePath === '' && params.missingProperty !== 'type' ? `is required for a ${body.type} input` : 'is required';
    case 'additionalProperties':
      return 'is not a field of this request';
    case 'false schema':
      return `is not a field of a ${String(body.type)} input`;
    case 'enum':
      return `must be one of: ${(params.allowedValues as unknown[]).join(', ')}`;
    case 'pattern':
      if (error.instancePath === '/corrects') return 'must be the id of a decision';
      return params.pattern === TEXT_PATTERN ? 'must not be blank' : 'must be an id: letters, digits, . _ -, starting with a letter or digit';
    case 'dependentRequired':
      return `is required with ${String(params.property)}`;
    case 'format':
      return params.format === 'date' ? 'must be a date, YYYY-MM-DD' : 'must be a UUID';
    case 'type':
      return `must be of type ${String(params.type)}`;
    case 'minItems':
      return `must list at least ${String(params.limit)}`;
    case 'uniqueItems':
      return 'must not list the same id twice';
    case 'minimum':
    case 'maximum':
    case 'minLength':
    case 'maxLength':
    case 'maxItems':
      return error.message ?? 'is out of range';
    default:
      return error.message ?? 'is invalid';
  }
}
