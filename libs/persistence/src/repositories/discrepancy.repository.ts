import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { NotCorrectableError, type CorrectableDiscrepancy, type RegionScope, type RegistryChange } from '@sanxian/domain';
import type {
  DiscrepancyCounts, DiscrepancyItem, DiscrepancyStatus, EvidenceMessage as EvidenceMessageView, HistoryEntry as HistoryEntryView, Resolution, ResolutionAction, StaffRef,
} from '@sanxian/api-types';

// The statuses, actions and shapes the staff API shows are declared once, in @sanxian/api-types.
export type { DiscrepancyCounts, DiscrepancyStatus, ResolutionAction, StaffRef };
export const DISCREPANCY_STATUSES = ['open', 'resolved', 'resolved-by-data', 'dismissed'] as const satisfies readonly DiscrepancyStatus[];

/** Today in China, where due dates are counted: a discrepancy is overdue the day after its due date. */
export const CHINA_TODAY_SQL = `(now() AT TIME ZONE 'Asia/Shanghai')::date`;

/**
 * The scope as a WHERE condition on a township column, its parameter appended to `params`:
 * every scoped query is built with it, so a township user's rows are filtered by PostgreSQL.
 */
export function scopeCondition(scope: RegionScope, column: string, params: unknown[]): string {
  if (scope.kind === 'county') return 'true';
  params.push(scope.townshipCode);
  return `${column} = $${params.length}`;
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
  evidence: { messageIds: string[]; recordIds: string[]; cardId?: string };
  raisedByRun: string;
  lastSeenRun: string;
  resolution: Resolution | null;
}

/** An evidence message as the API shows it, with its receipt time as read. */
export type EvidenceMessage = Omit<EvidenceMessageView, 'receivedAt'> & { receivedAt: Date };

export type HistoryEntry = Omit<HistoryEntryView, 'at'> & { at: Date };

export type ResolveOutcome =
  | { outcome: 'not-found' }
  | { outcome: 'not-open'; status: DiscrepancyStatus }
  | { outcome: 'resolved'; discrepancy: DiscrepancyRecord; change: RegistryChange | null };

export type AssignOutcome =
  | { outcome: 'not-found'; ids: string[] }
  | { outcome: 'out-of-region'; ids: string[] }
  | { outcome: 'assigned'; ids: string[] };

export interface RunView {
  id: string;
  trigger: string;
  townshipCode: string | null;
  status: string;
  asOf: string;
  startedAt: Date;
  finishedAt: Date | null;
  counts: unknown;
  error: string | null;
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
 * The discrepancy workflow: scoped lists, detail with evidence, and staff actions — each action
 * one transaction with its registry correction, its receipts to the agencies and its audit entry.
 */
@Injectable()
export class DiscrepancyRepository {
  constructor(private readonly db: DataSource) {}

  /** One page in (due date, id) order; ask for limit + 1 to learn whether another page follows. */
  async list(scope: RegionScope, filter: DiscrepancyListFilter): Promise<DiscrepancySummary[]> {
    const params: unknown[] = [];
    const where = [scopeCondition(scope, 'd.township_code', params)];
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
       WHERE d.id = $1 AND ${scopeCondition(scope, 'd.township_code', params)}`,
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

  /** Raised, staff actions (from the audit log) and corrections made, oldest first. */
  async history(record: DiscrepancyRecord): Promise<HistoryEntry[]> {
    const actions = await this.db.query(
      `SELECT at, user_id, username, action, detail FROM audit_log
       WHERE target = $1 AND action IN ('discrepancy.assign', 'discrepancy.resolve')
       ORDER BY id`,
      [record.id],
    );
    const entries: HistoryEntry[] = [{ at: record.raisedAt, event: 'raised', by: null, detail: { run: record.raisedByRun } }];
    for (const a of actions) {
      entries.push({ at: a.at, event: a.action.replace(/^discrepancy\./, ''), by: a.user_id ? { id: a.user_id, username: a.username } : null, detail: a.detail });
    }
    if (record.status === 'resolved-by-data' && record.closedAt) {
      entries.push({ at: record.closedAt, event: 'resolved-by-data', by: null, detail: { run: record.lastSeenRun } });
    }
    return entries.sort((a, b) => a.at.getTime() - b.at.getTime());
  }

  /**
   * Closes an open discrepancy by staff decision, in one transaction: the status and resolution;
   * for accept-agency the registry change (`planChange` may refuse with NotCorrectableError, which
   * rolls everything back), its provenance and a `correction` receipt to the family-planning
   * client of the card; for keep-registry a `disputed` receipt to every agency message in
   * evidence; for all a `resolved` receipt to the senders of the evidence; and the audit entry.
   */
  async resolve(
    scope: RegionScope,
    id: string,
    input: { action: ResolutionAction; comment: string; staff: StaffRef },
    planChange: (d: CorrectableDiscrepancy) => RegistryChange,
  ): Promise<ResolveOutcome> {
    return this.db.transaction(async (tx) => {
      const params: unknown[] = [id];
      const [locked] = await tx.query(
        `SELECT * FROM discrepancy d WHERE d.id = $1 AND ${scopeCondition(scope, 'd.township_code', params)} FOR UPDATE`,
        params,
      );
      if (!locked) return { outcome: 'not-found' };
      if (locked.status !== 'open') return { outcome: 'not-open', status: locked.status };
      const { action, comment, staff } = input;
      const messageIds: string[] = locked.evidence?.messageIds ?? [];
      let change: RegistryChange | null = null;

      if (action === 'accept-agency') {
        change = planChange({
          kind: locked.kind, subject: locked.subject, cardId: locked.card_id, agencyValue: locked.agency_value, registryValue: locked.registry_value,
        });
        const card = await applyRegistryChange(tx, change);
        await tx.query(
          `INSERT INTO registry_correction (card_id, discrepancy_id, change, staff_id) VALUES ($1, $2, $3, $4)`,
          [card.cardId, id, JSON.stringify(change), staff.id],
        );
        // The family-planning system keeps the registry of record: it is told what to change on its card.
        await tx.query(
          `INSERT INTO exchange_receipt (client_id, message_id, record_id, type, detail)
           SELECT m.client_id, m.id, m.record_id, 'correction', $2::jsonb FROM inbound_message m WHERE m.id = $1`,
          [card.messageId, JSON.stringify({ discrepancyId: id, kind: locked.kind, change, comment })],
        );
      } else if (action === 'keep-registry') {
        await insertReceipts(tx, messageIds, 'disputed', { discrepancyId: id, kind: locked.kind, registryValue: locked.registry_value, comment }, true);
      }

      const at = new Date();
      const [updated] = await returning(
        tx,
        `UPDATE discrepancy SET status = $2, closed_at = $3, resolution = $4 WHERE id = $1 RETURNING *`,
        [id, action === 'dismiss' ? 'dismissed' : 'resolved', at, JSON.stringify({ action, comment, by: staff, at: at.toISOString() })],
      );
      await insertReceipts(tx, messageIds, 'resolved', { discrepancyId: id, kind: locked.kind, action }, false);
      await audit(tx, staff, 'discrepancy.resolve', id, { action, comment, ...(change ? { change } : {}) });
      const [assignee] = updated.assignee_id ? await tx.query(`SELECT username FROM staff_user WHERE id = $1`, [updated.assignee_id]) : [];
      return {
        outcome: 'resolved',
        discrepancy: toRecord({ ...updated, overdue: false, assignee_username: assignee?.username }),
        change,
      };
    });
  }

  /**
   * Assigns (or unassigns, null) every discrepancy of `ids`, all or none: each must be in scope,
   * and inside the assignee's township when the assignee is a township user.
   */
  async assign(scope: RegionScope, ids: readonly string[], assignee: (StaffRef & { townshipCode: string | null }) | null, staff: StaffRef): Promise<AssignOutcome> {
    return this.db.transaction(async (tx) => {
      const params: unknown[] = [ids];
      const rows: { id: string; region_code: string }[] = await tx.query(
        `SELECT d.id, d.region_code FROM discrepancy d
         WHERE d.id = ANY($1::uuid[]) AND ${scopeCondition(scope, 'd.township_code', params)}
         ORDER BY d.id FOR UPDATE`,
        params,
      );
      const found = new Set(rows.map((r) => r.id));
      const missing = ids.filter((id) => !found.has(id));
      if (missing.length) return { outcome: 'not-found', ids: missing };
      const townshipCode = assignee?.townshipCode;
      if (townshipCode) {
        const outside = rows.filter((r) => !r.region_code.startsWith(townshipCode)).map((r) => r.id);
        if (outside.length) return { outcome: 'out-of-region', ids: outside };
      }
      await tx.query(`UPDATE discrepancy SET assignee_id = $2 WHERE id = ANY($1::uuid[])`, [ids, assignee?.id ?? null]);
      // One entry per discrepancy, so each one's history shows it.
      await tx.query(
        `INSERT INTO audit_log (user_id, username, action, target, detail)
         SELECT $1, $2, 'discrepancy.assign', t.id, $4::jsonb FROM unnest($3::text[]) AS t(id)`,
        [staff.id, staff.username, ids, JSON.stringify({ assignee: assignee ? { id: assignee.id, username: assignee.username } : null })],
      );
      return { outcome: 'assigned', ids: [...ids] };
    });
  }

  /** Counts in scope, in one pass over the table's (kind, status, township) groups. */
  async counts(scope: RegionScope): Promise<DiscrepancyCounts> {
    const params: unknown[] = [];
    const rows: { kind: string; status: string; township_code: string; n: number; overdue: number }[] = await this.db.query(
      `SELECT d.kind, d.status, d.township_code, count(*)::int AS n,
         count(*) FILTER (WHERE d.status = 'open' AND d.due_at < ${CHINA_TODAY_SQL})::int AS overdue
       FROM discrepancy d WHERE ${scopeCondition(scope, 'd.township_code', params)}
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
   * Recent reconciliation runs, newest first: the county-wide ones and, for a township user,
   * those of their own township (not another township's).
   */
  async recentRuns(scope: RegionScope, limit: number): Promise<RunView[]> {
    const params: unknown[] = [limit];
    const rows = await this.db.query(
      `SELECT r.id, r.trigger, r.township_code, r.status, r.as_of, r.started_at, r.finished_at, r.counts, r.error
       FROM reconciliation_run r
       WHERE r.township_code IS NULL OR ${scopeCondition(scope, 'r.township_code', params)}
       ORDER BY r.id DESC LIMIT $1`,
      params,
    );
    return rows.map((r: Record<string, any>) => ({
      id: String(r.id), trigger: r.trigger, townshipCode: r.township_code, status: r.status, asOf: r.as_of, startedAt: r.started_at,
      finishedAt: r.finished_at, counts: r.counts, error: r.error,
    }));
  }
}

/**
 * The rows an UPDATE or DELETE … RETURNING gives back. TypeORM answers those two commands with
 * [rows, rowCount]; as a CTE under a SELECT the statement answers with its rows like any query.
 */
export async function returning<T = any>(tx: EntityManager | DataSource, statement: string, params: unknown[]): Promise<T[]> {
  return tx.query(`WITH changed AS (${statement}) SELECT * FROM changed`, params);
}

function parsePayload(payload: string): unknown {
  try {
    return JSON.parse(payload);
  } catch {
    // CSV and NDJSON records are stored as JSON too; anything else is shown as sent.
    return payload;
  }
}

/** One receipt per evidence message, to the client that sent it (agency messages only, if asked). */
export async function insertReceipts(tx: EntityManager, messageIds: readonly string[], type: string, detail: unknown, agencyOnly: boolean): Promise<void> {
  if (!messageIds.length) return;
  await tx.query(
    `INSERT INTO exchange_receipt (client_id, message_id, record_id, type, detail)
     SELECT m.client_id, m.id, m.record_id, $2, $3::jsonb FROM inbound_message m
     WHERE m.id = ANY($1::uuid[]) ${agencyOnly ? `AND m.kind <> 'registry-card'` : ''}
     ORDER BY m.id`,
    [messageIds, type, JSON.stringify(detail)],
  );
}

/** The audit entry of an action, in the action's own transaction: no action goes unrecorded. */
export async function audit(tx: EntityManager, staff: StaffRef, action: string, target: string, detail: Record<string, unknown>): Promise<void> {
  await tx.query(`INSERT INTO audit_log (user_id, username, action, target, detail) VALUES ($1, $2, $3, $4, $5)`, [
    staff.id, staff.username, action, target, JSON.stringify(detail),
  ]);
}

const PERSON_COLUMNS = { name: 'name', birthDate: 'birth_date', sex: 'sex' } as const;

/**
 * Applies one registry change to the working copy (the card's updated_at moves with it) and
 * returns the card and the message behind it. A change that finds nothing to change refuses.
 */
async function applyRegistryChange(tx: EntityManager, change: RegistryChange): Promise<{ cardId: string; messageId: string }> {
  if (change.op === 'create-card') {
    // A card needs a card id and a version that only the family-planning system can give.
    throw new NotCorrectableError(`${change.op}: the family-planning system must open the card; keep-registry or dismiss instead`);
  }
  const [card] = await returning(tx, `UPDATE registry_woman SET updated_at = now() WHERE card_id = $1 RETURNING card_id, message_id`, [change.cardId]);
  if (!card) throw new NotCorrectableError(`card ${change.cardId} is no longer in the registry`);
  // The child a birth date and sex name, within a day as matching goes, the closest first.
  const childByBirth = (dateParam: string, sexParam: string) =>
    `SELECT ordinal FROM registry_child WHERE card_id = $1 AND sex = ${sexParam} AND birth_date BETWEEN ${dateParam}::date - 1 AND ${dateParam}::date + 1
     ORDER BY abs(birth_date - ${dateParam}::date), ordinal LIMIT 1`;
  let changed: unknown[] = [];
  switch (change.op) {
    case 'set-card':
      changed = await returning(
        tx,
        `UPDATE registry_woman SET marital_status = COALESCE($2, marital_status), residence_status = COALESCE($3, residence_status)
         WHERE card_id = $1 RETURNING 1`,
        [change.cardId, change.maritalStatus ?? null, change.residenceStatus ?? null],
      );
      break;
    case 'add-child':
      // Name and id follow from the card's next version; until then the child is known by birth.
      // Policy compliance is the family-planning office's judgement: assumed until it says otherwise.
      changed = await tx.query(
        `INSERT INTO registry_child (card_id, ordinal, citizen_id, citizen_id_valid, name, sex, birth_date, birth_order, policy_compliant)
         SELECT $1, COALESCE(max(ordinal) + 1, 0), NULL, false, NULL, $2, $3::date, COALESCE($4, 1 + count(*) FILTER (WHERE birth_date < $3::date)), true
         FROM registry_child WHERE card_id = $1
         RETURNING 1`,
        [change.cardId, change.child.sex, change.child.birthDate, change.child.birthOrder ?? null],
      );
      break;
    case 'remove-child':
      changed = 'citizenId' in change.match
        ? await returning(tx, `DELETE FROM registry_child WHERE card_id = $1 AND citizen_id = $2 RETURNING 1`, [change.cardId, change.match.citizenId])
        : await returning(tx, `DELETE FROM registry_child WHERE card_id = $1 AND ordinal = (${childByBirth('$2', '$3')}) RETURNING 1`, [
            change.cardId, change.match.birthDate, change.match.sex,
          ]);
      break;
    case 'set-birth-order':
      changed = await returning(tx, `UPDATE registry_child SET birth_order = $4 WHERE card_id = $1 AND ordinal = (${childByBirth('$2', '$3')}) RETURNING 1`, [
        change.cardId, change.match.birthDate, change.match.sex, change.birthOrder,
      ]);
      break;
    case 'set-person': {
      const column = PERSON_COLUMNS[change.field];
      const args = [change.cardId, change.citizenId, change.value];
      // The registry keeps no sex for the woman (a card is a woman's) nor the husband.
      if (change.field !== 'sex') {
        changed.push(...(await returning(tx, `UPDATE registry_woman SET ${column} = $3 WHERE card_id = $1 AND citizen_id = $2 RETURNING 1`, args)));
        changed.push(...(await returning(tx, `UPDATE registry_husband SET ${column} = $3 WHERE card_id = $1 AND citizen_id = $2 RETURNING 1`, args)));
      }
      changed.push(...(await returning(tx, `UPDATE registry_child SET ${column} = $3 WHERE card_id = $1 AND citizen_id = $2 RETURNING 1`, args)));
      break;
    }
  }
  if (!changed.length) throw new NotCorrectableError(`${change.op}: card ${change.cardId} no longer holds what the discrepancy is about`);
  return { cardId: card.card_id, messageId: card.message_id };
}
