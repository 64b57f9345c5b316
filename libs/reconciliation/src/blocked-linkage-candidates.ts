import { Injectable, Logger } from '@nestjs/common';
import {
  CandidateTally,
  DEFAULT_PARAMETERS,
  DEFAULT_THRESHOLDS,
  cardFiledTokens,
  cardValidIds,
  compareFields,
  filedTokens as personFiledTokens,
  registryLinkTargets,
  scoreVector,
  factLinkagePerson,
  factSearchTokens,
  idToken,
  isIdToken,
  linkById,
  preparePerson,
  registryLinker,
  searchTokens,
  type AgencyFact,
  type IsoDate,
  type LinkSettings,
  type PreparedPerson,
  type RegistryCardView,
  type RegistryLinkTarget,
} from '@sanxian/domain';
import { FiledToken, LinkageBlockRepository } from '@sanxian/persistence';
import { LinkageCandidates, type FactToLink, type FactVerdict } from './linkage-candidates';

/** Cards filed (or re-filed) per transaction by a sweep; facts per statement. */
const SWEEP_CARDS = 1000;
const SWEEP_FACTS = 5000;
/** Cards read and scored at a time by `linkFacts` (with every other card stating their ids). */
const LINK_CARD_PAGE = 2000;
/** Cards as linkage reads them: without their messages' record ids. */
const TO_LINK = { recordIds: false };

export interface CatchUpSummary {
  /** The blocks were made under another key (or never): everything was filed again. */
  rebuilt: boolean;
  cards: number;
  facts: number;
}

function filedTokens(card: RegistryCardView): FiledToken[] {
  return cardFiledTokens(card).map((token) => ({ token, isId: isIdToken(token) }));
}

/**
 * Candidates from linkage's blocks in PostgreSQL (LinkageBlockRepository): a fact's valid id
 * finds the cards stating it, and, unless that settles it, its search tokens find the cards filed
 * under them by index; then every card stating a valid id those cards state is added, so that one
 * id chooses its target among the same places as in the whole registry (`linkage-subset.spec.ts` shows the verdicts are the whole registry's). Memory and
 * rows read grow with the facts asked about, never with the county.
 *
 * Keeping the blocks in step: `refreshCards` for the cards a batch or a correction wrote (call
 * `factsReachedBy` first: it reads the cards' old blocks as well as their persons now), and
 * `blockFacts` for a batch's new facts; `catchUp` finds and files whatever was missed (a crash
 * between the registry's commit and the refresh, facts stored before) and is cheap when nothing
 * is; it runs by itself before the first look-up when the blocks were made under another key or
 * never made (after the migration, after a key rotation).
 */
@Injectable()
export class BlockedLinkageCandidates extends LinkageCandidates {
  private readonly logger = new Logger(BlockedLinkageCandidates.name);
  private keyChecked = false;

  constructor(private readonly blocks: LinkageBlockRepository) {
    super();
  }

  /**
   * Two look-ups: first the cards stating the facts' own valid ids, which settle most facts by
   * their deterministic link (an id held at one place, agreeing on name or birth date); then the
   * blocks of the facts left, whose candidates are scored. A settled fact needs no blocks: its
   * blocking keys (the birthday's, the name's) would bring tens of cards each.
   */
  async cardsFor(facts: readonly AgencyFact[], asOf: IsoDate): Promise<RegistryCardView[]> {
    await this.ready();
    const loaded = new Set<string>();
    // Each fact's person prepared once (its name's keys are the dear part) for both look-ups.
    const persons = facts.map((fact) => preparePerson(factLinkagePerson(fact)));
    const ids = [...new Set(persons.map((person) => person.validId).filter((id): id is string => id !== undefined))];
    const idCards = await this.withEveryPlaceOfTheirIds(await this.blocks.cardsFiledUnder(ids.map(idToken)), loaded);
    const byId = registryLinker(idCards, asOf).index;
    const unsettled = persons.filter((person) => linkById(person, byId) === undefined);
    const blocked = await this.withEveryPlaceOfTheirIds(await this.blocks.cardsFiledUnder(unsettled.flatMap((person) => searchTokens(person))), loaded);
    return [...idCards, ...blocked].sort((a, b) => (a.cardId < b.cardId ? -1 : a.cardId > b.cardId ? 1 : 0));
  }

  /**
   * Each fact's verdict, as the whole registry gives it, reading each card its facts may link to
   * once, a page at a time (however many of the facts it pairs with): the first look-up settles the
   * facts their own valid id links; the others' candidates are scored page by page into a tally per
   * fact (`CandidateTally`: the count and the best two, as `linkPerson` decides on them). Memory
   * follows the facts and one page of cards, not the cards their blocks reach, which grow with the county.
   */
  override async linkFacts(facts: readonly FactToLink[], asOf: IsoDate, settings: LinkSettings = {}, cardPage = LINK_CARD_PAGE): Promise<FactVerdict[]> {
    await this.ready();
    const params = settings.params ?? DEFAULT_PARAMETERS;
    const persons = facts.map(({ fact, spouseName }) => preparePerson(factLinkagePerson(fact, spouseName === undefined ? undefined : { spouseName })));
    const ids = [...new Set(persons.map((person) => person.validId).filter((id): id is string => id !== undefined))];
    const byId = registryLinker(await this.withEveryPlaceOfTheirIds(await this.blocks.cardsFiledUnder(ids.map(idToken)), new Set()), asOf);
    const verdicts: (FactVerdict | undefined)[] = persons.map((person) => {
      const result = linkById(person, byId.index, params);
      return result === undefined ? undefined : { result, target: byId.targets.get(result.personId!) };
    });

    // The facts left, by the tokens they search; each card filed under one of them is read once.
    const searching = new Map<string, number[]>();
    persons.forEach((person, i) => {
      if (verdicts[i] !== undefined) return;
      for (const token of searchTokens(person)) {
        const list = searching.get(token);
        if (list === undefined) searching.set(token, [i]);
        else list.push(i);
      }
    });
    const tallies = new Map<number, CandidateTally>();
    for (const i of persons.keys()) if (verdicts[i] === undefined) tallies.set(i, new CandidateTally());
    // The targets some fact's tally holds as its best (a verdict names one): kept as they are met.
    const leaders = new Map<string, RegistryLinkTarget>();
    const cardIds = searching.size > 0 ? await this.blocks.cardsFiledUnder([...searching.keys()]) : [];
    for (let start = 0; start < cardIds.length; start += cardPage) {
      for (const { target, person } of await this.targetsOfPage(cardIds.slice(start, start + cardPage), asOf)) {
        const reached = new Set<number>();
        for (const token of personFiledTokens(person)) for (const i of searching.get(token) ?? []) reached.add(i);
        for (const i of reached) {
          const tally = tallies.get(i)!;
          tally.add({ personId: target.personId, ...scoreVector(compareFields(persons[i], person), params) });
          if (tally.leader === target.personId) leaders.set(target.personId, target);
        }
      }
    }
    const thresholds = settings.thresholds ?? DEFAULT_THRESHOLDS;
    return persons.map((_person, i) => {
      const settled = verdicts[i];
      if (settled !== undefined) return settled;
      const result = tallies.get(i)!.verdict(thresholds);
      return { result, target: result.personId === undefined ? undefined : leaders.get(result.personId) };
    });
  }

  /**
   * The link targets of these cards, prepared for comparison: a person whose valid id another card
   * states at a place ranking before it is not one (`registryLinkTargets`, over the page and every
   * card stating its ids); that other card's persons are targets in their own page, if any fact reaches them.
   */
  private async targetsOfPage(cardIds: readonly string[], asOf: IsoDate): Promise<{ target: RegistryLinkTarget; person: PreparedPerson }[]> {
    const page = new Set(cardIds);
    const cards = await this.withEveryPlaceOfTheirIds(cardIds, new Set());
    return registryLinkTargets(cards, asOf)
      .filter((target) => page.has(target.cardId))
      .map((target) => ({ target, person: preparePerson(target) }));
  }

  /**
   * These cards (those not loaded yet), with every card stating a valid id they state, so that
   * one id chooses its target among the same places as in the whole registry.
   */
  private async withEveryPlaceOfTheirIds(cardIds: readonly string[], loaded: Set<string>): Promise<RegistryCardView[]> {
    const met = await this.blocks.loadCards(cardIds.filter((id) => !loaded.has(id)), TO_LINK);
    for (const card of met) loaded.add(card.cardId);
    // Found by the ids' hashes in the blocks' key index (a look-up by card would visit every row of the cards).
    const ids = new Set(met.flatMap(cardValidIds));
    const holders = (await this.blocks.cardsFiledUnder([...ids].map(idToken))).filter((cardId) => !loaded.has(cardId));
    const more = await this.blocks.loadCards(holders, TO_LINK);
    for (const card of more) loaded.add(card.cardId);
    return [...met, ...more];
  }

  async factsReachedBy(cardIds: readonly string[], _asOf: IsoDate): Promise<string[]> {
    await this.ready();
    const current = (await this.blocks.loadCards(cardIds, TO_LINK)).flatMap(filedTokens);
    return this.blocks.factsReaching(cardIds, current);
  }

  async refreshCards(cardIds: readonly string[], _asOf: IsoDate): Promise<void> {
    await this.ready();
    await this.blocks.refreshCards(cardIds, filedTokens);
  }

  override async factsStored(factIds: readonly string[]): Promise<void> {
    await this.blockFacts(factIds);
  }

  /** Files these facts under the tokens they search (a batch's new facts; `catchUp` finds any left out). */
  async blockFacts(factIds: readonly string[]): Promise<void> {
    await this.ready();
    await this.blocks.blockFacts(factIds, (fact) => factSearchTokens(fact));
  }

  /**
   * Files every stale card and every fact not yet filed, a page at a time (memory bounded by the
   * page); first forgets every block if they were made under another key. One at a time (a lock).
   */
  override async catchUp(): Promise<CatchUpSummary> {
    return this.blocks.exclusively(async () => {
      const rebuilt = !(await this.blocks.filedUnderCurrentKey());
      if (rebuilt) await this.blocks.reset();
      const summary = { rebuilt, ...(await this.sweep(rebuilt)) };
      if (rebuilt) await this.blocks.markFiled();
      this.keyChecked = true;
      if (rebuilt || summary.cards || summary.facts) this.logger.log(`linkage blocks: ${rebuilt ? 'rebuilt, ' : ''}${summary.cards} cards and ${summary.facts} facts filed`);
      // Blocks filed in bulk (here or since the last full run) are vacuumed before the run looks them up.
      const vacuumed = await this.blocks.vacuumIfMuchChanged();
      if (vacuumed.length > 0) this.logger.log(`linkage blocks: ${vacuumed.join(', ')} vacuumed and analysed`);
      return summary;
    });
  }

  /**
   * Forgets every block and files the whole registry and every fact again: a repair, while no run
   * looks up (another process that has checked the key already would read half-built blocks). The
   * nightly run needs only `catchUp`.
   */
  async rebuildAll(): Promise<CatchUpSummary> {
    return this.blocks.exclusively(async () => {
      await this.blocks.reset();
      const summary = { rebuilt: true, ...(await this.sweep(true)) };
      await this.blocks.markFiled();
      this.keyChecked = true;
      await this.blocks.vacuumIfMuchChanged();
      return summary;
    });
  }

  /**
   * Files stale cards and unfiled facts, a page at a time in key order. After a reset every card
   * and fact is: pages then come straight from the registry's and the facts' keys, not from the
   * stale-finding join, whose cost is the county's each time.
   */
  private async sweep(everything: boolean): Promise<{ cards: number; facts: number }> {
    let cards = 0;
    for (let after: string | null = null; ; ) {
      const page: string[] = everything ? await this.blocks.cardsAfter(after, SWEEP_CARDS) : await this.blocks.staleCards(after, SWEEP_CARDS);
      if (!page.length) break;
      await this.blocks.refreshCards(page, filedTokens);
      cards += page.length;
      after = page[page.length - 1];
    }
    let facts = 0;
    for (let after: string | null = null; ; ) {
      const page: string[] = await this.blocks.factsAfter(after, SWEEP_FACTS, everything ? 'all' : 'unblocked');
      if (!page.length) break;
      await this.blocks.blockFacts(page, (fact) => factSearchTokens(fact));
      facts += page.length;
      after = page[page.length - 1];
    }
    return { cards, facts };
  }

  /** Blocks made under this hub's key, built first if not (once per process: a key rotation restarts the hub's processes). */
  private async ready(): Promise<void> {
    if (this.keyChecked) return;
    if (await this.blocks.filedUnderCurrentKey()) this.keyChecked = true;
    else await this.catchUp();
  }
}
