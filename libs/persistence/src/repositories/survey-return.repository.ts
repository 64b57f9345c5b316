import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import {
  RETURN_CHAIN_GENESIS,
  returnRowHash,
  sha256Hex,
  signedReturnHash,
  type EnrolledKey,
  type FindingDraft,
  type FrameCard,
  type SignedReturn,
  type SigningAlgorithm,
  type SurveyComparison,
} from '@sanxian/domain';
import canonicalize from 'canonicalize';
import { PersonalDataCipher } from '../personal-data-cipher';

/** An enrolled inspector key as listed: whose it is and whether it still signs. */
export interface SigningKeyRecord extends EnrolledKey {
  username: string;
  label: string | null;
  enrolledAt: Date;
  revokedAt: Date | null;
  revocationReason: string | null;
}

/** A signed return as the hub stored it, with its place in the returns' chain. */
export interface StoredReturn {
  chainSeq: string;
  returnId: string;
  campaignId: string;
  drawId: string;
  villageCode: string;
  townshipCode: string;
  surveyDate: string;
  corrects: string | null;
  signed: SignedReturn;
  contentHash: string;
  signedHash: string;
  signerIds: string[];
  rowHash: string;
  receivedAt: Date;
}

export interface NewReturn {
  signed: SignedReturn;
  townshipCode: string;
  contentHash: string;
  signerIds: readonly string[];
  receivedBy: string | null;
}

export interface ReturnChainBreak {
  chainSeq: string;
  returnId: string | null;
  reason: string;
}

/** A stored comparison with the registry, and the township its village lies in. */
export interface StoredComparison {
  returnId: string;
  townshipCode: string;
  registryAsOf: string;
  comparison: SurveyComparison;
}

const RETURN_COLUMNS = `chain_seq, return_id, campaign_id, draw_id, village_code, township_code, to_char(survey_date, 'YYYY-MM-DD') AS survey_date,
  corrects, signed, content_hash, signed_hash, signer_ids, row_hash, received_at`;

/**
 * The spot check's evidence tables (all append-only, see the CreateSurveyReturns migration): inspectors'
 * signing keys, signed returns on their hash chain, and their comparisons with the registry.
 */
@Injectable()
export class SurveyReturnRepository {
  constructor(
    private readonly db: DataSource,
    private readonly pii: PersonalDataCipher,
  ) {}

  async enrollKey(tx: EntityManager, key: EnrolledKey & { label: string | null; enrolledBy: string | null }): Promise<'enrolled' | 'already-enrolled'> {
    const rows = await tx.query(
      `INSERT INTO inspector_signing_key (key_id, staff_id, algorithm, public_key, label, enrolled_by)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (key_id) DO NOTHING RETURNING 1`,
      [key.keyId, key.staffId, key.algorithm, Buffer.from(key.publicKey, 'base64'), key.label, key.enrolledBy],
    );
    return rows.length ? 'enrolled' : 'already-enrolled';
  }

  async revokeKey(tx: EntityManager, keyId: string, reason: string, revokedBy: string | null): Promise<'revoked' | 'already-revoked' | 'not-found'> {
    const [key] = await tx.query(`SELECT key_id FROM inspector_signing_key WHERE key_id = $1 FOR SHARE`, [keyId]);
    if (!key) return 'not-found';
    const rows = await tx.query(
      `INSERT INTO inspector_key_revocation (key_id, revoked_by, reason) VALUES ($1, $2, $3) ON CONFLICT (key_id) DO NOTHING RETURNING 1`,
      [keyId, revokedBy, reason],
    );
    return rows.length ? 'revoked' : 'already-revoked';
  }

  /** Every key, or one staff user's, newest first. */
  async listKeys(staffId?: string): Promise<SigningKeyRecord[]> {
    const rows = await this.db.query(
      `SELECT k.key_id, k.staff_id, s.username, k.algorithm, encode(k.public_key, 'base64') AS public_key, k.label, k.enrolled_at,
              r.revoked_at, r.reason
       FROM inspector_signing_key k JOIN staff_user s ON s.id = k.staff_id
       LEFT JOIN inspector_key_revocation r ON r.key_id = k.key_id
       WHERE $1::uuid IS NULL OR k.staff_id = $1
       ORDER BY k.enrolled_at DESC, k.key_id`,
      [staffId ?? null],
    );
    return rows.map(keyRecord);
  }

  /** The keys with these ids that sign today (not revoked). */
  async activeKeys(keyIds: readonly string[]): Promise<Map<string, EnrolledKey>> {
    const rows = await this.db.query(
      `SELECT k.key_id, k.staff_id, s.username, k.algorithm, encode(k.public_key, 'base64') AS public_key, k.label, k.enrolled_at, NULL AS revoked_at, NULL AS reason
       FROM inspector_signing_key k JOIN staff_user s ON s.id = k.staff_id
       WHERE k.key_id = ANY($1::text[]) AND s.disabled_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM inspector_key_revocation r WHERE r.key_id = k.key_id)`,
      [[...keyIds]],
    );
    return new Map(rows.map((r: Record<string, any>) => [r.key_id, keyRecord(r)]));
  }

  async findReturn(returnId: string): Promise<StoredReturn | undefined> {
    const [row] = await this.db.query(`SELECT ${RETURN_COLUMNS} FROM survey_return WHERE return_id = $1`, [returnId]);
    return row ? storedReturn(row) : undefined;
  }

  /**
   * Appends a return to the chain: the head row is locked for the transaction, so returns are chained one
   * at a time. Answers the stored row, or the earlier one when the return id was stored before (a second sync).
   */
  async append(tx: EntityManager, entry: NewReturn): Promise<{ status: 'accepted' | 'duplicate'; stored: StoredReturn }> {
    const [head] = await tx.query(`SELECT chain_seq, chain_head FROM survey_return_chain WHERE id = 1 FOR UPDATE`);
    const survey = entry.signed.return;
    const [earlier] = await tx.query(`SELECT ${RETURN_COLUMNS} FROM survey_return WHERE return_id = $1`, [survey.returnId]);
    if (earlier) return { status: 'duplicate', stored: storedReturn(earlier) };
    const seq = BigInt(head.chain_seq) + 1n;
    const receivedAt = new Date();
    const signedHash = signedReturnHash(entry.signed);
    const rowHash = returnRowHash(head.chain_head, seq, survey.returnId, receivedAt.toISOString(), signedHash);
    const [row] = await tx.query(
      `INSERT INTO survey_return (chain_seq, return_id, campaign_id, draw_id, village_code, township_code, survey_date, corrects, signed,
         content_hash, signed_hash, signer_ids, prev_hash, row_hash, received_at, received_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
       RETURNING ${RETURN_COLUMNS}`,
      [
        seq.toString(), survey.returnId, survey.campaignId, survey.drawId, survey.villageCode, entry.townshipCode, survey.surveyDate,
        survey.corrects ?? null, JSON.stringify(entry.signed), entry.contentHash, signedHash, [...entry.signerIds], head.chain_head, rowHash,
        receivedAt, entry.receivedBy,
      ],
    );
    await tx.query(`UPDATE survey_return_chain SET chain_seq = $1, chain_head = $2 WHERE id = 1`, [seq.toString(), rowHash]);
    return { status: 'accepted', stored: storedReturn(row) };
  }

  async saveComparison(tx: EntityManager, returnId: string, registryAsOf: string, comparison: SurveyComparison, drafts: readonly FindingDraft[]): Promise<void> {
    await tx.query(`INSERT INTO survey_comparison (return_id, registry_as_of, comparison, finding_drafts) VALUES ($1, $2, $3, $4)`, [
      returnId, registryAsOf, JSON.stringify(comparison), JSON.stringify(drafts),
    ]);
  }

  /**
   * Raises the findings of a campaign's current returns (those no addendum corrects) as discrepancies of the
   * kind spot-check-finding, each once by its key, due on `dueAt`; not raised by a reconciliation run (run 0).
   * Answers the ids raised now (none when they were raised before).
   */
  async raiseCampaignFindings(tx: EntityManager, campaignId: string, dueAt: string): Promise<string[]> {
    const rows: { id: string }[] = await tx.query(
      `INSERT INTO discrepancy (key, kind, region_code, township_code, subject, subject_citizen_id, subject_name, card_id, agency_value,
         registry_value, evidence, due_at, raised_by_run, last_seen_run)
       SELECT d->>'key', d->>'kind', d->>'regionCode', d->>'townshipCode', d->'subject', d->>'subjectCitizenId', d->>'subjectName', d->>'cardId',
         COALESCE(d->'agencyValue', 'null'), COALESCE(d->'registryValue', 'null'), d->'evidence', $2::date, 0, 0
       FROM survey_return r
       JOIN survey_comparison c ON c.return_id = r.return_id
       CROSS JOIN LATERAL jsonb_array_elements(c.finding_drafts) AS d
       WHERE r.campaign_id = $1 AND NOT EXISTS (SELECT 1 FROM survey_return a WHERE a.corrects = r.return_id)
       ORDER BY r.chain_seq
       ON CONFLICT (key) DO NOTHING
       RETURNING id`,
      [campaignId, dueAt],
    );
    return rows.map((r) => r.id);
  }

  /**
   * The cards of a village as the hub had received them by `receivedBefore`: each card's highest version
   * received by then, with that version's husband and children (from the same message), not moved out or
   * deceased. What a return is compared with: a card corrected after the survey day does not hide a finding.
   */
  async registryCardsAsOf(villageCode: string, receivedBefore: Date): Promise<FrameCard[]> {
    const rows: Record<string, any>[] = await this.db.query(
      `WITH candidates AS (SELECT DISTINCT card_id FROM registry_card_version WHERE region_code = $1),
       latest AS (
         SELECT v.* FROM candidates c
         CROSS JOIN LATERAL (SELECT * FROM registry_card_version v WHERE v.card_id = c.card_id AND v.received_at < $2 ORDER BY v.version DESC LIMIT 1) v)
       SELECT l.card_id, l.region_code, l.group_code, l.household_number, l.woman_citizen_id, l.woman_name, l.woman_birth_date::text AS woman_birth_date, l.marital_status,
         h.citizen_id AS husband_citizen_id, h.name AS husband_name, h.birth_date::text AS husband_birth_date, h.message_id IS NOT NULL AS has_husband,
         COALESCE((SELECT json_agg(json_build_object('ordinal', f.ordinal, 'citizenId', f.citizen_id, 'name', f.name, 'sex', f.sex, 'birthDate', f.birth_date::text) ORDER BY f.ordinal)
           FROM canonical_fact f WHERE f.message_id = l.message_id AND f.role = 'child'), '[]') AS children
       FROM latest l
       LEFT JOIN canonical_fact h ON h.message_id = l.message_id AND h.role = 'husband' AND h.ordinal = 0
       WHERE l.region_code = $1 AND l.residence_status NOT IN ('moved-out', 'deceased')
       ORDER BY l.card_id`,
      [villageCode, receivedBefore],
    );
    // Names and citizen ids are sealed at rest (card versions and facts alike): opened here, where the comparison reads them.
    const open = (value: string | null) => this.pii.open(value);
    return rows.map((r) => ({
      cardId: r.card_id, villageCode: r.region_code, groupCode: r.group_code, householdNumber: r.household_number,
      woman: { citizenId: open(r.woman_citizen_id), name: open(r.woman_name), birthDate: r.woman_birth_date, maritalStatus: r.marital_status },
      husband: r.has_husband ? { citizenId: open(r.husband_citizen_id), name: open(r.husband_name), birthDate: r.husband_birth_date } : null,
      children: r.children.map((c: Record<string, any>) => ({ ...c, citizenId: open(c.citizenId), name: open(c.name) })),
    }));
  }

  /** Returns with what their comparison counted: the evidence records behind a spot-check indicator. */
  async returnSummaries(returnIds: readonly string[]): Promise<(StoredComparison & { campaignId: string; villageCode: string; surveyDate: string; chainSeq: string })[]> {
    const rows = await this.db.query(
      `SELECT r.return_id, r.campaign_id, r.village_code, r.township_code, to_char(r.survey_date, 'YYYY-MM-DD') AS survey_date, r.chain_seq,
         to_char(c.registry_as_of, 'YYYY-MM-DD') AS registry_as_of, c.comparison
       FROM survey_return r JOIN survey_comparison c ON c.return_id = r.return_id WHERE r.return_id = ANY($1::uuid[])`,
      [[...returnIds]],
    );
    return rows.map((r: Record<string, any>) => ({
      ...storedComparison(r), campaignId: r.campaign_id, villageCode: r.village_code, surveyDate: r.survey_date, chainSeq: String(r.chain_seq),
    }));
  }

  /** The stored comparisons of these returns. */
  async comparisonsOf(returnIds: readonly string[]): Promise<StoredComparison[]> {
    const rows = await this.db.query(
      `SELECT r.return_id, r.township_code, to_char(c.registry_as_of, 'YYYY-MM-DD') AS registry_as_of, c.comparison
       FROM survey_return r JOIN survey_comparison c ON c.return_id = r.return_id WHERE r.return_id = ANY($1::uuid[]) ORDER BY r.chain_seq`,
      [[...returnIds]],
    );
    return rows.map(storedComparison);
  }

  /** A campaign's returns, in chain order. */
  async campaignReturns(campaignId: string): Promise<StoredReturn[]> {
    const rows = await this.db.query(`SELECT ${RETURN_COLUMNS} FROM survey_return WHERE campaign_id = $1 ORDER BY chain_seq`, [campaignId]);
    return rows.map(storedReturn);
  }

  /** The comparisons of a campaign's returns that no addendum corrects (an addendum's own comparison stands for both). */
  async currentComparisons(campaignId: string): Promise<StoredComparison[]> {
    const rows = await this.db.query(
      `SELECT r.return_id, r.township_code, to_char(c.registry_as_of, 'YYYY-MM-DD') AS registry_as_of, c.comparison
       FROM survey_return r JOIN survey_comparison c ON c.return_id = r.return_id
       WHERE r.campaign_id = $1 AND NOT EXISTS (SELECT 1 FROM survey_return a WHERE a.corrects = r.return_id)
       ORDER BY r.chain_seq`,
      [campaignId],
    );
    return rows.map(storedComparison);
  }

  /**
   * Recomputes the returns' chain: each row's stored signed return against its hash, each link against the
   * row before, and the head against the last row. Names the first broken link.
   */
  async verifyChain(): Promise<{ checked: number; breaks: ReturnChainBreak[] }> {
    let prev = RETURN_CHAIN_GENESIS;
    let expected = 1n;
    let checked = 0;
    let after = '0';
    let broken: ReturnChainBreak | undefined;
    for (;;) {
      const page = await this.db.query(
        `SELECT chain_seq, return_id, signed, signed_hash, prev_hash, row_hash, received_at FROM survey_return WHERE chain_seq > $1 ORDER BY chain_seq LIMIT 2000`,
        [after],
      );
      for (const row of page) {
        checked++;
        const seq = BigInt(row.chain_seq);
        const at = (reason: string): ReturnChainBreak => ({ chainSeq: row.chain_seq, returnId: row.return_id, reason });
        if (seq !== expected) broken = at(`sequence jumps from ${expected - 1n} to ${seq}: returns are missing`);
        else if (sha256Hex(canonicalize(row.signed)!) !== row.signed_hash) broken = at('the stored signed return does not match its SHA-256');
        else if (row.prev_hash !== prev) broken = at('previous-hash link does not match the preceding return');
        else if (returnRowHash(prev, seq, row.return_id, row.received_at.toISOString(), row.signed_hash) !== row.row_hash) broken = at('row hash does not match its contents');
        if (broken) break;
        prev = row.row_hash;
        expected = seq + 1n;
      }
      if (broken || page.length < 2000) break;
      after = page[page.length - 1].chain_seq;
    }
    if (!broken) {
      const [head] = await this.db.query(`SELECT chain_seq, chain_head FROM survey_return_chain WHERE id = 1`);
      if (BigInt(head.chain_seq) !== expected - 1n || head.chain_head !== prev) {
        broken = { chainSeq: String(head.chain_seq), returnId: null, reason: `chain head (seq ${head.chain_seq}) does not match the last return (seq ${expected - 1n})` };
      }
    }
    return { checked, breaks: broken ? [broken] : [] };
  }
}

function keyRecord(r: Record<string, any>): SigningKeyRecord {
  return {
    keyId: r.key_id, staffId: r.staff_id, username: r.username, algorithm: r.algorithm as SigningAlgorithm, publicKey: r.public_key.replace(/\n/g, ''),
    label: r.label ?? null, enrolledAt: r.enrolled_at, revokedAt: r.revoked_at ?? null, revocationReason: r.reason ?? null,
  };
}

function storedReturn(r: Record<string, any>): StoredReturn {
  return {
    chainSeq: String(r.chain_seq), returnId: r.return_id, campaignId: r.campaign_id, drawId: r.draw_id, villageCode: r.village_code,
    townshipCode: r.township_code, surveyDate: r.survey_date, corrects: r.corrects ?? null, signed: r.signed, contentHash: r.content_hash,
    signedHash: r.signed_hash, signerIds: r.signer_ids, rowHash: r.row_hash, receivedAt: r.received_at,
  };
}

function storedComparison(r: Record<string, any>): StoredComparison {
  return { returnId: r.return_id, townshipCode: r.township_code, registryAsOf: r.registry_as_of, comparison: r.comparison };
}
