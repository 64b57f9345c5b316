import { Inject, Injectable, Logger } from '@nestjs/common';
import { HUB_CONFIG, HubConfig } from '@sanxian/contracts';
import {
  isUnlinkedRecord,
  linkFact,
  reconcile,
  reconciliationConfig,
  registryLinker,
  unlinkedRecordDraft,
  withLink,
  type AgencyFact,
  type DiscrepancyDraft,
  type IsoDate,
  type ReconciliationConfig,
  type RegistryCardView,
  type RegistryLinkTarget,
  countUnlinkedCauses,
  factCitizenId,
  idsOnCard,
  idsStatedBy,
  unlinkedCause,
  type UnlinkedCause,
} from '@sanxian/domain';
import {
  ApplyCounts, DraftRow, LinkRow, ManualLink, ReconciliationRepository, RunMode, StoredAgencyFact, cardScope, messageScope,
} from '@sanxian/persistence';
import { LinkageCandidates } from './linkage-candidates';

export type RunTrigger = 'nightly' | 'on-demand' | 'intake' | 'cli' | 'sweep';

export interface IncrementalOptions {
  trigger: RunTrigger;
  asOf?: IsoDate;
  /** More batches than this waiting is a backlog, which one full run covers instead. */
  maxBatches?: number;
  /** Changed cards reaching more facts than this (their linkage may change) make the run a full one. */
  maxReachedFacts?: number;
}

/** Batches an incremental run takes at most, unless told otherwise. */
export const INCREMENTAL_BATCHES = 100;

/** Facts that changed cards may reach before an incremental run becomes a full one, unless told otherwise. */
export const INCREMENTAL_REACHED_FACTS = 20_000;

export interface ReconcileOptions {
  /** Only this township's discrepancies are written (raised and closed); unset: the county's. */
  townshipCode?: string | null;
  trigger: RunTrigger;
  /** Unset: the configured day, else today in China. */
  asOf?: IsoDate;
}

export interface RunSummary extends ApplyCounts {
  runId: string;
  mode: RunMode;
  /** People reconciled: cards, and persons without a card (by id, else by record). */
  persons: number;
  /** Batches the run covered (marked reconciled with its discrepancies); for an incremental run, whether more wait. */
  batches: number;
  moreBatches?: boolean;
  asOf: IsoDate;
  townshipCode: string | null;
  cards: number;
  facts: number;
  links: { link: number; review: number; nonLink: number; manual: number; written: number };
  /**
   * Why the non-links were not linked: people outside the registry's scope (men, children, women
   * over 49), women just moved in, and women of 15–49 whom no card matches (linkage failures).
   */
  unlinked: Record<UnlinkedCause, number>;
  /** Open discrepancies the run found (in scope), by kind. */
  found: Record<string, number>;
  milliseconds: number;
}

/** Today's date in China, where the county's working days are counted. */
export function todayInChina(now = new Date()): IsoDate {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/**
 * A full reconciliation: link every agency fact to the registry (staff decisions stand), apply
 * every rule, and bring the discrepancy table in line — raise what is new, close what the data
 * no longer shows. Runs one at a time (a database lock), so the worker and the CLI can both
 * start one. Running it twice changes nothing the second time.
 */
@Injectable()
export class ReconciliationService {
  private readonly logger = new Logger(ReconciliationService.name);

  constructor(
    private readonly repository: ReconciliationRepository,
    private readonly candidates: LinkageCandidates,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  async run(options: ReconcileOptions): Promise<RunSummary> {
    return this.repository.serialised(() => this.runLocked(options));
  }

  /**
   * An incremental run: the processed batches no run has covered yet (at most `maxBatches`; a
   * larger backlog, or changed cards reaching more than `maxReachedFacts` facts, gets a full run
   * instead), the people they touched — cards written or linked, persons by id, and every card and
   * fact of theirs — reconciled, and only their discrepancies raised and closed. The batches are
   * marked reconciled in the same transaction. Undefined when no batch waits.
   */
  async runIncremental(options: IncrementalOptions): Promise<RunSummary | undefined> {
    return this.repository.serialised(() => this.runIncrementalLocked(options));
  }

  private async reconciliationConfig(asOf: IsoDate): Promise<ReconciliationConfig> {
    const countyCode = this.config.countyCode ?? (await this.repository.mostCommonCounty()) ?? '000000';
    return reconciliationConfig({
      asOf, countyCode, birthGraceDays: this.config.birthGraceDays, resolveWithinWorkingDays: this.config.resolveWithinWorkingDays,
    });
  }

  private async runIncrementalLocked(options: IncrementalOptions): Promise<RunSummary | undefined> {
    const { batches, more } = await this.repository.unreconciledBatches(options.maxBatches ?? INCREMENTAL_BATCHES);
    if (batches.length === 0) return undefined;
    // A backlog (a bulk load just ended, runs held off): one full run covers it at lower cost than many incremental ones.
    if (more) return this.runLocked({ trigger: options.trigger, asOf: options.asOf });
    const started = Date.now();
    const asOf = options.asOf ?? this.config.reconcileAsOf ?? todayInChina();
    const messageIds = await this.repository.messagesOfBatches(batches);
    const changedCards = await this.repository.cardsWrittenBy(messageIds);
    // Reached before the refresh: the facts the cards' old persons met as well as their persons now.
    const reached = await this.candidates.factsReachedBy(changedCards, asOf);
    await this.candidates.refreshCards(changedCards, asOf);
    // Changed cards that may relink a large part of the county (always so with candidates that
    // cannot narrow it): a full run reads it set-wise at lower cost than look-ups by id.
    if (reached.length > (options.maxReachedFacts ?? INCREMENTAL_REACHED_FACTS)) return this.runLocked({ trigger: options.trigger, asOf });
    const runId = await this.repository.startRun(options.trigger, null, asOf, 'incremental');
    try {
      const config = await this.reconciliationConfig(asOf);
      const people = await this.gatherPeople({ messageIds, factIds: reached, cardIds: changedCards }, config);
      await this.candidates.factsStored(people.stored.map((f) => f.factId));
      const cards = [...people.cards.values()];
      const { written } = await this.repository.saveLinks(people.linked.links);
      const drafts = [...reconcile(cards, people.linked.facts, config), ...people.linked.unlinked];
      const scopes = scopesOf(this.repository, cards, people.stored, asOf);
      const applied = await this.repository.applyDraftsForScopes(runId, scopes, withSubjects(drafts, cards, people.stored), batches.map((b) => b.batchId));
      return await this.finish(runId, 'incremental', options.trigger, started, asOf, null, cards, people.stored, people.linked, written, drafts, applied, batches.length, more);
    } catch (error) {
      await this.repository.finishRun(runId, { error: (error as Error).message }).catch(() => undefined);
      throw error;
    }
  }

  /**
   * The people these messages, facts and cards touch, with every card and fact of theirs: the
   * facts are linked (through the candidates), the cards they link to are read, and every id any
   * of them names is looked up in turn (cards naming it, facts stating it, facts linked to a card
   * read), until nothing new turns up. Reads only those rows.
   */
  private async gatherPeople(seeds: { messageIds: string[]; factIds: string[]; cardIds: string[] }, config: ReconciliationConfig) {
    const asOf = config.asOf;
    const cards = new Map<string, RegistryCardView>();
    const stored: StoredAgencyFact[] = [];
    const messagesRead = new Set<string>();
    const idsLookedUp = new Set<string>();
    const linked: Linked = { facts: [], links: [], unlinked: [], linkCounts: { link: 0, review: 0, nonLink: 0, manual: 0 }, unlinkedCauses: [] };

    let newFacts = await this.repository.loadAgencyFacts({ messageIds: seeds.messageIds, factIds: seeds.factIds });
    let newCards = await this.repository.loadCurrentCards({ cardIds: seeds.cardIds });
    while (newFacts.length > 0 || newCards.length > 0) {
      for (const card of newCards) cards.set(card.cardId, card);
      for (const f of newFacts) messagesRead.add(f.fact.messageId);
      stored.push(...newFacts);

      const ids = new Set<string>();
      const wantedCards = new Set<string>();
      if (newFacts.length > 0) {
        const manual = await this.repository.loadManualLinks(newFacts.map((f) => f.factId));
        const linkerCards = await this.candidates.cardsFor(newFacts.map((f) => f.fact), asOf);
        const result = this.link(linkerCards, newFacts, manual, config);
        mergeLinked(linked, result);
        for (const fact of result.facts) {
          if (fact.cardId !== undefined) wantedCards.add(fact.cardId);
          for (const id of idsStatedBy(fact, asOf)) ids.add(id);
        }
        for (const link of result.links) if (link.cardId !== null) wantedCards.add(link.cardId);
        for (const m of manual) if (m.personKey !== null) ids.add(m.personKey);
      }
      for (const card of newCards) for (const id of idsOnCard(card, asOf)) ids.add(id);
      const hashes = [...ids].filter((id) => !idsLookedUp.has(id)).map((id) => {
        idsLookedUp.add(id);
        return this.repository.personLookup(id);
      });
      const cardsJustRead = newCards.map((c) => c.cardId);
      newCards = await this.repository.loadCurrentCards({ cardIds: [...wantedCards].filter((id) => !cards.has(id)), citizenHashes: hashes, except: cards.keys() });
      newFacts = await this.repository.loadAgencyFacts({ citizenHashes: hashes, linkedToCards: cardsJustRead, exceptMessages: messagesRead });
    }
    return { cards, stored, linked };
  }

  private async finish(
    runId: string, mode: RunMode, trigger: RunTrigger, started: number, asOf: IsoDate, townshipCode: string | null,
    cards: RegistryCardView[], stored: StoredAgencyFact[], linked: Linked, written: number, drafts: DiscrepancyDraft[], applied: ApplyCounts,
    batches: number, moreBatches?: boolean,
  ): Promise<RunSummary> {
    const found: Record<string, number> = {};
    for (const draft of drafts) found[draft.kind] = (found[draft.kind] ?? 0) + 1;
    const persons = countPersons(cards, linked.facts, asOf);
    const summary: RunSummary = {
      runId, mode, asOf, townshipCode, persons, cards: cards.length, facts: stored.length, batches, ...(moreBatches === undefined ? {} : { moreBatches }),
      links: { ...linked.linkCounts, written }, unlinked: countUnlinkedCauses(linked.unlinkedCauses), found, ...applied,
      milliseconds: Date.now() - started,
    };
    await this.repository.finishRun(runId, { counts: { ...summary }, read: { persons, facts: stored.length, cards: cards.length }, applied });
    this.logger.log(
      `${mode} run ${runId} (${trigger}${townshipCode ? `, township ${townshipCode}` : ''}): ${persons} persons, ${stored.length} facts read, ` +
        `${drafts.length} found, ${applied.raised} raised, ${applied.closedByData} closed by data, in ${summary.milliseconds} ms`,
    );
    return summary;
  }

  private async runLocked(options: ReconcileOptions): Promise<RunSummary> {
    const started = Date.now();
    const asOf = options.asOf ?? this.config.reconcileAsOf ?? todayInChina();
    const townshipCode = options.townshipCode ?? null;
    const runId = await this.repository.startRun(options.trigger, townshipCode, asOf, 'full');
    try {
      // Read before the facts: every batch listed here is committed, so the run reads its facts and may mark it reconciled.
      const covered = townshipCode === null ? await this.repository.allUnreconciledBatchIds() : [];
      // Whatever a crash kept from the linkage blocks (a card's new version, facts never filed) is filed now, for the incremental runs after this one.
      await this.candidates.catchUp();
      const [cards, stored, manual] = await Promise.all([
        this.repository.loadCurrentCards(),
        this.repository.loadAgencyFacts(),
        this.repository.loadManualLinks(),
      ]);
      const config = await this.reconciliationConfig(asOf);
      // Every current card is at hand: linking against them is linking against the whole registry,
      // which is what any candidates must give, without reading the registry a second time.
      const linked = this.link(cards, stored, manual, config);
      const { written } = await this.repository.saveLinks(linked.links);

      const drafts = [...reconcile(cards, linked.facts, config), ...linked.unlinked]
        .filter((d) => townshipCode === null || d.townshipCode === townshipCode);
      const applied = await this.repository.applyDrafts(runId, townshipCode, withSubjects(drafts, cards, stored), covered);
      return await this.finish(runId, 'full', options.trigger, started, asOf, townshipCode, cards, stored, linked, written, drafts, applied, covered.length);
    } catch (error) {
      await this.repository.finishRun(runId, { error: (error as Error).message }).catch(() => undefined);
      throw error;
    }
  }

  /** Links every fact (or keeps staff's decision) and returns the facts as the rules read them. */
  private link(cards: RegistryCardView[], stored: StoredAgencyFact[], manual: ManualLink[], config: ReconciliationConfig): Linked {
    const linker = registryLinker(cards, config.asOf);
    const manualByFact = new Map(manual.map((m) => [m.factId, m]));
    const facts: AgencyFact[] = [];
    const links: LinkRow[] = [];
    const unlinked: DiscrepancyDraft[] = [];
    const linkCounts = { link: 0, review: 0, nonLink: 0, manual: 0 };
    const unlinkedCauses: UnlinkedCause[] = [];
    for (const { factId, fact, spouseName } of stored) {
      const decided = manualByFact.get(factId);
      if (decided !== undefined) {
        linkCounts.manual += 1;
        const target = decided.personKey === null ? undefined : linker.targets.get(decided.personKey);
        facts.push(withLink(fact, decided.decision === 'link' ? target : undefined, config.asOf));
        continue;
      }
      const result = linkFact(fact, linker, {}, spouseName === undefined ? undefined : { spouseName });
      const target: RegistryLinkTarget | undefined = result.personId === undefined ? undefined : linker.targets.get(result.personId);
      if (result.decision === 'link') linkCounts.link += 1;
      else if (result.decision === 'review') linkCounts.review += 1;
      else {
        linkCounts.nonLink += 1;
        unlinkedCauses.push(unlinkedCause(fact, config.asOf));
      }
      facts.push(withLink(fact, result.decision === 'link' ? target : undefined, config.asOf, result.decision === 'review'));
      if (isUnlinkedRecord(fact, result)) unlinked.push(unlinkedRecordDraft(fact, result, config));
      links.push({
        factId, messageId: fact.messageId,
        // The review queue belongs to the office of the candidate's card, else of the record's region.
        townshipCode: (target?.regionCode ?? fact.regionCode).slice(0, 9),
        method: result.method, decision: result.decision, personKey: result.personId ?? null,
        cardId: target?.cardId ?? null, cardRole: target?.cardRole ?? null, personCitizenId: target?.validCitizenId ?? null,
        score: result.score === undefined ? null : Math.round(result.score * 1000) / 1000,
        weights: result.weights, runnerUp: result.runnerUp ?? null, candidates: result.candidates,
      });
    }
    return { facts, links, unlinked, linkCounts, unlinkedCauses };
  }
}

interface Linked {
  facts: AgencyFact[];
  links: LinkRow[];
  unlinked: DiscrepancyDraft[];
  linkCounts: { link: number; review: number; nonLink: number; manual: number };
  unlinkedCauses: UnlinkedCause[];
}

function mergeLinked(into: Linked, more: Linked): void {
  into.facts.push(...more.facts);
  into.links.push(...more.links);
  into.unlinked.push(...more.unlinked);
  into.unlinkedCauses.push(...more.unlinkedCauses);
  for (const k of Object.keys(into.linkCounts) as (keyof Linked['linkCounts'])[]) into.linkCounts[k] += more.linkCounts[k];
}

/**
 * The scopes a run over these cards and facts decides wholly: each card, each person any of them
 * names by a valid id, each message (its unlinked records). Every card and fact of these people was read.
 */
function scopesOf(repository: ReconciliationRepository, cards: readonly RegistryCardView[], stored: readonly StoredAgencyFact[], asOf: IsoDate): string[] {
  const scopes = new Set<string>();
  for (const card of cards) {
    scopes.add(cardScope(card.cardId));
    for (const id of idsOnCard(card, asOf)) scopes.add(repository.personScope(id));
  }
  for (const { fact } of stored) {
    scopes.add(messageScope(fact.messageId));
    for (const id of idsStatedBy(fact, asOf)) scopes.add(repository.personScope(id));
  }
  return [...scopes];
}

/** People reconciled: the cards, and the persons of facts without a card, by valid id, else each by its record and role. */
function countPersons(cards: readonly RegistryCardView[], facts: readonly AgencyFact[], asOf: IsoDate): number {
  const cardless = new Set<string>();
  for (const fact of facts) {
    if (fact.cardId !== undefined) continue;
    const id = factCitizenId(fact, asOf);
    cardless.add(id ?? `${fact.recordId ?? fact.messageId}|${fact.role}`);
  }
  return cards.length + cardless.size;
}

/** Each draft with the person it is about (id and name), for lists and for audit of id reads. */
function withSubjects(drafts: DiscrepancyDraft[], cards: RegistryCardView[], stored: StoredAgencyFact[]): DraftRow[] {
  const cardById = new Map(cards.map((c) => [c.cardId, c]));
  const byMessageRole = new Map<string, StoredAgencyFact['fact']>();
  const byMessage = new Map<string, StoredAgencyFact['fact']>();
  for (const { fact } of stored) {
    byMessageRole.set(`${fact.messageId}|${fact.role}`, fact);
    if (!byMessage.has(fact.messageId)) byMessage.set(fact.messageId, fact);
  }
  return drafts.map((draft) => {
    const card = draft.evidence.cardId === undefined ? undefined : cardById.get(draft.evidence.cardId);
    const subject = draft.subject;
    let citizenId: string | null = subject.motherCitizenId ?? subject.citizenId ?? card?.woman.citizenId ?? null;
    let name: string | null = card?.woman.name ?? null;
    if (draft.kind === 'unlinked-record') {
      const fact = byMessageRole.get(`${subject.messageId}|${subject.role}`);
      citizenId = fact?.person.citizenId ?? null;
      name = fact?.person.name ?? null;
    } else if (card === undefined) {
      const fact = draft.evidence.messageIds.map((id) => byMessage.get(id)).find((f) => f !== undefined);
      name = fact?.person.name ?? null;
    }
    return { ...draft, subjectCitizenId: citizenId, subjectName: name || null, cardId: card?.cardId ?? null };
  });
}
