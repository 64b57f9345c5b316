import { ForbiddenException } from '@nestjs/common';
import { AGENCIES, type Agency } from '@sanxian/contracts';
import type { StaffPrincipal } from '../auth/staff-principal';
import { checkedBody, compileStaffSchemas, invalidFields } from '../reconciliation/staff-request-validator';

const DAY = 86_400_000;
/** The longest period the monitor shows at once: a year and a day or so. */
export const MAX_PERIOD_DAYS = 400;
/** The period shown when none is asked for: the last 30 days. */
export const DEFAULT_PERIOD_DAYS = 30;

export type ReplayRequest = { messageIds: string[]; all?: false } | { all: true; messageIds?: undefined };

/** Today in China, YYYY-MM-DD. */
export function chinaToday(now = Date.now()): string {
  return new Date(now + 8 * 3600_000).toISOString().slice(0, 10);
}

function isDay(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) === value;
}

/** `from` and `to` (days of receipt, China time, both included): by default the last 30 days; at most 400 days. */
export function periodParams(fromValue: string | undefined, toValue: string | undefined, today = chinaToday()): { from: string; to: string } {
  const issues = [];
  if (toValue !== undefined && !isDay(toValue)) issues.push({ field: 'to', message: 'must be a date, YYYY-MM-DD' });
  if (fromValue !== undefined && !isDay(fromValue)) issues.push({ field: 'from', message: 'must be a date, YYYY-MM-DD' });
  if (issues.length) throw invalidFields(issues);
  const to = toValue ?? today;
  const from = fromValue ?? new Date(Date.parse(`${to}T00:00:00Z`) - (DEFAULT_PERIOD_DAYS - 1) * DAY).toISOString().slice(0, 10);
  if (from > to) throw invalidFields([{ field: 'from', message: 'must not be after to' }]);
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY + 1;
  if (days > MAX_PERIOD_DAYS) throw invalidFields([{ field: 'from', message: `the period may be at most ${MAX_PERIOD_DAYS} days` }]);
  return { from, to };
}

/**
 * Which agency a user may watch: county-wide roles every agency (or the one they ask for); a
 * department liaison only their own, named by their account's region (`users create --role
 * department --region health`).
 */
export function agencyScope(staff: StaffPrincipal, asked: string | undefined): Agency | null {
  if (asked !== undefined && !(AGENCIES as readonly string[]).includes(asked)) {
    throw invalidFields([{ field: 'agency', message: `must be one of: ${AGENCIES.join(', ')}` }]);
  }
  if (staff.role !== 'department') return (asked as Agency | undefined) ?? null;
  const own = departmentAgency(staff.regionCode);
  if (!own) throw new ForbiddenException('a department user sees their own agency only, and this account names none: give it the agency as its region (users create --role department --region <agency>)');
  if (asked !== undefined && asked !== own) throw new ForbiddenException(`a department user sees their own agency (${own}) only`);
  return own;
}

/** A department user's agency: their account's region, when it names one. */
export function departmentAgency(regionCode: string | null): Agency | null {
  return regionCode !== null && (AGENCIES as readonly string[]).includes(regionCode) ? (regionCode as Agency) : null;
}

/** The replay request's body against schemas/staff/monitor-dead-replay.schema.json (compiled once per controller), and exactly one of its two fields. */
export class MonitorRequestValidator {
  private readonly validate = compileStaffSchemas(['monitor-dead-replay']).get('monitor-dead-replay')!;

  parseReplay(body: unknown): ReplayRequest {
    // Bodies under /v1/exchange/ reach controllers as bytes (the exchange checks signatures over them): parsed here.
    let parsed = body;
    if (Buffer.isBuffer(body)) {
      try {
        parsed = body.length ? JSON.parse(body.toString('utf8')) : undefined;
      } catch {
        throw invalidFields([{ field: 'body', message: 'must be a JSON object (Content-Type: application/json)' }]);
      }
    }
    const { messageIds, all } = checkedBody<{ messageIds?: string[]; all?: boolean }>(this.validate, parsed);
    if (messageIds !== undefined && all === true) throw invalidFields([{ field: 'all', message: 'give either messageIds or all: true, not both' }]);
    if (messageIds === undefined && all !== true) throw invalidFields([{ field: 'messageIds', message: 'is required (or all: true to replay every dead message)' }]);
    return messageIds !== undefined ? { messageIds: messageIds.map((id) => id.toLowerCase()) } : { all: true };
  }
}
