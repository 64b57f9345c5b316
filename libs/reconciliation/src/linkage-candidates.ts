import { linkFact, registryLinker, type AgencyFact, type IsoDate, type LinkResult, type LinkSettings, type RegistryCardView, type RegistryLinkTarget } from '@sanxian/domain';

/** A fact to link, with the name of the spouse its record gives (compared, never searched). */
export interface FactToLink {
  fact: AgencyFact;
  spouseName?: string;
}

/** Linkage's verdict on a fact, with the registry person it names (linked or proposed). */
export interface FactVerdict {
  result: LinkResult;
  target: RegistryLinkTarget | undefined;
}

/**
 * Where reconciliation finds the registry cards a set of agency facts may link to, so that it
 * need not hold the whole county. Linking a fact against the cards `cardsFor` returns must give
 * the verdict linking it against the whole registry gives: the cards must hold every card stating
 * the fact's valid id and, unless that id links it deterministically (`linkById`), every
 * person who shares a blocking key or an id (or an id repair) with it; and for each person held
 * with a valid id, every card stating that id (one id is one link target, chosen among all of them).
 */
export abstract class LinkageCandidates {
  /** The current cards the facts' persons may link to. */
  abstract cardsFor(facts: readonly AgencyFact[], asOf: IsoDate): Promise<RegistryCardView[]>;
  /**
   * Each fact's verdict, as linking it against the whole registry gives it. Here: against the cards
   * `cardsFor` returns, all in memory at once; candidates that can page through them do better.
   */
  async linkFacts(facts: readonly FactToLink[], asOf: IsoDate, settings: LinkSettings = {}): Promise<FactVerdict[]> {
    const linker = registryLinker(await this.cardsFor(facts.map((f) => f.fact), asOf), asOf);
    return facts.map(({ fact, spouseName }) => {
      const result = linkFact(fact, linker, settings, spouseName === undefined ? undefined : { spouseName });
      return { result, target: result.personId === undefined ? undefined : linker.targets.get(result.personId) };
    });
  }
  /** The ids of stored facts that a change to these cards may link differently (they share a blocking key or an id with one of the cards' persons). */
  abstract factsReachedBy(cardIds: readonly string[], asOf: IsoDate): Promise<string[]>;
  /** Brings what the look-ups read up to date after these cards changed (new versions, new cards). */
  abstract refreshCards(cardIds: readonly string[], asOf: IsoDate): Promise<void>;
  /** Notes facts just stored, so that a later change to a card reaches them (nothing to do where nothing is kept). */
  async factsStored(_factIds: readonly string[]): Promise<void> {}
  /** Brings what the look-ups read in step with the registry and the facts, whatever a crash left out; the full run calls it. */
  async catchUp(): Promise<unknown> {
    return undefined;
  }
}
