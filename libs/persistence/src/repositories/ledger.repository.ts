import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { LedgerOutcome, PersonDecision } from '@sanxian/domain';

/** A unit's outcome as the ledger keeps it: the domain's row, with where and when it was recorded. */
export interface StoredOutcome extends LedgerOutcome {
  id: string;
  planId: string;
  planVersion: number;
  year: number;
  recordedBy: string | null;
  recordedAt: Date;
}

/** What the county records: the domain's decision. */
export type PersonDecisionInput = PersonDecision;

export interface StoredDecision extends PersonDecisionInput {
  id: string;
  recordedBy: string;
  recordedAt: Date;
  /** The row that corrects this one, if any: then this one is no longer current. */
  correctedBy: string | null;
}

export class DecisionCorrectedAlready extends Error {}
export class DecisionNotFound extends Error {}

const OUTCOME_COLUMNS = `id, plan_id, plan_version, year, unit_id, unit_name, line, group_id, rank, score, outcome, outcome_name, yellow_card, tier_id, prize, reasons, recorded_by, recorded_at`;
const DECISION_COLUMNS = `d.id, d.year, d.kind, d.person_name, d.post, d.unit_id, to_char(d.meeting_date, 'YYYY-MM-DD') AS meeting_date, d.meeting_reference, d.note,
  d.corrects, d.withdrawn, d.recorded_by, d.recorded_at, (SELECT c.id FROM person_decision c WHERE c.corrects = d.id) AS corrected_by`;

/**
 * The year's consequences (append-only: the database refuses UPDATE, DELETE and TRUNCATE): each
 * unit's outcome, written once with the year's publication, and the county's decisions about
 * people, where a correction is a new row pointing at the one it corrects.
 */
@Injectable()
export class LedgerRepository {
  constructor(private readonly db: DataSource) {}

  /** Writes the units' outcomes of a publication; called in the publication's transaction. */
  async recordOutcomes(tx: EntityManager, planId: string, planVersion: number, year: number, outcomes: readonly LedgerOutcome[], staffId: string | null): Promise<number> {
    if (!outcomes.length) return 0;
    const rows = await tx.query(
      `INSERT INTO assessment_outcome (plan_id, plan_version, year, unit_id, unit_name, line, group_id, rank, score, outcome, outcome_name, yellow_card, tier_id, prize, reasons, recorded_by)
       SELECT $1, $2, $3, o.unit_id, o.unit_name, o.line, o.group_id, o.rank, o.score, o.outcome, o.outcome_name, o.yellow_card, o.tier_id, o.prize, o.reasons, $5
       FROM jsonb_to_recordset($4::jsonb) AS o(unit_id text, unit_name jsonb, line text, group_id text, rank int, score float8, outcome text, outcome_name jsonb,
         yellow_card boolean, tier_id text, prize numeric, reasons jsonb)
       RETURNING 1`,
      [planId, planVersion, year, JSON.stringify(outcomes.map((o) => ({
        unit_id: o.unitId, unit_name: o.unitName, line: o.line, group_id: o.groupId, rank: o.rank, score: o.score, outcome: o.outcome,
        outcome_name: o.outcomeName, yellow_card: o.yellowCard, tier_id: o.tierId, prize: o.prize, reasons: o.reasons,
      }))), staffId],
    );
    return rows.length;
  }

  /** The year's outcomes in the order they were recorded (the results' order: line, group, rank). */
  async outcomes(year: number): Promise<StoredOutcome[]> {
    const rows = await this.db.query(`SELECT ${OUTCOME_COLUMNS} FROM assessment_outcome WHERE year = $1 ORDER BY id`, [year]);
    return rows.map(toOutcome);
  }

  /** Years that have a ledger, newest first. */
  async years(): Promise<number[]> {
    const rows = await this.db.query(`SELECT DISTINCT year FROM assessment_outcome UNION SELECT DISTINCT year FROM person_decision ORDER BY year DESC`);
    return rows.map((r: { year: number }) => r.year);
  }

  /**
   * Records a decision about a person. A correction names the decision it corrects, of the same year;
   * a decision is corrected once (then its correction is the current row, and may be corrected in turn).
   */
  async addDecision(input: PersonDecisionInput, staffId: string): Promise<StoredDecision> {
    return this.db.transaction(async (tx) => {
      if (input.corrects !== null) {
        const [old] = await tx.query(`SELECT id, year FROM person_decision WHERE id = $1 FOR SHARE`, [input.corrects]);
        if (!old || old.year !== input.year) throw new DecisionNotFound(`no decision ${input.corrects} in ${input.year}`);
      }
      const inserted = await tx.query(
        `INSERT INTO person_decision (year, kind, person_name, post, unit_id, meeting_date, meeting_reference, note, corrects, withdrawn, recorded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (corrects) WHERE corrects IS NOT NULL DO NOTHING RETURNING id`,
        [input.year, input.kind, input.personName, input.post, input.unitId, input.meetingDate, input.meetingReference, input.note, input.corrects, input.withdrawn, staffId],
      );
      if (!inserted.length) throw new DecisionCorrectedAlready(`decision ${input.corrects} is corrected already: correct its correction instead`);
      const [row] = await tx.query(`SELECT ${DECISION_COLUMNS} FROM person_decision d WHERE d.id = $1`, [inserted[0].id]);
      return toDecision(row);
    });
  }

  /** Every decision row of the year, corrections included, oldest first. */
  async decisions(year: number): Promise<StoredDecision[]> {
    const rows = await this.db.query(`SELECT ${DECISION_COLUMNS} FROM person_decision d WHERE d.year = $1 ORDER BY d.id`, [year]);
    return rows.map(toDecision);
  }
}

function toOutcome(r: Record<string, any>): StoredOutcome {
  return {
    id: String(r.id), planId: r.plan_id, planVersion: r.plan_version, year: r.year, unitId: r.unit_id, unitName: r.unit_name, line: r.line, groupId: r.group_id,
    rank: r.rank, score: r.score, outcome: r.outcome, outcomeName: r.outcome_name, yellowCard: r.yellow_card, tierId: r.tier_id, prize: Number(r.prize),
    reasons: r.reasons, recordedBy: r.recorded_by, recordedAt: r.recorded_at,
  };
}

function toDecision(r: Record<string, any>): StoredDecision {
  return {
    id: String(r.id), year: r.year, kind: r.kind, personName: r.person_name, post: r.post, unitId: r.unit_id, meetingDate: r.meeting_date,
    meetingReference: r.meeting_reference, note: r.note, corrects: r.corrects === null ? null : String(r.corrects), withdrawn: r.withdrawn,
    recordedBy: r.recorded_by, recordedAt: r.recorded_at, correctedBy: r.corrected_by === null ? null : String(r.corrected_by),
  };
}
