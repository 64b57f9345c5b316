import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { RegionScope, VerificationAnswerKind, VerificationState } from '@sanxian/domain';
import type { VerificationAnswerView, VerificationRequestItem } from '@sanxian/api-types';
import { CHINA_TODAY_SQL, scopeCondition, type StaffRef } from './discrepancy.repository';
import type { Period } from './indicator.repository';

/** A verification request (协查) as stored: the staff API's item (one declaration, in @sanxian/api-types) with its times as read and its cursor. */
export interface VerificationRequestRow extends Omit<VerificationRequestItem, 'requestedAt' | 'answer'> {
  /** The request's place in the hub's sequence: the exchange API's paging cursor. */
  cursor: string;
  requestedAt: Date;
  answer: VerificationAnswerRow | null;
}

export type VerificationAnswerRow = Omit<VerificationAnswerView, 'answeredAt' | 'record'> & { answeredAt: Date };

export type NewVerificationRequest = Omit<VerificationRequestRow, 'id' | 'cursor' | 'requestedAt' | 'requestedBy' | 'state' | 'answer'> & { requestedBy: StaffRef };

/** The department's answers (协查回复) in a period: on time of fallen due or answered, by agency, with the median answer time. */
export interface VerificationAnswerMeasureRow {
  group: string;
  numerator: number;
  denominator: number;
  answered: number;
  medianAnswerDays: number | null;
  evidence: string[];
}

export type VerificationListState = VerificationState | 'unanswered' | 'all';

const STATE_SQL = `CASE WHEN a.request_id IS NOT NULL THEN 'answered' WHEN r.due_at < ${CHINA_TODAY_SQL} THEN 'overdue' ELSE 'open' END`;

const COLUMNS = `r.id, r.seq::text AS cursor, r.discrepancy_id, r.township_code, r.client_id, r.agency, r.message_id, r.record_id, r.kind, r.question,
  r.cross_county, to_char(r.requested_on, 'YYYY-MM-DD') AS requested_on, to_char(r.due_at, 'YYYY-MM-DD') AS due_at, r.requested_at,
  r.requested_by, r.requested_by_username, ${STATE_SQL} AS state,
  a.request_id IS NOT NULL AS answered, a.answer, a.comment, a.message_id AS answer_message_id, a.record_id AS answer_record_id, a.answered_at`;

const FROM = `verification_request r LEFT JOIN verification_answer a ON a.request_id = r.id`;

function stateCondition(state: VerificationListState): string {
  switch (state) {
    case 'all':
      return 'true';
    case 'unanswered':
      return 'a.request_id IS NULL';
    default:
      return `${STATE_SQL} = '${state}'`;
  }
}

function toRow(r: Record<string, any>): VerificationRequestRow {
  return {
    id: r.id, cursor: r.cursor, discrepancyId: r.discrepancy_id, townshipCode: r.township_code, clientId: r.client_id, agency: r.agency,
    messageId: r.message_id, recordId: r.record_id, kind: r.kind, question: r.question, crossCounty: r.cross_county,
    requestedOn: r.requested_on, dueAt: r.due_at, requestedAt: r.requested_at,
    requestedBy: r.requested_by ? { id: r.requested_by, username: r.requested_by_username } : null,
    state: r.state,
    answer: r.answered
      ? { answer: r.answer, comment: r.comment, messageId: r.answer_message_id, recordId: r.answer_record_id, answeredAt: r.answered_at }
      : null,
  };
}

/**
 * Verification requests and their answers: append-only rows (the database refuses UPDATE and
 * DELETE), read by the agency they are addressed to (its client), by staff in their region, and
 * as the measure behind the department line's answer indicator. Writes take the caller's
 * transaction, so that a request or answer commits with its audit entry.
 */
@Injectable()
export class VerificationRepository {
  constructor(private readonly db: DataSource) {}

  async create(tx: EntityManager, input: NewVerificationRequest): Promise<VerificationRequestRow> {
    const [{ id }] = await tx.query(
      `INSERT INTO verification_request (discrepancy_id, township_code, client_id, agency, message_id, record_id, kind, question, cross_county,
         requested_on, due_at, requested_by, requested_by_username)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
      [
        input.discrepancyId, input.townshipCode, input.clientId, input.agency, input.messageId, input.recordId, input.kind, input.question,
        input.crossCounty, input.requestedOn, input.dueAt, input.requestedBy.id, input.requestedBy.username,
      ],
    );
    const [row] = await tx.query(`SELECT ${COLUMNS} FROM ${FROM} WHERE r.id = $1`, [id]);
    return toRow(row);
  }

  /** A client's requests after a cursor, oldest first: only those addressed to it. */
  async listForClient(clientId: string, state: VerificationListState, after: string, limit: number): Promise<VerificationRequestRow[]> {
    const rows = await this.db.query(
      `SELECT ${COLUMNS} FROM ${FROM} WHERE r.client_id = $1 AND r.seq > $2 AND ${stateCondition(state)} ORDER BY r.seq LIMIT $3`,
      [clientId, after, limit],
    );
    return rows.map(toRow);
  }

  /**
   * Locks a client's request for its answer in `tx` (FOR UPDATE: two answers at once are taken one
   * after the other) and reads it with any answer already given; undefined when the client has no
   * such request (another client's is the same as none).
   */
  async lockForAnswer(tx: EntityManager, clientId: string, id: string): Promise<VerificationRequestRow | undefined> {
    const [locked] = await tx.query(`SELECT id FROM verification_request WHERE id = $1 AND client_id = $2 FOR UPDATE`, [id, clientId]);
    if (!locked) return undefined;
    const [row] = await tx.query(`SELECT ${COLUMNS} FROM ${FROM} WHERE r.id = $1`, [id]);
    return toRow(row);
  }

  /** A client's request as it stands; undefined when it has none of that id. */
  async findForClient(clientId: string, id: string): Promise<VerificationRequestRow | undefined> {
    const [row] = await this.db.query(`SELECT ${COLUMNS} FROM ${FROM} WHERE r.id = $1 AND r.client_id = $2`, [id, clientId]);
    return row ? toRow(row) : undefined;
  }

  /** The answer, a new row pointing at the request, in `tx`; answered now unless `answeredAt` says when (an import of past answers). */
  async addAnswer(
    tx: EntityManager,
    requestId: string,
    clientId: string,
    answer: { answer: VerificationAnswerKind; comment: string | null; messageId: string | null; recordId: string | null; answeredAt?: Date },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO verification_answer (request_id, client_id, answer, comment, message_id, record_id, answered_at)
       VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7, now()))`,
      [requestId, clientId, answer.answer, answer.comment, answer.messageId, answer.recordId, answer.answeredAt ?? null],
    );
  }

  /** A discrepancy's requests with their answers, oldest first (the caller has checked the discrepancy is in scope). */
  async forDiscrepancy(discrepancyId: string): Promise<VerificationRequestRow[]> {
    const rows = await this.db.query(`SELECT ${COLUMNS} FROM ${FROM} WHERE r.discrepancy_id = $1 ORDER BY r.seq`, [discrepancyId]);
    return rows.map(toRow);
  }

  /** Requests in the scope by due date (then sequence), after a keyset; ask for limit + 1 to learn whether more follow. */
  async listInScope(
    scope: RegionScope,
    filter: { state: VerificationListState; agency?: string; after?: { dueAt: string; cursor: string }; limit: number },
  ): Promise<VerificationRequestRow[]> {
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    // The discrepancy's village: a village user sees the requests about their village only.
    const where = [scopeCondition(scope, 'd.region_code', params, 'r.township_code'), stateCondition(filter.state)];
    if (filter.agency !== undefined) where.push(`r.agency = ${param(filter.agency)}`);
    if (filter.after !== undefined) where.push(`(r.due_at, r.seq) > (${param(filter.after.dueAt)}::date, ${param(filter.after.cursor)}::bigint)`);
    const rows = await this.db.query(
      `SELECT ${COLUMNS} FROM ${FROM} JOIN discrepancy d ON d.id = r.discrepancy_id WHERE ${where.join(' AND ')} ORDER BY r.due_at, r.seq LIMIT ${param(filter.limit)}`,
      params,
    );
    return rows.map(toRow);
  }

  /**
   * Requests sent in the period that fell due by `asOf` or were answered: answered by the due date
   * (China's date) of those, by agency, with the median of the calendar days from the day sent to the
   * day answered (China's dates), over the answered.
   */
  async answerMeasures(p: Period): Promise<VerificationAnswerMeasureRow[]> {
    const rows = await this.db.query(
      `SELECT r.agency AS grp,
         count(*) FILTER (WHERE a.request_id IS NOT NULL AND (a.answered_at AT TIME ZONE 'Asia/Shanghai')::date <= r.due_at)::int AS num,
         count(*)::int AS den,
         count(a.request_id)::int AS answered,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY (a.answered_at AT TIME ZONE 'Asia/Shanghai')::date - r.requested_on)
           FILTER (WHERE a.request_id IS NOT NULL) AS median_days,
         array_agg(DISTINCT 'discrepancy:' || r.discrepancy_id) AS evidence
       FROM ${FROM}
       WHERE r.requested_on BETWEEN $1 AND $2 AND (a.request_id IS NOT NULL OR r.due_at < $3::date)
       GROUP BY r.agency ORDER BY r.agency`,
      [p.from, p.to, p.asOf],
    );
    return rows.map((r: Record<string, any>) => ({
      group: r.grp, numerator: r.num, denominator: r.den, answered: r.answered,
      medianAnswerDays: r.median_days === null ? null : Math.round(Number(r.median_days) * 10) / 10, evidence: r.evidence,
    }));
  }

  /** An agency client's action on record, in `tx` (the audit log names clients as `client:<id>`, with no staff user). */
  async auditClient(tx: EntityManager, clientId: string, action: string, target: string, detail: Record<string, unknown>): Promise<void> {
    await tx.query(`INSERT INTO audit_log (user_id, username, action, target, detail) VALUES (NULL, $1, $2, $3, $4)`, [
      `client:${clientId}`, action, target, JSON.stringify(detail),
    ]);
  }
}
