import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reconciliation that follows the work, not the county (issue 16).
 * - Each discrepancy names the person it is about (`scope_key`: the card id for a card's
 *   discrepancy, else a keyed hash of the citizen id, else the message id), so that a run over
 *   some people closes only those people's discrepancies. Card and message scopes are filled in
 *   here; the keyed hash needs the hub's key, so the next full run fills in the rest.
 * - A batch says when a run covering it committed its discrepancies (`reconciled_at`), so a
 *   sweeper finds batches whose run was lost. Batches processed before this migration are taken
 *   as reconciled (the full runs of the day covered them; the nightly run covers them again).
 * - A run records its mode and what it read and changed, as columns a list can show.
 * - Look-ups an incremental run makes by id: facts by the keyed hash of their citizen id, card
 *   versions by the message that wrote them.
 */
export class IncrementalReconciliation1765600000000 implements MigrationInterface {
  name = 'IncrementalReconciliation1765600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE discrepancy ADD COLUMN scope_key text`);
    await q.query(`UPDATE discrepancy SET scope_key = COALESCE('card:' || card_id, 'message:' || (subject->>'messageId')) WHERE kind <> 'spot-check-finding'`);
    await q.query(`CREATE INDEX discrepancy_open_scope ON discrepancy (scope_key) WHERE status = 'open'`);
    await q.query(`ALTER TABLE intake_batch ADD COLUMN reconciled_at timestamptz`);
    await q.query(`UPDATE intake_batch SET reconciled_at = now() WHERE processed_at IS NOT NULL OR dead_at IS NOT NULL`);
    await q.query(`CREATE INDEX intake_batch_unreconciled ON intake_batch (created_at) WHERE reconciled_at IS NULL AND (processed_at IS NOT NULL OR dead_at IS NOT NULL)`);
    await q.query(`
      ALTER TABLE reconciliation_run
        ADD COLUMN mode text NOT NULL DEFAULT 'full' CHECK (mode IN ('incremental', 'full')),
        ADD COLUMN persons_read integer, ADD COLUMN facts_read integer, ADD COLUMN cards_read integer,
        ADD COLUMN raised integer, ADD COLUMN closed integer, ADD COLUMN changed integer`);
    await q.query(`CREATE INDEX canonical_fact_citizen_hash ON canonical_fact (citizen_id_hash) WHERE citizen_id_hash IS NOT NULL`);
    await q.query(`CREATE INDEX registry_card_version_message ON registry_card_version (message_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX registry_card_version_message, canonical_fact_citizen_hash, intake_batch_unreconciled, discrepancy_open_scope`);
    await q.query(`ALTER TABLE reconciliation_run DROP COLUMN mode, DROP COLUMN persons_read, DROP COLUMN facts_read, DROP COLUMN cards_read, DROP COLUMN raised, DROP COLUMN closed, DROP COLUMN changed`);
    await q.query(`ALTER TABLE intake_batch DROP COLUMN reconciled_at`);
    await q.query(`ALTER TABLE discrepancy DROP COLUMN scope_key`);
  }
}
