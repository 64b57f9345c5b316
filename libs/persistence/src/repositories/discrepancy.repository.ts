import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { scopeTownship, type DiscrepancyKind, type RegionScope } from '@sanxian/domain';
import type {
  DiscrepancyCounts, DiscrepancyItem, DiscrepancyStatus, EvidenceMessage as EvidenceMessageView, HistoryEntry as HistoryEntryView, Resolution, ResolutionAction, StaffRef,
} from '@sanxian/api-types';
import { returning } from '../returning';

// The statuses, actions and shapes the staff API shows are declared once, in @sanxian/api-types.
export type { DiscrepancyCounts, DiscrepancyStatus, ResolutionAction, StaffRef };
export const DISCREPANCY_STATUSES = ['open', 'resolved', 'resolved-by-data', 'dismissed'] as const satisfies readonly DiscrepancyStatus[];

/** Today in China, where due dates are counted: a discrepancy is overdue the day after its due date. */
export const CHINA_TODAY_SQL = `(now() AT TIME ZONE 'Asia/Shanghai')::date`;

/**
 * The scope as a WHERE condition on a region column (a village code, or a township code where the
 * row has no finer one), its parameter appended to `params`: the scope's code must prefix the
 * row's region. Every scoped query is built with it, so a township or village user's rows are
 * filtered by PostgreSQL.
 */
// `townshipColumn`, when the table has one, repeats the condition for the township index.
export function scopeCondition(scope: RegionScope, column: string, params: unknown[], townshipColumn?: string): string {
  if (scope.level === 'county') return 'true';
  // Codes are digits only (scopeFor checks), so the pattern holds no wildcard but the final %.
  params.push(`${scope.code}%`);
  const prefix = `${column} LIKE $${params.length}`;
  if (townshipColumn === undefined) return prefix;
  // The same condition said on the township column too, so its index is used.
  params.push(scope.code.slice(0, 9));
  return `${townshipColumn} = $${params.length} AND ${prefix}`;
}

/** A village user's scope widened to their township: reconciliation runs are kept per township. */
function scopeTownshipOnly(scope: RegionScope): RegionScope {
  const township = scopeTownship(scope);
  return township === null ? scope : { level: 'township', code: township };
}

export interface DiscrepancyListFilter {
  /** A village or township code: discrepancies whose region starts with it. */
  regionCode?: string;
  kind?: string;
  status: DiscrepancyStatus | 'all';
  /** true: open and past due; false: not that. */
  overdue?: boolean;
  /** A user id, or null for "assigned to nobody". */
  assigneeId?: string | null;
  /** Keyset: the last item of the previous page. */
  after?: { dueAt: string; id: string };
  limit: number;
}

/** A list item as read: the API's item, with its times as read and the subject unmasked. */
export interface DiscrepancySummary extends Pick<DiscrepancyItem, 'id' | 'kind' | 'status' | 'regionCode' | 'townshipCode' | 'dueAt' | 'overdue' | 'assignee' | 'cardId'> {
  raisedAt: Date;
  closedAt: Date | null;
  subjectCitizenId: string | null;
  subjectName: string | null;
}

export interface DiscrepancyRecord extends DiscrepancySummary {
  key: string;
  subject: Record<string, string>;
  agencyValue: unknown;
  registryValue: unknown;
  evidence: { messageIds: string[]; recordIds: string[]; cardId?: string; returnIds?: string[] };
  raisedByRun: string;
  lastSeenRun: string;
  resolution: Resolution | null;
}

/** An evidence message as the API shows it, with its receipt time as read. */
export type EvidenceMessage = Omit<EvidenceMessageView, 'receivedAt'> & { receivedAt: Date };

export type HistoryEntry = Omit<HistoryEntryView, 'at'> & { at: Date };

/** A discrepancy locked for a staff decision: what the decision needs. */
export interface LockedDiscrepancy {
  id: string;
  kind: DiscrepancyKind;
  status: DiscrepancyStatus;
  townshipCode: string;
  subject: Record<string, string>;
  cardId: string | null;
  agencyValue: unknown;
  registryValue: unknown;
  /** The messages in evidence. */
  messageIds: string[];
}

export interface RunView {
  id: string;
  /** 'incremental': the people of the batches no run had covered; 'full': the county (or one township). */
  mode: 'incremental' | 'full';
  trigger: string;
  townshipCode: string | null;
  status: string;
  asOf: string;
  startedAt: Date;
  finishedAt: Date | null;
  /** What the run read (people, their facts, their cards) and changed; null while it runs or if it failed. */
  personsRead: number | null;
  factsRead: number | null;
  cardsRead: number | null;
  raised: number | null;
  closed: number | null;
  changed: number | null;
  counts: unknown;
  error: string | null;
  /** A run in parts: its townships, how many are linked and how many decided (progress while it runs); null for other runs. */
  parts: { townships: number; linked: number; decided: number } | null;
}

const SUMMARY_COLUMNS = `d.id, d.kind, d.status, d.region_code, d.township_code, d.due_at, d.raised_at, d.closed_at, d.subject_citizen_id,
  d.subject_name, d.card_id, d.status = 'open' AND d.due_at < ${CHINA_TODAY_SQL} AS overdue, u.id AS assignee_id, u.username AS assignee_username`;

function toSummary(r: Record<string, any>): DiscrepancySummary {
  return {
    id: r.id, kind: r.kind, status: r.status, regionCode: r.region_code, townshipCode: r.township_code, dueAt: r.due_at,
    overdue: r.overdue, raisedAt: r.raised_at, closedAt: r.closed_at,
    assignee: r.assignee_id ? { id: r.assignee_id, username: r.assignee_username } : null,
    subjectCitizenId: r.subject_citizen_id, subjectName: r.subject_name, cardId: r.card_id,
  };
}

function toRecord(r: Record<string, any>): DiscrepancyRecord {
  return {
    ...toSummary(r), key: r.key, subject: r.subject, agencyValue: r.agency_value, registryValue: r.registry_value, evidence: r.evidence,
    raisedByRun: String(r.raised_by_run), lastSeenRun: String(r.last_seen_run), resolution: r.resolution,
  };
}

/**
 * The discrepancies' storage: scoped lists, detail with evidence and history, counts, and the
 * reads and writes staff's actions are made of, each in the caller's transaction (the workflow
 * itself, what an action does and in what order, is libs/discrepancy's).
 */
@Injectable()
export class DiscrepancyRepository {
  constructor(private readonly db: DataSource) {}

  /** One page in (due date, id) order; ask for limit + 1 to learn whether another page follows. */
  async list(scope: RegionScope, filter: DiscrepancyListFilter): Promise<DiscrepancySummary[]> {
    const params: unknown[] = [];
    const where = [scopeCondition(scope, 'd.region_code', params, 'd.township_code')];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (filter.status !== 'all') where.push(`d.status = ${param(filter.status)}`);
    if (filter.kind !== undefined) where.push(`d.kind = ${param(filter.kind)}`);
    // A township or village code is a prefix of the codes inside it.
    if (filter.regionCode !== undefined) where.push(`d.region_code LIKE ${param(filter.regionCode + '%')}`);
    if (filter.overdue !== undefined) where.push(`${filter.overdue ? '' : 'NOT '}(d.status = 'open' AND d.due_at < ${CHINA_TODAY_SQL})`);
    if (filter.assigneeId === null) where.push(`d.assignee_id IS NULL`);
    else if (filter.assigneeId !== undefined) where.push(`d.assignee_id = ${param(filter.assigneeId)}`);
    if (filter.after !== undefined) where.push(`(d.due_at, d.id) > (${param(filter.after.dueAt)}::date, ${param(filter.after.id)}::uuid)`);
    const rows = await this.db.query(
      `SELECT ${SUMMARY_COLUMNS}
       FROM discrepancy d LEFT JOIN staff_user u ON u.id = d.assignee_id
       WHERE ${where.join(' AND ')}
       ORDER BY d.due_at, d.id
       LIMIT ${param(filter.limit)}`,
      params,
    );
    return rows.map(toSummary);
  }

  /** The discrepancy if it exists inside the scope; undefined otherwise (the caller cannot tell which). */
  async findInScope(scope: RegionScope, id: string): Promise<DiscrepancyRecord | undefined> {
    const params: unknown[] = [id];
    const [row] = await this.db.query(
      `SELECT d.*, ${SUMMARY_COLUMNS}
       FROM discrepancy d LEFT JOIN staff_user u ON u.id = d.assignee_id
       WHERE d.id = $1 AND ${scopeCondition(scope, 'd.region_code', params, 'd.township_code')}`,
      params,
    );
    return row ? toRecord(row) : undefined;
  }

  /** The messages behind a discrepancy, with the sender's agency and the record as sent. */
  async evidenceMessages(messageIds: readonly string[]): Promise<EvidenceMessage[]> {
    if (!messageIds.length) return [];
    const rows = await this.db.query(
      `SELECT m.id, m.client_id, c.agency, m.kind, m.record_id, m.received_at, m.payload
       FROM inbound_message m LEFT JOIN exchange_client c ON c.id = m.client_id
       WHERE m.id = ANY($1::uuid[])
       ORDER BY m.received_at, m.id`,
      [messageIds],
    );
    return rows.map((r: Record<string, any>) => ({
      messageId: r.id, clientId: r.client_id, agency: r.agency, kind: r.kind, recordId: r.record_id, receivedAt: r.received_at,
      record: parsePayload(r.payload),
    }));
  }

  /** Raised, staff actions (from the audit log), verification requests and answers, and corrections made, oldest first. */
  async history(record: DiscrepancyRecord): Promise<HistoryEntry[]> {
    const actions = await this.db.query(
      `SELECT at, user_id, username, action, detail FROM audit_log
       WHERE target = $1 AND action IN ('discrepancy.assign', 'discrepancy.resolve', 'verification.request', 'verification.answer')
       ORDER BY id`,
      [record.id],
    );
    const entries: HistoryEntry[] = [{ at: record.raisedAt, event: 'raised', by: null, detail: { run: record.raisedByRun } }];
    for (const a of actions) {
      entries.push({ at: a.at, event: a.action.replace(/^discrepancy\./, '').replace('.', '-'), by: a.user_id ? { id: a.user_id, username: a.username } : null, detail: a.detail });
    }
    if (record.status === 'resolved-by-data' && record.closedAt) {
      entries.push({ at: record.closedAt, event: 'resolved-by-data', by: null, detail: { run: record.lastSeenRun } });
    }
    return entries.sort((a, b) => a.at.getTime() - b.at.getTime());
  }

  /**
   * Locks an open-or-closed discrepancy inside the scope for a decision in `tx` (FOR UPDATE);
   * undefined when there is none there (the caller cannot tell which).
   */
  async lockInScope(tx: EntityManager, scope: RegionScope, id: string): Promise<LockedDiscrepancy | undefined> {
    const params: unknown[] = [id];
    const [row] = await tx.query(
      `SELECT * FROM discrepancy d WHERE d.id = $1 AND ${scopeCondition(scope, 'd.region_code', params, 'd.township_code')} FOR UPDATE`,
      params,
    );
    if (!row) return undefined;
    return {
      id: row.id, kind: row.kind, status: row.status, townshipCode: row.township_code, subject: row.subject, cardId: row.card_id, agencyValue: row.agency_value,
      registryValue: row.registry_value, messageIds: row.evidence?.messageIds ?? [],
    };
  }

  /** Closes a discrepancy with its status and resolution, in `tx`; answers it as it now stands. */
  async close(tx: EntityManager, id: string, closing: { status: DiscrepancyStatus; closedAt: Date; resolution: Record<string, unknown> }): Promise<DiscrepancyRecord> {
    const [updated] = await returning(
      tx,
      `UPDATE discrepancy SET status = $2, closed_at = $3, resolution = $4 WHERE id = $1 RETURNING *`,
      [id, closing.status, closing.closedAt, JSON.stringify(closing.resolution)],
    );
    const [assignee] = updated.assignee_id ? await tx.query(`SELECT username FROM staff_user WHERE id = $1`, [updated.assignee_id]) : [];
    return toRecord({ ...updated, overdue: false, assignee_username: assignee?.username });
  }

  /**
   * Closes the open discrepancy of `key`, if there is one, in `tx`, with the resolution stamped
   * now; answers what its receipts need.
   */
  async closeOpenByKey(
    tx: EntityManager,
    key: string,
    closing: { status: DiscrepancyStatus; resolution: { action: string; comment: string; by: StaffRef; factId: string } },
  ): Promise<{ id: string; kind: DiscrepancyKind; messageIds: string[] } | undefined> {
    const { action, comment, by, factId } = closing.resolution;
    const [closed] = await returning<{ id: string; kind: DiscrepancyKind; evidence: { messageIds?: string[] } }>(
      tx,
      `UPDATE discrepancy SET status = $2, closed_at = now(),
         resolution = jsonb_build_object('action', $3::text, 'comment', $4::text, 'by', $5::jsonb, 'at', now(), 'factId', $6::text)
       WHERE key = $1 AND status = 'open' RETURNING id, kind, evidence`,
      [key, closing.status, action, comment, JSON.stringify(by), factId],
    );
    return closed && { id: closed.id, kind: closed.kind, messageIds: closed.evidence?.messageIds ?? [] };
  }

  /** Locks the discrepancies of `ids` that lie inside the scope, in `tx`, in id order; the others are left out. */
  async lockManyInScope(tx: EntityManager, scope: RegionScope, ids: readonly string[]): Promise<{ id: string; regionCode: string }[]> {
    const params: unknown[] = [ids];
    const rows: { id: string; region_code: string }[] = await tx.query(
      `SELECT d.id, d.region_code FROM discrepancy d
       WHERE d.id = ANY($1::uuid[]) AND ${scopeCondition(scope, 'd.region_code', params, 'd.township_code')}
       ORDER BY d.id FOR UPDATE`,
      params,
    );
    return rows.map((r) => ({ id: r.id, regionCode: r.region_code }));
  }

  /** Sets (or, null, clears) the assignee of every discrepancy of `ids`, in `tx`. */
  async setAssignee(tx: EntityManager, ids: readonly string[], assigneeId: string | null): Promise<void> {
    await tx.query(`UPDATE discrepancy SET assignee_id = $2 WHERE id = ANY($1::uuid[])`, [ids, assigneeId]);
  }

  /** Counts in scope, in one pass over the table's (kind, status, township) groups. */
  async counts(scope: RegionScope): Promise<DiscrepancyCounts> {
    const params: unknown[] = [];
    const rows: { kind: string; status: string; township_code: string; n: number; overdue: number }[] = await this.db.query(
      `SELECT d.kind, d.status, d.township_code, count(*)::int AS n,
         count(*) FILTER (WHERE d.status = 'open' AND d.due_at < ${CHINA_TODAY_SQL})::int AS overdue
       FROM discrepancy d WHERE ${scopeCondition(scope, 'd.region_code', params, 'd.township_code')}
       GROUP BY d.kind, d.status, d.township_code`,
      params,
    );
    const byKind: Record<string, number> = {};
    const byStatus: Record<string, number> = Object.fromEntries(DISCREPANCY_STATUSES.map((s) => [s, 0]));
    const townships = new Map<string, DiscrepancyCounts['byTownship'][number]>();
    for (const r of rows) {
      byStatus[r.status] = (byStatus[r.status] ?? 0) + r.n;
      if (r.status === 'open') byKind[r.kind] = (byKind[r.kind] ?? 0) + r.n;
      let township = townships.get(r.township_code);
      if (township === undefined) townships.set(r.township_code, (township = { townshipCode: r.township_code, open: 0, overdue: 0, closed: 0 }));
      if (r.status === 'open') township.open += r.n;
      else township.closed += r.n;
      township.overdue += r.overdue;
    }
    return { byKind, byStatus, byTownship: [...townships.values()].sort((a, b) => a.townshipCode.localeCompare(b.townshipCode)) };
  }

  /**
   * Recent reconciliation runs, newest first: the county-wide ones and, for a township or village
   * user, those of their own township (not another township's).
   */
  async recentRuns(scope: RegionScope, limit: number): Promise<RunView[]> {
    const params: unknown[] = [limit];
    const rows = await this.db.query(
      `SELECT r.id, r.mode, r.trigger, r.township_code, r.status, r.as_of, r.started_at, r.finished_at, r.counts, r.error,
         r.persons_read, r.facts_read, r.cards_read, r.raised, r.closed, r.changed, p.townships, p.linked, p.decided
       FROM reconciliation_run r
       LEFT JOIN LATERAL (
         SELECT count(*) FILTER (WHERE phase = 'link')::int AS townships,
                count(done_at) FILTER (WHERE phase = 'link')::int AS linked,
                count(done_at) FILTER (WHERE phase = 'decide')::int AS decided
         FROM reconciliation_run_part WHERE run_id = r.id) p ON true
       WHERE r.township_code IS NULL OR ${scopeCondition(scopeTownshipOnly(scope), 'r.township_code', params)}
       ORDER BY r.id DESC LIMIT $1`,
      params,
    );
    return rows.map((r: Record<string, any>) => ({
      id: String(r.id), mode: r.mode, trigger: r.trigger, townshipCode: r.township_code, status: r.status, asOf: r.as_of, startedAt: r.started_at,
      finishedAt: r.finished_at, personsRead: r.persons_read, factsRead: r.facts_read, cardsRead: r.cards_read, raised: r.raised, closed: r.closed,
      changed: r.changed, counts: r.counts, error: r.error,
      parts: r.townships > 0 ? { townships: r.townships, linked: r.linked, decided: r.decided } : null,
    }));
  }
}

export { returning } from '../returning';

function parsePayload(payload: string): unknown {
  try {
    return JSON.parse(payload);
  } catch {
    // CSV and NDJSON records are stored as JSON too; anything else is shown as sent.
    return payload;
  }
}

/** The audit entry of an action, in the action's own transaction: no action goes unrecorded. */
export async function audit(tx: EntityManager, staff: StaffRef, action: string, target: string, detail: Record<string, unknown>): Promise<void> {
  await tx.query(`INSERT INTO audit_log (user_id, username, action, target, detail) VALUES ($1, $2, $3, $4, $5)`, [
    staff.id, staff.username, action, target, JSON.stringify(detail),
  ]);
}

/** The same audit entry for each target of one action (each discrepancy's history shows it), in the action's transaction. */
export async function auditEach(tx: EntityManager, staff: StaffRef, action: string, targets: readonly string[], detail: Record<string, unknown>): Promise<void> {
  await tx.query(
    `INSERT INTO audit_log (user_id, username, action, target, detail)
     SELECT $1, $2, $3, t.id, $5::jsonb FROM unnest($4::text[]) AS t(id)`,
    [staff.id, staff.username, action, targets, JSON.stringify(detail)],
  );
}
