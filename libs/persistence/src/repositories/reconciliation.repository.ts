import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { AgencyFact, DiscrepancyDraft, FactRole, IsoDate, RegistryCardView } from '@sanxian/domain';
import { withAdvisoryLock } from '../advisory-lock';
import { copyRows } from '../copy-rows';
import { PersonalDataCipher } from '../personal-data-cipher';
import { StoredIdCounts } from '../stored-id-counts';
import { ReceiptRepository } from './receipt.repository';
import { ReconciliationPartsRepository } from './reconciliation-parts.repository';

/** An agency fact as reconciliation reads it, with what linkage needs besides. */
export interface StoredAgencyFact {
  factId: string;
  fact: AgencyFact & { messageId: string };
  /** The other party's name (marriages), the father's (a birth notice's mother): linkage's `relative`. */
  spouseName?: string;
}

export interface LinkRow {
  factId: string;
  messageId: string;
  townshipCode: string;
  method: string;
  decision: 'link' | 'review' | 'non-link';
  personKey: string | null;
  cardId: string | null;
  cardRole: string | null;
  personCitizenId: string | null;
  score: number | null;
  weights: unknown;
  runnerUp: unknown;
  candidates: number;
}

/** Linkage's verdict about a fact as stored (not staff's). */
export interface StoredLink {
  factId: string;
  method: string;
  decision: 'link' | 'review' | 'non-link';
  personKey: string | null;
  cardId: string | null;
  score: number | null;
  candidates: number;
}

/** A staff decision that reconciliation keeps: the person confirmed, or none (rejected). */
export interface ManualLink {
  factId: string;
  decision: 'link' | 'non-link';
  personKey: string | null;
}

export interface DraftRow extends DiscrepancyDraft {
  subjectCitizenId: string | null;
  subjectName: string | null;
  cardId: string | null;
}

export interface ApplyCounts {
  raised: number;
  reopened: number;
  changed: number;
  closedByData: number;
  /** Raised and closed, by kind. */
  byKind: Record<string, { raised: number; closed: number }>;
}

const ROLE_FROM_DB: Record<string, FactRole> = { subject: 'person', 'party-a': 'partyA', 'party-b': 'partyB', mother: 'mother', father: 'father' };

const DRAFT_COLUMNS = [
  'key', 'kind', 'region_code', 'township_code', 'subject', 'subject_citizen_id', 'subject_name', 'card_id', 'agency_value',
  'registry_value', 'evidence', 'due_at',
];
const LINK_COLUMNS = [
  'fact_id', 'message_id', 'township_code', 'method', 'decision', 'person_key', 'card_id', 'card_role', 'person_citizen_id', 'score',
  'weights', 'runner_up', 'candidates',
];

export type RunMode = 'incremental' | 'full';

/** What a run read: the people it reconciled, their facts and their cards. */
export interface RunReadCounts {
  persons: number;
  facts: number;
  cards: number;
}

/** A processed batch no committed run has covered yet, and where its messages are in its client's chain. */
export interface UnreconciledBatch {
  batchId: string;
  clientId: string;
  firstSeq: string;
  lastSeq: string;
}

/** Cards by id, and cards naming a person of these keyed hashes; `except` ones are left out (already read). */
export interface CardFilter {
  cardIds?: readonly string[];
  citizenHashes?: readonly string[];
  except?: Iterable<string>;
}

/** The whole messages holding these facts, these messages, facts stating these keyed hashes, or facts linked to these cards; `exceptMessages` left out. */
export interface FactFilter {
  factIds?: readonly string[];
  messageIds?: readonly string[];
  citizenHashes?: readonly string[];
  linkedToCards?: readonly string[];
  exceptMessages?: Iterable<string>;
}

/** Blocking session lock: one reconciliation at a time, whoever starts it (worker, CLI). */
export const RECONCILIATION_LOCK = 0x5a4e_0002;

/**
 * What reconciliation reads (the current registry, the agency facts) and writes (links,
 * discrepancies, runs), each set-wise: a handful of statements per run, never one per person.
 */
@Injectable()
export class ReconciliationRepository {
  constructor(
    private readonly db: DataSource,
    private readonly receipts: ReceiptRepository,
    private readonly pii: PersonalDataCipher,
    private readonly parts: ReconciliationPartsRepository,
  ) {}

  /** Runs work holding the reconciliation lock, waiting for a run in progress to finish first. */
  async serialised<T>(work: () => Promise<T>): Promise<T> {
    return withAdvisoryLock(this.db, RECONCILIATION_LOCK, 'wait', work);
  }

  async startRun(trigger: string, townshipCode: string | null, asOf: IsoDate, mode: RunMode = 'full'): Promise<string> {
    const [row] = await this.db.query(
      `INSERT INTO reconciliation_run (trigger, township_code, as_of, mode) VALUES ($1, $2, $3, $4) RETURNING id`,
      [trigger, townshipCode, asOf, mode],
    );
    return String(row.id);
  }

  async finishRun(runId: string, outcome: { counts: unknown; read?: RunReadCounts; applied?: ApplyCounts } | { error: string }): Promise<void> {
    await this.finishRunIn(this.db.manager, runId, outcome);
  }

  /** Marks a run failed unless it has ended already (a part of a run in parts failing for good); whether it was. */
  async failRunIfRunning(runId: string, error: string): Promise<boolean> {
    const [, count] = await this.db.query(
      `UPDATE reconciliation_run SET status = 'failed', finished_at = now(), error = $2 WHERE id = $1 AND status = 'running'`,
      [runId, error],
    );
    return count === 1;
  }

  async runStartedAt(runId: string): Promise<Date> {
    const [row] = await this.db.query(`SELECT started_at FROM reconciliation_run WHERE id = $1`, [runId]);
    return new Date(row.started_at);
  }

  /** A run's summary as recorded when it ended (undefined while it runs or when it failed). */
  async recordedSummary(runId: string): Promise<unknown> {
    const [row] = await this.db.query(`SELECT counts FROM reconciliation_run WHERE id = $1 AND status = 'done'`, [runId]);
    return row?.counts ?? undefined;
  }

  private async finishRunIn(tx: EntityManager, runId: string, outcome: { counts: unknown; read?: RunReadCounts; applied?: ApplyCounts } | { error: string }): Promise<void> {
    if ('error' in outcome) {
      await tx.query(`UPDATE reconciliation_run SET status = 'failed', finished_at = now(), error = $2 WHERE id = $1`, [runId, outcome.error]);
    } else {
      const { read, applied } = outcome;
      await tx.query(
        `UPDATE reconciliation_run SET status = 'done', finished_at = now(), counts = $2,
           persons_read = $3, facts_read = $4, cards_read = $5, raised = $6, closed = $7, changed = $8
         WHERE id = $1`,
        [
          runId, JSON.stringify(outcome.counts), read?.persons ?? null, read?.facts ?? null, read?.cards ?? null,
          applied === undefined ? null : applied.raised + applied.reopened, applied?.closedByData ?? null, applied?.changed ?? null,
        ],
      );
    }
  }

  /**
   * Processed (or dead) batches no committed run has covered yet, oldest first, at most `limit`;
   * each with its messages' place in its client's chain.
   */
  async unreconciledBatches(limit: number): Promise<{ batches: UnreconciledBatch[]; more: boolean }> {
    const rows: Record<string, any>[] = await this.db.query(
      `SELECT id, client_id, first_seq::text, last_seq::text FROM intake_batch
       WHERE reconciled_at IS NULL AND (processed_at IS NOT NULL OR dead_at IS NOT NULL)
       ORDER BY created_at, id LIMIT $1`,
      [limit + 1],
    );
    const batches = rows.slice(0, limit).map((r) => ({ batchId: r.id, clientId: r.client_id, firstSeq: r.first_seq, lastSeq: r.last_seq }));
    return { batches, more: rows.length > limit };
  }

  /** Ids of every batch no committed run has covered yet (for a full run of the county, which covers them all). */
  async allUnreconciledBatchIds(): Promise<string[]> {
    const rows = await this.db.query(
      `SELECT id FROM intake_batch WHERE reconciled_at IS NULL AND (processed_at IS NOT NULL OR dead_at IS NOT NULL)`,
    );
    return rows.map((r: { id: string }) => r.id);
  }

  /** The messages of these batches (found by their place in the client's chain). */
  async messagesOfBatches(batches: readonly UnreconciledBatch[]): Promise<string[]> {
    const out: string[] = [];
    for (const b of batches) {
      const rows = await this.db.query(
        `SELECT id FROM inbound_message WHERE client_id = $1 AND chain_seq BETWEEN $2 AND $3`,
        [b.clientId, b.firstSeq, b.lastSeq],
      );
      for (const r of rows) out.push(r.id);
    }
    return out;
  }

  /** The cards these messages wrote a version of. */
  async cardsWrittenBy(messageIds: readonly string[]): Promise<string[]> {
    const out = new Set<string>();
    for (const chunk of chunks(messageIds)) {
      const rows = await this.db.query(`SELECT DISTINCT card_id FROM registry_card_version WHERE message_id = ANY($1::uuid[])`, [chunk]);
      for (const r of rows) out.add(r.card_id);
    }
    return [...out];
  }

  /** The keyed hash SQL finds a person by (see PersonalDataCipher.lookup). */
  personLookup(citizenId: string): string {
    return this.pii.lookup(citizenId)!;
  }

  /** Which person a discrepancy is about, for runs over some people: its card, else its person (keyed hash of the id), else its message. */
  scopeOf(draft: DiscrepancyDraft): string | null {
    if (draft.evidence.cardId !== undefined) return cardScope(draft.evidence.cardId);
    const citizenId = draft.subject.citizenId ?? draft.subject.motherCitizenId;
    if (citizenId !== undefined) return this.personScope(citizenId);
    if (draft.subject.messageId !== undefined) return messageScope(draft.subject.messageId);
    return null;
  }

  personScope(citizenId: string): string {
    return `person:${this.pii.lookup(citizenId)}`;
  }

  /**
   * How many rows state each keyed id hash (registry persons of current cards, agency facts), for
   * a full run to skip look-ups that can find nothing new (at 1,000,000 people most of 1.6 million
   * index probes). Held as sorted 48-bit prefixes, 6 bytes a row (18 MB at 5,000,000 people).
   */
  async storedIdCounts(): Promise<StoredIdCounts> {
    const [row]: { prefixes: Buffer | null }[] = await this.db.query(
      `SELECT string_agg(decode(translate(left(h, 8), '-_', '+/'), 'base64'), ''::bytea) AS prefixes FROM (
         SELECT citizen_id_hash AS h FROM registry_woman WHERE citizen_id_hash IS NOT NULL
         UNION ALL SELECT citizen_id_hash FROM registry_husband WHERE citizen_id_hash IS NOT NULL
         UNION ALL SELECT citizen_id_hash FROM registry_child WHERE citizen_id_hash IS NOT NULL
         UNION ALL SELECT citizen_id_hash FROM canonical_fact WHERE kind <> 'registry-card' AND citizen_id_hash IS NOT NULL) stated`,
    );
    return StoredIdCounts.fromPrefixes(row?.prefixes ?? Buffer.alloc(0));
  }

  /** The county of most cards, for a hub not told its county. */
  async mostCommonCounty(): Promise<string | undefined> {
    const [row] = await this.db.query(
      `SELECT left(region_code, 6) AS county FROM registry_woman GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
    );
    return row?.county;
  }

  /**
   * Current cards with their husbands and children, as the rules read them (citizen ids and names
   * opened): every card, or those with these ids and those naming a person of these keyed hashes
   * (as woman, husband or child).
   */
  async loadCurrentCards(filter?: CardFilter): Promise<RegistryCardView[]> {
    if (filter === undefined) return this.loadCards('', []);
    const cardIds = new Set(filter.cardIds ?? []);
    const hashes = [...new Set(filter.citizenHashes ?? [])];
    for (const chunk of chunks(hashes)) {
      const rows = await this.db.query(
        `SELECT card_id FROM registry_woman WHERE citizen_id_hash = ANY($1::text[])
         UNION SELECT card_id FROM registry_husband WHERE citizen_id_hash = ANY($1::text[])
         UNION SELECT card_id FROM registry_child WHERE citizen_id_hash = ANY($1::text[])`,
        [chunk],
      );
      for (const r of rows) cardIds.add(r.card_id);
    }
    for (const known of filter.except ?? []) cardIds.delete(known);
    const out: RegistryCardView[] = [];
    for (const chunk of chunks([...cardIds])) out.push(...(await this.loadCards('WHERE card_id = ANY($1::text[])', [chunk])));
    return out;
  }

  private async loadCards(where: string, params: unknown[]): Promise<RegistryCardView[]> {
    const open = (value: string | null) => this.pii.open(value);
    const [women, husbands, children] = await Promise.all([
      this.db.query(
        `SELECT w.card_id, w.version, w.event_date, w.region_code, w.citizen_id, w.name, w.birth_date, w.marital_status,
           w.marriage_date, w.residence_status, w.message_id, m.record_id
         FROM (SELECT * FROM registry_woman ${where}) w LEFT JOIN inbound_message m ON m.id = w.message_id`,
        params,
      ),
      this.db.query(`SELECT card_id, citizen_id, name, birth_date FROM registry_husband ${where}`, params),
      this.db.query(`SELECT card_id, citizen_id, name, sex, birth_date, birth_order, policy_compliant FROM registry_child ${where} ORDER BY card_id, ordinal`, params),
    ]);
    const husbandOf = new Map<string, RegistryCardView['husband']>();
    for (const h of husbands) husbandOf.set(h.card_id, definedOnly({ citizenId: open(h.citizen_id), name: open(h.name), birthDate: h.birth_date }));
    const childrenOf = new Map<string, RegistryCardView['children'][number][]>();
    for (const c of children) {
      const child = definedOnly({
        citizenId: open(c.citizen_id), name: open(c.name), sex: c.sex, birthDate: c.birth_date, birthOrder: c.birth_order, policyCompliant: c.policy_compliant,
      }) as RegistryCardView['children'][number];
      const list = childrenOf.get(c.card_id);
      if (list === undefined) childrenOf.set(c.card_id, [child]);
      else list.push(child);
    }
    return women.map((w: Record<string, any>): RegistryCardView => {
      const card: RegistryCardView = {
        cardId: w.card_id, version: w.version, eventDate: w.event_date, regionCode: w.region_code,
        woman: { citizenId: open(w.citizen_id) ?? '', name: open(w.name) ?? '', sex: 'F', birthDate: w.birth_date ?? '' },
        maritalStatus: w.marital_status, residenceStatus: w.residence_status,
        children: childrenOf.get(w.card_id) ?? [],
        messageId: w.message_id,
      };
      if (w.record_id) card.recordId = w.record_id;
      if (w.marriage_date) card.marriageDate = w.marriage_date;
      const husband = husbandOf.get(w.card_id);
      if (husband !== undefined) card.husband = husband;
      return card;
    });
  }

  /**
   * Every agency fact about a person the rules read (a birth notice's child is folded into its
   * mother's fact), with the record id of its message; citizen ids and names opened.
   */
  async loadAgencyFacts(filter?: FactFilter): Promise<StoredAgencyFact[]> {
    if (filter === undefined) return this.loadFacts('', []);
    // Whole messages: a fact's partner roles (spouse, child, father) are read with it.
    const messageIds = new Set(filter.messageIds ?? []);
    const find = async (sql: string, values: readonly string[]) => {
      for (const chunk of chunks([...new Set(values)])) for (const r of await this.db.query(sql, [chunk])) messageIds.add(r.message_id);
    };
    await find(`SELECT DISTINCT message_id FROM canonical_fact WHERE id = ANY($1::bigint[])`, filter.factIds ?? []);
    await find(`SELECT DISTINCT message_id FROM canonical_fact WHERE citizen_id_hash = ANY($1::text[])`, filter.citizenHashes ?? []);
    await find(`SELECT DISTINCT message_id FROM person_link WHERE card_id = ANY($1::text[])`, filter.linkedToCards ?? []);
    for (const known of filter.exceptMessages ?? []) messageIds.delete(known);
    const out: StoredAgencyFact[] = [];
    for (const chunk of chunks([...messageIds].sort())) out.push(...(await this.loadFacts('AND f.message_id = ANY($1::uuid[])', [chunk])));
    return out;
  }

  private async loadFacts(where: string, params: unknown[]): Promise<StoredAgencyFact[]> {
    const rows: Record<string, any>[] = await this.db.query(
      `SELECT f.id, f.message_id, m.record_id, f.kind, f.event, f.event_date, f.region_code, f.role, f.citizen_id, f.name, f.sex,
         f.birth_date, f.detail
       FROM canonical_fact f JOIN inbound_message m ON m.id = f.message_id
       WHERE f.kind <> 'registry-card' ${where}
       ORDER BY f.message_id, f.role, f.ordinal`,
      params,
    );
    for (const row of rows) {
      row.citizen_id = this.pii.open(row.citizen_id);
      row.name = this.pii.open(row.name);
    }
    const out: StoredAgencyFact[] = [];
    for (let start = 0; start < rows.length; ) {
      let end = start + 1;
      while (end < rows.length && rows[end].message_id === rows[start].message_id) end += 1;
      const group = rows.slice(start, end);
      start = end;
      const byRole = new Map(group.map((r) => [r.role as string, r]));
      for (const row of group) {
        const role = ROLE_FROM_DB[row.role];
        if (role === undefined) continue;
        const fact: StoredAgencyFact['fact'] = {
          kind: row.kind, event: row.event, eventDate: row.event_date, regionCode: row.region_code, role,
          person: definedOnly({ citizenId: row.citizen_id, name: row.name, sex: row.sex, birthDate: row.birth_date }),
          messageId: row.message_id, recordId: row.record_id,
        };
        const detail = row.detail ?? {};
        if (row.kind === 'hukou-change') {
          fact.detail = definedOnly({ fromRegionCode: detail.fromRegionCode, toRegionCode: detail.toRegionCode });
        } else if (row.kind === 'birth-notice' && role === 'mother') {
          const child = byRole.get('child');
          fact.detail = definedOnly({ birthOrder: detail.birthOrder, child: child && definedOnly({ sex: child.sex, birthDate: child.birth_date ?? row.event_date, name: child.name }) });
        }
        let spouseName: string | undefined;
        if (role === 'partyA') spouseName = byRole.get('party-b')?.name ?? undefined;
        else if (role === 'partyB') spouseName = byRole.get('party-a')?.name ?? undefined;
        else if (role === 'mother') spouseName = byRole.get('father')?.name ?? undefined;
        else if (role === 'father') spouseName = byRole.get('mother')?.name ?? undefined;
        out.push({ factId: String(row.id), fact, ...(spouseName ? { spouseName } : {}) });
      }
    }
    return out;
  }

  /** The id of every agency fact (what a change to a card may reach when candidates are not narrowed). */
  async allAgencyFactIds(): Promise<string[]> {
    const rows = await this.db.query(`SELECT id::text FROM canonical_fact WHERE kind <> 'registry-card'`);
    return rows.map((r: { id: string }) => r.id);
  }

  /** Staff's link decisions: all, or those about these facts. */
  async loadManualLinks(factIds?: readonly string[]): Promise<ManualLink[]> {
    const toLink = (r: Record<string, any>): ManualLink => ({ factId: String(r.fact_id), decision: r.decision, personKey: r.person_key });
    if (factIds === undefined) return (await this.db.query(`SELECT fact_id, decision, person_key FROM person_link WHERE method = 'manual'`)).map(toLink);
    const out: ManualLink[] = [];
    for (const chunk of chunks(factIds)) {
      const rows = await this.db.query(`SELECT fact_id, decision, person_key FROM person_link WHERE method = 'manual' AND fact_id = ANY($1::bigint[])`, [chunk]);
      out.push(...rows.map(toLink));
    }
    return out;
  }

  /** Linkage's stored verdicts (not staff's) about these facts, as the link phase of a full run in parts left them. */
  async loadAutomaticLinks(factIds: readonly string[]): Promise<StoredLink[]> {
    const out: StoredLink[] = [];
    for (const chunk of chunks(factIds)) {
      const rows = await this.db.query(
        `SELECT fact_id, method, decision, person_key, card_id, score, candidates FROM person_link WHERE method <> 'manual' AND fact_id = ANY($1::bigint[])`,
        [chunk],
      );
      for (const r of rows) {
        out.push({
          factId: String(r.fact_id), method: r.method, decision: r.decision, personKey: r.person_key, cardId: r.card_id,
          score: r.score === null ? null : Number(r.score), candidates: r.candidates,
        });
      }
    }
    return out;
  }

  /**
   * Stores linkage's verdicts; staff decisions (method 'manual') stand. Rows whose verdict is
   * unchanged are not rewritten, so a second run writes nothing. A fact newly sent to review
   * waits as 'pending'; one that no longer needs review leaves the queue.
   */
  async saveLinks(links: readonly LinkRow[]): Promise<{ written: number }> {
    return this.db.transaction(async (tx) => {
      await tx.query(`CREATE TEMP TABLE IF NOT EXISTS person_link_stage (LIKE person_link INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`);
      await copyRows(tx.queryRunner!, 'person_link_stage', LINK_COLUMNS, links.map((l) => [
        l.factId, l.messageId, l.townshipCode, l.method, l.decision, l.personKey, l.cardId, l.cardRole, l.personCitizenId,
        l.score === null ? null : String(l.score), JSON.stringify(l.weights ?? {}), l.runnerUp === null || l.runnerUp === undefined ? null : JSON.stringify(l.runnerUp),
        String(l.candidates),
      ]));
      const written = await tx.query(
        `INSERT INTO person_link AS p (${LINK_COLUMNS.join(', ')}, review_status)
         SELECT ${LINK_COLUMNS.join(', ')}, CASE WHEN decision = 'review' THEN 'pending' END FROM person_link_stage
         ON CONFLICT (fact_id) DO UPDATE SET
           township_code = EXCLUDED.township_code, method = EXCLUDED.method, decision = EXCLUDED.decision, person_key = EXCLUDED.person_key,
           card_id = EXCLUDED.card_id, card_role = EXCLUDED.card_role, person_citizen_id = EXCLUDED.person_citizen_id, score = EXCLUDED.score,
           weights = EXCLUDED.weights, runner_up = EXCLUDED.runner_up, candidates = EXCLUDED.candidates,
           review_status = CASE WHEN EXCLUDED.decision = 'review' THEN COALESCE(p.review_status, 'pending') END,
           updated_at = now()
         WHERE p.method <> 'manual'
           AND (p.decision, p.person_key, p.score, p.township_code) IS DISTINCT FROM (EXCLUDED.decision, EXCLUDED.person_key, EXCLUDED.score, EXCLUDED.township_code)
         RETURNING 1`,
      );
      return { written: written.length };
    });
  }

  /**
   * Upserts a run's discrepancies by key and closes, as `resolved-by-data`, every open one in
   * scope the run no longer finds; receipts tell the senders of the evidence. One transaction.
   * A discrepancy staff closed stays closed; one closed by data opens again if it comes back.
   * A run of the whole county marks `coveredBatches` reconciled in the same transaction.
   */
  async applyDrafts(runId: string, townshipCode: string | null, drafts: readonly DraftRow[], coveredBatches: readonly string[] = []): Promise<ApplyCounts> {
    return this.applyWithin(runId, drafts, { townshipCode }, coveredBatches);
  }

  /**
   * As applyDrafts, for a run over some people: writes their drafts and closes only the open
   * discrepancies of these scopes (see scopeOf) that the run no longer finds, and marks the
   * batches it covered reconciled, all in one transaction.
   */
  async applyDraftsForScopes(runId: string, scopes: readonly string[], drafts: readonly DraftRow[], coveredBatches: readonly string[]): Promise<ApplyCounts> {
    return this.applyWithin(runId, drafts, { scopes }, coveredBatches);
  }

  /** How many current cards the registry holds. */
  async currentCardCount(): Promise<number> {
    const [row] = await this.db.query(`SELECT count(*)::int AS n FROM registry_woman`);
    return row.n;
  }

  /** The townships (first nine digits of the region code) holding a current card or an agency fact, in order. */
  async townships(): Promise<string[]> {
    const rows = await this.db.query(
      `SELECT township_code AS township FROM registry_woman
       UNION SELECT left(region_code, 9) FROM canonical_fact WHERE kind <> 'registry-card'
       ORDER BY 1`,
    );
    return rows.map((r: { township: string }) => r.township);
  }

  /** A page of the current cards of a township, by card id after `after`. */
  async townshipCardIds(townshipCode: string, after: string | null, limit: number): Promise<string[]> {
    const rows = await this.db.query(
      `SELECT card_id FROM registry_woman WHERE township_code = $1 AND ($2::text IS NULL OR card_id > $2) ORDER BY card_id LIMIT $3`,
      [townshipCode, after, limit],
    );
    return rows.map((r: { card_id: string }) => r.card_id);
  }

  /** A page of the agency facts stated in a township, by fact id after `after`. */
  async townshipFactIds(townshipCode: string, after: string | null, limit: number): Promise<string[]> {
    const rows = await this.db.query(
      // Ordered by the number, not its text (an output column named id would sort '10' before '9').
      `SELECT id::text AS fact_id FROM canonical_fact
       WHERE kind <> 'registry-card' AND left(region_code, 9) = $1 AND ($2::bigint IS NULL OR id > $2::bigint) ORDER BY id LIMIT $3`,
      [townshipCode, after, limit],
    );
    return rows.map((r: { fact_id: string }) => r.fact_id);
  }

  /**
   * A page of a full run in parts: as applyDraftsForScopes, and in the same transaction the scopes
   * it decided (and its drafts' scopes) and the discrepancies it found noted for the run (for
   * closeUnseenScopes and the run's counts once all parts are done), and its part moved on
   * (`progress`, see ReconciliationPartsRepository.advance): a page commits whole or not at all.
   */
  async applyPart(
    runId: string, scopes: readonly string[], drafts: readonly DraftRow[], progress: (tx: EntityManager, applied: ApplyCounts) => Promise<void>,
  ): Promise<ApplyCounts> {
    return this.applyWithin(runId, drafts, { scopes }, [], async (tx, applied) => {
      await this.parts.noteFound(tx, runId, 'discrepancy_stage');
      await progress(tx, applied);
    });
  }

  /**
   * The end of a full run made of parts: closes, as `resolved-by-data`, every open discrepancy
   * (never a spot check's finding) whose scope no part noted — no part decided it: its subject is
   * gone; a part notes the scopes of what it leaves open — tells the
   * senders, marks the batches the run covers reconciled, drops the run's notes and records the
   * run as done with `finish`'s counts: one transaction, so that an end cut short (and retried)
   * never closes without the notes. Undefined when the run is no longer running (ended already).
   */
  async closeUnseenScopes(runId: string, finish: (applied: ApplyCounts) => { counts: unknown; read: RunReadCounts; applied: ApplyCounts }): Promise<ApplyCounts | undefined> {
    return this.db.transaction(async (tx) => {
      const [run] = await tx.query(`SELECT status, township_code FROM reconciliation_run WHERE id = $1 FOR UPDATE`, [runId]);
      if (run?.status !== 'running') return undefined;
      // A run of one township closes only that township's.
      const closed: { id: string; kind: string }[] = await tx.query(
        `WITH closed AS (
           UPDATE discrepancy d SET status = 'resolved-by-data', closed_at = now(), last_seen_run = $1
           WHERE d.status = 'open' AND d.kind <> 'spot-check-finding' AND ($2::text IS NULL OR d.township_code = $2)
             AND NOT EXISTS (SELECT 1 FROM reconciliation_run_scope s WHERE s.run_id = $1 AND s.scope_key = d.scope_key)
           RETURNING d.id, d.kind)
         SELECT id, kind FROM closed`,
        [runId, run.township_code],
      );
      await this.receipts.addForDiscrepancies(tx, closed.map((c) => c.id), 'resolved');
      await tx.query(
        `UPDATE intake_batch b SET reconciled_at = now() FROM reconciliation_run_batch r
         WHERE r.run_id = $1 AND b.id = r.batch_id AND b.reconciled_at IS NULL`,
        [runId],
      );
      await this.parts.dropNotes(tx, runId);
      const byKind: ApplyCounts['byKind'] = {};
      for (const row of closed) {
        byKind[row.kind] ??= { raised: 0, closed: 0 };
        byKind[row.kind].closed += 1;
      }
      const applied = { raised: 0, reopened: 0, changed: 0, closedByData: closed.length, byKind };
      await this.finishRunIn(tx, runId, finish(applied));
      return applied;
    });
  }

  private async applyWithin(
    runId: string,
    drafts: readonly DraftRow[],
    scope: { townshipCode: string | null } | { scopes: readonly string[] },
    coveredBatches: readonly string[],
    /** A part of a full run: the scopes of what stays open are noted, and this runs last in the transaction, told the page's counts. */
    part?: (tx: EntityManager, applied: ApplyCounts) => Promise<void>,
  ): Promise<ApplyCounts> {
    return this.db.transaction(async (tx) => {
      await tx.query(
        `CREATE TEMP TABLE IF NOT EXISTS discrepancy_stage (
           key text PRIMARY KEY, kind text, region_code text, township_code text, subject jsonb, subject_citizen_id text, subject_name text,
           card_id text, agency_value jsonb, registry_value jsonb, evidence jsonb, due_at date, scope_key text) ON COMMIT DELETE ROWS`,
      );
      await copyRows(tx.queryRunner!, 'discrepancy_stage', [...DRAFT_COLUMNS, 'scope_key'], drafts.map((d) => [
        d.key, d.kind, d.regionCode, d.townshipCode, JSON.stringify(d.subject), d.subjectCitizenId, d.subjectName, d.cardId,
        JSON.stringify(d.agencyValue ?? null), JSON.stringify(d.registryValue ?? null), JSON.stringify(d.evidence), d.dueAt, this.scopeOf(d),
      ]));
      const [{ reopened }] = await tx.query(
        `SELECT count(*)::int AS reopened FROM discrepancy_stage s JOIN discrepancy d ON d.key = s.key WHERE d.status = 'resolved-by-data'`,
      );
      // A discrepancy stored before scopes existed takes its scope quietly: that is not a change to report.
      await tx.query(
        `UPDATE discrepancy d SET scope_key = s.scope_key FROM discrepancy_stage s
         WHERE d.key = s.key AND d.scope_key IS DISTINCT FROM s.scope_key`,
      );
      const upserted: { id: string; kind: string; inserted: boolean }[] = await tx.query(
        `INSERT INTO discrepancy AS d (${DRAFT_COLUMNS.join(', ')}, scope_key, raised_by_run, last_seen_run)
         SELECT ${DRAFT_COLUMNS.join(', ')}, scope_key, $1, $1 FROM discrepancy_stage
         ON CONFLICT (key) DO UPDATE SET
           region_code = EXCLUDED.region_code, township_code = EXCLUDED.township_code, subject_citizen_id = EXCLUDED.subject_citizen_id,
           subject_name = EXCLUDED.subject_name, card_id = EXCLUDED.card_id, agency_value = EXCLUDED.agency_value,
           registry_value = EXCLUDED.registry_value, evidence = EXCLUDED.evidence, last_seen_run = $1,
           status = CASE WHEN d.status = 'resolved-by-data' THEN 'open' ELSE d.status END,
           closed_at = CASE WHEN d.status = 'resolved-by-data' THEN NULL ELSE d.closed_at END,
           due_at = CASE WHEN d.status = 'resolved-by-data' THEN EXCLUDED.due_at ELSE d.due_at END
         WHERE d.status = 'resolved-by-data'
           OR (d.region_code, d.agency_value, d.registry_value, d.evidence, d.card_id, d.subject_name)
              IS DISTINCT FROM (EXCLUDED.region_code, EXCLUDED.agency_value, EXCLUDED.registry_value, EXCLUDED.evidence, EXCLUDED.card_id, EXCLUDED.subject_name)
         RETURNING d.id, d.kind, d.raised_by_run = $1 AS inserted`,
        [runId],
      );
      const raisedIds = upserted.filter((r) => r.inserted).map((r) => r.id);
      const inScope = 'scopes' in scope ? `d.scope_key = ANY($2::text[])` : `($2::text IS NULL OR d.township_code = $2)`;
      const closed: { id: string; kind: string }[] = await tx.query(
        `WITH closed AS (
           UPDATE discrepancy d SET status = 'resolved-by-data', closed_at = now(), last_seen_run = $1
           WHERE d.status = 'open' AND ${inScope}
             -- A spot check's finding is raised by a signed return, not by a run: a run never closes it.
             AND d.kind <> 'spot-check-finding'
             AND NOT EXISTS (SELECT 1 FROM discrepancy_stage s WHERE s.key = d.key)
           RETURNING d.id, d.kind)
         SELECT id, kind FROM closed`,
        [runId, 'scopes' in scope ? [...scope.scopes] : scope.townshipCode],
      );
      if (part !== undefined && 'scopes' in scope) {
        // Only the scopes of what stays open are noted: any other open discrepancy of a decided scope
        // was closed just above, so the run's end needs no note of it (a note a scope cost ~9 µs,
        // 1,000,000 of them at 1,000,000 people).
        await tx.query(
          `INSERT INTO reconciliation_run_scope (run_id, scope_key)
           SELECT DISTINCT $1::bigint, scope_key FROM discrepancy_stage WHERE scope_key IS NOT NULL ON CONFLICT DO NOTHING`,
          [runId],
        );
      }
      await this.receipts.addForDiscrepancies(tx, raisedIds, 'discrepancy-raised');
      await this.receipts.addForDiscrepancies(tx, closed.map((c) => c.id), 'resolved');
      for (const chunk of chunks(coveredBatches)) {
        await tx.query(`UPDATE intake_batch SET reconciled_at = now() WHERE id = ANY($1::uuid[]) AND reconciled_at IS NULL`, [chunk]);
      }
      const byKind: ApplyCounts['byKind'] = {};
      const bump = (kind: string, field: 'raised' | 'closed') => {
        byKind[kind] ??= { raised: 0, closed: 0 };
        byKind[kind][field] += 1;
      };
      for (const row of upserted) if (row.inserted) bump(row.kind, 'raised');
      for (const row of closed) bump(row.kind, 'closed');
      const applied: ApplyCounts = {
        raised: raisedIds.length,
        reopened,
        changed: upserted.filter((r) => !r.inserted).length - reopened,
        closedByData: closed.length,
        byKind,
      };
      await part?.(tx, applied);
      return applied;
    });
  }
}

export function cardScope(cardId: string): string {
  return `card:${cardId}`;
}

export function messageScope(messageId: string): string {
  return `message:${messageId}`;
}

const CHUNK = 5000;

/** Values a few thousand at a time, so that no statement's parameters grow with the county. */
function chunks<T>(values: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += CHUNK) out.push(values.slice(i, i + CHUNK));
  return out;
}

/** The object without its null and undefined fields (rows to domain values, which use absence). */
function definedOnly<T extends Record<string, unknown>>(value: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as { [K in keyof T]: Exclude<T[K], null> };
}
