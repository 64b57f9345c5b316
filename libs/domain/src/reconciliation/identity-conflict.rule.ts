import { makeDraft } from './discrepancy-draft';
import { validCitizenId } from './linked-facts';
import { indexReconciliation } from './reconciliation-index';
import type { AgencyFact, DiscrepancyDraft, IsoDate, ReconciliationRule, RegistryCardView, Sex } from './types';

export const IDENTITY_FIELDS = ['name', 'sex', 'birthDate'] as const;
export type IdentityField = (typeof IDENTITY_FIELDS)[number];

interface Statement {
  fact?: AgencyFact;
  card?: RegistryCardView;
  regionCode: string;
  name?: string;
  sex?: Sex;
  birthDate?: IsoDate;
}

/**
 * One citizen id stated with a different name, sex or birth date by two sources (agency records
 * and current cards). Ids as written, not as linked: a mistyped id is someone else's id, a faulty
 * one is no id. Names compare after normalisation (width, spaces, dots, traditional forms).
 */
export const identityConflict: ReconciliationRule = (cards, facts, config, index = indexReconciliation(cards, facts, config)) => {
  const byId = new Map<string, Statement[]>();
  const state = (valid: string | undefined, statement: Statement) => {
    if (valid === undefined) return;
    const list = byId.get(valid);
    if (list === undefined) byId.set(valid, [statement]);
    else list.push(statement);
  };
  for (const fact of facts) {
    const { name, sex, birthDate } = fact.person;
    state(validCitizenId(fact.person.citizenId, config.asOf), { fact, regionCode: fact.regionCode, name, sex, birthDate });
  }
  cards.forEach((card, position) => {
    const { woman, husband, regionCode } = card;
    const ids = index.cardCitizenIds[position];
    state(ids.woman, { card, regionCode, name: woman.name, sex: woman.sex ?? 'F', birthDate: woman.birthDate });
    if (husband !== undefined) state(ids.husband, { card, regionCode, ...pick(husband) });
    card.children.forEach((child, i) => state(ids.children[i], { card, regionCode, ...pick(child) }));
  });

  const drafts: DiscrepancyDraft[] = [];
  const repeated = [...byId].filter(([, statements]) => statements.length >= 2);
  for (const [citizenId, statements] of repeated.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (const field of IDENTITY_FIELDS) {
      const stated = statements.filter((s) => s[field] !== undefined);
      // Values written alike compare alike (names too): no need to normalise them.
      if (stated.every((s) => s[field] === stated[0][field])) continue;
      const compared = (s: Statement) => (field === 'name' ? index.normalisedName(s.name!) : s[field]);
      if (new Set(stated.map(compared)).size < 2) continue;
      const registry = stated.find((s) => s.card !== undefined);
      const reference = registry ?? stated[0];
      const other = stated.find((s) => compared(s) !== compared(reference))!;
      drafts.push(
        makeDraft(
          {
            kind: 'identity-conflict',
            subject: { citizenId, field },
            regionCode: reference.regionCode,
            facts: stated.flatMap((s) => (s.fact === undefined ? [] : [s.fact])),
            evidenceCards: stated.flatMap((s) => (s.card === undefined ? [] : [s.card])),
            card: registry?.card,
            // Against a card: the agency's value and the registry's. Without one: every value stated.
            agencyValue: registry !== undefined ? other[field] : [...new Set(stated.map((s) => s[field]))],
            registryValue: registry !== undefined ? registry[field] : null,
          },
          config,
        ),
      );
    }
  }
  return drafts;
};

function pick(person: { name?: string; sex?: Sex; birthDate?: IsoDate }): Pick<Statement, 'name' | 'sex' | 'birthDate'> {
  return { name: person.name, sex: person.sex, birthDate: person.birthDate };
}
