import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { LedgerOutcome } from '@sanxian/domain';
import { LedgerRepository } from './ledger.repository';

export interface StoredPlan {
  id: string;
  version: number;
  year: number;
  status: 'draft' | 'published';
  document: Record<string, unknown>;
  publishedAt: Date | null;
}

export interface AssessorInputRow {
  id: string;
  type: 'grade' | 'item' | 'value' | 'check' | 'veto-event';
  unitId: string | null;
  body: Record<string, unknown>;
  enteredBy: string;
  enteredAt: Date;
}

export class PlanVersionConflict extends Error {}

/** An entry's withdrawal: the reason, who and when (the entry itself is never changed). */
export interface InputWithdrawal {
  id: string;
  inputId: string;
  reason: string;
  withdrawnBy: string | null;
  withdrawnAt: Date;
}

/** The entries changed between scoring the results and publishing them. */
export class PublicationStale extends Error {}

/** Why an entry could not be withdrawn. */
export class WithdrawalRefused extends Error {
  constructor(readonly reason: 'not-found' | 'withdrawn-already' | 'published', message: string) {
    super(message);
  }
}

/** Plans (versions, frozen once published), assessors' entries, and published results. */
@Injectable()
export class AssessmentRepository {
  constructor(
    private readonly db: DataSource,
    private readonly ledger: LedgerRepository,
  ) {}

  /**
   * Stores a published plan as the next version of its id. A version that exists already is
   * never replaced (the database refuses edits of published plans): the caller gets a conflict.
   */
  async publishPlan(document: { id: string; version: number; year: number }, staffId: string | null): Promise<StoredPlan> {
    const rows = await this.db.query(
      `INSERT INTO assessment_plan (id, version, year, status, document, published_at, published_by)
       VALUES ($1, $2, $3, 'published', $4, now(), $5)
       ON CONFLICT (id, version) DO NOTHING
       RETURNING id, version, year, status, document, published_at`,
      [document.id, document.version, document.year, JSON.stringify({ ...document, status: 'published' }), staffId],
    );
    if (!rows.length) throw new PlanVersionConflict(`plan ${document.id} version ${document.version} exists already: publish version ${document.version + 1} to supersede it`);
    return toPlan(rows[0]);
  }

  /** The latest published version of the plan for a year (one county per hub). */
  async currentPlan(year: number): Promise<StoredPlan | undefined> {
    const [row] = await this.db.query(
      `SELECT id, version, year, status, document, published_at FROM assessment_plan
       WHERE year = $1 AND status = 'published' ORDER BY version DESC LIMIT 1`,
      [year],
    );
    return row ? toPlan(row) : undefined;
  }

  async listPlans(): Promise<StoredPlan[]> {
    const rows = await this.db.query(`SELECT id, version, year, status, document, published_at FROM assessment_plan ORDER BY year DESC, version DESC`);
    return rows.map(toPlan);
  }

  /** Tries to change a published plan in place: the trigger refuses; for tests and for the API's 409. */
  async editPublished(id: string, version: number, document: unknown): Promise<void> {
    await this.db.query(`UPDATE assessment_plan SET document = $3 WHERE id = $1 AND version = $2`, [id, version, JSON.stringify(document)]);
  }

  async addInput(planId: string, year: number, type: AssessorInputRow['type'], unitId: string | null, body: unknown, staffId: string): Promise<AssessorInputRow> {
    const [row] = await this.db.query(
      `INSERT INTO assessor_input (plan_id, year, type, unit_id, body, entered_by) VALUES ($1, $2, $3, $4, $5, $6)
       RETURNING id, type, unit_id, body, entered_by, entered_at`,
      [planId, year, type, unitId, JSON.stringify(body), staffId],
    );
    return toInput(row);
  }

  async inputs(planId: string, year: number): Promise<AssessorInputRow[]> {
    return this.inputsIn(this.db.manager, planId, year);
  }

  private async inputsIn(db: EntityManager, planId: string, year: number): Promise<AssessorInputRow[]> {
    const rows = await db.query(
      `SELECT id, type, unit_id, body, entered_by, entered_at FROM assessor_input
       WHERE plan_id = $1 AND year = $2 AND NOT EXISTS (SELECT 1 FROM assessor_input_withdrawal w WHERE w.input_id = assessor_input.id) ORDER BY id`,
      [planId, year],
    );
    return rows.map(toInput);
  }

  /**
   * Withdraws an entry of the plan's year with a reason: a row pointing at it (the entry stays as
   * entered). Refused for an entry of another plan or year, one withdrawn already, and, by the
   * database, once the year's results are published.
   */
  async withdrawInput(planId: string, year: number, inputId: string, reason: string, staffId: string | null): Promise<InputWithdrawal> {
    return this.db.transaction(async (tx) => {
      const [input] = await tx.query(`SELECT id FROM assessor_input WHERE id = $1 AND plan_id = $2 AND year = $3`, [inputId, planId, year]);
      if (!input) throw new WithdrawalRefused('not-found', `no input ${inputId} for plan ${planId} in ${year}`);
      // The publication takes the same lock (publishResults): a withdrawal and a publication never cross.
      await lockPublication(tx, planId, year);
      if ((await tx.query(`SELECT 1 FROM assessment_publication WHERE plan_id = $1 AND year = $2`, [planId, year])).length) {
        throw new WithdrawalRefused('published', `the ${year} results are published: input ${inputId} can no longer be withdrawn`);
      }
      const rows = await tx.query(
        `INSERT INTO assessor_input_withdrawal (input_id, reason, withdrawn_by) VALUES ($1, $2, $3)
         ON CONFLICT (input_id) DO NOTHING RETURNING id, input_id, reason, withdrawn_by, withdrawn_at`,
        [inputId, reason, staffId],
      );
      if (!rows.length) throw new WithdrawalRefused('withdrawn-already', `input ${inputId} is withdrawn already`);
      return toWithdrawal(rows[0]);
    });
  }

  /** The withdrawals of the plan's year, oldest first. */
  async withdrawals(planId: string, year: number): Promise<InputWithdrawal[]> {
    const rows = await this.db.query(
      `SELECT w.id, w.input_id, w.reason, w.withdrawn_by, w.withdrawn_at FROM assessor_input_withdrawal w
       JOIN assessor_input i ON i.id = w.input_id WHERE i.plan_id = $1 AND i.year = $2 ORDER BY w.id`,
      [planId, year],
    );
    return rows.map(toWithdrawal);
  }

  async publication(planId: string, year: number): Promise<{ planVersion: number; result: unknown; publishedAt: Date } | undefined> {
    const [row] = await this.db.query(`SELECT plan_version, result, published_at FROM assessment_publication WHERE plan_id = $1 AND year = $2`, [planId, year]);
    return row ? { planVersion: row.plan_version, result: row.result, publishedAt: row.published_at } : undefined;
  }

  /**
   * Publishes a year's results once: after that, assessors' input for the year is closed. The units'
   * outcomes go into the ledger in the same transaction: a published year always has its ledger.
   */
  async publishResults(planId: string, year: number, planVersion: number, result: unknown, staffId: string | null, outcomes: readonly LedgerOutcome[] = [], scoredInputIds?: readonly string[]): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await lockPublication(tx, planId, year);
      // The results were scored from these entries: if one was entered or withdrawn since, they are stale.
      if (scoredInputIds !== undefined) {
        const current = (await this.inputsIn(tx, planId, year)).map((i) => i.id);
        if (current.join() !== [...scoredInputIds].join()) throw new PublicationStale(`assessors' input for ${year} changed while the results were published: publish again`);
      }
      const rows = await tx.query(
        `INSERT INTO assessment_publication (plan_id, year, plan_version, result, published_by) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (plan_id, year) DO NOTHING RETURNING 1`,
        [planId, year, planVersion, JSON.stringify(result), staffId],
      );
      if (rows.length !== 1) return false;
      await this.ledger.recordOutcomes(tx, planId, planVersion, year, outcomes, staffId);
      return true;
    });
  }
}

function toPlan(r: Record<string, any>): StoredPlan {
  return { id: r.id, version: r.version, year: r.year, status: r.status, document: r.document, publishedAt: r.published_at ?? null };
}

/** Publishing a year and withdrawing one of its entries take this lock, so that they never cross. */
async function lockPublication(tx: EntityManager, planId: string, year: number): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('assessment-publication:' || $1 || ':' || $2::text))`, [planId, year]);
}

function toWithdrawal(r: Record<string, any>): InputWithdrawal {
  return { id: String(r.id), inputId: String(r.input_id), reason: r.reason, withdrawnBy: r.withdrawn_by, withdrawnAt: r.withdrawn_at };
}

function toInput(r: Record<string, any>): AssessorInputRow {
  return { id: String(r.id), type: r.type, unitId: r.unit_id, body: r.body, enteredBy: r.entered_by, enteredAt: r.entered_at };
}
