import type { AssessmentLineId, AssessmentPlan } from '@sanxian/domain';
import { invalidFields } from '../reconciliation/staff-request-validator';

/** Path and query parameters of the assessment API, each checked with a 400 that names it. */

function invalid(field: string, message: string): never {
  throw invalidFields([{ field, message }]);
}

/** A plan year: four digits, 2000–2100. */
export function yearParam(value: string | undefined, field = 'year'): number {
  if (value === undefined || value === '') invalid(field, 'is required: the assessment year, e.g. 2026');
  const year = Number(value);
  if (!/^\d{4}$/.test(value) || year < 2000 || year > 2100) invalid(field, 'must be a year from 2000 to 2100');
  return year;
}

/** One of the plan's lines. */
export function lineParam(plan: AssessmentPlan, value: string | undefined, required: boolean): AssessmentLineId | undefined {
  const lines = plan.lines.map((l) => l.line);
  if (value === undefined || value === '') {
    if (required) invalid('line', `is required: one of ${lines.join(', ')}`);
    return undefined;
  }
  if (!(lines as string[]).includes(value)) invalid('line', `must be one of: ${lines.join(', ')}`);
  return value as AssessmentLineId;
}

/** A township's 9-digit code, optional. */
export function townshipParam(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{9}$/.test(value)) invalid('township', 'must be a 9-digit township code');
  return value;
}

/** A plan's unit or indicator id as it appears in a path. */
export function idParam(field: string, value: string | undefined): string {
  if (value === undefined || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(value)) invalid(field, 'must be an id of the plan (letters, digits, . _ -)');
  return value;
}

/** A row id the hub gave (a positive integer) as it appears in a path. */
export function serialParam(field: string, value: string | undefined): string {
  if (value === undefined || !/^[1-9]\d{0,17}$/.test(value)) invalid(field, 'must be the id the hub gave (a positive whole number)');
  return value;
}

/** `attachment` with an ASCII file name (every name the hub gives is). */
export function attachment(fileName: string): string {
  return `attachment; filename="${fileName.replace(/[^\w.-]/g, '_')}"`;
}
