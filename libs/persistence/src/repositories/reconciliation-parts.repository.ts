import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { IsoDate } from '@sanxian/domain';

/** A full run in parts has two phases: every township's facts linked, then every township's discrepancies decided. */
export type PartPhase = 'link' | 'decide';

/** How far a part has gone through its township: the last card and fact read, and whether each list is done. */
export interface PartCursor {
  afterCard: string | null;
  afterFact: string | null;
  cardsDone: boolean;
  factsDone: boolean;
}

/** A part as stored: where it stands, what it has counted so far (the service's, opaque here), whether it is done. */
export interface PartState<C> extends PartCursor {
  townshipCode: string;
  phase: PartPhase;
  counts: C | null;
  done: boolean;
}

/** A full run in parts that has not ended, and when any of its parts last moved. */
export interface OpenRunInParts {
  runId: string;
  asOf: IsoDate;
  lastProgressAt: Date;
}

/** A part's progress was written by another worker since this one read it: this worker must stop (its page rolls back). */
export class PartTakenOver extends Error {
  override name = 'PartTakenOver';
}

export const PART_START: PartCursor = { afterCard: null, afterFact: null, cardsDone: false, factsDone: false };

/**
 * The bookkeeping of a full run in parts (see the ReconciliationFlow migration): the parts of a
 * run and how far each has gone, the batches it covers, and the discrepancies it found. A part's
 * progress is written with an expected cursor, so that of two workers holding one part (a job
 * thought stalled while its worker still ran) only one commits each page.
 */
@Injectable()
export class ReconciliationPartsRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Notes the run's parts (each township, both phases) and, for a run of the county, the batches it
   * covers (all not yet reconciled; a run of one township covers none), in one transaction.
   */
  async plan(runId: string, townships: readonly string[], coverBatches = true): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO reconciliation_run_part (run_id, phase, township_code)
         SELECT $1, phase, township FROM unnest($2::text[]) AS township CROSS JOIN (VALUES ('link'), ('decide')) AS p (phase)`,
        [runId, townships],
      );
      if (coverBatches) await tx.query(
        `INSERT INTO reconciliation_run_batch (run_id, batch_id)
         SELECT $1, id FROM intake_batch WHERE reconciled_at IS NULL AND (processed_at IS NOT NULL OR dead_at IS NOT NULL)`,
        [runId],
      );
    });
  }

  /** The run in parts still running, if any (at most one: runs are planned holding the reconciliation lock). */
  async openRun(): Promise<OpenRunInParts | undefined> {
    const [row] = await this.db.query(
      `SELECT r.id::text AS run_id, r.as_of::text AS as_of, greatest(r.started_at, max(p.updated_at)) AS last_progress_at
       FROM reconciliation_run r JOIN reconciliation_run_part p ON p.run_id = r.id
       WHERE r.status = 'running' GROUP BY r.id ORDER BY r.id DESC LIMIT 1`,
    );
    return row === undefined ? undefined : { runId: row.run_id, asOf: row.as_of, lastProgressAt: new Date(row.last_progress_at) };
  }

  /** The run's as-of day, township (a run of one; else null) and townships, in order; undefined when it is not a run in parts. */
  async runPlan(runId: string): Promise<{ asOf: IsoDate; status: string; townshipCode: string | null; townships: string[] } | undefined> {
    const [run] = await this.db.query(`SELECT as_of::text AS as_of, status, township_code FROM reconciliation_run WHERE id = $1`, [runId]);
    if (run === undefined) return undefined;
    const rows = await this.db.query(
      `SELECT township_code FROM reconciliation_run_part WHERE run_id = $1 AND phase = 'link' ORDER BY township_code`,
      [runId],
    );
    return rows.length === 0 ? undefined : {
      asOf: run.as_of, status: run.status, townshipCode: run.township_code, townships: rows.map((r: { township_code: string }) => r.township_code),
    };
  }

  async part<C>(runId: string, phase: PartPhase, townshipCode: string): Promise<PartState<C> | undefined> {
    const [row] = await this.db.query(
      `SELECT township_code, phase, after_card, after_fact, cards_done, facts_done, counts, done_at IS NOT NULL AS done
       FROM reconciliation_run_part WHERE run_id = $1 AND phase = $2 AND township_code = $3`,
      [runId, phase, townshipCode],
    );
    return row === undefined ? undefined : toPart<C>(row);
  }

  async parts<C>(runId: string, phase: PartPhase): Promise<PartState<C>[]> {
    const rows = await this.db.query(
      `SELECT township_code, phase, after_card, after_fact, cards_done, facts_done, counts, done_at IS NOT NULL AS done
       FROM reconciliation_run_part WHERE run_id = $1 AND phase = $2 ORDER BY township_code`,
      [runId, phase],
    );
    return rows.map((r: Record<string, any>) => toPart<C>(r));
  }

  /**
   * Moves a part from `from` to `to` with its counts so far, in the caller's transaction when given
   * (a page's discrepancies and its progress commit together). Throws PartTakenOver when the part
   * is no longer at `from` (another worker moved it): the caller's transaction then rolls back.
   */
  async advance<C>(tx: EntityManager | undefined, runId: string, phase: PartPhase, townshipCode: string, from: PartCursor, to: PartCursor, counts: C, done: boolean): Promise<void> {
    const rows = await (tx ?? this.db.manager).query(
      `UPDATE reconciliation_run_part SET after_card = $6, after_fact = $7, cards_done = $8, facts_done = $9, counts = $10,
         done_at = CASE WHEN $11 THEN now() END, updated_at = now()
       WHERE run_id = $1 AND phase = $2 AND township_code = $3 AND done_at IS NULL
         AND after_card IS NOT DISTINCT FROM $4 AND after_fact IS NOT DISTINCT FROM $5 AND cards_done = $12 AND facts_done = $13
       RETURNING 1`,
      [runId, phase, townshipCode, from.afterCard, from.afterFact, to.afterCard, to.afterFact, to.cardsDone, to.factsDone, JSON.stringify(counts), done, from.cardsDone, from.factsDone],
    );
    // UPDATE … RETURNING through TypeORM gives [rows, count].
    const updated = Array.isArray(rows[0]) ? rows[0].length : rows.length;
    if (updated !== 1) throw new PartTakenOver(`run ${runId}: the ${phase} part of township ${townshipCode} moved on under another worker`);
  }

  /** How many batches the run covers (noted when it was planned). */
  async coveredBatchCount(runId: string): Promise<number> {
    const [row] = await this.db.query(`SELECT count(*)::int AS n FROM reconciliation_run_batch WHERE run_id = $1`, [runId]);
    return row.n;
  }

  /** Notes the discrepancies a part found (the keys and kinds staged in the caller's transaction), once each for the run. */
  async noteFound(tx: EntityManager, runId: string, stageTable: string): Promise<void> {
    await tx.query(
      `INSERT INTO reconciliation_run_found (run_id, key, kind) SELECT $1, key, kind FROM ${stageTable} ON CONFLICT DO NOTHING`,
      [runId],
    );
  }

  /** Notes the persons without a card a part read (keys that name no id in clear), once each for the run. */
  async notePersons(tx: EntityManager, runId: string, persons: readonly string[]): Promise<void> {
    if (persons.length === 0) return;
    await tx.query(`INSERT INTO reconciliation_run_person (run_id, person) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`, [runId, persons]);
  }

  /** How many persons without a card the run read, each once whichever parts read them. */
  async cardlessPersonCount(runId: string): Promise<number> {
    const [row] = await this.db.query(`SELECT count(*)::int AS n FROM reconciliation_run_person WHERE run_id = $1`, [runId]);
    return row.n;
  }

  /** The discrepancies the run found, by kind, each counted once whichever parts found it. */
  async foundByKind(runId: string): Promise<Record<string, number>> {
    const rows = await this.db.query(`SELECT kind, count(*)::int AS n FROM reconciliation_run_found WHERE run_id = $1 GROUP BY kind ORDER BY kind`, [runId]);
    return Object.fromEntries(rows.map((r: { kind: string; n: number }) => [r.kind, r.n]));
  }

  /** Drops the run's scratch notes (found keys, persons, covered batches, scope notes) once it has ended; its parts stay as its record. */
  async dropNotes(tx: EntityManager, runId: string): Promise<void> {
    await tx.query(`DELETE FROM reconciliation_run_found WHERE run_id = $1`, [runId]);
    await tx.query(`DELETE FROM reconciliation_run_person WHERE run_id = $1`, [runId]);
    await tx.query(`DELETE FROM reconciliation_run_batch WHERE run_id = $1`, [runId]);
    await tx.query(`DELETE FROM reconciliation_run_scope WHERE run_id = $1`, [runId]);
  }
}

function toPart<C>(row: Record<string, any>): PartState<C> {
  return {
    townshipCode: row.township_code, phase: row.phase, afterCard: row.after_card, afterFact: row.after_fact,
    cardsDone: row.cards_done, factsDone: row.facts_done, counts: row.counts ?? null, done: row.done,
  };
}
