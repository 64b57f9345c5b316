import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A full run in parts shared by many workers (issue 16): a BullMQ flow, one job a township and phase.
 * - `reconciliation_run_part`: each township's link and decide parts of a run, with how far each
 *   has gone (cursors over the township's cards and facts) and what it counted so far. A page's
 *   discrepancies and its progress commit together, so a part killed mid-way resumes after its last
 *   page and counts nothing twice.
 * - `reconciliation_run_batch`: the batches the run covers, noted when it starts (they are marked
 *   reconciled when it ends, whichever worker ends it).
 * - `reconciliation_run_found`: the discrepancies the run found, by key, and
 *   `reconciliation_run_person`: the persons without a card it read (keyed hash of the id, else the
 *   record), so that parts reading the same people count each once.
 * - The scope notes are now logged: a run in parts outlives any one process, and a database crash
 *   must not lose the notes of parts already done.
 */
export class ReconciliationFlow1765700000000 implements MigrationInterface {
  name = 'ReconciliationFlow1765700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE reconciliation_run_scope SET LOGGED`);
    await q.query(`
      CREATE TABLE reconciliation_run_part (
        run_id bigint NOT NULL REFERENCES reconciliation_run (id),
        phase text NOT NULL CHECK (phase IN ('link', 'decide')),
        township_code text NOT NULL,
        after_card text,
        after_fact text,
        cards_done boolean NOT NULL DEFAULT false,
        facts_done boolean NOT NULL DEFAULT false,
        counts jsonb,
        done_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (run_id, phase, township_code))`);
    await q.query(`
      CREATE TABLE reconciliation_run_batch (
        run_id bigint NOT NULL,
        batch_id uuid NOT NULL,
        PRIMARY KEY (run_id, batch_id))`);
    await q.query(`
      CREATE TABLE reconciliation_run_found (
        run_id bigint NOT NULL,
        key text NOT NULL,
        kind text NOT NULL,
        PRIMARY KEY (run_id, key))`);
    await q.query(`
      CREATE TABLE reconciliation_run_person (
        run_id bigint NOT NULL,
        person text NOT NULL,
        PRIMARY KEY (run_id, person))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE reconciliation_run_person, reconciliation_run_found, reconciliation_run_batch, reconciliation_run_part`);
    await q.query(`ALTER TABLE reconciliation_run_scope SET UNLOGGED`);
  }
}
