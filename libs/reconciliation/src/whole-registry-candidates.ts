import { Injectable } from '@nestjs/common';
import type { AgencyFact, IsoDate, RegistryCardView } from '@sanxian/domain';
import { ReconciliationRepository } from '@sanxian/persistence';
import { LinkageCandidates } from './linkage-candidates';

/**
 * The simplest correct candidates: every current card, and every fact reached by any change.
 * Linking against it is linking against the whole registry, so it is always right, but it reads
 * the county: a stand-in until the candidates are found by blocking keys stored in PostgreSQL.
 */
@Injectable()
export class WholeRegistryCandidates extends LinkageCandidates {
  constructor(private readonly repository: ReconciliationRepository) {
    super();
  }

  async cardsFor(_facts: readonly AgencyFact[], _asOf: IsoDate): Promise<RegistryCardView[]> {
    return this.repository.loadCurrentCards();
  }

  async factsReachedBy(cardIds: readonly string[], _asOf: IsoDate): Promise<string[]> {
    if (cardIds.length === 0) return [];
    return this.repository.allAgencyFactIds();
  }

  async refreshCards(_cardIds: readonly string[], _asOf: IsoDate): Promise<void> {}
}
