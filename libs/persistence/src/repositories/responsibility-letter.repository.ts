import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** A responsibility letter as stored: who is responsible, when they signed, and the targets of the plan version signed on. */
export interface StoredLetter {
  id: string;
  year: number;
  planId: string;
  planVersion: number;
  unitId: string;
  responsible: { name: string; post: string };
  signedOn: string;
  /** The targets as the plan stated them (LetterContent of @sanxian/domain). */
  content: unknown;
  supersedes: string | null;
  recordedBy: string | null;
  recordedAt: Date;
}

/** A letter to record: the hub gives its id, what it supersedes and when. */
export type NewLetter = Omit<StoredLetter, 'id' | 'supersedes' | 'recordedAt'>;

/** Another letter of the same unit was recorded at the same moment: both would replace one letter. */
export class LetterRecordedMeanwhile extends Error {}

const COLUMNS = `id, year, plan_id, plan_version, unit_id, responsible_name, responsible_post, to_char(signed_on, 'YYYY-MM-DD') AS signed_on,
  content, supersedes, recorded_by, recorded_at`;

/** Responsibility letters, append-only: a unit's current letter is its latest, which supersedes the one before. */
@Injectable()
export class ResponsibilityLetterRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Records a unit's letter for the year; an earlier letter of the unit is superseded by it (the
   * UNIQUE on `supersedes` makes two letters racing to replace the same one fail, never fork).
   */
  async record(letter: NewLetter): Promise<StoredLetter> {
    const [row] = await this.insert(letter).catch((error: { code?: string; constraint?: string }) => {
      if (error.code === '23505' && error.constraint === 'responsibility_letter_supersedes_key') {
        throw new LetterRecordedMeanwhile(`another letter of ${letter.unitId} for ${letter.year} was recorded meanwhile: look at it, then record again`);
      }
      throw error;
    });
    return toLetter(row);
  }

  private insert(letter: NewLetter): Promise<Record<string, any>[]> {
    return this.db.query(
      `INSERT INTO responsibility_letter (year, plan_id, plan_version, unit_id, responsible_name, responsible_post, signed_on, content, supersedes, recorded_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8,
         (SELECT max(id) FROM responsibility_letter WHERE year = $1 AND unit_id = $4), $9)
       RETURNING ${COLUMNS}`,
      [letter.year, letter.planId, letter.planVersion, letter.unitId, letter.responsible.name, letter.responsible.post, letter.signedOn, JSON.stringify(letter.content), letter.recordedBy],
    );
  }

  /** The unit's current letter for the year (the latest), if any. */
  async current(year: number, unitId: string): Promise<StoredLetter | undefined> {
    const [row] = await this.db.query(`SELECT ${COLUMNS} FROM responsibility_letter WHERE year = $1 AND unit_id = $2 ORDER BY id DESC LIMIT 1`, [year, unitId]);
    return row ? toLetter(row) : undefined;
  }

  /** Every unit's current letter for the year, by unit id. */
  async currentLetters(year: number): Promise<StoredLetter[]> {
    const rows = await this.db.query(
      `SELECT DISTINCT ON (unit_id) ${COLUMNS} FROM responsibility_letter WHERE year = $1 ORDER BY unit_id, id DESC`,
      [year],
    );
    return rows.map(toLetter);
  }
}

function toLetter(r: Record<string, any>): StoredLetter {
  return {
    id: String(r.id), year: r.year, planId: r.plan_id, planVersion: r.plan_version, unitId: r.unit_id,
    responsible: { name: r.responsible_name, post: r.responsible_post }, signedOn: r.signed_on, content: r.content,
    supersedes: r.supersedes === null ? null : String(r.supersedes), recordedBy: r.recorded_by, recordedAt: r.recorded_at,
  };
}
