import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { AgencyFact, FactRole, RegistryCardView } from '@sanxian/domain';
import { withAdvisoryLock } from '../advisory-lock';
import { PersonalDataCipher } from '../personal-data-cipher';

/** A look-up token a card's person is filed under; `isId`: a valid id (one id, one link target, chosen among every card stating it). */
export interface FiledToken {
  token: string;
  isId: boolean;
}

/** Session lock: one full catch-up or rebuild of the blocks at a time. */
export const LINKAGE_BLOCK_LOCK = 0x5a4e_0010;
/** Namespace of the per-card transaction locks that keep two refreshes of one card in turn. */
const CARD_LOCK_SPACE = 0x5a4e_0011;
/** The blocks' tables (see vacuumIfMuchChanged). */
const BLOCK_TABLES = ['linkage_block', 'linkage_block_card', 'fact_block', 'fact_blocked'];
/** Hashes per `= ANY($1)`: a few hundred kilobytes of parameters. */
const LOOKUP_BATCH = 10_000;

const FACT_ROLES: Record<string, FactRole> = { subject: 'person', 'party-a': 'partyA', 'party-b': 'partyB', mother: 'mother', father: 'father' };

/** One card as loaded, with the registry stamp (exact, as text) its content was read at. */
interface LoadedCard {
  card: RegistryCardView;
  stamp: string;
}

/**
 * Linkage's blocks in PostgreSQL (see the CreateLinkageBlocks migration): which cards are filed
 * under which keyed token hashes, which facts search which, and which cards' blocks are stale.
 * What the tokens are is the domain's (passed in as functions); here they are only hashed,
 * stored and looked up, a batch at a time, so that memory is bounded by the batch.
 */
@Injectable()
export class LinkageBlockRepository {
  constructor(
    private readonly db: DataSource,
    private readonly pii: PersonalDataCipher,
  ) {}

  /** Runs work holding the blocks' lock (a catch-up, a rebuild), waiting for another to finish. */
  exclusively<T>(work: () => Promise<T>): Promise<T> {
    return withAdvisoryLock(this.db, LINKAGE_BLOCK_LOCK, 'wait', work);
  }

  /** Whether the stored hashes were made with this hub's key (false before the first build, or after a key rotation). */
  async filedUnderCurrentKey(): Promise<boolean> {
    const [row] = await this.db.query(`SELECT key_check FROM linkage_block_key`);
    return row !== undefined && Buffer.compare(row.key_check, this.pii.blockingKeyCheck()) === 0;
  }

  /**
   * Forgets every block (every card and fact becomes stale) and the key they were made with:
   * until `markFiled`, every process sees blocks not made under its key and waits for the
   * rebuild (`catchUp` holds the lock) instead of looking up in half-built blocks.
   */
  async reset(): Promise<void> {
    await this.db.query(`TRUNCATE linkage_block, linkage_block_card, fact_block, fact_blocked, linkage_block_key`);
  }

  /** Records that the blocks are complete under this hub's key. */
  async markFiled(): Promise<void> {
    await this.db.query(
      `INSERT INTO linkage_block_key (key_check) VALUES ($1) ON CONFLICT (only_row) DO UPDATE SET key_check = EXCLUDED.key_check`,
      [this.pii.blockingKeyCheck()],
    );
  }

  /** The cards with a person filed under any of the tokens. */
  async cardsFiledUnder(tokens: readonly string[]): Promise<string[]> {
    const cards = new Set<string>();
    for (const hashes of batches(this.hashes(tokens))) {
      const rows: { card_id: string }[] = await this.db.query(`SELECT DISTINCT card_id FROM linkage_block WHERE key_hash = ANY($1::bytea[])`, [hashes]);
      for (const row of rows) cards.add(row.card_id);
    }
    return [...cards].sort();
  }

  /**
   * The current cards (highest versions) with these ids, opened, in card id order; ids of no card
   * are skipped. Without `recordIds` the cards lack the record id of their message (linkage needs
   * none, and finding it probes every month's partition of the message log).
   */
  async loadCards(cardIds: readonly string[], options: { recordIds?: boolean } = {}): Promise<RegistryCardView[]> {
    return (await loadCurrentCards(this.db, this.pii, cardIds, options.recordIds ?? true)).map((c) => c.card);
  }

  /**
   * Files these cards under their tokens now: their old rows go, the current card's are written
   * with the registry stamp they were read at; a card no longer in the registry is forgotten.
   * Two refreshes of one card take turns (a transaction lock per card).
   */
  async refreshCards(cardIds: readonly string[], tokensOf: (card: RegistryCardView) => FiledToken[]): Promise<void> {
    const ids = [...new Set(cardIds)].sort();
    if (!ids.length) return;
    await this.db.transaction(async (tx) => {
      await tx.query(
        `SELECT pg_advisory_xact_lock(${CARD_LOCK_SPACE}, h) FROM (SELECT DISTINCT hashtext(id) AS h FROM unnest($1::text[]) AS id ORDER BY 1) s`,
        [ids],
      );
      // Read after the locks: the card as the last committed change left it.
      const loaded = await loadCurrentCards(tx, this.pii, ids);
      const cards: string[] = [];
      const hashes: Buffer[] = [];
      const isId: boolean[] = [];
      for (const { card } of loaded) {
        const seen = new Set<string>();
        for (const { token, isId: id } of tokensOf(card)) {
          if (seen.has(token)) continue;
          seen.add(token);
          cards.push(card.cardId);
          hashes.push(this.pii.blockingHash(token));
          isId.push(id);
        }
      }
      await tx.query(`DELETE FROM linkage_block WHERE card_id = ANY($1::text[])`, [ids]);
      await tx.query(`DELETE FROM linkage_block_card WHERE card_id = ANY($1::text[])`, [ids]);
      await tx.query(
        `INSERT INTO linkage_block (card_id, key_hash, is_id) SELECT * FROM unnest($1::text[], $2::bytea[], $3::boolean[]) ON CONFLICT DO NOTHING`,
        [cards, hashes, isId],
      );
      await tx.query(
        `INSERT INTO linkage_block_card (card_id, card_updated_at) SELECT * FROM unnest($1::text[], $2::timestamptz[])`,
        [loaded.map((c) => c.card.cardId), loaded.map((c) => c.stamp)],
      );
    });
  }

  /**
   * Cards whose blocks do not show the registry as it is: never filed, changed since (a new
   * version or a staff correction moves `registry_woman.updated_at`), or no longer there. In card
   * id order after `after`, at most `limit`: a sweep pages through them.
   */
  async staleCards(after: string | null, limit: number): Promise<string[]> {
    const rows: { card_id: string }[] = await this.db.query(
      `SELECT card_id FROM (
         SELECT w.card_id FROM registry_woman w LEFT JOIN linkage_block_card b ON b.card_id = w.card_id
         WHERE b.card_id IS NULL OR b.card_updated_at <> w.updated_at
         UNION ALL
         SELECT b.card_id FROM linkage_block_card b WHERE NOT EXISTS (SELECT 1 FROM registry_woman w WHERE w.card_id = b.card_id)
       ) stale
       WHERE $1::text IS NULL OR card_id > $1
       ORDER BY card_id LIMIT $2`,
      [after, limit],
    );
    return rows.map((r) => r.card_id);
  }

  /** Every current card in card id order after `after`, at most `limit`: a rebuild pages through the registry by its key. */
  async cardsAfter(after: string | null, limit: number): Promise<string[]> {
    const rows: { card_id: string }[] = await this.db.query(
      `SELECT card_id FROM registry_woman WHERE $1::text IS NULL OR card_id > $1 ORDER BY card_id LIMIT $2`,
      [after, limit],
    );
    return rows.map((r) => r.card_id);
  }

  /**
   * Agency facts (as reconciliation links them) in id order after `after`, at most `limit`: only
   * those not filed yet (`unblocked`), or all of them (a rebuild, where none is).
   */
  async factsAfter(after: string | null, limit: number, which: 'unblocked' | 'all'): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT f.id FROM canonical_fact f
       WHERE f.kind <> 'registry-card' AND f.role = ANY($3::text[]) AND ($1::bigint IS NULL OR f.id > $1)
         ${which === 'unblocked' ? 'AND NOT EXISTS (SELECT 1 FROM fact_blocked b WHERE b.fact_id = f.id)' : ''}
       ORDER BY f.id LIMIT $2`,
      [after, limit, Object.keys(FACT_ROLES)],
    );
    return rows.map((r) => String(r.id));
  }

  /** Files these facts under the tokens they search (facts never change: once is enough). */
  async blockFacts(factIds: readonly string[], tokensOf: (fact: AgencyFact) => string[]): Promise<void> {
    if (!factIds.length) return;
    const rows: Record<string, any>[] = await this.db.query(
      `SELECT id, kind, event, event_date, region_code, role, citizen_id, name, sex, birth_date FROM canonical_fact
       WHERE id = ANY($1::bigint[]) AND kind <> 'registry-card' AND role = ANY($2::text[])`,
      [factIds, Object.keys(FACT_ROLES)],
    );
    const ids: string[] = [];
    const hashes: Buffer[] = [];
    for (const row of rows) {
      const fact: AgencyFact = {
        kind: row.kind, event: row.event, eventDate: row.event_date, regionCode: row.region_code, role: FACT_ROLES[row.role],
        person: definedOnly({ citizenId: this.pii.open(row.citizen_id), name: this.pii.open(row.name), sex: row.sex, birthDate: row.birth_date }),
      };
      for (const token of new Set(tokensOf(fact))) {
        ids.push(String(row.id));
        hashes.push(this.pii.blockingHash(token));
      }
    }
    await this.db.transaction(async (tx) => {
      await tx.query(`INSERT INTO fact_block (fact_id, key_hash) SELECT * FROM unnest($1::bigint[], $2::bytea[]) ON CONFLICT DO NOTHING`, [ids, hashes]);
      await tx.query(`INSERT INTO fact_blocked (fact_id) SELECT unnest($1::bigint[]) ON CONFLICT DO NOTHING`, [rows.map((r) => String(r.id))]);
    });
  }

  /**
   * The facts that may link differently after these cards changed: those searching a token the
   * cards are filed under (as stored: before a refresh, their old persons) or under `current`
   * (their persons now), or one of any card stating a valid id these cards state (one id's
   * target is chosen among all of them).
   */
  async factsReaching(cardIds: readonly string[], current: readonly FiledToken[]): Promise<string[]> {
    const rows: { fact_id: string }[] = await this.db.query(
      `WITH ids AS (
         SELECT key_hash FROM linkage_block WHERE card_id = ANY($1::text[]) AND is_id
         UNION SELECT unnest($2::bytea[])),
       cards AS (
         SELECT unnest($1::text[]) AS card_id
         UNION SELECT b.card_id FROM linkage_block b JOIN ids ON ids.key_hash = b.key_hash),
       tokens AS (
         SELECT b.key_hash FROM linkage_block b JOIN cards c ON c.card_id = b.card_id
         UNION SELECT unnest($3::bytea[]))
       SELECT DISTINCT f.fact_id FROM fact_block f JOIN tokens t ON t.key_hash = f.key_hash ORDER BY 1`,
      [cardIds, this.hashes(current.filter((t) => t.isId).map((t) => t.token)), this.hashes(current.map((t) => t.token))],
    );
    return rows.map((r) => String(r.fact_id));
  }

  /**
   * Vacuums and analyses the blocks' tables when much of them is new since they last were (a
   * rebuild, a large catch-up): look-ups by key are then index-only scans, not a heap visit per
   * row, and planned with the tables' real size. Autovacuum would do it in time, if it runs; a
   * full run should not wait for it (at 500,000 people the look-ups took 3.4 s instead of 12.6).
   * Which tables were vacuumed (none when little changed).
   */
  async vacuumIfMuchChanged({ share = 0.2, minRows = 1000 }: { share?: number; minRows?: number } = {}): Promise<string[]> {
    const rows: { relname: string }[] = await this.db.query(
      `SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
       WHERE s.relname = ANY($1::text[])
         AND greatest(s.n_mod_since_analyze, s.n_ins_since_vacuum) > $3 + $2 * greatest(c.reltuples, 0)
       ORDER BY 1`,
      [BLOCK_TABLES, share, minRows],
    );
    const tables = rows.map((r) => r.relname);
    // Not in a transaction (VACUUM cannot be): a statement on a pooled connection of its own.
    if (tables.length > 0) await this.db.query(`VACUUM (ANALYZE) ${tables.join(', ')}`);
    return tables;
  }

  /** How many rows the blocks hold, for reports and tests. */
  async counts(): Promise<{ cardTokens: number; cards: number; factTokens: number; facts: number }> {
    const [row] = await this.db.query(`SELECT
      (SELECT count(*)::int FROM linkage_block) AS "cardTokens", (SELECT count(*)::int FROM linkage_block_card) AS cards,
      (SELECT count(*)::int FROM fact_block) AS "factTokens", (SELECT count(*)::int FROM fact_blocked) AS facts`);
    return row;
  }

  private hashes(tokens: readonly string[]): Buffer[] {
    return [...new Set(tokens)].map((t) => this.pii.blockingHash(t));
  }
}

function batches<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += LOOKUP_BATCH) out.push(items.slice(i, i + LOOKUP_BATCH));
  return out;
}

/**
 * Current cards by id, as ReconciliationRepository.loadCurrentCards reads every one (citizen ids
 * and names opened, absent values as it gives them), in one statement: one snapshot of the woman,
 * husband and children, and the card's `updated_at` as exact text (a JavaScript Date drops microseconds).
 */
async function loadCurrentCards(db: DataSource | EntityManager, pii: PersonalDataCipher, cardIds: readonly string[], recordIds = true): Promise<LoadedCard[]> {
  if (!cardIds.length) return [];
  const open = (value: string | null) => pii.open(value);
  const rows: Record<string, any>[] = await db.query(
    `SELECT w.card_id, w.version, w.updated_at::text AS stamp, w.event_date, w.region_code, w.citizen_id, w.name, w.birth_date,
       w.marital_status, w.marriage_date, w.residence_status, w.message_id, ${recordIds ? 'm.record_id' : 'NULL AS record_id'},
       (SELECT json_build_object('citizen_id', h.citizen_id, 'name', h.name, 'birth_date', h.birth_date)
          FROM registry_husband h WHERE h.card_id = w.card_id) AS husband,
       (SELECT json_agg(json_build_object('citizen_id', c.citizen_id, 'name', c.name, 'sex', c.sex, 'birth_date', c.birth_date,
                 'birth_order', c.birth_order, 'policy_compliant', c.policy_compliant) ORDER BY c.ordinal)
          FROM registry_child c WHERE c.card_id = w.card_id) AS children
     FROM registry_woman w ${recordIds ? 'LEFT JOIN inbound_message m ON m.id = w.message_id' : ''}
     WHERE w.card_id = ANY($1::text[])
     ORDER BY w.card_id`,
    [cardIds],
  );
  return rows.map((w) => {
    const card: RegistryCardView = {
      cardId: w.card_id, version: w.version, eventDate: w.event_date, regionCode: w.region_code,
      woman: { citizenId: open(w.citizen_id) ?? '', name: open(w.name) ?? '', sex: 'F', birthDate: w.birth_date ?? '' },
      maritalStatus: w.marital_status, residenceStatus: w.residence_status,
      children: ((w.children ?? []) as Record<string, any>[]).map((c) => definedOnly({
        citizenId: open(c.citizen_id), name: open(c.name), sex: c.sex, birthDate: c.birth_date, birthOrder: c.birth_order, policyCompliant: c.policy_compliant,
      }) as RegistryCardView['children'][number]),
      messageId: w.message_id,
    };
    if (w.record_id) card.recordId = w.record_id;
    if (w.marriage_date) card.marriageDate = w.marriage_date;
    if (w.husband) card.husband = definedOnly({ citizenId: open(w.husband.citizen_id), name: open(w.husband.name), birthDate: w.husband.birth_date });
    return { card, stamp: w.stamp };
  });
}

/** The object without its null and undefined fields (rows to domain values, which use absence). */
function definedOnly<T extends Record<string, unknown>>(value: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as { [K in keyof T]: Exclude<T[K], null> };
}
