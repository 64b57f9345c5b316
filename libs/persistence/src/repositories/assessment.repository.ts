import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

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

/** Plans (versions, frozen once published), assessors' entries, and published results. */
@Injectable()
export class AssessmentRepository {
  constructor(private readonly db: DataSource) {}

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
    const rows = await this.db.query(
      `SELECT id, type, unit_id, body, entered_by, entered_at FROM assessor_input
       WHERE plan_id = $1 AND year = $2 AND withdrawn_at IS NULL ORDER BY id`,
      [planId, year],
    );
    return rows.map(toInput);
  }

  async publication(planId: string, year: number): Promise<{ planVersion: number; result: unknown; publishedAt: Date } | undefined> {
    const [row] = await this.db.query(`SELECT plan_version, result, published_at FROM assessment_publication WHERE plan_id = $1 AND year = $2`, [planId, year]);
    return row ? { planVersion: row.plan_version, result: row.result, publishedAt: row.published_at } : undefined;
  }

  /** Publishes a year's results once: after that, assessors' input for the year is closed. */
  async publishResults(planId: string, year: number, planVersion: number, result: unknown, staffId: string | null): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO assessment_publication (plan_id, year, plan_version, result, published_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (plan_id, year) DO NOTHING RETURNING 1`,
      [planId, year, planVersion, JSON.stringify(result), staffId],
    );
    return rows.length === 1;
  }
}

function toPlan(r: Record<string, any>): StoredPlan {
  return { id: r.id, version: r.version, year: r.year, status: r.status, document: r.document, publishedAt: r.published_at ?? null };
}

function toInput(r: Record<string, any>): AssessorInputRow {
  return { id: String(r.id), type: r.type, unitId: r.unit_id, body: r.body, enteredBy: r.entered_by, enteredAt: r.entered_at };
}
