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
  unlinkedCause,
  type UnlinkedCause,
} from '@sanxian/domain';
import { ApplyCounts, DraftRow, LinkRow, ReconciliationRepository, StoredAgencyFact } from '@sanxian/persistence';

export type RunTrigger = 'nightly' | 'on-demand' | 'intake' | 'cli';

export interface ReconcileOptions {
  /** Only this township's discrepancies are written (raised and closed); unset: the county's. */
  townshipCode?: string | null;
  trigger: RunTrigger;
  /** Unset: the configured day, else today in China. */
  asOf?: IsoDate;
}

export interface RunSummary extends ApplyCounts {
  runId: string;
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
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  async run(options: ReconcileOptions): Promise<RunSummary> {
    return this.repository.serialised(() => this.runLocked(options));
  }

  private async runLocked(options: ReconcileOptions): Promise<RunSummary> {
    const started = Date.now();
    const asOf = options.asOf ?? this.config.reconcileAsOf ?? todayInChina();
    const townshipCode = options.townshipCode ?? null;
    const runId = await this.repository.startRun(options.trigger, townshipCode, asOf);
    try {
      const [cards, stored, manual] = await Promise.all([
        this.repository.loadCurrentCards(),
        this.repository.loadAgencyFacts(),
        this.repository.loadManualLinks(),
      ]);
      const countyCode = this.config.countyCode ?? (await this.repository.mostCommonCounty()) ?? '000000';
      const config = reconciliationConfig({
        asOf, countyCode, birthGraceDays: this.config.birthGraceDays, resolveWithinWorkingDays: this.config.resolveWithinWorkingDays,
      });

      const { facts, links, unlinked, linkCounts, unlinkedCauses } = this.link(cards, stored, manual, config);
      const { written } = await this.repository.saveLinks(links);

      const drafts = [...reconcile(cards, facts, config), ...unlinked]
        .filter((d) => townshipCode === null || d.townshipCode === townshipCode);
      const rows = withSubjects(drafts, cards, stored);
      const applied = await this.repository.applyDrafts(runId, townshipCode, rows);

      const found: Record<string, number> = {};
      for (const draft of drafts) found[draft.kind] = (found[draft.kind] ?? 0) + 1;
      const summary: RunSummary = {
        runId, asOf, townshipCode, cards: cards.length, facts: stored.length, links: { ...linkCounts, written }, unlinked: countUnlinkedCauses(unlinkedCauses), found, ...applied,
        milliseconds: Date.now() - started,
      };
      await this.repository.finishRun(runId, { counts: { ...summary } });
      this.logger.log(
        `run ${runId} (${options.trigger}${townshipCode ? `, township ${townshipCode}` : ''}): ${drafts.length} found, ` +
          `${applied.raised} raised, ${applied.closedByData} closed by data, in ${summary.milliseconds} ms`,
      );
      return summary;
    } catch (error) {
      await this.repository.finishRun(runId, { error: (error as Error).message }).catch(() => undefined);
      throw error;
    }
  }

  /** Links every fact (or keeps staff's decision) and returns the facts as the rules read them. */
  private link(
    cards: RegistryCardView[],
    stored: StoredAgencyFact[],
    manual: { factId: string; decision: 'link' | 'non-link'; personKey: string | null }[],
    config: ReconciliationConfig,
  ) {
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
