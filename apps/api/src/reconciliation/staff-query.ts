import type { DiscrepancyKind } from '@sanxian/domain';
import { invalidFields } from './staff-request-validator';

/** Query and path parameters of the staff API, each checked with a 400 that names it. */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// A record keyed by every kind, so that a new kind in the domain cannot be forgotten here.
const KINDS: Record<DiscrepancyKind, true> = {
  'birth-not-in-registry': true, 'birth-not-notified': true, 'birth-order-conflict': true, 'marital-status-conflict': true,
  'moved-out-still-registered': true, 'moved-in-not-registered': true, 'death-not-reflected': true, 'identity-conflict': true,
  'unlinked-record': true, 'spot-check-finding': true,
};
export const DISCREPANCY_KINDS = Object.keys(KINDS) as DiscrepancyKind[];

function invalid(field: string, message: string): never {
  throw invalidFields([{ field, message }]);
}

export function uuidParam(field: string, value: string | undefined): string {
  if (value === undefined || !UUID.test(value)) invalid(field, 'must be a UUID');
  return value.toLowerCase();
}

/** A link review's id: the fact's id, a positive integer. */
export function factIdParam(field: string, value: string | undefined): string {
  if (value === undefined || !/^[1-9]\d{0,17}$/.test(value)) invalid(field, 'must be a link review id (a positive integer)');
  return value;
}

export function limitParam(value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > max) invalid('limit', `must be an integer from 1 to ${max}`);
  return n;
}

export function enumParam<T extends string>(field: string, value: string | undefined, allowed: readonly T[], fallback: T): T;
export function enumParam<T extends string>(field: string, value: string | undefined, allowed: readonly T[]): T | undefined;
export function enumParam<T extends string>(field: string, value: string | undefined, allowed: readonly T[], fallback?: T): T | undefined {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) invalid(field, `must be one of: ${allowed.join(', ')}`);
  return value as T;
}

export function booleanParam(field: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') invalid(field, 'must be true or false');
  return value === 'true';
}

/** A county (6), township (9) or village (12) code: regions inside it match. */
export function regionParam(field: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^(\d{6}|\d{9}|\d{12})$/.test(value)) invalid(field, 'must be a 6-, 9- or 12-digit region code');
  return value;
}

/** Cursors are opaque to callers: base64url of the keyset values, checked on the way back in. */
export function encodeCursor(values: readonly string[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export function decodeCursor(value: string | undefined, check: (values: string[]) => boolean): string[] | undefined {
  if (value === undefined) return undefined;
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    values = undefined;
  }
  if (!Array.isArray(values) || !values.every((v) => typeof v === 'string') || !check(values)) {
    invalid('cursor', 'must be a nextCursor this endpoint returned');
  }
  return values;
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** A page of a keyset query that fetched limit + 1 rows: the extra row only says another page follows. */
export function page<T, V>(rows: T[], limit: number, view: (row: T) => V, cursorOf: (row: T) => string[]): { items: V[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  return { items: items.map(view), nextCursor: rows.length > limit ? encodeCursor(cursorOf(items[items.length - 1])) : null };
}

/** Every citizen id a response shows in full (any field named citizenId or …CitizenId), for the audit entry. */
export function citizenIdsIn(value: unknown, into: Set<string> = new Set()): string[] {
  if (Array.isArray(value)) for (const item of value) citizenIdsIn(item, into);
  else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    for (const [key, field] of Object.entries(value)) {
      if (/^citizenId$|CitizenId$/.test(key) && typeof field === 'string' && field) into.add(field);
      else citizenIdsIn(field, into);
    }
  }
  return [...into].sort();
}
