import { Inject, Injectable, Logger } from '@nestjs/common';
import { HUB_CONFIG, HubConfig } from '@sanxian/contracts';
import {
  cardLinkTargets,
  isUnlinkedRecord,
  linkFact,
  roundedScore,
  type LinkResult,
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
  ApplyCounts, DraftRow, LinkRow, ManualLink, PartCursor, ReconciliationPartsRepository, ReconciliationRepository, RunMode, StoredAgencyFact, StoredIdCounts, cardScope, messageScope,
} from '@sanxian/persistence';
import { LinkageCandidates, type FactVerdict } from './linkage-candidates';

export type RunTrigger = 'nightly' | 'on-demand' | 'intake' | 'cli' | 'sweep';

export interface IncrementalOptions {
  trigger: RunTrigger;
  asOf?: IsoDate;
  /** More batches than this waiting is a backlog, which one full run covers instead. */
  maxBatches?: number;
  /** Changed cards reaching more facts than this (their linkage may change) make the run a full one. */
  maxReachedFacts?: number;
  /**
   * When the run must become a full one and the county goes in parts, say so (FullRunWanted) instead
   * of running the parts in this process: the worker hands them to every worker as a flow.
   */
  handOverRunInParts?: boolean;
}

/** An incremental run that had to become a full run in parts, left to the caller to queue (handOverRunInParts). */
export interface FullRunWanted {
  fullRunWanted: 'backlog' | 'reach';
}

/** Batches an incremental run takes at most, unless told otherwise. */
export const INCREMENTAL_BATCHES = 100;

/** Facts that changed cards may reach before an incremental run becomes a full one, unless told otherwise. */
export const INCREMENTAL_REACHED_FACTS = 20_000;

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
  /** A full run's page of a township's cards (and facts); unset: RECONCILE_PART_PAGE (RECONCILE_LINK_PAGE for linking). */
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
  /** Per run in parts: the rows stating each id (see storedIds) and the county (see reconciliationConfig), read once by this process. */
  private readonly storedIdsOfRun = new Map<string, Promise<StoredIdCounts>>();
  private readonly countyOfRun = new Map<string, Promise<string>>();

  constructor(
    private readonly repository: ReconciliationRepository,
    private readonly parts: ReconciliationPartsRepository,
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
  async runIncremental(options: IncrementalOptions & { handOverRunInParts: true }): Promise<RunSummary | FullRunWanted | undefined>;
  async runIncremental(options: IncrementalOptions & { handOverRunInParts?: false }): Promise<RunSummary | undefined>;
  async runIncremental(options: IncrementalOptions): Promise<RunSummary | FullRunWanted | undefined> {
    return this.repository.serialised(() => this.runIncrementalLocked(options));
  }

  /** The run's rules' settings; the county, when not configured, is read once a run in parts by each process (runId). */
  private async reconciliationConfig(asOf: IsoDate, runId?: string): Promise<ReconciliationConfig> {
    const countyCode = this.config.countyCode ?? (await this.countyOf(runId));
    return reconciliationConfig({
      asOf, countyCode, birthGraceDays: this.config.birthGraceDays, resolveWithinWorkingDays: this.config.resolveWithinWorkingDays,
    });
  }

  private countyOf(runId?: string): Promise<string> {
    const read = async () => (await this.repository.mostCommonCounty()) ?? '000000';
    return runId === undefined ? read() : onceForRun(this.countyOfRun, runId, read);
  }

  private async runIncrementalLocked(options: IncrementalOptions): Promise<RunSummary | FullRunWanted | undefined> {
    await this.assertNoRunInParts();
    const { batches, more } = await this.repository.unreconciledBatches(options.maxBatches ?? INCREMENTAL_BATCHES);
    if (batches.length === 0) return undefined;
    // A backlog (a bulk load just ended, runs held off): one full run covers it at lower cost than many incremental ones.
    if (more) return this.fullRunInstead(options, 'backlog');
    const started = Date.now();
    const asOf = options.asOf ?? this.config.reconcileAsOf ?? todayInChina();
    const messageIds = await this.repository.messagesOfBatches(batches);
    const changedCards = await this.repository.cardsWrittenBy(messageIds);
    // Reached before the refresh: the facts the cards' old persons met as well as their persons now.
    const reached = await this.candidates.factsReachedBy(changedCards, asOf);
    await this.candidates.refreshCards(changedCards, asOf);
    // Changed cards that may relink a large part of the county (always so with candidates that
    // cannot narrow it): a full run reads it set-wise at lower cost than look-ups by id.
    if (reached.length > (options.maxReachedFacts ?? INCREMENTAL_REACHED_FACTS)) return this.fullRunInstead({ ...options, asOf }, 'reach');
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

  /** The full run an incremental one becomes: here, or (in parts, when asked) handed back to be queued as a flow. */
  private async fullRunInstead(options: IncrementalOptions, cause: FullRunWanted['fullRunWanted']): Promise<RunSummary | FullRunWanted> {
    if (options.handOverRunInParts && (await this.goesInParts())) return { fullRunWanted: cause };
    return this.runLocked({ trigger: options.trigger, asOf: options.asOf });
  }

  /**
   * The people these messages, facts and cards touch, with every card and fact of theirs: the
   * facts are linked (through the candidates), the cards they link to are read, and every id any
   * of them names is looked up in turn (cards naming it, facts stating it, facts linked to a card
   * read), until nothing new turns up. Reads only those rows.
   */
  private async gatherPeople(
    seeds: { messageIds: string[]; factIds: string[]; cardIds: string[] }, config: ReconciliationConfig, useStoredLinks = false,
    idCounts?: StoredIdCounts,
  ) {
    const asOf = config.asOf;
    const cards = new Map<string, RegistryCardView>();
    const stored: StoredAgencyFact[] = [];
    const messagesRead = new Set<string>();
    const idsLookedUp = new Set<string>();
    const linked: Linked = {
      facts: [], factIds: [], decisions: [], links: [], unlinked: [], linkCounts: { link: 0, review: 0, nonLink: 0, manual: 0 }, unlinkedCauses: [], unlinkedFactIds: [],
    };

    let newFacts = await this.repository.loadAgencyFacts({ messageIds: seeds.messageIds, factIds: seeds.factIds });
    let newCards = await this.repository.loadCurrentCards({ cardIds: seeds.cardIds });
    while (newFacts.length > 0 || newCards.length > 0) {
      for (const card of newCards) cards.set(card.cardId, card);
      for (const f of newFacts) messagesRead.add(f.fact.messageId);
      stored.push(...newFacts);

      const ids = new Set<string>();
      const wantedCards = new Set<string>();
      let cardsOfStoredLinks: RegistryCardView[] = [];
      if (newFacts.length > 0) {
        const manual = await this.repository.loadManualLinks(newFacts.map((f) => f.factId));
        const stored = useStoredLinks ? await this.storedVerdicts(newFacts, cards, asOf) : undefined;
        cardsOfStoredLinks = stored?.cards ?? [];
        const toLink = stored === undefined ? newFacts : newFacts.filter((f) => !stored.verdicts.has(f.factId));
        const linkerCards = toLink.length > 0 ? await this.candidates.cardsFor(toLink.map((f) => f.fact), asOf) : [];
        const result = this.link(linkerCards, newFacts, manual, config, stored?.verdicts);
        mergeLinked(linked, result);
        for (const fact of result.facts) {
          if (fact.cardId !== undefined) wantedCards.add(fact.cardId);
          for (const id of idsStatedBy(fact, asOf)) if (this.mayFindMore(idCounts, id, fact.person.citizenId === id)) ids.add(id);
        }
        for (const link of result.links) if (link.cardId !== null) wantedCards.add(link.cardId);
        for (const m of manual) if (m.personKey !== null) ids.add(m.personKey);
      }
      for (const card of newCards) {
        for (const id of idsOnCard(card, asOf)) if (this.mayFindMore(idCounts, id, statesVerbatim(card, id))) ids.add(id);
      }
      const hashes = [...ids].filter((id) => !idsLookedUp.has(id)).map((id) => {
        idsLookedUp.add(id);
        return this.repository.personLookup(id);
      });
      const cardsJustRead = newCards.map((c) => c.cardId);
      // Cards read for stored verdicts are this round's too: their ids are looked up next.
      const loaded = new Set(cardsOfStoredLinks.map((c) => c.cardId));
      newCards = [
        ...cardsOfStoredLinks,
        ...(await this.repository.loadCurrentCards({
          cardIds: [...wantedCards].filter((id) => !cards.has(id) && !loaded.has(id)), citizenHashes: hashes, except: [...cards.keys(), ...loaded],
        })),
      ];
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
    await this.assertNoRunInParts();
    // A county that fits in memory is read at once (several times faster than parts); a larger one
    // goes in parts, and so does a run of one of its townships (its parts: that township's).
    return (await this.goesInParts(options.inParts)) ? this.runInParts(options) : this.runInMemoryLocked(options);
  }

  /** Whether a full run of the county goes in parts: as told, else when the registry holds more cards than fit in memory. */
  async goesInParts(inParts?: boolean): Promise<boolean> {
    return inParts ?? (await this.repository.currentCardCount()) > this.config.reconcileInMemoryMaxCards;
  }

  /**
   * A full run in parts that is still running (planned, not ended) stops every other run: its end
   * closes what no part saw, which must not meet discrepancies another run raised meanwhile. One
   * whose parts have not moved for RECONCILE_PART_STALE_MINUTES (its jobs lost) is abandoned.
   */
  private async assertNoRunInParts(): Promise<void> {
    const open = await this.parts.openRun();
    if (open === undefined) return;
    const idleMinutes = (Date.now() - open.lastProgressAt.getTime()) / 60_000;
    if (idleMinutes <= this.config.reconcileParts.staleMinutes) throw new RunUnderWay(open.runId);
    await this.repository.failRunIfRunning(open.runId, `abandoned: no part moved for ${Math.round(idleMinutes)} minutes`);
    this.logger.warn(`full run ${open.runId} in parts abandoned: no part moved for ${Math.round(idleMinutes)} minutes`);
  }

  /**
   * Plans a full run in parts for workers to share (a BullMQ flow): the run, its parts (each
   * township, link then decide) and the batches it covers are noted; nothing is reconciled yet.
   * The parts are then run by linkPart and decidePart, in any process, and the run ended by
   * finishRunInParts. Throws RunUnderWay while another run in parts is running.
   */
  async planRunInParts(options: { trigger: RunTrigger; asOf?: IsoDate }): Promise<PlannedRun> {
    return this.repository.serialised(async () => {
      await this.assertNoRunInParts();
      return this.planLocked(options);
    });
  }

  private async planLocked(options: { trigger: RunTrigger; asOf?: IsoDate; townshipCode?: string | null }): Promise<PlannedRun> {
    const asOf = options.asOf ?? this.config.reconcileAsOf ?? todayInChina();
    const township = options.townshipCode ?? null;
    const runId = await this.repository.startRun(options.trigger, township, asOf, 'full');
    try {
      // Whatever a crash kept from the linkage blocks (a card's new version, facts never filed) is filed now.
      await this.candidates.catchUp();
      const townships = township === null ? await this.repository.townships() : [township];
      // Covered batches are noted before any part reads a fact: each is committed, so the parts read its facts.
      // A run of one township covers none: the others' records in a batch are not reconciled by it.
      await this.parts.plan(runId, townships, township === null);
      return { runId, asOf, townships };
    } catch (error) {
      await this.repository.finishRun(runId, { error: (error as Error).message }).catch(() => undefined);
      throw error;
    }
  }

  /**
   * The county's full run in parts, here in one process (the CLI, or a worker without a flow):
   * the same parts as the flow runs, one after another. Each part reads a page of a township's
   * cards and facts at a time, with every card and fact of the people they touch, so memory
   * follows the largest page's people, not the county.
   */
  private async runInParts(options: ReconcileOptions): Promise<RunSummary> {
    const { runId, townships } = await this.planLocked(options);
    try {
      const concurrency = this.config.reconcileParts.concurrency;
      await inTurns(townships, concurrency, (township) => this.linkPart(runId, township, options.pageSize));
      await inTurns(townships, concurrency, async (township) => {
        const counts = await this.decidePart(runId, township, options.pageSize);
        options.onPart?.({ township, parts: counts.parts, persons: counts.persons, cards: counts.cards, facts: counts.facts });
      });
      return await this.finishRunInParts(runId);
    } catch (error) {
      await this.repository.failRunIfRunning(runId, (error as Error).message).catch(() => undefined);
      throw error;
    }
  }

  /** The plan of a run in parts that is still running; throws (for good: retrying cannot help) otherwise. */
  private async runningPlan(runId: string): Promise<{ asOf: IsoDate; townshipCode: string | null; townships: string[] }> {
    const plan = await this.parts.runPlan(runId);
    if (plan === undefined) throw new RunNotRunning(`run ${runId} is not a full run in parts`);
    if (plan.status !== 'running') throw new RunNotRunning(`run ${runId} has ended (${plan.status})`);
    return plan;
  }

  /**
   * The link phase of a township's part: its facts a page at a time, linked through the candidates,
   * the verdicts stored (staff decisions stand). Resumes after the last page it stored; done once,
   * whichever process runs it. Every township's links are stored before any decide part starts,
   * so that a part finds every fact linked to a card it reads, wherever that fact was stated.
   */
  async linkPart(runId: string, township: string, pageSize = this.config.reconcileParts.linkPage): Promise<void> {
    const plan = await this.runningPlan(runId);
    const part = await this.parts.part<LinkPartCounts>(runId, 'link', township);
    if (part === undefined) throw new RunNotRunning(`run ${runId} has no township ${township}`);
    if (part.done) return;
    const config = await this.reconciliationConfig(plan.asOf, runId);
    let cursor: PartCursor = part;
    let written = part.counts?.written ?? 0;
    for (;;) {
      const factIds = await this.repository.townshipFactIds(township, cursor.afterFact, pageSize);
      if (factIds.length > 0) {
        const stored = await this.repository.loadAgencyFacts({ factIds });
        const manual = await this.repository.loadManualLinks(stored.map((f) => f.factId));
        const decided = new Set(manual.map((m) => m.factId));
        const toLink = stored.filter((f) => !decided.has(f.factId));
        const found = await this.candidates.linkFacts(toLink, config.asOf);
        const verdicts = new Map(toLink.map((f, i): [string, Verdict] => [f.factId, { ...found[i], stored: false }]));
        written += (await this.repository.saveLinks(this.link([], stored, manual, config, verdicts).links)).written;
      }
      const next: PartCursor = { afterCard: null, afterFact: factIds.at(-1) ?? cursor.afterFact, cardsDone: true, factsDone: factIds.length < pageSize };
      await this.parts.advance(undefined, runId, 'link', township, cursor, next, { written }, next.factsDone);
      if (next.factsDone) return;
      cursor = next;
    }
  }

  /**
   * The decide phase of a township's part: its cards and facts a page at a time (by key), each page
   * with the people it touches, their discrepancies decided. A scope is decided wholly by each page
   * that reads it (gatherPeople reads every card and fact of a person, wherever they are), so
   * deciding it twice writes nothing new. Each page commits with the part's progress and counts,
   * so a part cut short resumes after its last page and counts nothing twice. What a page read
   * counts for the run only when it lies in this township, so that people read twice count once.
   */
  async decidePart(runId: string, township: string, pageSize = this.config.reconcileParts.page): Promise<DecidePartCounts> {
    const plan = await this.runningPlan(runId);
    const part = await this.parts.part<DecidePartCounts>(runId, 'decide', township);
    if (part === undefined) throw new RunNotRunning(`run ${runId} has no township ${township}`);
    if (part.done) return part.counts ?? emptyPartCounts();
    const linking = (await this.parts.parts(runId, 'link')).filter((p) => !p.done).map((p) => p.townshipCode);
    if (linking.length > 0) throw new Error(`run ${runId}: townships ${linking.join(', ')} are not linked yet`);
    const config = await this.reconciliationConfig(plan.asOf, runId);
    const asOf = config.asOf;
    let cursor: PartCursor = part;
    let total = part.counts ?? emptyPartCounts();
    while (!(cursor.cardsDone && cursor.factsDone)) {
      const cardIds: string[] = cursor.cardsDone ? [] : await this.repository.townshipCardIds(township, cursor.afterCard, pageSize);
      const factIds: string[] = cursor.factsDone ? [] : await this.repository.townshipFactIds(township, cursor.afterFact, pageSize);
      const next: PartCursor = {
        afterCard: cardIds.at(-1) ?? cursor.afterCard, afterFact: factIds.at(-1) ?? cursor.afterFact,
        cardsDone: cursor.cardsDone || cardIds.length < pageSize, factsDone: cursor.factsDone || factIds.length < pageSize,
      };
      const from = cursor;
      const done = next.cardsDone && next.factsDone;
      if (cardIds.length === 0 && factIds.length === 0) {
        await this.parts.advance(undefined, runId, 'decide', township, from, next, total, done);
        cursor = next;
        continue;
      }
      // Every township was linked by this run's link phase: its verdicts stand (a fact stored since is linked now).
      const people = await this.gatherPeople({ messageIds: [], factIds, cardIds }, config, true, await this.storedIds(runId));
      const cards = [...people.cards.values()];
      const { written } = await this.repository.saveLinks(people.linked.links);
      const drafts = [...reconcile(cards, people.linked.facts, config), ...people.linked.unlinked];
      const scopes = scopesOf(this.repository, cards, people.stored, asOf);

      // Counted where they lie: this page's own cards and facts.
      const ownFacts = new Set(factIds);
      const page = emptyPartCounts();
      page.parts = 1;
      page.cards = cardIds.length;
      page.facts = factIds.length;
      // Cards by the page that lists them; persons without a card noted for the run, to be counted once at its end.
      page.persons = cardIds.length;
      const cardless = [...cardlessPersons(people.linked.facts.filter((_f, i) => ownFacts.has(people.linked.factIds[i])), asOf)]
        .map((person) => (person.startsWith('id:') ? this.repository.personScope(person.slice(3)) : person));
      page.links.written = written;
      for (const [i, factId] of people.linked.factIds.entries()) if (ownFacts.has(factId)) page.links[people.linked.decisions[i]] += 1;
      for (const [i, cause] of people.linked.unlinkedCauses.entries()) if (ownFacts.has(people.linked.unlinkedFactIds[i])) page.unlinked[cause] = (page.unlinked[cause] ?? 0) + 1;

      const before = total;
      await this.repository.applyPart(runId, scopes, withSubjects(drafts, cards, people.stored), async (tx, applied) => {
        addApplied(page.applied, applied);
        total = sumPartCounts(before, page);
        await this.parts.notePersons(tx, runId, cardless);
        await this.parts.advance(tx, runId, 'decide', township, from, next, total, done);
      });
      cursor = next;
    }
    return total;
  }

  /**
   * How many rows state each id, read once a run by each process that decides its parts (a second
   * or so at 1,000,000 people). Rows stored since are not counted: their records' batches are not
   * the run's, and the next incremental run reads their people whole.
   */
  private storedIds(runId: string): Promise<StoredIdCounts> {
    return onceForRun(this.storedIdsOfRun, runId, () => this.repository.storedIdCounts());
  }

  /**
   * Whether looking up this form of an id may find a card or fact not in hand: always, unless the
   * rows are counted and none states it but (when `statedHere`) the card or fact it was read from.
   */
  private mayFindMore(counts: StoredIdCounts | undefined, id: string, statedHere: boolean): boolean {
    return counts === undefined || counts.count(this.repository.personLookup(id)) > (statedHere ? 1 : 0);
  }

  /**
   * Ends a full run in parts once every part is done: what no part decided is closed, the covered
   * batches are marked reconciled and the run recorded, in one transaction. Ending a run that has
   * ended already gives its recorded summary (the flow's last job retried).
   */
  async finishRunInParts(runId: string): Promise<RunSummary> {
    const recorded = await this.repository.recordedSummary(runId);
    if (recorded !== undefined) return recorded as RunSummary;
    const plan = await this.runningPlan(runId);
    const decided = await this.parts.parts<DecidePartCounts>(runId, 'decide');
    const pending = decided.filter((p) => !p.done).map((p) => p.townshipCode);
    if (pending.length > 0) throw new Error(`run ${runId}: townships ${pending.join(', ')} are not decided yet`);
    const total = decided.reduce((sum, p) => sumPartCounts(sum, p.counts ?? emptyPartCounts()), emptyPartCounts());
    for (const p of await this.parts.parts<LinkPartCounts>(runId, 'link')) total.links.written += p.counts?.written ?? 0;
    const found = await this.parts.foundByKind(runId);
    total.persons += await this.parts.cardlessPersonCount(runId);
    const batches = await this.parts.coveredBatchCount(runId);
    const started = await this.repository.runStartedAt(runId);
    let summary: RunSummary | undefined;
    const closed = await this.repository.closeUnseenScopes(runId, (applied) => {
      const all = sumPartCounts(total, { ...emptyPartCounts(), applied });
      summary = {
        runId, mode: 'full', asOf: plan.asOf, townshipCode: plan.townshipCode, persons: all.persons, cards: all.cards, facts: all.facts, batches,
        links: all.links, unlinked: { ...countUnlinkedCauses([]), ...all.unlinked }, found, ...all.applied,
        milliseconds: Date.now() - started.getTime(),
      };
      return { counts: { ...summary }, read: { persons: all.persons, facts: all.facts, cards: all.cards }, applied: all.applied };
    });
    // Ended meanwhile by another worker (this job thought stalled): that end stands.
    if (closed === undefined || summary === undefined) return (await this.repository.recordedSummary(runId)) as RunSummary;
    this.logger.log(
      `full run ${runId} (${total.parts} parts in ${plan.townships.length} townships): ${summary.persons} persons, ${summary.facts} facts read, ` +
        `${summary.raised} raised, ${summary.closedByData} closed by data, in ${summary.milliseconds} ms`,
    );
    return summary;
  }

  /** The townships of a running run in parts, in order. */
  async townshipsOfRunInParts(runId: string): Promise<string[]> {
    return (await this.runningPlan(runId)).townships;
  }

  /** Marks a run in parts failed (a part failed for good); the next run may start. */
  async failRunInParts(runId: string, reason: string): Promise<void> {
    if (await this.repository.failRunIfRunning(runId, reason)) this.logger.warn(`full run ${runId} in parts failed: ${reason}`);
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

  /**
   * Linkage's verdicts stored by this run's link phase, for a decide part (linking each fact again
   * would cost as much as the link phase did): each with the registry person it names, read from
   * the current card (`cards` known already, the others read and returned). A verdict whose person
   * is no longer on the card (it changed since) is left out: that fact is linked again.
   */
  private async storedVerdicts(facts: readonly StoredAgencyFact[], known: ReadonlyMap<string, RegistryCardView>, asOf: IsoDate) {
    const links = await this.repository.loadAutomaticLinks(facts.map((f) => f.factId));
    // Each card once, however many facts link to it.
    const linkedCards = new Set(links.map((l) => l.cardId).filter((id): id is string => id !== null));
    const missing = [...linkedCards].filter((id) => !known.has(id));
    const cards = missing.length > 0 ? await this.repository.loadCurrentCards({ cardIds: missing }) : [];
    const targets = new Map<string, RegistryLinkTarget>();
    for (const card of [...cards, ...[...linkedCards].map((id) => known.get(id)).filter((c) => c !== undefined)]) {
      for (const target of cardLinkTargets(card, asOf)) targets.set(target.personId, target);
    }
    const verdicts = new Map<string, Verdict>();
    for (const link of links) {
      const target = link.personKey === null ? undefined : targets.get(link.personKey);
      if (link.decision !== 'non-link' && target === undefined) continue;
      verdicts.set(link.factId, {
        target, stored: true,
        result: {
          method: link.method as LinkResult['method'], decision: link.decision, weights: {}, candidates: link.candidates,
          ...(link.personKey === null ? {} : { personId: link.personKey }), ...(link.score === null ? {} : { score: link.score }),
        },
      });
    }
    return { verdicts, cards };
  }

  /**
   * Links every fact against these cards (or keeps staff's decision, or a verdict found before:
   * by the candidates' own pass, or stored by this run's link phase) and returns the facts as the
   * rules read them; `links` holds the verdicts to store (all but those stored already).
   */
  private link(cards: RegistryCardView[], stored: StoredAgencyFact[], manual: ManualLink[], config: ReconciliationConfig, verdicts?: ReadonlyMap<string, Verdict>): Linked {
    const linker = registryLinker(cards, config.asOf);
    const manualByFact = new Map(manual.map((m) => [m.factId, m]));
    const facts: AgencyFact[] = [];
    const factIds: string[] = [];
    const decisions: Linked['decisions'] = [];
    const unlinkedFactIds: string[] = [];
    const links: LinkRow[] = [];
    const unlinked: DiscrepancyDraft[] = [];
    const linkCounts = { link: 0, review: 0, nonLink: 0, manual: 0 };
    const unlinkedCauses: UnlinkedCause[] = [];
    for (const { factId, fact, spouseName } of stored) {
      const decided = manualByFact.get(factId);
      if (decided !== undefined) {
        linkCounts.manual += 1;
        factIds.push(factId);
        decisions.push('manual');
        const target = decided.personKey === null ? undefined : linker.targets.get(decided.personKey);
        facts.push(withLink(fact, decided.decision === 'link' ? target : undefined, config.asOf));
        continue;
      }
      const known = verdicts?.get(factId);
      const result = known?.result ?? linkFact(fact, linker, {}, spouseName === undefined ? undefined : { spouseName });
      const target: RegistryLinkTarget | undefined = known !== undefined ? known.target : result.personId === undefined ? undefined : linker.targets.get(result.personId);
      if (result.decision === 'link') linkCounts.link += 1;
      else if (result.decision === 'review') linkCounts.review += 1;
      else {
        linkCounts.nonLink += 1;
        unlinkedCauses.push(unlinkedCause(fact, config.asOf));
        unlinkedFactIds.push(factId);
      }
      factIds.push(factId);
      decisions.push(result.decision === 'non-link' ? 'nonLink' : result.decision);
      facts.push(withLink(fact, result.decision === 'link' ? target : undefined, config.asOf, result.decision === 'review'));
      if (isUnlinkedRecord(fact, result)) unlinked.push(unlinkedRecordDraft(fact, result, config));
      if (known?.stored) continue;
      links.push({
        factId, messageId: fact.messageId,
        // The review queue belongs to the office of the candidate's card, else of the record's region.
        townshipCode: (target?.regionCode ?? fact.regionCode).slice(0, 9),
        method: result.method, decision: result.decision, personKey: result.personId ?? null,
        cardId: target?.cardId ?? null, cardRole: target?.cardRole ?? null, personCitizenId: target?.validCitizenId ?? null,
        score: result.score === undefined ? null : roundedScore(result.score),
        weights: result.weights, runnerUp: result.runnerUp ?? null, candidates: result.candidates,
      });
    }
    return { facts, factIds, decisions, links, unlinked, linkCounts, unlinkedCauses, unlinkedFactIds };
  }
}

/** A verdict found before `link` (by the candidates' own pass, or stored by a run's link phase), with the registry person it names. */
interface Verdict extends FactVerdict {
  /** Stored already (by the link phase): not written again. */
  stored: boolean;
}

interface Linked {
  facts: AgencyFact[];
  /** The stored fact of each of `facts`. */
  factIds: string[];
  /** How each of `facts` was linked (staff's decision: 'manual'). */
  decisions: ('link' | 'review' | 'nonLink' | 'manual')[];
  links: LinkRow[];
  unlinked: DiscrepancyDraft[];
  linkCounts: { link: number; review: number; nonLink: number; manual: number };
  unlinkedCauses: UnlinkedCause[];
  /** The fact of each of `unlinkedCauses`. */
  unlinkedFactIds: string[];
}

/** What a link part counted: the links it wrote. */
interface LinkPartCounts {
  written: number;
}

/** What a decide part counted so far (stored with its progress): what lies in its township. */
export interface DecidePartCounts {
  parts: number;
  persons: number;
  cards: number;
  facts: number;
  links: RunSummary['links'];
  unlinked: Partial<Record<UnlinkedCause, number>>;
  applied: ApplyCounts;
}

/** A full run in parts as planned: its id, day and townships. */
export interface PlannedRun {
  runId: string;
  asOf: IsoDate;
  townships: string[];
}

/** Another run cannot start while a full run in parts is running (see assertNoRunInParts). */
export class RunUnderWay extends Error {
  override name = 'RunUnderWay';
  constructor(readonly runId: string) {
    super(`full reconciliation run ${runId} is under way in parts; runs start again once it ends`);
  }
}

/** A part or end of a run that is not (or no longer) a running run in parts: retrying cannot help. */
export class RunNotRunning extends Error {
  override name = 'RunNotRunning';
}

function emptyPartCounts(): DecidePartCounts {
  return {
    parts: 0, persons: 0, cards: 0, facts: 0, links: { link: 0, review: 0, nonLink: 0, manual: 0, written: 0 }, unlinked: {},
    applied: { raised: 0, reopened: 0, changed: 0, closedByData: 0, byKind: {} },
  };
}

function sumPartCounts(a: DecidePartCounts, b: DecidePartCounts): DecidePartCounts {
  const sum = emptyPartCounts();
  for (const counts of [a, b]) {
    sum.parts += counts.parts;
    sum.persons += counts.persons;
    sum.cards += counts.cards;
    sum.facts += counts.facts;
    for (const k of Object.keys(sum.links) as (keyof RunSummary['links'])[]) sum.links[k] += counts.links[k];
    for (const [cause, n] of Object.entries(counts.unlinked) as [UnlinkedCause, number][]) sum.unlinked[cause] = (sum.unlinked[cause] ?? 0) + n;
    addApplied(sum.applied, counts.applied);
  }
  return sum;
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
  into.decisions.push(...more.decisions);
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

/** Works on the items in order, at most `concurrency` at once; after a failure none is started, and it is thrown once those in hand end. */
async function inTurns<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failing = false;
  const hand = async () => {
    while (next < items.length && !failing) {
      try {
        await work(items[next++]);
      } catch (error) {
        failing = true;
        throw error;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(concurrency, items.length) }, hand));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}

/** What `read` gives for this run, read once (the last run's only: a process works on one run in parts at a time); a failed read is tried again. */
function onceForRun<T>(cache: Map<string, Promise<T>>, runId: string, read: () => Promise<T>): Promise<T> {
  let value = cache.get(runId);
  if (value === undefined) {
    cache.clear();
    value = read();
    value.catch(() => cache.delete(runId));
    cache.set(runId, value);
  }
  return value;
}

/** Whether a person of the card states this id exactly so (its keyed hash is then on the card's row). */
function statesVerbatim(card: RegistryCardView, id: string): boolean {
  return card.woman.citizenId === id || card.husband?.citizenId === id || card.children.some((child) => child.citizenId === id);
}

/** People reconciled: the cards, and the persons of facts without a card (see cardlessPersons). */
function countPersons(cards: readonly RegistryCardView[], facts: readonly AgencyFact[], asOf: IsoDate): number {
  return cards.length + cardlessPersons(facts, asOf).size;
}

/** The persons of facts linked to no card: `id:<valid id>`, else each by its record and role. */
function cardlessPersons(facts: readonly AgencyFact[], asOf: IsoDate): Set<string> {
  const cardless = new Set<string>();
  for (const fact of facts) {
    if (fact.cardId !== undefined) continue;
    const id = factCitizenId(fact, asOf);
    cardless.add(id === undefined ? `record:${fact.recordId ?? fact.messageId}|${fact.role}` : `id:${id}`);
  }
  return cardless;
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
