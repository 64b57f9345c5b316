import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A full reconciliation made of township parts (issue 16, bounded memory).
 * - Each part notes the scopes it decided (`reconciliation_run_scope`), so that once every part
 *   is done the run closes the open discrepancies no part saw (their subject is gone) without
 *   holding the county's scopes in memory. Unlogged: it is scratch for a run in progress, deleted
 *   when the run finishes; a crash loses only a run that is restarted anyway.
 * - Cards read by township and card id, facts by township (the first nine digits of their region code) and id.
 */
export class ReconciliationParts1765650000000 implements MigrationInterface {
  name = 'ReconciliationParts1765650000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE UNLOGGED TABLE reconciliation_run_scope (
        run_id bigint NOT NULL,
        scope_key text NOT NULL,
        PRIMARY KEY (run_id, scope_key))`);
    await q.query(`CREATE INDEX registry_woman_township_card ON registry_woman (township_code, card_id)`);
    await q.query(`CREATE INDEX canonical_fact_township ON canonical_fact (left(region_code, 9), id) WHERE kind <> 'registry-card'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX canonical_fact_township, registry_woman_township_card`);
    await q.query(`DROP TABLE reconciliation_run_scope`);
  }
}
