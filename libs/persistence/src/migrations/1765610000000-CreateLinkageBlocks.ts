import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Linkage's blocks held in PostgreSQL, so that reconciliation finds the cards a fact may link to
 * by an index look-up instead of reading the county into memory. Blocking keys hold pinyin of
 * names and birth dates, so only their keyed hashes are stored (HMAC under a key derived from
 * SECRETS_KEY, see PersonalDataCipher.blockingHash), as for citizen ids.
 *
 * - linkage_block: every look-up token of every person of a current card (`is_id`: a valid id);
 * - linkage_block_card: the card's `registry_woman.updated_at` its blocks were computed from (the
 *   registry moves it with every new version and every staff correction): a card whose stamp
 *   differs, or that has none, is stale and a sweep finds it;
 * - fact_block / fact_blocked: the tokens each agency fact searches (facts never change) and
 *   which facts are done (a fact may have no token at all);
 * - linkage_block_key: which key the hashes were made with; after a key rotation they are rebuilt.
 * Created empty: the first look-up (or `catchUp`) files the existing registry and facts.
 */
export class CreateLinkageBlocks1765610000000 implements MigrationInterface {
  name = 'CreateLinkageBlocks1765610000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE linkage_block (
        card_id text NOT NULL,
        key_hash bytea NOT NULL,
        is_id boolean NOT NULL,
        PRIMARY KEY (card_id, key_hash)
      )`);
    await q.query(`CREATE INDEX linkage_block_by_key ON linkage_block (key_hash) INCLUDE (card_id)`);
    await q.query(`
      CREATE TABLE linkage_block_card (
        card_id text PRIMARY KEY,
        card_updated_at timestamptz NOT NULL,
        blocked_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE fact_block (
        key_hash bytea NOT NULL,
        fact_id bigint NOT NULL,
        PRIMARY KEY (key_hash, fact_id)
      )`);
    await q.query(`CREATE TABLE fact_blocked (fact_id bigint PRIMARY KEY)`);
    await q.query(`CREATE TABLE linkage_block_key (only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), key_check bytea NOT NULL)`);
    await q.query(`COMMENT ON COLUMN linkage_block.key_hash IS 'HMAC-SHA-256 (16 bytes) of a blocking key or valid id under a key derived from SECRETS_KEY'`);
    await q.query(`COMMENT ON COLUMN fact_block.key_hash IS 'HMAC-SHA-256 (16 bytes) of a blocking key or valid id under a key derived from SECRETS_KEY'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE linkage_block_key, fact_blocked, fact_block, linkage_block_card, linkage_block`);
  }
}
