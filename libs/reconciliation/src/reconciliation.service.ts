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

/** Cards (and facts) of a township a part of a full run reads at most, besides the people they touch. */
export const PART_PAGE = 5000;

/** What one part of a full run read and changed, for logs and tests (memory per part). */
export interface PartReport {
  township: string;
  parts: number;
  persons: number;
  cards: number;
  facts: number;
}

export interface ReconcileOptions {
  /** A full run township by township in pages, whatever the county's size (unset: so above RECONCILE_IN_MEMORY_MAX_CARDS cards). */
  inParts?: boolean;
  /** A full run's page of a township's cards (and facts); unset: PART_PAGE. */
  pageSize?: number;
  /** Told after each township's parts of a full run. */
  onPart?: (part: PartReport) => void;
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
      // Only the batches' own facts are new: the others were filed when their batch was reconciled.
      const batchMessages = new Set(messageIds);
      await this.candidates.factsStored(people.stored.filter((f) => batchMessages.has(f.fact.messageId)).map((f) => f.factId));
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
    const linked: Linked = {
      facts: [], factIds: [], links: [], unlinked: [], linkCounts: { link: 0, review: 0, nonLink: 0, manual: 0 }, manualFactIds: [], unlinkedCauses: [], unlinkedFactIds: [],
    };

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
    if ((options.townshipCode ?? null) !== null) return this.runInMemoryLocked(options);
    // A county that fits in memory is read at once (several times faster than parts); a larger one goes in parts.
    const inParts = options.inParts ?? (await this.repository.currentCardCount()) > this.config.reconcileInMemoryMaxCards;
    return inParts ? this.runInParts(options) : this.runInMemoryLocked(options);
  }

  /**
   * The county's full run, township by township: each part reads a page of a township's cards and
   * facts, with every card and fact of the people they touch (gatherPeople), links them through
   * the candidates, and decides exactly the scopes it read. Memory follows the largest page's
   * people, not the county. Once all parts are done, open discrepancies whose scope no part
   * decided (their subject is gone) are closed, and the covered batches marked reconciled.
   */
  private async runInParts(options: ReconcileOptions): Promise<RunSummary> {
    const started = Date.now();
    const asOf = options.asOf ?? this.config.reconcileAsOf ?? todayInChina();
    const runId = await this.repository.startRun(options.trigger, null, asOf, 'full');
    try {
      // Read before the facts: every batch listed here is committed, so the run reads its facts and may mark it reconciled.
      const covered = await this.repository.allUnreconciledBatchIds();
      // Whatever a crash kept from the linkage blocks (a card's new version, facts never filed) is filed now.
      await this.candidates.catchUp();
      const config = await this.reconciliationConfig(asOf);
      const townships = await this.repository.townships();
      // Links first, township by township: a part then finds every fact linked to a card it reads
      // (person_link), even one that names no id, whichever township it was stated in.
      const total = emptyPartCounts();
      for (const township of townships) total.links.written += await this.linkTownshipFacts(township, config, options.pageSize ?? PART_PAGE);
      for (const township of townships) {
        const counts = await this.runTownshipParts(runId, township, config, options.pageSize ?? PART_PAGE);
        addPartCounts(total, counts);
        options.onPart?.({ township, ...counts });
      }
      addApplied(total.applied, await this.repository.closeUnseenScopes(runId, covered));
      const summary: RunSummary = {
        runId, mode: 'full', asOf, townshipCode: null, persons: total.persons, cards: total.cards, facts: total.facts, batches: covered.length,
        links: total.links, unlinked: countUnlinkedCauses(total.unlinkedCauses), found: total.found, ...total.applied,
        milliseconds: Date.now() - started,
      };
      await this.repository.finishRun(runId, {
        counts: { ...summary }, read: { persons: total.persons, facts: total.facts, cards: total.cards }, applied: total.applied,
      });
      this.logger.log(
        `full run ${runId} (${options.trigger}, ${total.parts} parts): ${total.persons} persons, ${total.facts} facts read, ` +
          `${total.applied.raised} raised, ${total.applied.closedByData} closed by data, in ${summary.milliseconds} ms`,
      );
      return summary;
    } catch (error) {
      await this.repository.finishRun(runId, { error: (error as Error).message }).catch(() => undefined);
      throw error;
    }
  }

  /** Links a township's facts a page at a time (through the candidates) and stores the verdicts (staff decisions stand); how many were written. */
  private async linkTownshipFacts(township: string, config: ReconciliationConfig, pageSize: number): Promise<number> {
    let written = 0;
    for (let after: string | null = null; ; ) {
      const factIds = await this.repository.townshipFactIds(township, after, pageSize);
      if (factIds.length === 0) return written;
      after = factIds[factIds.length - 1];
      const stored = await this.repository.loadAgencyFacts({ factIds });
      const manual = await this.repository.loadManualLinks(stored.map((f) => f.factId));
      const cards = await this.candidates.cardsFor(stored.map((f) => f.fact), config.asOf);
      written += (await this.repository.saveLinks(this.link(cards, stored, manual, config).links)).written;
      if (factIds.length < pageSize) return written;
    }
  }

  /**
   * One township's parts: its cards and facts a page at a time (by key), each page with the
   * people it touches. A scope is decided wholly by each part that reads it (gatherPeople reads
   * every card and fact of a person, wherever they are), so deciding it twice writes nothing new.
   * What a part read counts for the run only when it lies in this township, so that people read
   * by two parts are counted once.
   */
  private async runTownshipParts(runId: string, township: string, config: ReconciliationConfig, pageSize: number): Promise<PartCounts> {
    const asOf = config.asOf;
    const total = emptyPartCounts();
    let afterCard: string | null = null;
    let afterFact: string | null = null;
    let cardsDone = false;
    let factsDone = false;
    // Pages of one township may read the same people: a discrepancy is counted once (memory follows the township).
    const foundKeys = new Set<string>();
    while (!cardsDone || !factsDone) {
      const cardIds: string[] = cardsDone ? [] : await this.repository.townshipCardIds(township, afterCard, pageSize);
      const factIds: string[] = factsDone ? [] : await this.repository.townshipFactIds(township, afterFact, pageSize);
      cardsDone = cardIds.length < pageSize;
      factsDone = factIds.length < pageSize;
      if (cardIds.length > 0) afterCard = cardIds[cardIds.length - 1];
      if (factIds.length > 0) afterFact = factIds[factIds.length - 1];
      if (cardIds.length === 0 && factIds.length === 0) break;

      const people = await this.gatherPeople({ messageIds: [], factIds, cardIds }, config);
      const cards = [...people.cards.values()];
      const { written } = await this.repository.saveLinks(people.linked.links);
      const drafts = [...reconcile(cards, people.linked.facts, config), ...people.linked.unlinked];
      const scopes = scopesOf(this.repository, cards, people.stored, asOf);
      const applied = await this.repository.applyPart(runId, scopes, withSubjects(drafts, cards, people.stored));

      // Counted where they lie: this page's own cards and facts, and the drafts of this township.
      const ownCards = new Set(cardIds);
      const ownFacts = new Set(factIds);
      const ownLinked = people.linked.facts.filter((_f, i) => ownFacts.has(people.linked.factIds[i]));
      total.parts += 1;
      total.cards += cardIds.length;
      total.facts += factIds.length;
      total.persons += countPersons(cards.filter((c) => ownCards.has(c.cardId)), ownLinked, asOf);
      total.links.written += written;
      for (const link of people.linked.links) if (ownFacts.has(link.factId)) total.links[link.decision === 'non-link' ? 'nonLink' : link.decision] += 1;
      total.links.manual += people.linked.manualFactIds.filter((id) => ownFacts.has(id)).length;
      for (const [i, cause] of people.linked.unlinkedCauses.entries()) if (ownFacts.has(people.linked.unlinkedFactIds[i])) total.unlinkedCauses.push(cause);
      for (const draft of drafts) {
        if (draft.townshipCode !== township || foundKeys.has(draft.key)) continue;
        foundKeys.add(draft.key);
        total.found[draft.kind] = (total.found[draft.kind] ?? 0) + 1;
      }
      addApplied(total.applied, applied);
    }
    return total;
  }

  /**
   * The whole county read into memory at once: a full run (no township) of a county that fits, or
   * one township's discrepancies (raised and closed there only).
   */
  private async runInMemoryLocked(options: ReconcileOptions): Promise<RunSummary> {
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
    const factIds: string[] = [];
    const manualFactIds: string[] = [];
    const unlinkedFactIds: string[] = [];
    const links: LinkRow[] = [];
    const unlinked: DiscrepancyDraft[] = [];
    const linkCounts = { link: 0, review: 0, nonLink: 0, manual: 0 };
    const unlinkedCauses: UnlinkedCause[] = [];
    for (const { factId, fact, spouseName } of stored) {
      const decided = manualByFact.get(factId);
      if (decided !== undefined) {
        linkCounts.manual += 1;
        manualFactIds.push(factId);
        factIds.push(factId);
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
        unlinkedFactIds.push(factId);
      }
      factIds.push(factId);
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
    return { facts, factIds, links, unlinked, linkCounts, manualFactIds, unlinkedCauses, unlinkedFactIds };
  }
}

interface Linked {
  facts: AgencyFact[];
  /** The stored fact of each of `facts`. */
  factIds: string[];
  links: LinkRow[];
  unlinked: DiscrepancyDraft[];
  linkCounts: { link: number; review: number; nonLink: number; manual: number };
  /** Facts whose link staff decided. */
  manualFactIds: string[];
  unlinkedCauses: UnlinkedCause[];
  /** The fact of each of `unlinkedCauses`. */
  unlinkedFactIds: string[];
}

/** A full run's sums over its parts (what lies in each part's township). */
interface PartCounts {
  parts: number;
  persons: number;
  cards: number;
  facts: number;
  links: RunSummary['links'];
  unlinkedCauses: UnlinkedCause[];
  found: Record<string, number>;
  applied: ApplyCounts;
}

function emptyPartCounts(): PartCounts {
  return {
    parts: 0, persons: 0, cards: 0, facts: 0, links: { link: 0, review: 0, nonLink: 0, manual: 0, written: 0 }, unlinkedCauses: [], found: {},
    applied: { raised: 0, reopened: 0, changed: 0, closedByData: 0, byKind: {} },
  };
}

function addPartCounts(into: PartCounts, more: PartCounts): void {
  into.parts += more.parts;
  into.persons += more.persons;
  into.cards += more.cards;
  into.facts += more.facts;
  for (const k of Object.keys(into.links) as (keyof RunSummary['links'])[]) into.links[k] += more.links[k];
  into.unlinkedCauses.push(...more.unlinkedCauses);
  for (const [kind, n] of Object.entries(more.found)) into.found[kind] = (into.found[kind] ?? 0) + n;
  addApplied(into.applied, more.applied);
}

function addApplied(into: ApplyCounts, more: ApplyCounts): void {
  into.raised += more.raised;
  into.reopened += more.reopened;
  into.changed += more.changed;
  into.closedByData += more.closedByData;
  for (const [kind, { raised, closed }] of Object.entries(more.byKind)) {
    into.byKind[kind] ??= { raised: 0, closed: 0 };
    into.byKind[kind].raised += raised;
    into.byKind[kind].closed += closed;
  }
}

function mergeLinked(into: Linked, more: Linked): void {
  into.facts.push(...more.facts);
  into.factIds.push(...more.factIds);
  into.manualFactIds.push(...more.manualFactIds);
  into.unlinkedFactIds.push(...more.unlinkedFactIds);
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
