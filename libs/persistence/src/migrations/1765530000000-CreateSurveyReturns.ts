import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Spot-check evidence (检查资料一经检查人员签字一律不得更改): inspectors' enrolled signing keys and their
 * revocations, the signed survey returns on their own hash chain, and each return's comparison with the
 * registry as of its survey day. Every one of these tables is append-only: the database refuses UPDATE,
 * DELETE and TRUNCATE, as it does for the audit log; a mistake in a return is corrected by a new signed
 * addendum that names the original (`corrects`), and a key is retired by a revocation row.
 * The chain's head (one row) is the only thing that changes, as exchange_client's head does for the log.
 */
export class CreateSurveyReturns1765530000000 implements MigrationInterface {
  name = 'CreateSurveyReturns1765530000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE inspector_signing_key (
        key_id text PRIMARY KEY CHECK (key_id ~ '^[0-9a-f]{64}$'),
        staff_id uuid NOT NULL REFERENCES staff_user (id),
        algorithm text NOT NULL CHECK (algorithm IN ('Ed25519', 'ECDSA-P256-SHA256')),
        public_key bytea NOT NULL,
        label text,
        enrolled_at timestamptz NOT NULL DEFAULT now(),
        enrolled_by uuid REFERENCES staff_user (id)
      )`);
    await q.query(`CREATE INDEX inspector_signing_key_staff ON inspector_signing_key (staff_id)`);
    await q.query(`
      CREATE TABLE inspector_key_revocation (
        key_id text PRIMARY KEY REFERENCES inspector_signing_key (key_id),
        revoked_at timestamptz NOT NULL DEFAULT now(),
        revoked_by uuid REFERENCES staff_user (id),
        reason text NOT NULL
      )`);
    await q.query(`
      CREATE TABLE survey_return (
        chain_seq bigint PRIMARY KEY CHECK (chain_seq > 0),
        return_id uuid NOT NULL UNIQUE,
        campaign_id text NOT NULL,
        draw_id text NOT NULL,
        village_code text NOT NULL,
        township_code text NOT NULL,
        survey_date date NOT NULL,
        corrects uuid REFERENCES survey_return (return_id),
        signed jsonb NOT NULL,
        content_hash text NOT NULL,
        signed_hash text NOT NULL,
        signer_ids uuid[] NOT NULL,
        prev_hash text NOT NULL,
        row_hash text NOT NULL,
        received_at timestamptz NOT NULL,
        received_by uuid REFERENCES staff_user (id)
      )`);
    await q.query(`CREATE INDEX survey_return_campaign ON survey_return (campaign_id, township_code)`);
    await q.query(`CREATE INDEX survey_return_corrects ON survey_return (corrects) WHERE corrects IS NOT NULL`);
    await q.query(`
      CREATE TABLE survey_return_chain (
        id smallint PRIMARY KEY CHECK (id = 1),
        chain_seq bigint NOT NULL,
        chain_head text NOT NULL
      )`);
    await q.query(`INSERT INTO survey_return_chain (id, chain_seq, chain_head) VALUES (1, 0, repeat('0', 64))`);
    await q.query(`
      CREATE TABLE survey_comparison (
        return_id uuid PRIMARY KEY REFERENCES survey_return (return_id),
        registry_as_of date NOT NULL,
        comparison jsonb NOT NULL,
        -- Its findings as discrepancies to raise when the campaign is published (FindingDraft[]).
        finding_drafts jsonb NOT NULL,
        compared_at timestamptz NOT NULL DEFAULT now()
      )`);
    // The guard the campaigns' evidence has (CreateInspectionCampaigns): it names the table and the refused operation.
    for (const table of ['inspector_signing_key', 'inspector_key_revocation', 'survey_return', 'survey_comparison']) {
      await q.query(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION inspection_evidence_append_only()`);
      await q.query(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION inspection_evidence_append_only()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE survey_comparison, survey_return_chain, survey_return, inspector_key_revocation, inspector_signing_key`);
  }
}
